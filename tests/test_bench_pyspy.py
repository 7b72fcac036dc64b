"""bench/pyspy.py charges time spent in C below a Python frame to the right layer."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import pyspy  # bench/ is a folder of scripts, not a package

ROOT = str(Path(__file__).resolve().parent.parent)
_MAIN = f"main ({ROOT}/services/ledger/ledger/__main__.py:9)"
_RUN = f"run ({ROOT}/libs/common/nestegg_common/server.py:80)"
_WRITE = "_writelines (/venv/lib/python3.11/site-packages/aiohttp/http_writer.py:120)"
_OWN = f"record_out ({ROOT}/services/ledger/ledger/domain.py:120)"


def test_the_event_loop_and_socket_writes_are_not_own_code(tmp_path: Path) -> None:
    raw = tmp_path / "profile.txt"
    raw.write_text(
        f"{_MAIN};{_RUN} 6\n"  # uvloop, the parsers, socket reads: C below `run`
        f"{_MAIN};{_RUN};StreamWriter.{_WRITE} 3\n"
        f"{_MAIN};{_RUN};{_OWN} 1\n"
    )
    layers = dict(pyspy.summarise(raw)["self_by_layer_pct"])
    assert layers == {
        "event loop in C (uvloop, parsers, socket reads)": 60.0,
        "socket writes (kernel send)": 30.0,
        "nestegg (own code)": 10.0,
    }
