"""The database's own ceiling: pgbench running the ledger's exact SQL of GET /assets[/{id}]."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from seed import USER_PREFIX, Shape
from stats import percentiles

from ledger.repository import SQL
from nestegg_common.pgserver import embedded_bin_dir

PAGE_SIZE = 50
# pgbench's \set makes integers only: the uuid parameters are built from them in SQL, which costs
# one string concatenation per statement next to the statement itself.
_USER = f"('{USER_PREFIX}' || lpad(:u, 12, '0'))::uuid"
_ASSET = "(lpad(:k, 8, '0') || '-0000-4000-8000-' || lpad(:u, 12, '0'))::uuid"


def scripts(shape: Shape) -> dict[str, str]:
    """Return the pgbench script of each statement, named after the API route that runs it."""
    statements = SQL["assets"]
    # The API asks for one row more than the page to know whether a next page exists.
    page = statements.first_page.replace("$1", _USER).replace("$2", str(PAGE_SIZE + 1))
    one = statements.select_one.replace("$1", _USER).replace("$2", _ASSET)
    return {
        # Users 1..heavy_users have more than a page of assets, like the API user: full pages.
        "GET /assets": f"\\set u random(1, {shape.heavy_users})\n{page};\n",
        "GET /assets/{id}": (
            f"\\set u random(1, {shape.users})\n\\set k random(1, {shape.assets})\n{one};\n"
        ),
    }


def run_pgbench(dsn: str, script: str, *, clients: int, duration_s: int) -> dict[str, Any]:
    """Run one script for `duration_s` at `clients` connections; return tps and latencies."""
    pgbench = embedded_bin_dir() / "pgbench"
    with tempfile.TemporaryDirectory(prefix="nestegg-pgbench-") as folder:
        script_path = Path(folder) / "script.sql"
        script_path.write_text(script)
        prefix = Path(folder) / "tx"
        command = [
            str(pgbench),
            "-n",  # no vacuum of pgbench's own tables: there are none
            "-M",
            "prepared",  # asyncpg prepares and caches statements too
            "-c",
            str(clients),
            "-j",
            str(min(clients, os.cpu_count() or 1)),
            "-T",
            str(duration_s),
            "-f",
            str(script_path),
            "-l",
            f"--log-prefix={prefix}",
            dsn,
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=duration_s + 60, cwd=folder
        )
        if done.returncode != 0:
            raise RuntimeError(f"pgbench failed: {done.stderr.strip()[-2000:]}")
        latencies_us = [
            int(line.split()[2])
            for log in Path(folder).glob("tx.*")
            for line in log.read_text().splitlines()
            if line
        ]
    tps = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", done.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    assert tps is not None, done.stdout
    return {
        "rps": float(tps.group(1)),
        "requests": len(latencies_us),
        "errors": int(failed.group(1)) if failed else 0,
        **percentiles([us / 1000 for us in latencies_us]),
    }
