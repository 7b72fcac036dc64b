"""infra/supervise.py: restarts with back-off, stops on a signal with status 0, leaves no orphans.

Small real processes (`python -c …`) with delays scaled down; the whole cluster under the same
supervisor is tests/e2e/test_devcluster.py.
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_supervise() -> ModuleType:
    spec = importlib.util.spec_from_file_location("supervise", ROOT / "infra" / "supervise.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


supervise = _load_supervise()


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def supervise_until(
    done: Callable[[str], bool], programs: dict[str, list[str]], **options: float
) -> str:
    """Run a Supervisor in this (main) thread until its output satisfies `done` (at most 30 s),
    then SIGTERM it as Ctrl-C would; return its output. No fixed sleeps: a loaded machine is
    only slower."""
    out = io.StringIO()
    supervisor = supervise.Supervisor(programs, env=dict(os.environ), cwd=ROOT, out=out, **options)
    finished = threading.Event()

    def stop_when_done() -> None:
        deadline = time.monotonic() + 30
        while not finished.wait(0.05):
            if done(out.getvalue()) or time.monotonic() > deadline:
                os.kill(os.getpid(), signal.SIGTERM)
                return

    watcher = threading.Thread(target=stop_when_done, daemon=True)
    watcher.start()
    try:
        assert supervisor.run() == 0
    finally:
        finished.set()
        watcher.join()
    output = out.getvalue()
    assert done(output), output
    return output


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def wait_gone(pid: int, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_a_process_that_keeps_failing_is_restarted_with_a_doubling_delay() -> None:
    output = supervise_until(
        lambda text: text.count("flaky exited with 3") >= 4,
        {"flaky": python("print('up', flush=True); raise SystemExit(3)")},
        min_delay_s=0.05,
        max_delay_s=0.2,
    )
    delays = [
        float(d) for d in re.findall(r"flaky exited with 3; restarting in ([\d.]+) s", output)
    ]
    assert delays[:4] == [0.05, 0.1, 0.2, 0.2], output
    assert re.search(r"^\d\d:\d\d:\d\d flaky  \| up$", output, re.MULTILINE), output


def test_the_delay_starts_again_from_the_minimum_after_a_process_stayed_up() -> None:
    output = supervise_until(
        lambda text: text.count("steady exited with 0") >= 3,
        {"steady": python("import time; time.sleep(0.3)")},
        min_delay_s=0.05,
        max_delay_s=0.2,
        stable_after_s=0.2,
    )
    delays = set(re.findall(r"steady exited with 0; restarting in ([\d.]+) s", output))
    assert delays == {"0.05"}, output


def test_a_signal_stops_every_process_and_returns_0(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    # Ignores SIGTERM: the supervisor must escalate to SIGKILL after its stop timeout.
    stubborn = (
        "import os, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"open({str(pids)!r}, 'a').write(f'{{os.getpid()}}\\n'); time.sleep(60)"
    )
    polite = (
        f"import os, time; open({str(pids)!r}, 'a').write(f'{{os.getpid()}}\\n'); time.sleep(60)"
    )
    supervise_until(
        lambda _: pids.exists() and len(pids.read_text().split()) == 2,
        {"stubborn": python(stubborn), "polite": python(polite)},
        stop_timeout_s=1.0,
    )
    written = [int(pid) for pid in pids.read_text().split()]
    assert not any(alive(pid) for pid in written)


def test_what_a_crashed_process_started_goes_with_it(tmp_path: Path) -> None:
    child_pid = tmp_path / "child"
    parent = (
        "import subprocess, sys, time; "
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"open({str(child_pid)!r}, 'w').write(str(child.pid)); "
        "time.sleep(0.5); raise SystemExit(1)"  # crashes, leaving its child behind
    )
    supervise_until(lambda text: "parent exited with 1" in text, {"parent": python(parent)})
    assert wait_gone(int(child_pid.read_text()))


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux only")
def test_processes_die_with_a_supervisor_that_is_killed(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    program = (
        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    )
    runner = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'infra')!r}); import os, supervise; "
        f"supervise.Supervisor({{'sleeper': {python(program)!r}}}, env=dict(os.environ), "
        f"cwd={str(tmp_path)!r}).run()"
    )
    supervisor = subprocess.Popen(python(runner), stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the supervised process never started"
            time.sleep(0.05)
        supervisor.kill()
        supervisor.wait()
        assert wait_gone(int(pid_file.read_text()))
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
