"""The checker against Math-Verify, side by side in one run: ``python bench/bench_checker.py``.

Builds a batch of at least 1,000 answers from the labelled table (tests/data/checking_cases.py)
and the shared examples, written in several equivalent spellings each, then:

* grades the batch with ``symdl grade`` (every core, as a grader would run it), and
* runs Math-Verify (``verify(parse("$"+gold+"$"), parse("$"+answer+"$"))``) on the pairs it can
  express (no derivation targets, no objective mode, no declared shapes), with the same
  number of worker processes.

Reports answers per second for each, the ratio, and the accuracy of each on the labelled
table, and counts false "equivalent" verdicts. Needs ``pip install '.[bench]'``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "data"))
sys.path.insert(0, str(ROOT / "tests"))
from checking_cases import CASES  # noqa: E402
from test_sound_verdicts import EXPECTED as SOUNDNESS_CASES  # noqa: E402

SHARED = ROOT.parent / "shared" / "examples" / "pairs.jsonl"


def _split_at_last_equals(answer: str) -> tuple[str, str, str]:
    """(left, "=", right) at the last top-level '=' (not the one in \sum_{n=1}), or ("", "", answer)."""
    depth, cut = 0, None
    for n, char in enumerate(answer):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "=" and depth == 0:
            cut = n
    return (answer[:cut], "=", answer[cut + 1:]) if cut is not None else ("", "", answer)


def _spellings(answer: str) -> list[str]:
    """The same answer written differently, so no cache can answer a repeat."""
    lhs, eq, rhs = _split_at_last_equals(answer)
    spaced = [rhs, " " + rhs + " ", rhs.replace(" ", r"\,") if " " in rhs else r"\," + rhs, rhs + " ", "  " + rhs]
    if "," in rhs and not any(c.isalpha() for c in rhs):  # 75,000,100 in parentheses would read as a list
        return [(lhs + eq + v) if eq else v for v in spaced + [rhs + "  ", "   " + rhs, rhs + "   "]]
    variants = spaced + [r"\left(" + rhs + r"\right)", "{" + rhs + "}", r"{{" + rhs + r"}}"]
    return [(lhs + eq + v) if eq else v for v in variants]


def labelled_records() -> list[dict]:
    records = []
    for name, kind, target, answer, label, options, _ in CASES:
        record = {"id": name, "answer": answer, "label": label, kind: target}
        if options.get("mode"):
            record["mode"], record["wrt"] = options["mode"], options["wrt"]
        if options.get("shape"):
            record["shape"] = options["shape"]
        if options.get("rtol"):
            record["rtol"] = options["rtol"]
        records.append(record)
    for name, expected, answer, options, verdict in SOUNDNESS_CASES:
        if verdict != "undecided" and not options.get("digits"):
            record = {"id": name, "answer": answer, "label": verdict == "equivalent", "expected": expected}
            if options.get("shapes"):
                record["shape"] = options["shapes"]
            if options.get("mode"):
                record["mode"], record["wrt"] = options["mode"], options["wrt"]
            records.append(record)
    if SHARED.exists():
        records += [json.loads(line) for line in SHARED.read_text().splitlines() if line.strip()]
    return records


def batch(records, minimum: int) -> list[dict]:
    out = []
    while len(out) < minimum:
        for record in records:
            for k, spelling in enumerate(_spellings(record["answer"])):
                out.append({**record, "id": f"{record['id']}#{len(out)}-{k}", "answer": spelling})
    return out


def expressible(record) -> bool:
    return "expected" in record and not record.get("mode") and not record.get("shape") and not record.get("rtol")


def _math_verify_one(pair):
    from math_verify import parse, verify

    gold, answer = pair
    try:
        return bool(verify(parse("$" + gold + "$"), parse("$" + answer + "$")))
    except Exception:  # noqa: BLE001 - an exception counts as "not verified", as a user would see it
        return False


def _children_cpu() -> float:
    """CPU seconds (user + system) of every finished child process so far."""
    times = os.times()
    return times.children_user + times.children_system


def run_math_verify(records, jobs: int) -> tuple[list[bool], float]:
    """Verdicts, and the CPU seconds its worker processes used (the machines are shared: CPU, not wall)."""
    pairs = [(r["expected"], r["answer"]) for r in records]
    start = _children_cpu()
    with mp.get_context("fork").Pool(jobs) as pool:
        verdicts = pool.map(_math_verify_one, pairs, chunksize=8)
        pool.close()
        pool.join()
    return verdicts, _children_cpu() - start


def run_symdl(records, jobs: int, workdir: Path) -> tuple[dict, float]:
    """Verdicts, and the CPU seconds ``symdl grade`` and its workers used."""
    source, out = workdir / "batch.jsonl", workdir / "out.jsonl"
    source.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "label"}) + "\n" for r in records))
    out.unlink(missing_ok=True)
    start = _children_cpu()
    subprocess.run([sys.executable, "-m", "symdl.cli", "grade", str(source), "-o", str(out), "-j", str(jobs)],
                   check=True, capture_output=True)
    elapsed = _children_cpu() - start
    verdicts = {json.loads(line)["id"]: json.loads(line)["verdict"] for line in out.read_text().splitlines()}
    return verdicts, elapsed


def accuracy(labels, verdicts) -> tuple[float, int, int]:
    right = sum(1 for label, v in zip(labels, verdicts) if v == label)
    false_equivalent = sum(1 for label, v in zip(labels, verdicts) if v and not label)
    return right / len(labels), right, false_equivalent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=1000, help="minimum batch size (default 1000)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="worker processes for both tools (default 2)")
    args = parser.parse_args()

    labelled = labelled_records()
    records = batch(labelled, args.answers)
    with tempfile.TemporaryDirectory() as tmp:
        verdicts, symdl_seconds = run_symdl(records, args.jobs, Path(tmp))
    symdl_ok = [verdicts[r["id"]] == "equivalent" for r in records]
    symdl_acc, symdl_right, symdl_false = accuracy([r["label"] for r in records], symdl_ok)

    subset = [r for r in records if expressible(r)]
    with tempfile.TemporaryDirectory() as tmp:
        _, symdl_subset_seconds = run_symdl(subset, args.jobs, Path(tmp))
    mv_ok, mv_seconds = run_math_verify(subset, args.jobs)
    mv_acc, mv_right, mv_false = accuracy([r["label"] for r in subset], mv_ok)
    symdl_on_subset = [verdicts[r["id"]] == "equivalent" for r in subset]
    sub_acc, sub_right, sub_false = accuracy([r["label"] for r in subset], symdl_on_subset)
    symdl_errors = sum(1 for r in records if verdicts[r["id"]] == "error")

    print(f"batch: {len(records)} answers from {len(labelled)} labelled cases; "
          f"{len(subset)} are expressible for Math-Verify; {args.jobs} worker processes each\n")
    print("| tool | answers | CPU seconds | answers per CPU second | accuracy | false 'equivalent' |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| symdl grade (whole batch) | {len(records)} | {symdl_seconds:.1f} | {len(records) / symdl_seconds:.1f} | "
          f"{100 * symdl_acc:.1f}% ({symdl_right}) | {symdl_false} |")
    print(f"| symdl grade (Math-Verify's subset) | {len(subset)} | {symdl_subset_seconds:.1f} | "
          f"{len(subset) / symdl_subset_seconds:.1f} | {100 * sub_acc:.1f}% ({sub_right}) | {sub_false} |")
    print(f"| Math-Verify (its subset) | {len(subset)} | {mv_seconds:.1f} | {len(subset) / mv_seconds:.1f} | "
          f"{100 * mv_acc:.1f}% ({mv_right}) | {mv_false} |")
    ratio = mv_seconds / symdl_subset_seconds
    print(f"\nthroughput ratio symdl / Math-Verify on the same pairs (CPU time): {ratio:.2f}; "
          f"symdl errors: {symdl_errors}")
    wrong = sorted({r["id"].split("#")[0] for r, ok in zip(records, symdl_ok) if ok != r["label"]})
    if wrong:
        print("symdl wrong on:", ", ".join(wrong))


if __name__ == "__main__":
    main()
