"""A small pool of worker processes whose work can be cancelled: the busy worker is killed.

A thread, or a `ProcessPoolExecutor` task, cannot be stopped once it runs: a timeout only
stops the waiting. Here each worker is a spawned process fed jobs one at a time over its own
socket pair; cancelling the awaiting task (budget spent, client gone) SIGKILLs the worker and a
fresh one takes its place. Workers are bounded in memory (`RLIMIT_AS`: the given bytes on
top of what the ready worker maps) and die with their parent: `PR_SET_PDEATHSIG` kills a busy
one, end of file on the socket ends an idle one.

Jobs are `(function, args)` pickled by reference, so a function must be importable at module
level; its result and any exception it raises travel back pickled.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import importlib
import logging
import multiprocessing
import os
import pickle
import resource
import select
import signal
import socket
import struct
import sys
from collections import deque
from collections.abc import Callable, Iterable
from typing import IO, Any, TypeVar

_LOGGER = logging.getLogger(__name__)
_HEADER = struct.Struct("!Q")
_PR_SET_PDEATHSIG = 1
_READY_TIMEOUT_S = 120.0
T = TypeVar("T")


class WorkerDied(Exception):
    """The worker exited without answering (a crash, or killed from outside)."""


class WorkerOutOfMemory(Exception):
    """The job needed more memory than a worker may use; the worker was replaced."""


class PoolClosed(Exception):
    """The pool was closed (the service is stopping)."""


# --- The worker's side ----------------------------------------------------------------------------


def _die_with_parent(parent_pid: int) -> None:
    # Linux only: the kernel SIGKILLs us when the parent dies, even mid-computation. The
    # parent may already be gone before the call, hence the check afterwards.
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)


def _mapped_bytes() -> int:
    """Return the address space this process maps now (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[0])
    except OSError:
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _read_frame(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None  # the parent closed its end: time to go
    return pickle.loads(stream.read(_HEADER.unpack(header)[0]))  # noqa: S301 - our parent


def _write_frame(stream: IO[bytes], message: Any) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


def _outcome_of(function: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any]:
    try:
        return "ok", function(*args)
    except MemoryError:
        return "memory", None
    except Exception as err:  # every failure goes back to the caller
        try:
            pickle.dumps(err)
        except Exception:  # an exception that cannot travel is described instead
            return "raised", RuntimeError(f"{type(err).__name__}: {err}")
        return "raised", err


def serve_jobs(
    sock: socket.socket,
    parent_pid: int,
    memory_limit_bytes: int | None,
    preload: tuple[str, ...],
    hooks: tuple[Callable[[], object] | None, Callable[[], object] | None, float] = (
        None,
        None,
        0.0,
    ),
) -> None:
    """Answer jobs from the parent until it closes the socket (the worker process's main).

    `hooks` are (setup, when_idle, idle seconds): setup runs once after the preload;
    when_idle once the worker has waited that long for its next job (not between jobs that
    follow each other closely: what they free is reused).
    """
    _die_with_parent(parent_pid)
    # Ctrl-C reaches the whole process group: the parent decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for module in preload:
        importlib.import_module(module)
    setup, when_idle, idle_s = hooks
    if setup is not None:
        setup()
    if memory_limit_bytes is not None:
        # The limit bounds what a job maps on top of the worker as it stands ready: the
        # preloaded code (numba's LLVM alone maps ~190 MB of address space, docs/OPERATIONS.md
        # "Compiled us kernel") is not the computation's to pay for.
        limit = _mapped_bytes() + memory_limit_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    with sock, sock.makefile("rb") as reader, sock.makefile("wb") as writer:
        _write_frame(writer, "ready")
        idle = False  # when_idle ran since the last job
        while True:
            # The parent sends a job only once the last one is answered, so nothing of the
            # next frame is in the reader's buffer yet: the socket says whether one came.
            if when_idle is not None and not idle and not _waiting(sock, idle_s):
                when_idle()
                idle = True
            if (job := _read_frame(reader)) is None:
                break
            kind, value = _outcome_of(*job)
            _write_frame(writer, (kind, value))
            if kind == "memory":
                return  # a process that ran out of memory is not trusted with more work
            del job, value  # the job's memory is free before the worker idles
            idle = False


def _waiting(sock: socket.socket, timeout_s: float) -> bool:
    """Return whether something arrives on the socket within `timeout_s` (a job, or its end)."""
    readable, _, _ = select.select([sock], [], [], timeout_s)
    return bool(readable)


# --- The parent's side ----------------------------------------------------------------------------


class _Worker:
    """One worker process and the parent's end of its socket."""

    def __init__(self, process: multiprocessing.process.BaseProcess, sock: socket.socket) -> None:
        self.process = process
        self.sock = sock
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    @property
    def pid(self) -> int:
        assert self.process.pid is not None  # started
        return self.process.pid

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_unix_connection(sock=self.sock)

    async def send(self, message: Any) -> None:
        assert self.writer is not None
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self.writer.write(_HEADER.pack(len(payload)) + payload)
        await self.writer.drain()

    async def receive(self) -> Any:
        assert self.reader is not None
        try:
            header = await self.reader.readexactly(_HEADER.size)
            payload = await self.reader.readexactly(_HEADER.unpack(header)[0])
        except (asyncio.IncompleteReadError, ConnectionError) as err:
            raise WorkerDied(f"worker {self.pid} exited without answering") from err
        return pickle.loads(payload)  # noqa: S301 - our own child

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        if self.writer is not None:
            self.writer.close()
        else:
            self.sock.close()


class WorkerPool:
    """`size` worker processes; `run` hands a job to an idle one, first come first served."""

    def __init__(
        self,
        *,
        size: int,
        memory_limit_bytes: int | None = None,
        preload: Iterable[str] = (),
        setup: Callable[[], object] | None = None,
        when_idle: Callable[[], object] | None = None,
        idle_s: float = 1.0,
        on_replaced: Callable[[str], None] = lambda reason: None,
    ) -> None:
        self._size, self._memory_limit = size, memory_limit_bytes
        self._preload = tuple(preload)
        # Module-level functions (a spawned worker finds them by name), run in the worker:
        # once it is ready, and once it has had no job for `idle_s` (serve_jobs).
        self._hooks = (setup, when_idle, idle_s)
        self._on_replaced = on_replaced
        # spawn, not fork: forking a process that runs an event loop and threads is unsafe.
        self._context = multiprocessing.get_context("spawn")
        self._workers: set[_Worker] = set()
        self._idle: deque[_Worker] = deque()
        self._busy: set[_Worker] = set()
        self._waiters: deque[asyncio.Future[_Worker]] = deque()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    def pids(self, *, busy: bool = False) -> list[int]:
        """Return the process ids of the workers (only those running a job when `busy`)."""
        return sorted(w.pid for w in (self._busy if busy else self._workers))

    def start(self) -> None:
        """Start the workers; each takes jobs once it has imported what it preloads."""
        for _ in range(self._size):
            self._spawn()

    async def ready(self) -> None:
        """Wait until every worker has started (preloads take seconds: engine/warm.py)."""
        async with asyncio.timeout(_READY_TIMEOUT_S):
            # A poll, at start and in tests only: an event would be one more thing to keep
            # in step with every path that adds or removes a worker.
            while len(self._idle) + len(self._busy) < self._size and not self._closed:  # noqa: ASYNC110
                await asyncio.sleep(0.02)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run `function(*args)` in a worker; cancelling this call kills and replaces it."""
        worker = await self._acquire()
        self._busy.add(worker)
        try:
            await worker.send((function, args))
            kind, value = await worker.receive()
        except BaseException as err:  # cancelled, or the worker died: it is not reusable
            cancelled = isinstance(err, asyncio.CancelledError)
            self._replace(worker, "cancelled" if cancelled else "died")
            raise
        finally:
            self._busy.discard(worker)
        if kind == "memory":
            self._replace(worker, "out_of_memory")
            raise WorkerOutOfMemory("the job needed more memory than a worker may use")
        self._release(worker)
        if kind == "raised":
            raise value
        result: T = value
        return result

    async def close(self) -> None:
        """Kill every worker (there is nothing in one worth saving) and fail whoever waits."""
        self._closed = True
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(PoolClosed("the service is stopping"))
        for task in list(self._tasks):
            task.cancel()
        workers, self._workers = list(self._workers), set()
        self._idle.clear()
        for worker in workers:
            worker.kill()
        for worker in workers:
            await _reaped(worker.process)

    # --- inside ---

    def _spawn(self) -> None:
        # Called on the event loop's thread, never from another one: PR_SET_PDEATHSIG fires
        # when the *thread* that forked the worker ends, not only the process.
        ours, theirs = socket.socketpair()
        process = self._context.Process(
            target=serve_jobs,
            args=(theirs, os.getpid(), self._memory_limit, self._preload, self._hooks),
            name="projections-engine-worker",
            daemon=True,
        )
        process.start()
        theirs.close()
        worker = _Worker(process, ours)
        self._workers.add(worker)
        self._background(self._welcome(worker))

    async def _welcome(self, worker: _Worker) -> None:
        try:
            await worker.connect()
            async with asyncio.timeout(_READY_TIMEOUT_S):
                ready = await worker.receive()
            if ready != "ready":
                raise WorkerDied(f"worker {worker.pid} said {ready!r} instead of ready")
        except (WorkerDied, TimeoutError, OSError):
            _LOGGER.exception("engine worker failed to start; starting another in 1 s")
            self._workers.discard(worker)
            worker.kill()
            self._background(_reaped(worker.process))
            await asyncio.sleep(1.0)
            if not self._closed:
                self._spawn()
            return
        self._release(worker)

    async def _acquire(self) -> _Worker:
        if self._closed:
            raise PoolClosed("the service is stopping")
        if self._idle:
            return self._idle.popleft()
        waiter: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._release(waiter.result())  # handed over just as we were cancelled
            raise
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)

    def _release(self, worker: _Worker) -> None:
        # A freed worker goes straight to the oldest waiter, so nobody can overtake it.
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    def _replace(self, worker: _Worker, reason: str) -> None:
        worker.kill()
        self._workers.discard(worker)
        self._background(_reaped(worker.process))
        self._on_replaced(reason)
        _LOGGER.info("engine worker replaced", extra={"reason": reason, "pid": worker.pid})
        if not self._closed:
            self._spawn()

    def _background(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def _reaped(process: multiprocessing.process.BaseProcess) -> None:
    """Wait, without blocking the loop, until a killed worker has exited; collect its status."""
    # No event says a child exited; waitpid(WNOHANG) (is_alive) polls and reaps it. A worker
    # lost while the pool closes is reaped by both: the second finds it closed (ValueError).
    with contextlib.suppress(ValueError):
        while process.is_alive():  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        process.close()
