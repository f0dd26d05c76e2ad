r"""Marking several sheets: each in a worker process of :mod:`symdl.sandbox` (hard timeout, memory
cap), results kept in input order, and a progress file so that ``resume`` skips what is done.

The progress file is JSON Lines, one marked sheet a line (``id`` is the sheet's path), flushed as
each sheet finishes; a run that was killed keeps everything it finished. A sheet whose worker
times out or dies is reported with ``error`` and no questions, never silently dropped.
"""

from __future__ import annotations

import json
from pathlib import Path

from symdl.errors import SymdlError

DEFAULT_TIMEOUT = 120.0


def mark_payload(payload: dict) -> dict:
    """Mark one sheet (runs inside a worker): the marked sheet's dict with its text lines."""
    from symdl.mark import mark_sheet

    try:
        marked = mark_sheet(payload["sheet"], payload["key"], carried=payload.get("carried", 0.0))
    except SymdlError as exc:
        return {"sheet": payload["sheet"], "error": str(exc), "questions": [], "score": 0, "points": 0}
    return marked.to_dict(lines=True)


def _failed(sheet: str, detail: str, points: float) -> dict:
    return {"sheet": sheet, "error": detail, "title": "", "score": 0, "points": points, "questions": [],
            "missing": [], "lines": []}


def mark_sheets(sheets: list, key_path, *, jobs: int | None = None, timeout: float = DEFAULT_TIMEOUT,
                carried: float = 0.0, progress_file=None, resume: bool = False, progress=None) -> list:
    """Every sheet marked (dicts, in the order given); ``progress(done, total)`` as each lands."""
    from symdl.grade import finished_ids
    from symdl.mark.key import load_key
    from symdl.sandbox import WorkerPool, default_jobs

    key = load_key(key_path)  # a broken key fails here, once, naming the file
    points = sum(p.points for p in key.parts)
    names = [str(s) for s in sheets]
    for name in names:
        if not Path(name).is_file():
            raise SymdlError(f"no such sheet: {name}")
    done: dict = {}
    if progress_file is not None and resume:
        finished = finished_ids(progress_file)
        for line in Path(progress_file).read_text(encoding="utf-8").splitlines() if finished else ():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if row.get("id") in names:
                done[row["id"]] = row
    out = None
    if progress_file is not None:
        mode = "a" if resume and Path(progress_file).exists() else "w"
        try:
            out = open(progress_file, mode, encoding="utf-8")
        except OSError as exc:
            raise SymdlError(f"cannot write {progress_file}: {exc.strerror}") from None
    todo = [(name, {"sheet": name, "key": str(key_path), "carried": carried}) for name in names if name not in done]
    total, count = len(names), len(done)
    if progress:
        progress(count, total)
    try:
        if todo:
            with WorkerPool(mark_payload, max(1, min(jobs or default_jobs(), len(todo))), timeout) as pool:
                for name, result in pool.run(todo):
                    if "questions" not in result:  # the pool's own report: a timeout or a dead worker
                        result = _failed(name, result.get("detail", "the sheet could not be marked"), points)
                    result["id"] = name
                    done[name] = result
                    if out is not None:
                        out.write(json.dumps(result, ensure_ascii=False) + "\n")
                        out.flush()
                    count += 1
                    if progress:
                        progress(count, total)
    finally:
        if out is not None:
            out.close()
    return [done[name] for name in names]


def public(sheet: dict) -> dict:
    """The JSON result of one sheet (without the working fields ``id`` and ``lines``)."""
    return {k: v for k, v in sheet.items() if k not in ("id", "lines")}


__all__ = ["DEFAULT_TIMEOUT", "mark_payload", "mark_sheets", "public"]
