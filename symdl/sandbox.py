"""Worker processes with hard timeouts and memory caps, which never outlive the run that made them.

The reusable API, for any batch (``grade``, ``mark``, ``report``, a sandboxed ``derive``)::

    with WorkerPool(function, jobs, timeout, memory=cap) as pool:
        for key, result in pool.run((key, payload) for ...):   # completion order
            ...

``function(payload)`` runs in a forked worker and returns a picklable dict. A task past its
``timeout`` seconds is killed with its worker (which is replaced) and yields an ``error`` result
saying "timed out"; a worker that dies yields an ``error`` result too. Nothing a payload does can
take the parent down: no exception crosses back, only a sentence.

What keeps the workers from leaking (Linux; the same holds elsewhere minus the death signal):

- they run in their own process group, so a Ctrl-C typed at the terminal reaches only the parent,
  which then kills the whole group (no ``KeyboardInterrupt`` traceback from every worker);
- ``PR_SET_PDEATHSIG`` kills a worker the moment its parent dies, even by ``kill -9``; a worker
  also checks, once it is set up, that the parent that forked it is still alive (or else exits);
- every pipe and socket inherited from the parent is closed in the worker except its own pipe and
  stdout/stderr (stdin is ``/dev/null``), so a worker sees end-of-file as soon as the parent's end
  of its pipe closes, and never holds another worker's pipe open (files a library keeps open to
  read, such as matplotlib's fonts, stay open);
- each worker runs under an address-space cap (``memory`` bytes).

:func:`stop_on_signals` turns SIGTERM and SIGHUP into :class:`Interrupted` (a ``KeyboardInterrupt``),
so the ``finally`` blocks of a run close its pool and its output exactly as on Ctrl-C.
The pool must be used from the thread that created it (the death signal follows that thread).
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterable, Iterator

from symdl.errors import SymdlError

#: Address-space cap of one worker (bytes); a check that needs more ends as an error.
MEMORY_LIMIT = 3 * 1024**3
#: The least a worker may be given: a forked worker with SymPy loaded needs a few hundred MiB.
MIN_WORKER_MEMORY = 256 * 1024**2
#: Most workers one pool runs.
MAX_JOBS = 256
_HANDLED = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal; ``signum`` says which (exit status 128 + signum)."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def status(self) -> int:
        return 128 + self.signum


@contextlib.contextmanager
def stop_on_signals():
    """Within the block, SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` (once: a second
    signal during the clean-up is ignored, so the clean-up finishes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired = []

    def handler(signum, frame):
        if fired:
            return
        fired.append(signum)
        raise Interrupted(signum)

    previous = {}
    for signum in _HANDLED:
        with contextlib.suppress(OSError, ValueError):
            previous[signum] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            with contextlib.suppress(OSError, ValueError, TypeError):
                signal.signal(signum, old)


@contextlib.contextmanager
def signals_deferred():
    """Hold SIGINT, SIGTERM and SIGHUP until the block ends (a line is written whole or not at all)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _HANDLED)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def positive_number(value, what: str, *, integer: bool = False, limit: float | None = None) -> float:
    """``value`` as a finite number above 0 (a whole number if ``integer``), else a SymdlError
    naming ``what``: ``--timeout nan``, ``-j 0`` and ``--timeout inf`` are refused."""
    kind = "a whole number" if integer else "a finite number"
    try:
        number = float(value)
        ok = math.isfinite(number) and number > 0 and (not integer or number == int(number))
    except (TypeError, ValueError, OverflowError):
        ok = False
    if isinstance(value, bool) or not ok:
        raise SymdlError(f"{what} must be {kind} above 0, not {value!r}")
    if limit is not None and number > limit:
        raise SymdlError(f"{what} must be at most {limit:g}, not {value!r}")
    return int(number) if integer else number


def parse_size(text) -> int:
    """``"2G"``, ``"512M"``, ``"1.5GiB"`` or a number of bytes → bytes."""
    units = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
    raw = str(text).strip().upper().removesuffix("IB").removesuffix("B")
    unit = raw[-1:] if raw[-1:] in units and raw[-1:] else ""
    number = positive_number(raw[: len(raw) - len(unit)] if unit else raw, f"the memory size {text!r}")
    return int(number * units[unit])


def physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def default_memory_budget() -> int:
    """The default total for all workers of a run: three quarters of the machine's memory."""
    physical = physical_memory()
    return int(physical * 0.75) if physical else 4 * MEMORY_LIMIT


def worker_memory(jobs: int, budget: int | None) -> int:
    """The cap of one of ``jobs`` workers sharing ``budget`` bytes (at most :data:`MEMORY_LIMIT`);
    a budget too small for that many workers is refused, naming both."""
    budget = default_memory_budget() if budget is None else budget
    share = min(MEMORY_LIMIT, budget // max(1, jobs))
    if share < MIN_WORKER_MEMORY:
        raise SymdlError(f"a memory budget of {_size(budget)} gives each of {jobs} workers {_size(share)}; "
                         f"a worker needs at least {_size(MIN_WORKER_MEMORY)}: lower -j or raise --memory")
    return share


def _size(nbytes: int) -> str:
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if nbytes >= scale:
            return f"{nbytes / scale:.3g} {unit}"
    return f"{nbytes} B"


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this process when its parent dies; exit now if it already has."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        armed = libc.prctl(1, int(signal.SIGKILL), 0, 0, 0) == 0  # PR_SET_PDEATHSIG
    except (OSError, AttributeError, TypeError):
        armed = False
    if os.getppid() != parent:
        os._exit(0)
    if not armed:  # no death signal here: watch the parent from a thread

        def watch():
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(0)

        threading.Thread(target=watch, daemon=True).start()


def _close_inherited(keep: int) -> None:
    """Close every pipe and socket inherited from the parent but ``keep`` (the worker's own), so no
    worker holds another's pipe or the parent's open ends (it sees end-of-file when the parent
    goes); stdin becomes /dev/null. Files a library keeps open to read (a font, a cache) stay."""
    import stat

    null = os.open(os.devnull, os.O_RDONLY)
    if null != 0:
        os.dup2(null, 0)
        os.close(null)
    try:
        descriptors = [int(fd) for fd in os.listdir("/proc/self/fd")]
    except OSError:
        descriptors = range(3, 4096)
    for fd in descriptors:
        if fd <= 2 or fd == keep:
            continue
        try:
            mode = os.fstat(fd).st_mode
        except OSError:
            continue
        if stat.S_ISSOCK(mode) or stat.S_ISFIFO(mode):
            with contextlib.suppress(OSError):
                os.close(fd)


def _limit_memory(cap: int) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, ValueError, OSError):
        pass


def _worker_main(fd: int, function, parent: int, group: int, memory: int, old_mask) -> None:
    """The body of a forked worker: set up, then answer tasks until the pipe closes."""
    for signum in _HANDLED + ((signal.SIGPIPE,) if hasattr(signal, "SIGPIPE") else ()):
        with contextlib.suppress(OSError, ValueError):  # ValueError: forked from another thread
            signal.signal(signum, signal.SIG_IGN if signum == signal.SIGINT else signal.SIG_DFL)
    if old_mask is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
    with contextlib.suppress(OSError):
        os.setpgid(0, group)
    _die_with_parent(parent)
    _close_inherited(fd)
    _limit_memory(memory)
    connection = Connection(fd)
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        key, payload = message
        result = _answer(function, payload, memory)
        try:
            connection.send((key, result))
        except (OSError, ValueError):
            return


def _answer(function, payload, memory: int) -> dict:
    try:
        return function(payload)
    except MemoryError:
        return {"verdict": "error", "detail": f"ran out of memory (a worker may use {_size(memory)})"}
    except RecursionError:
        return {"verdict": "error", "detail": "expression nested too deeply"}
    except SymdlError as exc:
        return {"verdict": "error", "detail": str(exc)}
    except Exception:  # noqa: BLE001 - a worker must answer, whatever the input did
        if os.environ.get("SYMDL_DEBUG"):  # for a developer: the traceback, on the worker's stderr
            import traceback

            traceback.print_exc()
        return {"verdict": "error", "detail": "could not be checked: symdl failed on this input (an internal "
                                              "error; please report the input)"}


@dataclass
class _Slot:
    pid: int
    connection: Connection
    task: tuple | None = None
    deadline: float = 0.0


class WorkerPool:
    """``jobs`` forked workers applying ``function`` to payloads, each under ``timeout`` seconds and
    ``memory`` bytes of address space (default :data:`MEMORY_LIMIT`)."""

    def __init__(self, function: Callable[[Any], dict], jobs: int, timeout: float, *, memory: int | None = None):
        if not hasattr(os, "fork"):
            raise SymdlError("running checks in worker processes needs os.fork (Linux or macOS)")
        self.function = function
        self.jobs = positive_number(jobs, "the number of workers (-j)", integer=True, limit=MAX_JOBS)
        self.timeout = positive_number(timeout, "the timeout (--timeout)")
        self.memory = MEMORY_LIMIT if memory is None else int(positive_number(memory, "the memory cap"))
        self._slots: list[_Slot] = []  # the workers, one per job
        self._live: dict[int, _Slot] = {}  # every worker not yet reaped, by pid
        self._group = 0  # the workers' process group (0: none yet)
        self._parent = os.getpid()

    # -- workers ---------------------------------------------------------------------------------

    def _start(self) -> _Slot:
        import socket

        import sys

        for stream in (sys.stdout, sys.stderr):  # else the worker would write the parent's buffer again
            with contextlib.suppress(Exception):
                stream.flush()
        mine, theirs = socket.socketpair()
        blockable = hasattr(signal, "pthread_sigmask")
        old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, _HANDLED) if blockable else None
        try:
            pid = os.fork()
            if pid == 0:  # the worker: never returns into the parent's code
                status = 0
                try:
                    mine.detach()
                    _worker_main(theirs.detach(), self.function, self._parent, self._group, self.memory, old_mask)
                except BaseException:  # noqa: BLE001 - die quietly, the parent reports the loss
                    status = 1
                finally:
                    os._exit(status)
            try:
                os.setpgid(pid, self._group)
            except OSError:  # the group is gone (all its workers were killed): start a new one
                with contextlib.suppress(OSError):
                    os.setpgid(pid, 0)
            with contextlib.suppress(OSError):
                self._group = os.getpgid(pid)
            slot = self._live[pid] = _Slot(pid, Connection(mine.detach()))
        finally:
            theirs.close()
            mine.close()
            if old_mask is not None:  # a signal held meanwhile is raised here, the worker already known
                signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        return slot

    def _reap(self, slot: _Slot) -> None:
        with contextlib.suppress(OSError):
            os.kill(slot.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(slot.pid, 0)
        self._live.pop(slot.pid, None)
        with contextlib.suppress(OSError):
            slot.connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        """Kill every worker (their whole process group) and wait for them: nothing is left running."""
        self._slots = []
        if not self._live:
            return
        if self._group:  # a live (unreaped) member keeps the group id ours
            with contextlib.suppress(OSError):
                os.killpg(self._group, signal.SIGKILL)
        for slot in list(self._live.values()):
            self._reap(slot)

    @property
    def pids(self) -> list[int]:
        """The workers' process ids (for tests and diagnostics)."""
        return [slot.pid for slot in self._slots]

    # -- tasks -----------------------------------------------------------------------------------

    def run(self, tasks: Iterable[tuple[Any, Any]]) -> Iterator[tuple[Any, dict]]:
        """Yield ``(key, result)`` as each task finishes (in completion order)."""
        if os.getpid() != self._parent:
            raise SymdlError("a worker pool is used only by the process that made it")
        pending = iter(tasks)
        exhausted = False
        while len(self._slots) < self.jobs:
            self._slots.append(self._start())
        while True:
            for index, slot in enumerate(self._slots):
                if slot.task is None and not exhausted:
                    try:
                        task = next(pending)
                    except StopIteration:
                        exhausted = True
                        break
                    slot.task, slot.deadline = task, time.monotonic() + self.timeout
                    try:
                        slot.connection.send(task)
                    except OSError:  # the idle worker died (memory?): replace it and send again
                        self._reap(slot)
                        slot = self._slots[index] = self._start()
                        slot.task, slot.deadline = task, time.monotonic() + self.timeout
                        slot.connection.send(task)
            busy = [s for s in self._slots if s.task is not None]
            if not busy:
                return
            soonest = min(s.deadline for s in busy)
            ready = wait([s.connection for s in busy], timeout=max(0.0, soonest - time.monotonic()))
            now = time.monotonic()
            for index, slot in enumerate(self._slots):
                if slot.task is None:
                    continue
                key = slot.task[0]
                if slot.connection in ready:
                    try:
                        _, result = slot.connection.recv()
                    except (EOFError, OSError, ValueError):
                        result = {"verdict": "error",
                                  "detail": f"the check's worker died (out of memory? a worker may use "
                                            f"{_size(self.memory)})"}
                        self._reap(slot)
                        slot = self._slots[index] = self._start()
                    slot.task = None
                    yield key, result
                elif now >= slot.deadline:
                    self._reap(slot)
                    self._slots[index] = self._start()
                    yield key, {"verdict": "error", "detail": f"timed out after {self.timeout:g} s"}


def run_one(function: Callable[[Any], dict], payload, timeout: float, *, memory: int | None = None) -> dict:
    """``function(payload)`` in a killable worker process, with the same timeout and memory rules."""
    with WorkerPool(function, 1, timeout, memory=memory) as pool:
        for _, result in pool.run([(0, payload)]):
            return result
    return {"verdict": "error", "detail": "no result"}


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
