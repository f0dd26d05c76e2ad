"""Grading a batch of answers: sandboxed workers, hard timeouts, results journaled in input order.

The reusable part is :func:`run_batch`: *run these jobs in sandboxed workers with timeouts,
journal the results to OUT, resume*. ``grade`` is one caller; any other batch (``mark``) can be::

    skipped = run_batch(ids, payloads, out, function, fields=[...], to_row=..., jobs=..., timeout=...,
                        memory=..., resume=..., on_result=...)

It refuses ids shared by two jobs (as the output writes them) before any work, skips on ``resume``
the ids whose line is complete in OUT (a torn last line is repaired first), runs the rest in a
:class:`~symdl.sandbox.WorkerPool` and appends one complete line per result in input order (see
:mod:`symdl.journal`). Interrupted by a signal, it stops the workers and closes OUT with every
finished line whole; ``--resume`` then continues without losing or repeating a record.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from symdl.errors import SymdlError
from symdl.journal import Journal, refuse_same_files, written_id
from symdl.records import Table, assign_ids, read_records, read_table, refuse_duplicates, shown
from symdl.sandbox import WorkerPool, default_jobs, positive_number, worker_memory

__all__ = ["FIELDS", "WORKING_FIELDS", "DEFAULT_TIMEOUT", "finished_ids", "read_records", "read_table", "check_record", "run_batch", "grade",
           "graded", "Summary", "print_summary"]

FIELDS = ["id", "verdict", "detail", "diagnosis", "counterexample"]
WORKING_FIELDS = ["steps", "first_wrong"]  # a multi-line working's answer: each step's verdict, the first wrong line
DEFAULT_TIMEOUT = 10.0
INCONSISTENT = "internal inconsistency"  # the diagnosis symdl.decide.compare.cross_checked gives
MAX_DETAIL = 600  # characters of a detail
MAX_DIAGNOSIS = 80  # characters of a diagnosis


def _number(record: dict, key: str, kind, what: str):
    value = record.get(key)
    if value in (None, ""):
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError, OverflowError):
        raise SymdlError(f"the record's {key} must be {what}, not {shown(value)!r}") from None
    return number


def check_record(record: dict) -> dict:
    """The verdict on one record, as a dict of the output fields (runs inside a worker); a failure
    is a sentence naming the answer, never an exception."""
    answer = record.get("answer")
    if not isinstance(answer, str):
        return {"verdict": "error", "detail": "the record has no answer"}
    try:
        return _capped(_check(record, answer))
    except SymdlError as exc:
        return _capped({"verdict": "error", "detail": str(exc)})
    except (MemoryError, RecursionError):
        raise  # the worker words these
    except Exception:  # noqa: BLE001 - an internal failure becomes a sentence, not an exception name
        return {"verdict": "error",
                "detail": f"could not check the answer {shown(answer)!r}: symdl failed on it (an internal "
                          "error; please report this answer)"}


def _check(record: dict, answer: str) -> dict:
    from symdl.check import check, check_derivation
    from symdl.parse.working import is_working

    rtol = _number(record, "rtol", float, "a number")
    if rtol is not None and not rtol > 0:
        raise SymdlError(f"the record's rtol must be above 0, not {shown(record['rtol'])!r}")
    digits = _number(record, "digits", int, "a whole number of significant figures")
    params = record.get("params") or record.get("param") or {}
    if isinstance(params, str):
        from symdl.params import parse_assignments

        params = parse_assignments(params.split())
    if not isinstance(params, dict):
        raise SymdlError("the record's params must be NAME=VALUE pairs or a JSON object")
    shapes = record.get("shape") or record.get("shapes") or None
    if is_working(answer):
        return _check_working_record(record, answer, params, shapes, rtol, digits)
    if record.get("derivation"):
        verdict = check_derivation(str(record["derivation"]), answer, params=params, rtol=rtol, digits=digits)
    elif isinstance(record.get("expected"), str):
        wrt = record.get("wrt") or None
        if isinstance(wrt, str):
            wrt = [w for w in wrt.replace(",", " ").split() if w]
        verdict = check(record["expected"], answer, mode=record.get("mode") or "value", wrt=wrt,
                        shapes=shapes, rtol=rtol, digits=digits)
    else:
        return {"verdict": "error", "detail": "the record needs 'expected' or 'derivation'"}
    return verdict.to_dict()


def _check_working_record(record: dict, answer: str, params, shapes, rtol, digits) -> dict:
    """A working's record: the overall verdict (wrong when any step is), each step's, the first wrong line."""
    from symdl.working import check_working

    assume = record.get("assume") or ()
    if isinstance(assume, str):
        assume = [assume]
    indices = record.get("indices") or record.get("index") or None
    if not isinstance(indices, (dict, type(None))) or not isinstance(assume, (list, tuple)):
        return {"verdict": "error", "detail": "the record's assume must be a list of LaTeX facts and its indices "
                                              "an object such as {\"i\": [1, 3]}"}
    expected = record.get("expected") if isinstance(record.get("expected"), str) else None
    derivation = str(record["derivation"]) if record.get("derivation") else None
    working = check_working(answer, expected=expected, derivation=derivation, params=params, shapes=shapes,
                            assume=tuple(assume), indices=indices, digits=digits, rtol=rtol)
    return working.to_dict()


_LONG_NUMBER = re.compile(r"\d{30,}")


def _cap(text, limit: int):
    """``text`` with every run of 30+ digits shortened (``1000…000 (401 digits)``), cut to ``limit``."""
    if not isinstance(text, str):
        return text
    text = _LONG_NUMBER.sub(lambda m: f"{m.group()[:4]}…{m.group()[-3:]} ({len(m.group())} digits)", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _capped(result: dict) -> dict:
    return {**result, "detail": _cap(result.get("detail"), MAX_DETAIL),
            "diagnosis": _cap(result.get("diagnosis"), MAX_DIAGNOSIS)}


# -- the reusable batch --------------------------------------------------------------------------


def run_batch(ids: list[str], payloads: list, out, function: Callable[[Any], dict], *, fields=FIELDS,
              required=None, to_row: Callable[[str, dict], dict] | None = None, jobs: int | None = None,
              timeout: float = DEFAULT_TIMEOUT, memory: int | None = None, resume: bool = False,
              progress=None, on_result=None, lines: list[int] | None = None, source="the input",
              before_fork: Callable[[list], None] | None = None) -> int:
    """Run ``function(payload)`` for each ``(id, payload)`` in sandboxed workers and journal one row per
    id to ``out`` in input order; returns how many ids ``resume`` found already done.

    ``fields`` are OUT's columns; in JSON Lines a field outside ``required`` (default: all) is written
    only when the row has it. ``to_row(id, result)`` makes the row (default: ``id`` plus ``result``'s
    ``fields``); ``before_fork(payloads to do)`` runs in the parent first (warm caches the workers
    inherit). ``memory`` is
    the total budget of all workers in bytes (default: three quarters of the machine), shared out
    as one cap per worker; ``progress(done, total)`` and ``on_result(id, result)`` are called as
    results land. ``lines`` (each job's line in ``source``) make the duplicate-id message point.
    """
    jobs = positive_number(jobs if jobs is not None else default_jobs(), "the number of workers (-j)", integer=True)
    timeout = positive_number(timeout, "the timeout (--timeout)")
    cap = worker_memory(jobs, memory)
    to_row = to_row or (lambda key, result: {"id": key, **{k: result[k] for k in fields if k != "id" and k in result}})
    refuse_duplicates(Table(Path(str(source)), lines=lines or list(range(1, len(ids) + 1))), ids,
                      lambda i: written_id(i, out))
    with Journal(out, fields, resume=resume, required=required) as journal:
        todo = [n for n, key in enumerate(ids) if journal.written_id(key) not in journal.done]
        waiting: dict[int, dict] = {}
        next_slot = 0
        if not todo:
            return len(ids)
        if before_fork:
            before_fork([payloads[n] for n in todo])
        with WorkerPool(function, min(jobs, max(1, len(todo))), timeout, memory=cap) as pool:
            for finished, (n, result) in enumerate(pool.run((n, payloads[n]) for n in todo), start=1):
                waiting[n] = to_row(ids[n], result)
                if on_result:
                    on_result(ids[n], result)
                while next_slot < len(todo) and todo[next_slot] in waiting:
                    journal.write(waiting.pop(todo[next_slot]))
                    next_slot += 1
                if progress:
                    progress(finished, len(todo))
    return len(ids) - len(todo)


# -- grading -------------------------------------------------------------------------------------


@dataclass
class Summary:
    verdicts: Counter = field(default_factory=Counter)
    diagnoses: Counter = field(default_factory=Counter)
    skipped: int = 0
    inconsistent: int = 0  # proofs the numeric evidence disagreed with (the proof decided; a bug to report)


def _refuse_unusable(table: Table) -> None:
    """A file with no answer column is refused before any work (a working needs nothing else)."""
    columns = set(table.columns)
    listed = ", ".join(shown(c, 30) for c in table.columns[:8]) or "none"
    hint = " (its first line is read as the header)" if table.path.suffix.lower() == ".csv" else ""
    if not table.columns:
        raise SymdlError(f"{table.path} holds no records")
    if "answer" not in columns:
        raise SymdlError(f"{table.path} has no 'answer' column{hint}; its columns: {listed}")


def grade(path, out, *, jobs: int | None = None, timeout: float = DEFAULT_TIMEOUT, resume: bool = False,
          progress=None, memory: int | None = None, report=None) -> Summary:
    """Grade every record of ``path`` into ``out``; ``progress(done, total)`` is called as results land.

    Refused before any work (SymdlError): ``out`` or ``report`` the same file as ``path`` or as each
    other, an unreadable or unusable input, ids shared by two records, a bad timeout or job count.
    """
    chart = Path(report).with_name(f"{Path(report).stem}-verdicts.png") \
        if report is not None and Path(report).suffix.lower() == ".md" else None  # written beside a .md report
    refuse_same_files({"FILE": path}, {"OUT": out, "--report": report, "the report's chart": chart})
    from symdl.report import diagnosis_category
    table = read_table(path)
    _refuse_unusable(table)
    ids = assign_ids(table)
    summary = Summary()

    def count(_, result):
        summary.verdicts[result.get("verdict", "error")] += 1
        summary.inconsistent += result.get("diagnosis") == INCONSISTENT
        if result.get("diagnosis"):  # one bucket per kind: "off by a constant factor", not one per factor
            summary.diagnoses[_cap(diagnosis_category(result["diagnosis"]), 40)] += 1

    summary.skipped = run_batch(ids, table.records, out, check_record, fields=FIELDS + WORKING_FIELDS,
                                required=FIELDS, jobs=jobs, timeout=timeout, memory=memory, resume=resume,
                                progress=progress, on_result=count, lines=table.lines, source=path,
                                before_fork=_warm)
    return summary


def finished_ids(path) -> set[str]:
    """The ids of the complete result lines of a JSON Lines or CSV output (as written), without
    changing the file; a torn or unreadable line counts as not done."""
    return Journal.finished(path)


WARM_DERIVATIONS = 8  # distinct derivations built once in the parent before the workers fork
WARM_SECONDS = 3.0


def _warm(records: list[dict]) -> None:
    """Import the checker, and build the derivations the batch asks for at their default sizes, in the
    parent, so every forked worker inherits them instead of redoing the work (with -j 2, twice).
    Only defaults are built here: a record's own parameters may be hostile, and the parent has no
    memory cap; those are built in the workers, under their limits."""
    from symdl import check as checker
    from symdl.decide.prove import time_budget
    names = []
    for record in records:
        name = record.get("derivation")
        if isinstance(name, str) and name and not (record.get("params") or record.get("param")) and name not in names:
            names.append(name)
    for name in names[:WARM_DERIVATIONS]:
        try:
            with time_budget(WARM_SECONDS):
                checker._derivation(name, ())
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # noqa: BLE001 - unknown, failing or out of time: the worker's to report
            continue


def graded(path, out) -> tuple[list[dict], list[dict]]:
    """The records of ``path`` (ids as written to ``out``) and the result rows of ``out``, for a report."""
    table = read_table(path)
    for record, key in zip(table.records, assign_ids(table)):
        record["id"] = written_id(key, out)
    return table.records, read_records(out)


def print_summary(summary: Summary, file=sys.stdout) -> None:
    """The closing table: how many answers got each verdict, and the commonest diagnoses."""
    total = sum(summary.verdicts.values())
    names = ["equivalent", "not_equivalent", "undecided", "error"]
    names += sorted(v for v in summary.verdicts if v not in names)
    rows = [(v, summary.verdicts.get(v, 0)) for v in names]
    diagnoses = [(shown(name, 40), count) for name, count in summary.diagnoses.most_common(8)]
    width = max(len("not_equivalent"), len("skipped (resume)") * bool(summary.skipped), *(len(d) for d, _ in diagnoses))
    print(f"{'verdict':<{width}}  {'count':>6}  {'share':>6}", file=file)
    for name, count in rows:
        share = f"{100 * count / total:5.1f}%" if total else "    -"
        print(f"{name:<{width}}  {count:>6}  {share:>6}", file=file)
    if summary.skipped:
        print(f"{'skipped (resume)':<{width}}  {summary.skipped:>6}", file=file)
    if summary.inconsistent:
        print(f"\ninternal inconsistencies: {summary.inconsistent} (a proof the numbers disagree with; the proof "
              "decided; please report these answers)", file=file)
    if diagnoses:
        print(f"\n{'diagnosis':<{width}}  {'count':>6}", file=file)
        for name, count in diagnoses:
            print(f"{name:<{width}}  {count:>6}", file=file)
