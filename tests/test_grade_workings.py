"""``symdl grade`` on records whose answer is a working (issue 10): each step's verdict, the first wrong
line, and the working's gutter in the grading report."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from symdl.grade import Summary, grade, print_summary, read_records
from symdl.report import write_report

sys.path.insert(0, str(Path(__file__).parent / "data"))
from workings_cases import CASES  # noqa: E402

GRADE_KEYS = ("id", "answer", "expected", "derivation", "params", "assume", "indices", "shape")


def _sample():
    """One right and one wrong working of every category of the labelled table (each one symdl gets right)."""
    picked, seen = [], set()
    for case in CASES:
        if case.get("xfail") or case.get("xfail_lines") or case.get("xfail_confirm") or case.get("verdict"):
            continue
        tag = (case.get("category"), case["first_wrong"] is None)
        if tag not in seen:
            seen.add(tag)
            picked.append(case)
    return picked


SAMPLE = _sample()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workings")
    source = folder / "in.jsonl"
    source.write_text("".join(json.dumps({k: c[k] for k in GRADE_KEYS if k in c}) + "\n" for c in SAMPLE))
    out = folder / "out.jsonl"
    summary = grade(source, out, jobs=1, timeout=60)
    rows = {row["id"]: row for row in map(json.loads, out.read_text().splitlines())}
    return source, out, rows, summary


def test_sample_has_right_and_wrong_workings():
    assert any(c["first_wrong"] is None for c in SAMPLE) and any(c["first_wrong"] is not None for c in SAMPLE)


@pytest.mark.parametrize("case", SAMPLE, ids=lambda c: c["id"])
def test_each_record_gets_its_steps_and_first_wrong(graded, case):
    row = graded[2][case["id"]]
    assert row["first_wrong"] == case["first_wrong"], row
    assert row["steps"] and all(set(s) == {"line", "verdict", "diagnosis"} for s in row["steps"])
    wrong = [s["line"] for s in row["steps"] if s["verdict"] == "not_equivalent"]
    if case["first_wrong"] is None:
        assert not wrong
    else:
        # one wrong step makes the whole working wrong, even when its last line is right
        assert min(wrong) == case["first_wrong"] and row["verdict"] == "not_equivalent"


def test_single_answers_have_no_step_fields(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "expected": "2x", "answer": "x+x"}) + "\n")
    out = tmp_path / "out.jsonl"
    grade(source, out, jobs=1)
    row = json.loads(out.read_text())
    assert row["verdict"] == "equivalent" and "steps" not in row and "first_wrong" not in row


def test_csv_output_carries_steps_as_json(tmp_path):
    case = next(c for c in SAMPLE if c["first_wrong"] is not None)
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({k: case[k] for k in GRADE_KEYS if k in case}) + "\n")
    out = tmp_path / "out.csv"
    grade(source, out, jobs=1, timeout=60)
    (row,) = csv.DictReader(out.read_text(encoding="utf-8").splitlines())
    assert int(row["first_wrong"]) == case["first_wrong"]
    assert json.loads(row["steps"])[0]["line"] >= 0


def test_summary_counts_undecided(tmp_path):
    summary = Summary()
    summary.verdicts.update({"equivalent": 1, "undecided": 2})
    text = io.StringIO()
    print_summary(summary, file=text)
    assert "undecided" in text.getvalue() and " 2 " in text.getvalue()


def test_report_shows_each_working_line_with_its_mark(graded, tmp_path):
    source, out, rows, _ = graded
    wrong = next(c for c in SAMPLE if c["first_wrong"] is not None)
    markdown = tmp_path / "report.md"
    records, results = read_records(source), read_records(out)
    write_report(records, results, markdown)
    text = markdown.read_text(encoding="utf-8")
    section = text.split(f"### {wrong['id']}:")[1].split("\n### ")[0]
    assert "line by line" in section and "✗" in section
    marked = [line for line in section.splitlines() if line.startswith("  - ")]
    assert marked[wrong["first_wrong"]].startswith("  - ✗")
    html = tmp_path / "report.html"
    write_report(records, results, html)
    page = html.read_text(encoding="utf-8")
    assert 'class="mark wrong"' in page and 'class="mark right"' in page
