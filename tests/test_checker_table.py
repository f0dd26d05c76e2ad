"""The labelled table: every NOTATION.md rule, each correct reading beside a near miss."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "data"))
from checking_cases import CASES  # noqa: E402

from symdl.check import check, check_derivation  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "examples" / "pairs.jsonl"


def _verdict(kind, target, answer, options):
    if kind == "derivation":
        return check_derivation(target, answer, rtol=options.get("rtol"))
    return check(target, answer, mode=options.get("mode", "value"), wrt=options.get("wrt"),
                 shapes=options.get("shape"), rtol=options.get("rtol"))


def test_table_is_big_enough_and_balanced():
    assert len(CASES) >= 60
    assert sum(1 for c in CASES if c[4]) >= 30 and sum(1 for c in CASES if not c[4]) >= 30


@pytest.mark.parametrize("name, kind, target, answer, label, options, diagnosis", CASES, ids=[c[0] for c in CASES])
def test_case(name, kind, target, answer, label, options, diagnosis):
    verdict = _verdict(kind, target, answer, options)
    assert verdict.verdict == ("equivalent" if label else "not_equivalent"), verdict
    if diagnosis:
        assert verdict.diagnosis and verdict.diagnosis.startswith(diagnosis), verdict
    if not label:
        assert verdict.counterexample or verdict.diagnosis == "shape mismatch", verdict


def _shared_pairs():
    if not SHARED.exists():
        return []
    return [json.loads(line) for line in SHARED.read_text().splitlines() if line.strip()]


@pytest.mark.skipif(not SHARED.exists(), reason="shared/ examples are beside the repository only in a checkout")
@pytest.mark.parametrize("pair", _shared_pairs(), ids=lambda p: p["id"])
def test_shared_examples(pair):
    from symdl.grade import check_record

    result = check_record(pair)
    assert result["verdict"] == ("equivalent" if pair["label"] else "not_equivalent"), result
