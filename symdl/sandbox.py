"""Worker processes with hard timeouts: a check that runs too long is killed, not waited for.

Each worker is a forked process that takes one task at a time over a pipe. The parent keeps a
deadline per task; past it, the worker is terminated and replaced, and the task's result is
an ``error`` verdict saying "timed out". A worker also runs under a memory cap, so a
pathological answer cannot take the machine down with it.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any, Callable, Iterable, Iterator

#: Address-space cap of one worker (bytes); a check that needs more ends as an error.
MEMORY_LIMIT = 3 * 1024**3


def _context():
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def _limit_memory() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):
        pass


def _worker(connection, function) -> None:
    _limit_memory()
    while True:
        try:
            message = connection.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if message is None:
            return
        key, payload = message
        try:
            result = function(payload)
        except MemoryError:
            result = {"verdict": "error", "detail": "ran out of memory"}
        except RecursionError:
            result = {"verdict": "error", "detail": "expression nested too deeply"}
        except Exception as exc:  # noqa: BLE001 - a worker must answer, whatever the input did
            result = {"verdict": "error", "detail": f"internal error: {type(exc).__name__}: {exc}"}
        try:
            connection.send((key, result))
        except (BrokenPipeError, OSError):
            return


@dataclass
class _Slot:
    process: Any
    connection: Any
    task: tuple | None = None
    deadline: float = 0.0


class WorkerPool:
    """``jobs`` forked workers applying ``function`` to payloads, each under ``timeout`` seconds."""

    def __init__(self, function: Callable[[Any], dict], jobs: int, timeout: float):
        self.function, self.jobs, self.timeout = function, max(1, jobs), timeout
        self._ctx = _context()
        self._slots: list[_Slot] = []

    def _start(self) -> _Slot:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker, args=(child, self.function), daemon=True)
        process.start()
        child.close()
        return _Slot(process, parent)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        for slot in self._slots:
            try:
                slot.connection.send(None)
            except (BrokenPipeError, OSError):
                pass
        for slot in self._slots:
            slot.process.join(timeout=1)
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join()
        self._slots = []

    def _kill(self, slot: _Slot) -> None:
        slot.process.kill()
        slot.process.join()
        slot.connection.close()

    def run(self, tasks: Iterable[tuple[Any, Any]]) -> Iterator[tuple[Any, dict]]:
        """Yield ``(key, result)`` as each task finishes (in completion order)."""
        pending = iter(tasks)
        exhausted = False
        while len(self._slots) < self.jobs:
            self._slots.append(self._start())
        while True:
            for slot in self._slots:
                if slot.task is None and not exhausted:
                    try:
                        task = next(pending)
                    except StopIteration:
                        exhausted = True
                        break
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
                    except (EOFError, OSError):
                        result = {"verdict": "error", "detail": "the check's worker died (out of memory?)"}
                        self._kill(slot)
                        slot = self._slots[index] = self._start()
                    slot.task = None
                    yield key, result
                elif now >= slot.deadline:
                    self._kill(slot)
                    self._slots[index] = self._start()
                    yield key, {"verdict": "error", "detail": f"timed out after {self.timeout:g} s"}


def run_one(function: Callable[[Any], dict], payload, timeout: float) -> dict:
    """``function(payload)`` in a killable worker process, with the same timeout rule."""
    with WorkerPool(function, 1, timeout) as pool:
        for _, result in pool.run([(0, payload)]):
            return result
    return {"verdict": "error", "detail": "no result"}


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
