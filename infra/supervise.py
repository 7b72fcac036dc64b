"""Run a Procfile's processes, restart any that dies with back-off, stop them all on a signal.

What `make run` uses (through infra/devcluster.py) instead of honcho, which stops every process
as soon as one exits. Each line a process prints is shown as `HH:MM:SS name | line`.

- A process that exits is started again after 0.5 s, then 1, 2, 4 … up to 30 s while it keeps
  failing; the delay goes back to 0.5 s once it has stayed up for 30 s.
- SIGINT or SIGTERM: SIGTERM to every process, SIGKILL to their process groups after 10 s (or
  at another signal a second later), then `run` returns 0: stopping on request is a success.
- No orphans: each process leads its own process group (so a terminal's Ctrl-C reaches only
  the supervisor, which stops them in order, and their own children go with them), and on Linux
  it gets SIGTERM from the kernel if the supervisor itself dies (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import ctypes
import functools
import os
import selectors
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def read_procfile(path: Path) -> dict[str, list[str]]:
    """Return `name: command` lines as {name: argv}, in file order."""
    programs: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            programs[name.strip()] = shlex.split(command)
    return programs


def _die_with_parent(parent: int) -> None:
    """Run in the child before exec: ask for SIGTERM when the supervisor dies (Linux only)."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the supervisor died before prctl took effect
        os._exit(1)


@dataclass
class Program:
    """One supervised process and its restart state."""

    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = 0.0  # when to (re)start it; None while it runs
    delay_s: float = 0.0
    pending: bytes = field(default=b"", repr=False)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:  # a real-time signal, say
        return f"signal {number}"


def _kill(pid: int, signum: signal.Signals, *, group: bool) -> None:
    try:
        if group:
            os.killpg(pid, signum)  # each program leads its own group (start_new_session)
        else:
            os.kill(pid, signum)
    except ProcessLookupError:
        pass


class Supervisor:
    """Keep a set of programs running until asked to stop."""

    def __init__(
        self,
        programs: Mapping[str, list[str]],
        *,
        env: Mapping[str, str],
        cwd: Path,
        min_delay_s: float = 0.5,
        max_delay_s: float = 30.0,
        stable_after_s: float = 30.0,
        stop_timeout_s: float = 10.0,
        out: TextIO = sys.stdout,
        ready_check: tuple[str, str] | None = None,
    ) -> None:
        """`ready_check` is (url, message): print the message once the url answers 200."""
        self.programs = [Program(name, list(argv)) for name, argv in programs.items()]
        self.env = {**env, "PYTHONUNBUFFERED": "1"}  # lines appear as they are printed
        self.cwd = cwd
        self.min_delay_s, self.max_delay_s = min_delay_s, max_delay_s
        self.stable_after_s, self.stop_timeout_s = stable_after_s, stop_timeout_s
        self.out = out
        self.width = max(len(name) for name in ("system", *programs))
        self.selector = selectors.DefaultSelector()
        self.stop_requested = 0  # signals received: 1 stops gently, 2 kills
        self.first_signal_at = 0.0
        self.ready_check = ready_check
        # Every probe is a logged request in each process: ask at 0.25 s, then less often.
        self.ready_probe_at, self.ready_probe_every_s = 0.0, 0.25

    def say(self, name: str, text: str) -> None:
        """Print one prefixed line."""
        print(f"{time.strftime('%H:%M:%S')} {name:<{self.width}} | {text}", file=self.out)
        self.out.flush()

    def _on_signal(self, _signum: int, _frame: object) -> None:
        # make may pass on the terminal's SIGINT as a SIGTERM: only a later signal means "hurry".
        now = time.monotonic()
        if not self.stop_requested:
            self.stop_requested, self.first_signal_at = 1, now
        elif now - self.first_signal_at >= 1.0:
            self.stop_requested = 2

    def _start(self, program: Program) -> None:
        program.process = subprocess.Popen(
            program.argv,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=functools.partial(_die_with_parent, os.getpid()),
        )
        assert program.process.stdout is not None
        os.set_blocking(program.process.stdout.fileno(), False)
        self.selector.register(program.process.stdout, selectors.EVENT_READ, program)
        program.started_at, program.restart_at = time.monotonic(), None
        self.say("system", f"{program.name} started (pid {program.process.pid})")

    def _read(self, program: Program, final: bool = False) -> None:
        """Print the complete lines a program has written; with `final`, the rest too."""
        if program.process is None or program.process.stdout is None:
            return
        while chunk := program.process.stdout.read(65536):
            program.pending += chunk
        *lines, program.pending = program.pending.split(b"\n")
        if final and program.pending:
            lines, program.pending = [*lines, program.pending], b""
        for line in lines:
            self.say(program.name, line.decode(errors="replace").rstrip("\r"))

    def _reap(self, program: Program, now: float) -> None:
        """Note a program that exited and schedule its restart."""
        assert program.process is not None and program.process.stdout is not None
        self._read(program, final=True)
        self.selector.unregister(program.process.stdout)
        program.process.stdout.close()
        code, pid, program.process = program.process.returncode, program.process.pid, None
        _kill(pid, signal.SIGKILL, group=True)  # whatever it started and left behind
        if self.stop_requested:
            return
        stayed_up = now - program.started_at >= self.stable_after_s
        base = 0.0 if stayed_up else program.delay_s
        program.delay_s = min(max(base * 2, self.min_delay_s), self.max_delay_s)
        program.restart_at = now + program.delay_s
        how = f"was killed by {_signal_name(-code)}" if code < 0 else f"exited with {code}"
        self.say("system", f"{program.name} {how}; restarting in {program.delay_s:g} s")

    def _step(self, timeout_s: float) -> None:
        """Wait for output or the next timer, then print, reap and restart."""
        for key, _ in self.selector.select(timeout_s):
            program: Program = key.data
            self._read(program)
        now = time.monotonic()
        for program in self.programs:
            if program.process is not None and program.process.poll() is not None:
                self._reap(program, now)
            due = program.restart_at is not None and program.restart_at <= now
            if due and not self.stop_requested:
                self._start(program)

    def _signal_all(self, signum: signal.Signals) -> None:
        """SIGTERM asks each process (which stops its own children); SIGKILL takes its group."""
        for program in self.programs:
            if program.process is not None and program.process.poll() is None:
                _kill(program.process.pid, signum, group=signum == signal.SIGKILL)

    def _check_ready(self) -> None:
        now = time.monotonic()
        if self.ready_check is None or self.stop_requested or now < self.ready_probe_at:
            return
        self.ready_probe_at = now + self.ready_probe_every_s
        self.ready_probe_every_s = min(self.ready_probe_every_s * 2, 2.0)
        url, message = self.ready_check
        try:
            with urllib.request.urlopen(url, timeout=0.5) as answer:  # noqa: S310 (our URL)
                ready = answer.status == 200
        except OSError:
            ready = False
        if ready:
            self.ready_check = None
            print(message, file=self.out, flush=True)

    def run(self) -> int:
        """Supervise until SIGINT or SIGTERM, then stop everything; return the exit status."""
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            while not self.stop_requested:
                self._step(0.2)
                self._check_ready()
            self.say("system", "stopping every process (a second Ctrl-C kills them at once)")
            self._signal_all(signal.SIGTERM)
            deadline = time.monotonic() + self.stop_timeout_s
            while any(p.process is not None for p in self.programs):
                if self.stop_requested > 1 or time.monotonic() > deadline:
                    self._signal_all(signal.SIGKILL)
                self._step(0.1)
            return 0
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            self._signal_all(signal.SIGKILL)  # only if something above went wrong
