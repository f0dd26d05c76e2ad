"""Batch grading as a grader runs it: order, resume, CSV, hard timeouts, hostile answers, no side effects."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from symdl.grade import check_record, grade
from symdl.sandbox import WorkerPool

HOSTILE = {
    "huge-exponent": r"2^{10^{100}}",
    "factorial": r"1000000!",
    "power-tower": r"2^{2^{2^{2^{2^{2^{2}}}}}}",
    "deep-parentheses": "(" * 3000 + "x" + ")" * 3000,
    "100kB": "x+" * 50_000 + "x",
    "code-in-mathrm": r"\mathrm{__import__('os').system('touch PWNED')}(x)",
    "code-in-text": r"\text{exec(open('/etc/passwd').read())}",
    "code-in-operatorname": r"\operatorname{__import__}(x) + \operatorname{eval}(1)",
    "unbalanced-braces": r"\frac{1}{2",
    "empty": "",
    "sum-to-1e12": r"\sum_{i=1}^{10^{12}} i",
    "prose": "the answer is the derivative of the loss",
    "control-characters": "x\x00+\x07y\x1b[2J",
    "matrix-150": r"\begin{bmatrix}" + r"\\".join("&".join(["1"] * 150) for _ in range(150)) + r"\end{bmatrix}",
    "swelling-derivative": r"\frac{d^{4}}{dx^{4}}\left(\sigma(\sigma(\sigma(\sigma(\sigma(x)))))\right)^{50}",
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_answer_ends_cleanly(kind, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    record = {"id": kind, "expected": "x", "answer": HOSTILE[kind]}
    with WorkerPool(check_record, 1, timeout=10) as pool:
        ((_, result),) = list(pool.run([(0, record)]))
    assert result["verdict"] in ("error", "not_equivalent"), result
    assert "Traceback" not in result.get("detail", "")
    assert not list(tmp_path.iterdir()), "the answer left a file behind"


def test_parse_errors_name_the_column():
    result = check_record({"id": "1", "expected": "x", "answer": r"x + \frac{1}{2"})
    assert result["verdict"] == "error" and "column" in result["detail"]


def test_symbol_names_never_reach_generated_code(tmp_path, monkeypatch):
    # A name that would run code if lambdify printed it into source.
    monkeypatch.chdir(tmp_path)
    answer = r"\mathrm{x); open('PWNED','w'); (y} + 1"
    result = check_record({"id": "1", "expected": "x + 1", "answer": answer})
    assert result["verdict"] in ("error", "not_equivalent")
    assert not (tmp_path / "PWNED").exists()


def _write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_timeout_kills_the_check_and_the_batch_goes_on(tmp_path):
    # over 30 s of work on any machine (10,000 powers of a nested sigmoid at every point): never done in
    # 0.5 s, and nothing a proof can cut short (a written derivative is now refused at once as not taken)
    slow = r"\sum_{i=1}^{10000} \left(\sigma(\sigma(\sigma(i x)))\right)^{31}"
    records = [{"id": "a", "expected": "x", "answer": "x"},
               {"id": "slow", "expected": "x", "answer": slow},
               {"id": "b", "expected": "2x", "answer": "x+x"}]
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write_jsonl(source, records)
    grade(source, out, jobs=2, timeout=0.5)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "slow", "b"]
    assert rows[0]["verdict"] == rows[2]["verdict"] == "equivalent"
    assert rows[1]["verdict"] == "error" and "timed out" in rows[1]["detail"]


def test_output_in_input_order_with_every_field(tmp_path):
    records = [{"id": f"r{i}", "expected": f"{i}x", "answer": f"x{i}" if i % 2 else f"{i + 1}x"} for i in range(12)]
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write_jsonl(source, records)
    summary = grade(source, out, jobs=2)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == [r["id"] for r in records]
    assert all(set(r) == {"id", "verdict", "detail", "diagnosis", "counterexample"} for r in rows)
    assert summary.verdicts["equivalent"] == 6 and summary.verdicts["not_equivalent"] == 6


def test_resume_skips_finished_ids(tmp_path):
    records = [{"id": str(i), "expected": "x", "answer": "x"} for i in range(4)]
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write_jsonl(source, records)
    out.write_text(json.dumps({"id": "0", "verdict": "equivalent", "detail": "", "diagnosis": None,
                               "counterexample": None}) + "\n" + '{"id": "1", "verd')  # cut short by a kill
    summary = grade(source, out, jobs=1, resume=True)
    assert summary.skipped == 1
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert ids == ["0", "1", "2", "3"]


def test_csv_in_and_out(tmp_path):
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    with open(source, "w", newline="") as f:
        w = csv.DictWriter(f, ["id", "expected", "answer", "shape"])
        w.writeheader()
        w.writerow({"id": "m", "expected": r"W x", "answer": r"x^T W^T", "shape": "W=2x3; x=3x1"})
        w.writerow({"id": "n", "expected": r"\frac{e}{e+1}", "answer": "0.73", "shape": ""})
    grade(source, out, jobs=1)
    rows = list(csv.DictReader(out.open()))
    assert [r["id"] for r in rows] == ["m", "n"]
    assert rows[0]["verdict"] == "not_equivalent" and rows[0]["diagnosis"] == "transposed"
    assert rows[1]["verdict"] == "equivalent"


def test_cli_grade_and_check_exit_codes(tmp_path):
    source = tmp_path / "in.jsonl"
    _write_jsonl(source, [{"id": "1", "expected": "x", "answer": "x"}])
    run = lambda *a: subprocess.run([sys.executable, "-m", "symdl.cli", *a], capture_output=True, text=True,
                                    cwd=tmp_path, timeout=120)
    graded = run("grade", str(source), "-o", "out.jsonl")
    assert graded.returncode == 0 and "equivalent" in graded.stdout
    assert "\x1b" not in graded.stdout + graded.stderr  # no progress bar when piped
    assert run("check", "--expected", "x", "--answer", "x").returncode == 0
    assert run("check", "--expected", "x", "--answer=-x").returncode == 1
    bad = run("check", "--expected", "x", "--answer", r"\frac{1}{")
    assert bad.returncode == 2 and "column" in bad.stdout
    out = run("check", "--derivation", "conv-nothing", "--answer", "x=1")
    assert out.returncode == 2
    objective = run("check", "--expected", r"(w-1)^2", "--answer", r"3(w-1)^2+5", "--mode", "objective",
                    "--wrt", "w", "--json")
    assert objective.returncode == 0 and json.loads(objective.stdout)["verdict"] == "equivalent"
