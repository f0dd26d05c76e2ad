"""Issue 9: batches that never lose, destroy or leak. One test (or more) per row A–K of the issue's
fault table, and the kill-and-resume suite (tests/fault_injection.py; 20 rounds as a script)."""

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from fault_injection import kill_and_resume, processes_with, wait_gone
from symdl.errors import SymdlError
from symdl.grade import MAX_DETAIL, Summary, check_record, grade, graded, print_summary, read_records
from symdl.sandbox import WorkerPool

# over 30 s of work on any machine, and nothing a proof can cut short (as in test_grade)
SLOW = r"\sum_{i=1}^{10000} \left(\sigma(\sigma(\sigma(i x)))\right)^{31}"
ROW = {"verdict": "equivalent", "detail": "", "diagnosis": None, "counterexample": None}


def _jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _symdl(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "symdl.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300, env=env)


def _one_line(stderr: str) -> bool:
    return len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr


@pytest.fixture
def marker():
    """A mark in the environment of every process of one run; whatever carries it at the end of the
    test (only when the test failed) is killed, so no test leaves a process behind."""
    mark = uuid.uuid4().hex
    yield mark
    for pid in processes_with(mark):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _start(args, cwd, marker):
    return subprocess.Popen([sys.executable, "-m", "symdl.cli", *map(str, args)], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            env={**os.environ, "SYMDL_FAULT_RUN": marker})


def _wait_for_workers(process, marker, count):
    """Until the run has ``count`` processes (itself and its workers), or has ended."""
    while process.poll() is None and len(processes_with(marker)) < count:
        time.sleep(0.02)


# -- A: workers die with their parent -------------------------------------------------------------


def _inside_worker(_):
    links = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            links[int(fd)] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            pass  # the descriptor listdir itself used
    return {"pgid": os.getpgid(0), "links": links}


def test_a_workers_have_their_own_group_and_only_their_pipe(tmp_path):
    held = [os.pipe() for _ in range(4)]  # what a worker must not inherit: it would never see end-of-file
    try:
        with WorkerPool(_inside_worker, 2, timeout=60) as pool:
            results = [r for _, r in pool.run([(0, None), (1, None)])]
    finally:
        for pair in held:
            for fd in pair:
                os.close(fd)
    for result in results:
        assert result["pgid"] != os.getpgid(0)
        channels = [link for fd, link in result["links"].items() if fd > 2 and link.startswith(("pipe:", "socket:"))]
        assert len(channels) == 1, result["links"]  # its own pipe to the parent, nothing else
        assert result["links"][0] == os.devnull
    assert results[0]["pgid"] == results[1]["pgid"]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP])
def test_a_a_killed_parent_leaves_no_worker(tmp_path, sig, marker):
    # busy workers (a long check, no timeout soon) and waiting ones alike
    _jsonl(tmp_path / "in.jsonl", [{"id": str(i), "expected": "x", "answer": SLOW} for i in range(4)])
    process = _start(["grade", "in.jsonl", "-o", "out.jsonl", "-j", "2", "--timeout", "600"], tmp_path, marker)
    _wait_for_workers(process, marker, 3)
    os.kill(process.pid, sig)
    _, err = process.communicate(timeout=300)
    left = wait_gone(marker)
    assert not left, f"{len(left)} worker(s) outlived the run"
    assert process.returncode == (-sig if sig == signal.SIGKILL else 128 + sig)
    if sig != signal.SIGKILL:
        assert _one_line(err), err


# -- B: Ctrl-C ------------------------------------------------------------------------------------


def test_b_ctrl_c_at_the_terminal_prints_one_line(tmp_path, marker):
    _jsonl(tmp_path / "in.jsonl", [{"id": str(i), "expected": "x", "answer": SLOW} for i in range(6)])
    process = _start(["grade", "in.jsonl", "-o", "out.jsonl", "-j", "2", "--timeout", "600"], tmp_path, marker)
    _wait_for_workers(process, marker, 3)
    os.killpg(process.pid, signal.SIGINT)  # a terminal sends it to the foreground process group
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert _one_line(err) and "--resume" in err, err
    assert not wait_gone(marker)


# -- C: resume repairs a torn tail ----------------------------------------------------------------


def test_c_resume_redoes_a_csv_row_cut_midway(tmp_path):
    source = _jsonl(tmp_path / "in.jsonl", [{"id": str(i), "expected": "x", "answer": "x"} for i in (1, 2, 3)])
    out = tmp_path / "out.csv"
    out.write_text("id,verdict,detail,diagnosis,counterexample\n1,equivalent,proved,,\n2,equiv", encoding="utf-8")
    summary = grade(source, out, jobs=1, resume=True)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert rows[1]["verdict"] == "equivalent" and rows[1]["detail"].startswith("proved")
    assert summary.skipped == 1


def test_c_resume_keeps_a_complete_last_line_without_its_newline(tmp_path):
    source = _jsonl(tmp_path / "in.jsonl", [{"id": str(i), "expected": "x", "answer": "x"} for i in (1, 2, 3)])
    out = tmp_path / "out.jsonl"
    out.write_text(json.dumps({"id": "1", **ROW}) + "\n" + json.dumps({"id": "2", **ROW, "detail": "kept"}))
    summary = grade(source, out, jobs=1, resume=True)
    rows = [json.loads(line) for line in out.read_text().split("\n")[:-1]]
    assert [r["id"] for r in rows] == ["1", "2", "3"] and rows[1]["detail"] == "kept"
    assert summary.skipped == 2


def test_c_a_cut_jsonl_line_is_redone_and_a_broken_middle_line_refused(tmp_path):
    source = _jsonl(tmp_path / "in.jsonl", [{"id": str(i), "expected": "x", "answer": "x"} for i in (1, 2)])
    out = tmp_path / "out.jsonl"
    out.write_text(json.dumps({"id": "1", **ROW}) + "\n" + '{"id": "2", "verd')
    grade(source, out, jobs=1, resume=True)
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["1", "2"]
    out.write_text('{"id": "1", "ver\n' + json.dumps({"id": "2", **ROW}) + "\n")
    with pytest.raises(SymdlError, match="line 1 is not a result line"):
        grade(source, out, jobs=1, resume=True)


# -- D: duplicate ids -----------------------------------------------------------------------------


@pytest.mark.parametrize("records", [
    [{"id": 1, "expected": "x", "answer": "x"}, {"id": "1", "expected": "x", "answer": "x"}],
    [{"expected": "x", "answer": "x"}, {"id": "1", "expected": "x", "answer": "x"}],  # an automatic id
])
def test_d_duplicate_ids_are_refused_before_any_work(tmp_path, records):
    source = _jsonl(tmp_path / "in.jsonl", records)
    result = _symdl("grade", source, "-o", "out.jsonl", cwd=tmp_path)
    assert result.returncode == 2 and _one_line(result.stderr)
    assert "lines 1, 2" in result.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_d_ids_are_compared_as_written(tmp_path):
    source = _jsonl(tmp_path / "in.jsonl", [{"id": 7, "expected": "x", "answer": "x"},
                                            {"id": 2.5, "expected": "x", "answer": "x"}])
    out = tmp_path / "out.jsonl"
    grade(source, out, jobs=1)
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["7", "2.5"]
    assert grade(source, out, jobs=1, resume=True).skipped == 2


# -- E: separators in ids -------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_e_separators_in_ids_never_duplicate_on_resume(tmp_path, suffix):
    ids = ["a\u2028b", "c\u0085d", "e\nf\rg\x1bh\u2029"]
    source = _jsonl(tmp_path / "in.jsonl", [{"id": i, "expected": "x", "answer": "x"} for i in ids])
    out = tmp_path / f"out.{suffix}"
    grade(source, out, jobs=1)
    for _ in range(2):
        assert grade(source, out, jobs=1, resume=True).skipped == 3
    data = out.read_text(encoding="utf-8")
    assert not re.search("[\u2028\u2029\u0085\r\x1b]", data)
    assert len(data.split("\n")) - 1 == 3 + (suffix == "csv")
    result = _symdl("grade", source, "-o", out, "--resume", "--report", "report.html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    records, rows = graded(source, out)
    assert [r["id"] for r in records] == [r["id"] for r in rows]


# -- F: proof decides -----------------------------------------------------------------------------


def test_f_a_proof_of_equality_is_not_overruled_by_floating_point():
    import sympy as sp

    x = sp.Symbol("x")
    expansion = sp.latex(sp.expand((x + 1) ** 30))
    result = check_record({"expected": "(x+1)^{30}", "answer": expansion})
    assert result["verdict"] == "equivalent", result


def test_f_numbers_that_disagree_with_a_proof_are_an_inconsistency_not_a_verdict(tmp_path):
    import sympy as sp

    from symdl.decide.compare import INCONSISTENT, cross_checked
    from symdl.decide.verdict import Problem, Verdict

    x = sp.Symbol("x")
    claimed = Verdict("equivalent", "proved (expand)", method="proved")  # as a faulty proof step would say
    result = cross_checked(Problem(x, x + sp.Rational(1, 10**6)), claimed, seed=1)
    assert result.verdict == "equivalent" and result.method == "proved"  # the proof decides
    assert result.diagnosis == INCONSISTENT and "internal inconsistency" in result.detail
    assert cross_checked(Problem(x + 1, 1 + x), claimed, seed=1) == claimed  # agreeing numbers: nothing said
    summary = Summary()
    summary.verdicts["equivalent"] = 1
    summary.inconsistent = 1
    import io

    shown = io.StringIO()
    print_summary(summary, file=shown)
    assert "internal inconsistencies: 1" in shown.getvalue()


# -- G: tracebacks on odd input -------------------------------------------------------------------


def test_g_odd_input_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "deep.jsonl").write_text('{"id": "1", "expected": "x", "answer": "x", "p": ' + "[" * 5000
                                         + "]" * 5000 + "}\n")
    deep = _symdl("grade", "deep.jsonl", "-o", "out.jsonl", cwd=tmp_path)
    assert deep.returncode == 2 and _one_line(deep.stderr) and "deep.jsonl:1" in deep.stderr
    _jsonl(tmp_path / "in.jsonl", [{"id": "1", "expected": "x", "answer": "x"}])
    (tmp_path / "noid.csv").write_text("a,b\n1,2\n")
    resumed = _symdl("grade", "in.jsonl", "-o", "noid.csv", "--resume", cwd=tmp_path)
    assert resumed.returncode == 2 and _one_line(resumed.stderr) and "no id column" in resumed.stderr
    full = _symdl("grade", "in.jsonl", "-o", "/dev/full", cwd=tmp_path)
    assert full.returncode == 2 and _one_line(full.stderr) and "/dev/full" in full.stderr
    nested = _symdl("derive", "residual-block", "--param", "n=" + "[" * 5000 + "]" * 5000, cwd=tmp_path)
    assert nested.returncode == 2 and _one_line(nested.stderr)


def test_g_a_csv_field_over_128_kib_is_read(tmp_path):
    source = tmp_path / "in.csv"
    with open(source, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "expected", "answer"], ["big", "x", "x+" * 70_000 + "x"], ["ok", "x", "x"]])
    out = tmp_path / "out.jsonl"
    grade(source, out, jobs=1)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["big", "ok"] and rows[1]["verdict"] == "equivalent"


# -- H: inputs destroyed, mangled or swallowed ----------------------------------------------------


def test_h_outputs_never_overwrite_the_input_or_each_other(tmp_path):
    source = _jsonl(tmp_path / "in.jsonl", [{"id": "1", "expected": "x", "answer": "x"}])
    before = source.read_bytes()
    (tmp_path / "link.jsonl").symlink_to(source)
    (tmp_path / "link.md").symlink_to(source)
    for args in (["-o", "in.jsonl"], ["-o", "link.jsonl"], ["-o", "res.md", "--report", "res.md"],
                 ["-o", "res.jsonl", "--report", "link.md"], ["-o", "r-verdicts.png", "--report", "r.md"]):
        result = _symdl("grade", "in.jsonl", *args, cwd=tmp_path)
        assert result.returncode == 2 and _one_line(result.stderr) and "same file" in result.stderr, args
    assert source.read_bytes() == before
    assert not (tmp_path / "res.md").exists()


def test_h_export_never_writes_over_its_assignment_file(tmp_path):
    sheet = tmp_path / "sheet.toml"
    sheet.write_text('title = "t"\n[[question]]\ntitle = "q"\nderivation = "softmax"\n')
    before = sheet.read_bytes()
    result = _symdl("export", "sheet.toml", "--format", "md", "-o", "sheet.toml", cwd=tmp_path)
    assert result.returncode == 2 and _one_line(result.stderr) and "same file" in result.stderr
    assert sheet.read_bytes() == before


def test_h_excel_csv_with_a_bom_and_a_quoted_newline(tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes("id,expected,answer\r\nq7,x,x\r\nq8,\\alpha b,\"\\alpha\nb\"\r\n".encode("utf-8-sig"))
    records = read_records(source)
    assert [r["id"] for r in records] == ["q7", "q8"]
    assert records[1]["answer"] == "\\alpha\nb"
    out = tmp_path / "out.jsonl"
    grade(source, out, jobs=1)
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["q7", "q8"]


@pytest.mark.parametrize("text, message", [
    ('id,expected,answer\n1,x,x\n2,x,"x\n3,x,x\n', "in.csv:3: a quoted field"),
    ("id,expected,solution\n1,x,x\n", "no 'answer' column"),
    ("1,x,y\n2,x,y\n", "no 'answer' column (its first line is read as the header)"),
])
def test_h_unusable_csv_is_refused_with_exit_2(tmp_path, text, message):
    (tmp_path / "in.csv").write_text(text)
    result = _symdl("grade", "in.csv", "-o", "out.jsonl", cwd=tmp_path)
    assert result.returncode == 2 and _one_line(result.stderr) and message in result.stderr, result.stderr


def test_h_a_raw_u2028_inside_a_json_string_is_valid(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "1", "expected": "x", "answer": "x", "note": "a\u2028b"}\n{"id": "2", '
                      '"expected": "x", "answer": "x"}\n', encoding="utf-8")
    assert [r["id"] for r in read_records(source)] == ["1", "2"]


# -- I: validated numbers -------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--timeout", "nan"], ["--timeout", "0"], ["--timeout", "-1"],
                                  ["--timeout", "inf"], ["-j", "0"], ["-j", "-2"], ["--memory", "0"],
                                  ["-j", "4", "--memory", "512M"]])
def test_i_bad_numbers_are_refused_before_any_work(tmp_path, args):
    _jsonl(tmp_path / "in.jsonl", [{"id": "1", "expected": "x", "answer": "x"}])
    result = _symdl("grade", "in.jsonl", "-o", "out.jsonl", *args, cwd=tmp_path)
    assert result.returncode == 2 and _one_line(result.stderr), result.stderr
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("command", [["check", "--expected", "x", "--answer", "x"], ["verify", "softmax"],
                                     ["derive", "softmax"], ["export", "softmax", "-o", "s.md"]])
def test_i_every_command_refuses_a_timeout_that_is_not_a_number_above_0(tmp_path, command):
    result = _symdl(*command, "--timeout", "nan", cwd=tmp_path)
    assert result.returncode == 2 and _one_line(result.stderr) and "--timeout" in result.stderr, result.stderr


# -- J: limits on export, derive and verify -------------------------------------------------------


def test_j_parameters_over_the_size_budget_are_refused_by_name(tmp_path):
    result = _symdl("verify", "residual-block", "--param", "n=60", "--param", "m=60", cwd=tmp_path)
    assert result.returncode == 2 and _one_line(result.stderr)
    assert "n=60, m=60" in result.stderr and "1024" in result.stderr
    (tmp_path / "big.toml").write_text('title = "big"\n[[question]]\ntitle = "q"\nderivation = "residual-block"\n'
                                       "params = { n = 1024, m = 1024 }\n")
    exported = _symdl("export", "big.toml", "-o", "big.html", cwd=tmp_path)
    assert exported.returncode == 2 and "budget" in exported.stderr and not (tmp_path / "big.html").exists()


def test_j_verify_has_a_wall_clock_timeout(tmp_path):
    result = _symdl("verify", "--timeout", "0.05", cwd=tmp_path)  # every derivation: seconds of work
    assert result.returncode == 2 and "timed out" in result.stderr and _one_line(result.stderr)


def _allocate(size):
    return {"verdict": "ok", "length": len(bytearray(size))}


def test_j_a_worker_past_its_memory_cap_is_an_error_not_a_crash():
    with WorkerPool(_allocate, 1, timeout=60, memory=512 * 1024**2) as pool:
        ((_, big), (_, small)) = sorted(pool.run([(0, 2 * 1024**3), (1, 1024)]), key=lambda kv: kv[0])
    assert big["verdict"] == "error" and "memory" in big["detail"]
    assert small == {"verdict": "ok", "length": 1024}


# -- K: messages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("expected, answer", [("x", "1/0"), ("x", r"\log(0)"), ("x", r"\log_1(x)"),
                                              ("x", "1e-400"), ("0", "1e-400"), ("1", r"\log_1(2)")])
def test_k_details_are_sentences_of_bounded_length(expected, answer):
    result = check_record({"expected": expected, "answer": answer})
    detail = result.get("detail") or ""
    assert not re.search(r"\b\w*(Error|Exception)\b|ComplexInfinity|zoo", detail), detail
    assert len(detail) <= MAX_DETAIL and not re.search(r"\d{40}", detail), detail
    assert len(result.get("diagnosis") or "") <= 80


def test_k_the_summary_table_stays_narrow():
    summary = Summary()
    summary.verdicts["not_equivalent"] = 1
    summary.diagnoses["off by a constant factor " + "1" * 400] = 1
    import io

    shown = io.StringIO()
    print_summary(summary, file=shown)
    assert max(map(len, shown.getvalue().splitlines())) <= 80


def test_k_the_summary_counts_kinds_of_diagnosis_not_each_factor(tmp_path):
    source = _jsonl(tmp_path / "in.jsonl", [{"id": str(k), "expected": "x", "answer": f"{k}x"} for k in (2, 3, 1.5)])
    summary = grade(source, tmp_path / "out.jsonl", jobs=1)
    assert dict(summary.diagnoses) == {"off by a constant factor": 3}


# -- the kill-and-resume suite --------------------------------------------------------------------


def test_kill_and_resume_gives_the_uninterrupted_output(tmp_path):
    """Four interruptions (SIGKILL, SIGTERM, SIGINT at seeded moments) of a 300-answer batch, then
    --resume: the output equals a clean run's and no process of any run is left alive.
    `python tests/fault_injection.py --rounds 20` runs twenty in a row."""
    seen = kill_and_resume(tmp_path, rounds=4, seed=9)
    assert seen["left_alive"] == 0 and len(seen["rounds"]) == 4
