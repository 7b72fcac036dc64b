"""Sample a running process with py-spy and say where its CPU time went."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

# Where a frame's file lives says which layer spent the time; the first match wins.
_LAYERS = (
    ("json encode/decode", ("json/", "orjson")),
    ("logging", ("logging/", "nestegg_common/logs.py")),
    ("pydantic", ("pydantic",)),
    ("asyncpg", ("asyncpg",)),
    ("httpx/httpcore", ("httpx", "httpcore", "h11")),
    ("aiohttp", ("aiohttp", "multidict", "yarl")),
    ("jwt/crypto", ("jwt/", "cryptography")),
    ("telemetry", ("opentelemetry", "prometheus", "nestegg_common/telemetry", "metrics.py")),
    ("asyncio/uvloop", ("asyncio/", "uvloop", "selectors.py")),
    ("nestegg (own code)", ("nestegg_common", "ledger/", "gateway/", "projections/", "accounts/")),
)
_IDLE = ("EpollSelector.select", "Loop.run_forever (uvloop", "select (selectors.py")
_ROOT = str(Path(__file__).resolve().parent.parent) + "/"
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^():]*):?(?P<line>\d*)\)$")


def py_spy() -> str | None:
    """Return the py-spy executable next to this interpreter, or on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def start_recording(pid: int, out: Path, duration_s: int) -> subprocess.Popen[bytes] | None:
    """Start sampling `pid` for `duration_s` into `out` (collapsed stacks); None without py-spy."""
    exe = py_spy()
    if exe is None:
        return None
    return subprocess.Popen(
        [
            exe,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(duration_s),
            "--rate",
            "200",
            "--nonblocking",  # sample without pausing the process: less distortion
            "--format",
            "raw",
            "-o",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


# A leaf in these Python frames is time spent below them in C, which py-spy charges to the
# frame: the event loop's own run (uvloop, the HTTP parsers, asyncpg's protocol, socket reads)
# and aiohttp's socket writes (the kernel's loopback send). Counting them as the frame's file
# made "own code" look like a third of a ledger request (issue 19).
_C_BELOW = (
    ("event loop in C (uvloop, parsers, socket reads)", "run", "nestegg_common/server.py"),
    ("socket writes (kernel send)", "StreamWriter._writelines", "aiohttp/http_writer.py"),
    ("socket writes (kernel send)", "StreamWriter._write", "aiohttp/http_writer.py"),
)


def _layer(file: str, func: str = "") -> str:
    for name, leaf, where in _C_BELOW:
        if func == leaf and file.endswith(where):
            return name
    for name, needles in _LAYERS:
        if any(n in file for n in needles):
            return name
    return "other"


def summarise(raw: Path, top: int = 12) -> dict[str, Any]:
    """Return the share of samples by layer (own time) and the hottest functions."""
    self_by_layer: Counter[str] = Counter()
    self_by_func: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = idle = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if f]
        if any(marker in frames[-1] for marker in _IDLE):
            idle += count  # the event loop waiting for sockets: not work
            continue
        total += count
        names = []
        for frame in frames:
            match = _FRAME.match(frame.strip())
            func, file = (match["func"], match["file"]) if match else (frame, frame)
            names.append((f"{func} ({_short(file)})", file))
        leaf_name, leaf_file = names[-1]
        self_by_layer[_layer(leaf_file, leaf_name.split(" (", 1)[0])] += count
        self_by_func[leaf_name] += count
        for name in {n for n, _ in names}:
            inclusive[name] += count

    def share(counter: Counter[str], below: float = 101) -> list[tuple[str, float]]:
        shares = [(k, round(100 * v / max(total, 1), 1)) for k, v in counter.most_common()]
        return [(k, v) for k, v in shares if v < below][:top]

    return {
        "samples": total,
        "idle_samples": idle,
        "self_by_layer_pct": share(self_by_layer),
        "self_by_function_pct": share(self_by_func),
        # Frames in (nearly) every busy sample are the event loop and main(): no information.
        "inclusive_pct": share(inclusive, below=85),
    }


def _short(file: str) -> str:
    for marker in ("site-packages/", "python3.11/", _ROOT):
        if marker in file:
            return file.split(marker, 1)[1]
    return file
