r"""Marking several sheets with ``grade``'s batch machinery (:func:`symdl.grade.run_batch`): each
sheet in a sandboxed worker (hard timeout, memory cap), one journal line per sheet written in
input order as soon as it is known, and ``resume`` skipping the sheets the journal already holds.

The journal is JSON Lines, one marked sheet a line (``id`` is the sheet's path as given). A sheet
whose worker times out or dies is reported with ``error`` and no questions, never dropped.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from symdl.errors import SymdlError

DEFAULT_TIMEOUT = 120.0
FIELDS = ["id", "sheet", "title", "score", "points", "questions", "missing", "lines", "error"]


def mark_payload(payload: dict) -> dict:
    """Mark one sheet (runs inside a worker): the marked sheet's dict with its text lines."""
    from symdl.mark import mark_sheet

    try:
        marked = mark_sheet(payload["sheet"], payload["key"], carried=payload.get("carried", 0.0))
    except SymdlError as exc:
        return failed(payload["sheet"], str(exc), payload.get("points", 0))
    return marked.to_dict(lines=True)


def failed(sheet: str, detail: str, points: float) -> dict:
    return {"sheet": sheet, "error": detail, "title": "", "score": 0, "points": points, "questions": [],
            "missing": [], "lines": []}


def mark_sheets(sheets: list, key_path, *, jobs: int | None = None, timeout: float = DEFAULT_TIMEOUT,
                carried: float = 0.0, journal=None, resume: bool = False, progress=None,
                memory: int | None = None) -> list:
    """Every sheet marked (dicts, in the order given, each sheet once); ``progress(done, total)`` as
    each lands. ``journal`` keeps the finished sheets (a temporary file when None)."""
    from symdl.grade import run_batch
    from symdl.mark.key import load_key

    key = load_key(key_path)  # a broken key fails here, once, naming the file
    points = sum(p.points for p in key.parts)
    names = list(dict.fromkeys(str(s) for s in sheets))
    for name in names:
        if not Path(name).is_file():
            raise SymdlError(f"no such sheet: {name}")
    if not 0 <= carried <= 1:
        raise SymdlError("--carried must be a share from 0 to 1")
    payloads = [{"sheet": name, "key": str(key_path), "carried": carried, "points": points} for name in names]

    def to_row(name: str, result: dict) -> dict:
        if "questions" not in result:  # the pool's own report: a timeout or a dead worker
            result = failed(name, result.get("detail", "the sheet could not be marked"), points)
        return {"id": name, **result}

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(journal) if journal is not None else Path(scratch) / "journal.jsonl"
        run_batch(names, payloads, path, mark_payload, fields=FIELDS, required=["id"], to_row=to_row, jobs=jobs,
                  timeout=timeout, memory=memory, resume=resume and journal is not None, progress=progress,
                  source="the sheets")
        rows = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and row.get("id") in names:
                rows[row["id"]] = row
    return [rows.get(name) or failed(name, "no result", points) for name in names]


def public(sheet: dict) -> dict:
    """The JSON result of one sheet (without the working fields ``id`` and ``lines``)."""
    return {k: v for k, v in sheet.items() if k not in ("id", "lines")}


__all__ = ["DEFAULT_TIMEOUT", "mark_payload", "mark_sheets", "public"]
