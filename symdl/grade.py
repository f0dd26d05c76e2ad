"""Grading a batch of answers: worker processes, hard timeouts, results streamed in input order.

Each result is written (and flushed) as soon as it and every record before it are known, so
a killed run keeps what it finished and ``resume`` picks up after it.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from symdl.errors import SymdlError
from symdl.sandbox import WorkerPool, default_jobs

FIELDS = ["id", "verdict", "detail", "diagnosis", "counterexample"]
WORKING_FIELDS = ["steps", "first_wrong"]  # a multi-line working's answer: each step's verdict, the first wrong line
DEFAULT_TIMEOUT = 10.0


def read_records(path: Path) -> list[dict]:
    """Records of a JSON Lines or CSV file; a malformed line is an error naming its line number."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SymdlError(f"cannot read {path}: {exc}") from None
    if path.suffix.lower() == ".csv":
        return [dict(row) for row in csv.DictReader(text.splitlines())]
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SymdlError(f"{path}:{number}: not JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(record, dict):
            raise SymdlError(f"{path}:{number}: expected a JSON object")
        records.append(record)
    return records


def check_record(record: dict) -> dict:
    """The verdict on one record, as a dict of the output fields (runs inside a worker)."""
    from symdl.check import check, check_derivation
    from symdl.parse.working import is_working

    answer = record.get("answer")
    if not isinstance(answer, str):
        return {"verdict": "error", "detail": "the record has no answer"}
    rtol = record.get("rtol")
    rtol = float(rtol) if rtol not in (None, "") else None
    digits = record.get("digits")
    try:
        digits = int(digits) if digits not in (None, "") else None
    except (TypeError, ValueError):
        return {"verdict": "error", "detail": "the record's digits must be a whole number of significant figures"}
    params = record.get("params") or record.get("param") or {}
    if isinstance(params, str):
        from symdl.params import parse_assignments

        params = parse_assignments(params.split())
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


def _output_row(record_id, result: dict) -> dict:
    row = {"id": record_id, **{k: result.get(k) for k in FIELDS[1:]}}
    row.update({k: result[k] for k in WORKING_FIELDS if k in result})
    return row


class _Writer:
    """Appends rows to a JSON Lines or CSV file, flushing each."""

    def __init__(self, path: Path, append: bool):
        self.path, self.csv = Path(path), Path(path).suffix.lower() == ".csv"
        fresh = not (append and self.path.exists() and self.path.stat().st_size > 0)
        if not fresh:
            _drop_partial_line(self.path)
        try:
            self.file = open(self.path, "a" if not fresh else "w", encoding="utf-8", newline="")
        except OSError as exc:
            raise SymdlError(f"cannot write {self.path}: {exc.strerror}") from None
        if self.csv:
            self.writer = csv.DictWriter(self.file, FIELDS + WORKING_FIELDS)
            if fresh:
                self.writer.writeheader()

    def write(self, row: dict) -> None:
        if self.csv:
            flat = {k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in row.items()}
            self.writer.writerow(flat)
        else:
            self.file.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.file.flush()

    def close(self) -> None:
        self.file.close()


def _drop_partial_line(path: Path) -> None:
    """A run killed mid-write leaves half a line; cut it, so the rerun's first row starts clean."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        path.write_bytes(data[: data.rfind(b"\n") + 1])


def finished_ids(path: Path) -> set:
    path = Path(path)
    if not path.exists():
        return set()
    try:
        if path.suffix.lower() == ".csv":
            return {row["id"] for row in csv.DictReader(path.read_text(encoding="utf-8").splitlines())}
        ids = set()
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                ids.add(str(json.loads(line)["id"]))
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a line cut short by a killed run: redo that record
        return ids
    except OSError as exc:
        raise SymdlError(f"cannot read {path}: {exc}") from None


@dataclass
class Summary:
    verdicts: Counter = field(default_factory=Counter)
    diagnoses: Counter = field(default_factory=Counter)
    skipped: int = 0


def grade(path, out, *, jobs: int | None = None, timeout: float = DEFAULT_TIMEOUT, resume: bool = False,
          progress=None) -> Summary:
    """Grade every record of ``path`` into ``out``; ``progress(done, total)`` is called as results land."""
    records = read_records(path)
    for number, record in enumerate(records, start=1):
        if "id" not in record or record["id"] in (None, ""):
            record["id"] = str(number)
    summary = Summary()
    done = finished_ids(out) if resume else set()
    todo = [(n, r) for n, r in enumerate(records) if str(r["id"]) not in done]
    summary.skipped = len(records) - len(todo)
    _warm([r for _, r in todo])
    writer = _Writer(out, append=resume)
    waiting: dict[int, dict] = {}
    order = [n for n, _ in todo]
    next_slot = 0
    try:
        with WorkerPool(check_record, jobs or default_jobs(), timeout) as pool:
            for finished, (key, result) in enumerate(pool.run([(n, r) for n, r in todo]), start=1):
                waiting[key] = _output_row(records[key]["id"], result)
                summary.verdicts[result.get("verdict", "error")] += 1
                if result.get("diagnosis"):
                    summary.diagnoses[str(result["diagnosis"]).split(":")[0]] += 1
                while next_slot < len(order) and order[next_slot] in waiting:
                    writer.write(waiting.pop(order[next_slot]))
                    next_slot += 1
                if progress:
                    progress(finished, len(todo))
    finally:
        writer.close()
    return summary


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


def print_summary(summary: Summary, file=sys.stdout) -> None:
    """The closing table: how many answers got each verdict, and the commonest diagnoses."""
    total = sum(summary.verdicts.values())
    names = ["equivalent", "not_equivalent", "undecided", "error"]
    names += sorted(v for v in summary.verdicts if v not in names)
    rows = [(v, summary.verdicts.get(v, 0)) for v in names]
    width = max(len("not_equivalent"), *(len(d) for d in summary.diagnoses), 0)
    print(f"{'verdict':<{width}}  {'count':>6}  {'share':>6}", file=file)
    for name, count in rows:
        share = f"{100 * count / total:5.1f}%" if total else "    -"
        print(f"{name:<{width}}  {count:>6}  {share:>6}", file=file)
    if summary.skipped:
        print(f"{'skipped (resume)':<{width}}  {summary.skipped:>6}", file=file)
    if summary.diagnoses:
        print(f"\n{'diagnosis':<{width}}  {'count':>6}", file=file)
        for name, count in summary.diagnoses.most_common(8):
            print(f"{name:<{width}}  {count:>6}", file=file)
