"""Agreement of `symdl mark` with labelled answer sheets: claims checked, and the confusion of labels
against verdicts (run by hand: python bench/bench_mark.py [DIR …]; default the shared practice sheets
and tests/data/sheets)."""

import json
import sys
import time
from collections import Counter
from pathlib import Path

from symdl.mark import mark_sheet

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = [ROOT.parent / "shared" / "examples" / "sheets", ROOT / "tests" / "data" / "sheets"]


def main(folders) -> None:
    total = Counter()
    for folder in folders:
        for labels in sorted(Path(folder).glob("*.labels.jsonl")):
            name = labels.name[: -len(".labels.jsonl")]
            start = time.perf_counter()
            marked = mark_sheet(labels.with_name(f"{name}.md"), labels.with_name(f"{name}.toml"))
            seconds = time.perf_counter() - start
            ours = {c.line: c.verdict for q in marked.questions for c in q.claims}
            confusion = Counter()
            for line in labels.read_text(encoding="utf-8").splitlines():
                label = json.loads(line)
                confusion[(label["verdict"], ours.get(label["line"], "unchecked"))] += 1
            total.update(confusion)
            _report(f"{name} ({seconds:.1f} s)", confusion)
    _report("all", total)


def _report(title: str, confusion: Counter) -> None:
    claims = sum(n for (label, _), n in confusion.items() if label != "uncheckable")
    checked = sum(n for (label, ours), n in confusion.items() if label != "uncheckable" and ours != "unchecked")
    right = sum(n for (label, _), n in confusion.items() if label == "right")
    print(f"{title}: {checked}/{claims} labelled claims checked ({100 * checked / max(claims, 1):.0f}%); "
          f"wrong marked right {confusion[('wrong', 'right')] + confusion[('carried', 'right')]}; "
          f"right marked wrong {confusion[('right', 'wrong')]}/{right}; "
          f"wrong flagged {confusion[('wrong', 'wrong')]}/{confusion[('wrong', 'wrong')] + confusion[('wrong', 'unchecked')]}")
    for label in ("right", "wrong", "carried", "uncheckable"):
        row = "  ".join(f"{ours} {confusion[(label, ours)]}" for ours in ("right", "wrong", "unchecked"))
        print(f"    label {label:<11} -> {row}")


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:]] or DEFAULT)
