"""Time per line of a working: ``python bench/bench_workings.py``.

Checks every working of the labelled table (tests/data/workings_cases.py) and reports the CPU
time per line, and the time of the whole working against the time of checking each of its
relations as a single answer (``symdl check --expected BEFORE --answer AFTER``) one after another.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from data.workings_cases import CASES  # noqa: E402

from symdl.check import check  # noqa: E402
from symdl.parse.working import read_working  # noqa: E402
from symdl.working import check_working  # noqa: E402


def _pairs(lines):
    """The (before, after) texts of each relation, as single answers would give them."""
    sides = [side.text for line in lines for side in line.sides]
    return list(zip(sides, sides[1:]))


def main() -> None:
    per_line, ratios, lines_total = [], [], 0
    for case in CASES:
        lines = read_working(case["answer"])
        start = time.process_time()
        check_working(case["answer"], expected=case.get("expected"), derivation=case.get("derivation"),
                      params=case.get("params"), shapes=case.get("shape"), assume=case.get("assume", ()),
                      indices=case.get("indices"))
        working = time.process_time() - start
        start = time.process_time()
        for before, after in _pairs(lines):
            check(before, after, shapes=case.get("shape"))
        answers = time.process_time() - start
        per_line.append(working / len(lines))
        ratios.append(working / max(answers, 1e-9))
        lines_total += len(lines)
    print(f"{len(CASES)} workings, {lines_total} lines")
    print(f"CPU per line: median {1000 * statistics.median(per_line):.1f} ms, "
          f"mean {1000 * statistics.mean(per_line):.1f} ms, max {1000 * max(per_line):.0f} ms")
    print(f"a working against its relations checked one by one as single answers: median "
          f"{statistics.median(ratios):.2f}x (so a 10-line working costs about "
          f"{10 * statistics.median(ratios):.0f}x one answer's share of it)")


if __name__ == "__main__":
    main()
