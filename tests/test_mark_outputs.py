"""symdl mark's outputs: the CLI, the annotated sheet (HTML in headless Chromium, Markdown), JSON and
grade files against the columns each LMS documents."""

import csv
import html
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from symdl.cli import main
from symdl.mark import mark_sheet
from symdl.mark.annotate import render_html, render_markdown
from symdl.mark.lms import grade_csv, read_students

DATA = Path(__file__).resolve().parent / "data" / "sheets"
SHEET, KEY = DATA / "planted-1.md", DATA / "planted-1.toml"
CHROMIUM = next((shutil.which(c) for c in ("chromium", "chromium-browser", "google-chrome") if shutil.which(c)), None)


@pytest.fixture(scope="module")
def marked():
    return [mark_sheet(SHEET, KEY).to_dict(lines=True)]


def _rows(text):
    return list(csv.reader(io.StringIO(text)))


def test_cli_writes_every_output(tmp_path, capsys):
    fb, js, grades = tmp_path / "fb.html", tmp_path / "r.json", tmp_path / "g.csv"
    code = main(["mark", str(SHEET), "--key", str(KEY), "-o", str(fb), "--json", str(js), "--grades", str(grades),
                 "--lms", "canvas", "-j", "1"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "planted-1.md: 4/7" in printed
    data = json.loads(js.read_text())
    assert data["sheet"].endswith("planted-1.md") and "lines" not in data
    claims = {c["line"]: c for q in data["questions"] for c in q["claims"]}
    assert claims[9]["verdict"] == "wrong" and claims[9]["expected"] == "56"
    assert fb.read_text().startswith("<!DOCTYPE html>")
    assert _rows(grades.read_text())[1][0] == "Points Possible"


def test_cli_refuses_bad_outputs(tmp_path, capsys):
    assert main(["mark", str(SHEET), "--key", str(KEY), "-o", str(tmp_path / "fb.pdf")]) == 2
    assert "must end in .html or .md" in capsys.readouterr().err
    assert main(["mark", str(SHEET), "--key", str(KEY), "--resume"]) == 2
    assert main(["mark", str(tmp_path / "none.md"), "--key", str(KEY)]) == 2
    assert "no such sheet" in capsys.readouterr().err


def test_canvas_columns_and_points_possible(marked):
    rows = _rows(grade_csv(marked, "canvas", assignment="Sheet 1"))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Sheet 1"]
    assert rows[1] == ["Points Possible", "", "", "", "", "7"]
    assert rows[2] == ["planted-1", "planted-1", "", "", "", "4"]


def test_moodle_identifier_grade_items_and_feedback(marked):
    rows = _rows(grade_csv(marked, "moodle", assignment="Sheet 1"))
    assert rows[0] == ["ID number", "Q1", "Q1 feedback", "Q2", "Q2 feedback", "Q3", "Q3 feedback",
                       "Q4", "Q4 feedback", "Q5", "Q5 feedback"]
    row = dict(zip(rows[0], rows[1]))
    assert row["ID number"] == "planted-1" and row["Q1"] == "0" and "line 9" in row["Q1 feedback"]
    assert row["Q4"] == "2"


def test_prairielearn_manual_grading_columns(marked):
    rows = _rows(grade_csv(marked, "prairielearn", assignment="Sheet 1"))
    assert rows[0] == ["uid", "qid", "score_perc", "feedback"]
    by_qid = {r[1]: r for r in rows[1:]}
    assert set(by_qid) == {"q1", "q2", "q3", "q4", "q5"}
    assert by_qid["q4"][2] == "100" and by_qid["q1"][2] == "0"


def test_plain_and_students_file(marked, tmp_path):
    students = tmp_path / "s.csv"
    students.write_text("sheet,name,id,uid,sis_login_id\nplanted-1.md,Ada L,S01,ada@uni.edu,ada\n")
    who = read_students(students)
    rows = _rows(grade_csv(marked, "canvas", assignment="A", students=who))
    assert rows[2][:4] == ["Ada L", "S01", "", "ada"]
    assert _rows(grade_csv(marked, "prairielearn", assignment="A", students=who))[1][0] == "ada@uni.edu"
    plain = _rows(grade_csv(marked, "plain", assignment="A", students=who))
    assert plain[0] == ["student", "score", "points", "Q1", "Q2", "Q3", "Q4", "Q5"] and plain[1][:3] == ["S01", "4", "7"]
    bad = tmp_path / "bad.csv"
    bad.write_text("name,id\nx,y\n")
    with pytest.raises(Exception, match="'sheet' column"):
        read_students(bad)


def test_spreadsheet_formulas_are_neutralised(marked, tmp_path):
    students = tmp_path / "s.csv"
    students.write_text('sheet,name\nplanted-1,"=HYPERLINK(""http://x"")"\n')
    rows = _rows(grade_csv(marked, "canvas", assignment="A", students=read_students(students)))
    assert rows[2][0].startswith("'=")


def test_student_text_is_escaped(tmp_path):
    sheet = tmp_path / "evil.md"
    sheet.write_text("1. <script>alert(1)</script> $<img src=x onerror=alert(1)> = 2$\n\n$7 \\times 8 = 54$\n")
    data = [mark_sheet(sheet, KEY).to_dict(lines=True)]
    page = render_html(data)
    assert "<script>" not in page and "<img" not in page and "&lt;script&gt;" in page
    markdown = render_markdown(data)
    assert "<script>" not in markdown and "✗" in markdown


def test_markdown_keeps_the_students_math_and_marks(marked):
    text = render_markdown(marked)
    assert "`✗   9` $7 \\times 8 = 54$" in text
    assert "> arithmetic slip; expected 56" in text
    assert "## Question 4: 2 / 2" in text


_PROBE = """<script>
(function () {
  const maths = Array.from(document.querySelectorAll('math'));
  const laidOut = maths.filter(m => m instanceof MathMLElement && m.getBoundingClientRect().width > 0);
  const probe = document.createElement('pre');
  probe.id = 'symdl-probe';
  probe.textContent = JSON.stringify({maths: maths.length, laidOut: laidOut.length,
    overflow: document.documentElement.scrollWidth - window.innerWidth, text: document.body.innerText,
    marks: Array.from(document.querySelectorAll('.mark.wrong')).length});
  document.body.appendChild(probe);
})();
</script>"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_annotated_sheet_renders_in_chromium_on_a_phone(marked, tmp_path):
    page = render_html(marked)
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    out = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=390,844",
                          f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", "--dump-dom",
                          probed.as_uri()], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    found = json.loads(html.unescape(re.search(r'<pre id="symdl-probe">(.*?)</pre>', out.stdout, re.S).group(1)))
    assert found["maths"] == page.count("<math") > 20
    assert found["laidOut"] == found["maths"]
    assert found["overflow"] <= 0, "the page is wider than a phone's screen"
    assert found["marks"] == sum(1 for q in marked[0]["questions"] for c in q["claims"] if c["verdict"] == "wrong")
    for raw in ("\\frac", "\\times", "$", "~~"):
        assert raw not in found["text"]


def test_several_sheets_resume_from_the_journal(tmp_path):
    from symdl.mark.batch import mark_sheets

    first, second = tmp_path / "ann.md", tmp_path / "bob.md"
    for path in (first, second):
        shutil.copy(SHEET, path)
    journal = tmp_path / "r.json.jsonl"
    finished = {"id": str(first), "sheet": str(first), "title": "kept", "score": 99, "points": 7, "questions": [],
                "missing": [], "lines": []}
    journal.write_text(json.dumps(finished) + "\n")
    marked = mark_sheets([first, second, first], KEY, jobs=1, journal=journal, resume=True)
    assert [m["sheet"] for m in marked] == [str(first), str(second)]
    assert marked[0]["title"] == "kept" and marked[0]["score"] == 99  # resumed, not marked again
    assert marked[1]["score"] == 4 and marked[1]["points"] == 7
    assert len(journal.read_text().splitlines()) == 2


def test_a_sheet_that_runs_out_of_time_is_reported_not_dropped(tmp_path, capsys):
    from symdl.mark.batch import mark_sheets

    marked = mark_sheets([SHEET], KEY, jobs=1, timeout=1e-9)
    assert marked[0]["error"].startswith("timed out") and marked[0]["questions"] == []
    out = tmp_path / "r.json"
    assert main(["mark", str(SHEET), "--key", str(KEY), "--json", str(out), "--timeout", "1e-9"]) == 2
    assert "error: timed out" in capsys.readouterr().out


def test_cli_resume_marks_only_new_sheets(tmp_path, capsys):
    first, second = tmp_path / "ann.md", tmp_path / "bob.md"
    shutil.copy(SHEET, first)
    shutil.copy(SHEET, second)
    out = tmp_path / "r.json"
    assert main(["mark", str(first), "--key", str(KEY), "--json", str(out), "-j", "1"]) == 0
    assert main(["mark", str(first), str(second), "--key", str(KEY), "--json", str(out), "--resume", "-j", "1"]) == 0
    data = json.loads(out.read_text())
    assert [d["sheet"] for d in data] == [str(first), str(second)] and [d["score"] for d in data] == [4, 4]
    assert len((tmp_path / "r.json.jsonl").read_text().splitlines()) == 2


def test_every_subpackage_is_installed():
    """A non-editable install (as .ci/run does) ships only the packages pyproject.toml lists."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(root).parts) for p in (root / "symdl").rglob("__init__.py")}
    assert found <= listed, f"not installed: {sorted(found - listed)}"


def test_the_readme_marking_example_is_real_output(tmp_path, monkeypatch, capsys):
    import re
    import shlex

    root = Path(__file__).resolve().parents[1]
    block = re.search(r"## Marking answer sheets.*?```console\n(.*?)```", (root / "README.md").read_text(), re.S).group(1)
    command, *shown = block.splitlines()
    args = shlex.split(command.removeprefix("$ "))
    sheet = root / args[2]
    if not sheet.is_file():
        pytest.skip("the shared practice sheets are not here")
    monkeypatch.chdir(root)
    outputs = {"-o", "--json", "--grades"}
    args = [str(tmp_path / a) if prev in outputs else a for prev, a in zip([""] + args, args)]
    assert main(args[1:]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == shown[0]  # the verdict counts and the score
    assert [line.split(":")[0] for line in printed[1:]] == [line.split(":")[0] for line in shown[1:]]
