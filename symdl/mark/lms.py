r"""Grade files an LMS imports, from marked sheets.

- ``canvas``: the Gradebook import CSV: ``Student,ID,SIS User ID,SIS Login ID,Section,<assignment>``,
  a ``Points Possible`` row first, then one row per student with the sheet's total.
- ``moodle``: the grade import CSV: an identifier column (``ID number``; map it on import) and, per
  question, a grade item column and its feedback column (``Q1``, ``Q1 feedback``, …).
- ``prairielearn``: the manual-grading upload CSV ``uid,qid,score_perc,feedback``, one row per
  student and question (``qid`` is ``q`` and the question's label, e.g. ``q1``, ``q2a``).
- ``plain``: ``student,score,points`` and one column per question.

Who a sheet belongs to comes from a ``--students`` CSV (columns ``sheet`` — the file's name or stem —
and any of ``name``, ``id``, ``sis_user_id``, ``sis_login_id``, ``section``, ``uid``, ``email``), else
from the sheet's file name (its stem is the student's id, uid and name).

A cell that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``) is
written with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from symdl.errors import SymdlError
from symdl.parse.sheet import label_key

FORMATS = ("canvas", "moodle", "prairielearn", "plain")
CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
PRAIRIELEARN_HEADER = ["uid", "qid", "score_perc", "feedback"]
STUDENT_FIELDS = ("name", "id", "sis_user_id", "sis_login_id", "section", "uid", "email")


def read_students(path) -> dict:
    """{sheet name or stem: {field: value}} from a students CSV."""
    path = Path(path)
    try:
        rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SymdlError(f"cannot read the students file {path}: {exc}") from None
    if not rows or "sheet" not in rows[0]:
        raise SymdlError(f"{path}: a students CSV needs a 'sheet' column (the sheet's file name) and any of "
                         f"{', '.join(STUDENT_FIELDS)}")
    students = {}
    for number, row in enumerate(rows, start=2):
        sheet = (row.get("sheet") or "").strip()
        if not sheet:
            raise SymdlError(f"{path}:{number}: the 'sheet' column is empty")
        students[sheet] = {k: (row.get(k) or "").strip() for k in STUDENT_FIELDS}
    return students


def student_of(sheet: str, students: dict | None) -> dict:
    path = Path(sheet)
    found = None
    if students:
        found = students.get(path.name) or students.get(path.stem) or students.get(sheet)
    stem = path.stem
    found = dict(found or {})
    for field in ("id", "uid", "name", "sis_user_id", "sis_login_id"):
        found.setdefault(field, "")
    found["id"] = found["id"] or stem
    found["uid"] = found["uid"] or found.get("email") or found["id"]
    found["name"] = found["name"] or stem
    return found


def _safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _number(value: float) -> str:
    return f"{value:g}"


def feedback(question: dict) -> str:
    """A question's feedback in one line: its score and the wrong lines with what was expected."""
    notes = []
    for claim in question["claims"]:
        if claim["verdict"] == "wrong":
            text = f"line {claim['line']}: {claim.get('diagnosis') or 'wrong'}"
            if claim.get("expected"):
                text += f" (expected {claim['expected']})"
            notes.append(text)
    unchecked = sum(1 for c in question["claims"] if c["verdict"] == "unchecked")
    head = f"{_number(question['score'])}/{_number(question['points'])}"
    tail = f"; {unchecked} line(s) not checked" if unchecked else ""
    return head + (": " + "; ".join(notes) if notes else "") + tail


def grade_rows(marked: list, lms: str, *, assignment: str, students: dict | None = None) -> list:
    """The rows (header first) of the grade file for ``lms``."""
    if lms not in FORMATS:
        raise SymdlError(f"unknown LMS {lms!r}; use one of {', '.join(FORMATS)}")
    labels = []
    for sheet in marked:
        for question in sheet["questions"]:
            if question["label"] not in labels:
                labels.append(question["label"])
    if lms == "canvas":
        total = max((s["points"] for s in marked), default=0)
        rows = [CANVAS_HEADER + [assignment], ["Points Possible", "", "", "", "", _number(total)]]
        for sheet in marked:
            who = student_of(sheet["sheet"], students)
            rows.append([who["name"], who["id"], who["sis_user_id"], who["sis_login_id"], who.get("section", ""),
                         _number(sheet["score"])])
        return rows
    if lms == "moodle":
        header = ["ID number"]
        for label in labels:
            header += [f"Q{label_key(label)}", f"Q{label_key(label)} feedback"]
        rows = [header]
        for sheet in marked:
            who = student_of(sheet["sheet"], students)
            row = [who["id"]]
            by_label = {q["label"]: q for q in sheet["questions"]}
            for label in labels:
                question = by_label.get(label)
                row += [_number(question["score"]), feedback(question)] if question else ["", ""]
            rows.append(row)
        return rows
    if lms == "prairielearn":
        rows = [list(PRAIRIELEARN_HEADER)]
        for sheet in marked:
            who = student_of(sheet["sheet"], students)
            for question in sheet["questions"]:
                share = 100 * question["score"] / question["points"] if question["points"] else 0
                rows.append([who["uid"], f"q{label_key(question['label'])}", f"{share:.4g}", feedback(question)])
        return rows
    rows = [["student", "score", "points"] + [f"Q{label_key(label)}" for label in labels]]
    for sheet in marked:
        who = student_of(sheet["sheet"], students)
        by_label = {q["label"]: q for q in sheet["questions"]}
        rows.append([who["id"], _number(sheet["score"]), _number(sheet["points"])]
                    + [_number(by_label[label]["score"]) if label in by_label else "" for label in labels])
    return rows


def grade_csv(marked: list, lms: str, *, assignment: str, students: dict | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in grade_rows(marked, lms, assignment=assignment, students=students):
        writer.writerow([_safe(cell) for cell in row])
    return out.getvalue()


__all__ = ["FORMATS", "feedback", "grade_csv", "grade_rows", "read_students", "student_of"]
