"""The embedded server `make run` uses: stopped by its last user, even after one was killed -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

# What devcluster does: start (or attach to) the server in pgdata, stop it at exit if last.
USER = """
import sys, time
from pathlib import Path
from nestegg_common.pgserver import start_embedded
start_embedded(Path(sys.argv[1]), cleanup_mode="stop")
print("attached", flush=True)
time.sleep(float(sys.argv[2]))
"""


def postmaster_pid(pgdata: Path) -> int | None:
    pid_file = pgdata / "postmaster.pid"
    return int(pid_file.read_text().split()[0]) if pid_file.exists() else None


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def user(pgdata: Path, stay_s: float) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", USER, str(pgdata), str(stay_s)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "attached"
    return process


def test_the_last_user_stops_the_server_even_after_an_earlier_one_was_killed(
    tmp_path: Path,
) -> None:
    pgdata = tmp_path / "pgdata"
    killed = user(pgdata, 60)
    postmaster = postmaster_pid(pgdata)
    assert postmaster is not None and running(postmaster)
    try:
        killed.send_signal(signal.SIGKILL)  # never says it is gone
        killed.wait()
        # A later run attaches to the same server, and exits normally as the only live user.
        assert user(pgdata, 0).wait(60) == 0
        deadline = time.monotonic() + 30
        while running(postmaster):
            assert time.monotonic() < deadline, "the server outlived its last user"
            time.sleep(0.1)
    finally:
        if running(postmaster):  # don't leave it behind when the test fails
            os.kill(postmaster, signal.SIGINT)  # PostgreSQL's fast shutdown
