"""The labelled table of workings (issue 10): the first wrong line, error carried forward, and the
shared examples. The table is tests/data/workings_cases.py; its labels were worked by hand."""

import json
import os
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "data"))
from workings_cases import CASES, SLOW_CASES  # noqa: E402

from symdl.working import check_working  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "examples" / "workings.jsonl"


_CHECKED = {}


def _checked(case):
    """The case's working, checked once for all the tests that look at it (check_working is seeded)."""
    if case["id"] not in _CHECKED:
        _CHECKED[case["id"]] = _check(case)
    return _CHECKED[case["id"]]


def _check(record):
    return check_working(record["answer"], expected=record.get("expected"), derivation=record.get("derivation"),
                         params=record.get("params"), shapes=record.get("shape"),
                         assume=tuple(record.get("assume") or ()), indices=record.get("indices"),
                         digits=record.get("digits"))


def _wrong_lines(working):
    return sorted({step.line for step in working.steps if step.verdict == "not_equivalent"})


def _params(cases, xfail_key, fallback=None):
    """One pytest param per case, marked xfail(strict) where the table says symdl misses it today."""
    params = []
    for case in cases:
        reason = case.get(xfail_key) or (case.get(fallback) if fallback else None)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


WRONG = [c for c in CASES if c["first_wrong"] is not None]
RIGHT = [c for c in CASES if c["first_wrong"] is None]


def test_table_covers_the_issue():
    assert len(CASES) >= 60
    ids = [c["id"] for c in CASES + SLOW_CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    categories = Counter(c["category"] for c in CASES)
    for category in ("form", "course arithmetic", "rounding", "matrix", "likelihood", "hessian", "batch norm",
                     "derivative"):
        assert categories[category] >= 5, category
    assert len(RIGHT) >= 25 and len(WRONG) >= 25
    # errors at the start (the first checked line), the middle and the end (the last line)
    last = {c["id"]: _line_count(c) - 1 for c in WRONG}
    assert sum(c["first_wrong"] <= 1 for c in WRONG) >= 5
    assert sum(1 < c["first_wrong"] < last[c["id"]] for c in WRONG) >= 5
    assert sum(c["first_wrong"] == last[c["id"]] for c in WRONG) >= 5
    # errors carried forward: wrong cases whose later lines are right relative to the mistake
    assert sum(c["first_wrong"] < last[c["id"]] and c.get("wrong", [c["first_wrong"]]) == [c["first_wrong"]]
               for c in WRONG) >= 15


def _line_count(case):
    from symdl.parse.working import read_working

    return len(read_working(case["answer"]))


@pytest.mark.parametrize("case", _params(CASES, "xfail"))
def test_first_wrong_line(case):
    working = _checked(case)
    assert working.first_wrong == case["first_wrong"], working.gutter()
    if case["first_wrong"] is not None:
        assert working.verdict.verdict != "equivalent", working.gutter()


@pytest.mark.parametrize("case", _params(WRONG, "xfail_lines", fallback="xfail"))
def test_error_carried_forward(case):
    """The lines after a mistake are judged against it: right when they follow from it."""
    working = _checked(case)
    assert _wrong_lines(working) == case.get("wrong", [case["first_wrong"]]), working.gutter()


@pytest.mark.parametrize("case", _params(RIGHT, "xfail_confirm"))
def test_correct_working_is_confirmed(case):
    """A working with no wrong line is confirmed (not merely undecided), unless its result misses
    what was expected."""
    working = _checked(case)
    assert working.verdict.verdict == case.get("verdict", "equivalent"), working.gutter()


@pytest.mark.skipif(not os.environ.get("SYMDL_SLOW_TESTS"), reason="tens of seconds each; SYMDL_SLOW_TESTS=1 runs them")
@pytest.mark.parametrize("case", _params(SLOW_CASES, "xfail"))
def test_slow_workings(case):
    working = _check(case)
    assert working.first_wrong == case["first_wrong"], working.gutter()
    assert _wrong_lines(working) == case.get("wrong", [] if case["first_wrong"] is None else [case["first_wrong"]])


def _shared_workings():
    if not SHARED.exists():
        return []
    return [json.loads(line) for line in SHARED.read_text().splitlines() if line.strip()]


@pytest.mark.skipif(not SHARED.exists(), reason="shared/ examples are beside the repository only in a checkout")
@pytest.mark.parametrize("record", _shared_workings(), ids=lambda r: r["id"])
def test_shared_workings(record):
    working = _check(record)
    assert working.first_wrong == record["first_wrong"], working.gutter()
    if record["first_wrong"] is not None:
        assert working.verdict.verdict != "equivalent", working.gutter()
