"""The grading report: statistics that match the verdicts, rendered math, hostile text escaped."""

import base64
import html
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser

import pytest

from symdl import registry
from symdl.errors import SymdlError
from symdl.grade import grade, read_records
from symdl.latex import to_latex
from symdl.report import check_report_path, collect, diagnosis_category, mathml, write_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHROMIUM = next((shutil.which(c) for c in ("chromium", "chromium-browser", "google-chrome") if shutil.which(c)), None)
SCRIPT = "<script>alert(1)</script>"
W1 = r"\frac{\partial L}{\partial W^{(1)}}"
BATCH = [
    {"id": "e1", "expected": "2x", "answer": "x+x"},
    {"id": "e2", "expected": "2x", "answer": "-2x"},
    {"id": "e3", "expected": "2x", "answer": "4x"},
    {"id": "e4", "expected": "2x", "answer": r"\text{" + SCRIPT + "}"},
    {"id": "e5", "expected": "2x", "answer": "x + 1 " + SCRIPT},
    {"id": "m1", "expected": r"A^{\top}", "answer": "A", "shape": "A=2x3"},
    {"id": "r1", "derivation": "residual-block",
     "answer": W1 + r" = \left(\frac{\partial L}{\partial z^{(1)}} \odot \mathbb{1}[h^{(1)}>0]\right) x^{\top}"},
    {"id": "r2", "derivation": "residual-block",
     "answer": W1 + r" = x \left(\frac{\partial L}{\partial z^{(1)}} \odot \mathbb{1}[h^{(1)}>0]\right)^{\top}"},
    {"id": "s1", "derivation": "sigmoid-chain", "answer": r"\frac{\partial f}{\partial w^{[3]}_{2}} = h^{[2]}_{2}"},
    {"id": "s2", "derivation": "sigmoid-chain", "answer": r"\frac{\partial f}{\partial w^{[3]}_{k}} = -h^{[2]}_{k}"},
    {"id": "q1", "question": "Q1 " + SCRIPT, "expected": r"\sigma(a)(1-\sigma(a))",
     "answer": r"\sigma(a) - \sigma(a)^2"},
    {"id": "<img src=x onerror=alert(1)>", "expected": "1", "answer": "2"},
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("graded")
    source, out = folder / "answers.jsonl", folder / "results.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in BATCH), encoding="utf-8")
    grade(source, out, jobs=2, timeout=20)
    return read_records(source), read_records(out)


class Tables(HTMLParser):
    """The text of every cell of every table with an id, and every img src and href."""

    def __init__(self):
        super().__init__()
        self.tables, self.current, self.row, self.cell, self.sources = {}, None, None, None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self.current = self.tables.setdefault(attrs["id"], [])
        elif tag == "tr" and self.current is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        if "src" in attrs or "href" in attrs:
            self.sources.append(attrs.get("src") or attrs.get("href"))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.current.append(self.row)
            self.row = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def _verdicts(results):
    return Counter(r["verdict"] for r in results)


def test_the_batch_covers_every_verdict_and_diagnosis(graded):
    records, results = graded
    verdicts = {r["id"]: r["verdict"] for r in results}
    assert verdicts["e1"] == verdicts["r1"] == verdicts["s1"] == verdicts["q1"] == "equivalent"
    assert verdicts["e4"] == "error"
    diagnoses = {r["id"]: diagnosis_category(r["diagnosis"]) for r in results}
    assert diagnoses["e2"] == diagnoses["s2"] == "sign flipped"
    assert diagnoses["e3"] == "off by a constant factor"
    assert diagnoses["r2"] == diagnoses["m1"] == "transposed"


def test_html_statistics_match_the_verdicts(graded, tmp_path):
    records, results = graded
    path = tmp_path / "report.html"
    write_report(records, results, path)
    page = Tables()
    page.feed(path.read_text(encoding="utf-8"))
    counts = _verdicts(results)
    verdict_rows = {row[0]: row[1:] for row in page.tables["verdict-table"][1:]}
    assert {k: int(v[0]) for k, v in verdict_rows.items()} == {
        "equivalent": counts["equivalent"], "not equivalent": counts["not_equivalent"], "error": counts["error"]}
    assert verdict_rows["equivalent"][1] == f"{100 * counts['equivalent'] / len(results):.1f}%"
    questions = page.tables["question-table"][1:]
    assert sum(int(row[1]) for row in questions) == len(results)
    for column, verdict in zip((2, 3, 4), ("equivalent", "not_equivalent", "error")):
        assert sum(int(row[column]) for row in questions) == counts[verdict]
    for row in questions:
        assert int(row[1]) == int(row[2]) + int(row[3]) + int(row[4])
    # the answers to "2x" form one question; the residual block's answers name dL/dW1
    two_x = [row for row in questions if row[1] == "5"]
    assert len(two_x) == 1 and two_x[0][2:5] == ["1", "2", "2"] and two_x[0][5] == "20.0%"
    diagnoses = {row[0]: int(row[1]) for row in page.tables["diagnosis-table"][1:]}
    expected = Counter(diagnosis_category(r["diagnosis"]) for r in results if r["diagnosis"])
    assert diagnoses == dict(expected)
    assert list(diagnoses) == sorted(expected, key=lambda k: (-expected[k], k))  # most common first, ties by name
    answers = page.tables["answer-table"][1:]
    assert [row[0] for row in answers] == [r["id"] for r in BATCH]
    assert [row[2].replace(" ", "_") for row in answers] == [r["verdict"] for r in results]


def test_html_is_self_contained_and_escapes_student_text(graded, tmp_path):
    records, results = graded
    path = tmp_path / "report.html"
    write_report(records, results, path)
    text = path.read_text(encoding="utf-8")
    assert "<script" not in text.lower() and "onerror=" not in text.replace("onerror=alert", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # shown, as text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    page = Tables()
    page.feed(text)
    assert page.sources, "the histogram is embedded"
    for source in page.sources:  # nothing is fetched: every image is inline, there is no link
        assert source.startswith("data:image/png;base64,")
        assert base64.b64decode(source.split(",", 1)[1]).startswith(PNG_SIGNATURE)
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    # math is MathML: the student's and the expected side by side
    assert text.count("<math") >= 2 * len(BATCH) - 2
    assert "<mfrac>" in text


def test_derivation_answers_are_shown_beside_the_derivations_result(graded, tmp_path):
    records, results = graded
    report = collect(records, results)
    by_id = {e.id: e for e in report.entries}
    derivation = registry.build("residual-block")
    assert by_id["r1"].expected == [f"{W1} = {to_latex(derivation.results[W1])}"]
    assert by_id["r1"].group == by_id["r2"].group
    # an index-form target is bound to the answer's indices
    assert by_id["s1"].expected == [r"\frac{\partial f}{\partial w^{[3]}_{2}} = h^{[2]}_{2}"]  # bound to k = 2
    assert by_id["s2"].expected == [r"\frac{\partial f}{\partial w^{[3]}_{k}} = h^{[2]}_{k}"]
    assert report.questions[by_id["q1"].group].text == "Q1 " + SCRIPT  # named by its question field
    assert report.questions[by_id["e1"].group].math == "2x"


def test_an_unbound_answer_shows_every_result(tmp_path):
    records = [{"id": "1", "derivation": "tanh-sigmoid", "answer": r"\frac{\partial q}{\partial z} = 1"}]
    results = [{"id": "1", "verdict": "error", "detail": "not a result", "diagnosis": None, "counterexample": None}]
    (entry,) = collect(records, results).entries
    assert len(entry.expected) == len(registry.build("tanh-sigmoid").results)


def test_markdown_report_with_its_histogram_beside_it(graded, tmp_path):
    records, results = graded
    path = tmp_path / "report.md"
    write_report(records, results, path)
    text = path.read_text(encoding="utf-8")
    image = tmp_path / "report-verdicts.png"
    assert image.read_bytes().startswith(PNG_SIGNATURE)
    assert "](report-verdicts.png)" in text
    counts = _verdicts(results)
    rows = dict(re.findall(r"^\| (equivalent|not equivalent|error) \| (\d+) \|", text, re.M))
    assert {k: int(v) for k, v in rows.items()} == {
        "equivalent": counts["equivalent"], "not equivalent": counts["not_equivalent"], "error": counts["error"]}
    question_rows = re.findall(r"^\| .+ \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| [\d.]+% \|", text, re.M)
    assert sum(int(r[0]) for r in question_rows) == len(results)
    assert sum(int(r[1]) for r in question_rows) == counts["equivalent"]
    assert f"- expected: ${W1} = " in text  # math as $...$
    # hostile text never reaches the page as markup: only inside code spans, or entity-escaped
    outside_code = re.sub(r"(`+) .*? \1", "", text)
    assert "<script" not in outside_code and "<img" not in outside_code
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_results_are_matched_by_id_when_out_of_order(graded):
    records, results = graded
    report = collect(records, list(reversed(results)))
    assert [e.verdict for e in report.entries] == [r["verdict"] for r in results]


def test_without_matplotlib_the_tables_stay(graded, tmp_path, monkeypatch):
    records, results = graded
    for module in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    write_report(records, results, tmp_path / "r.html")
    write_report(records, results, tmp_path / "r.md")
    assert "<img" not in (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="verdict-table"' in (tmp_path / "r.html").read_text(encoding="utf-8")
    assert not (tmp_path / "r-verdicts.png").exists()
    assert "| verdict | answers | share |" in (tmp_path / "r.md").read_text(encoding="utf-8")


def test_mathml_keeps_only_whitelisted_markup():
    assert "<mfrac>" in mathml(r"\frac{1}{2}")
    assert mathml(r"\text{" + SCRIPT + "}") is None
    assert mathml(r"\href{javascript:alert(1)}{x}") is None
    assert mathml(r"\mathrm{a&b}") is None
    assert mathml("") is None
    assert mathml("x" * 5000) is None


def test_bad_paths_are_refused_and_nothing_is_left_behind(graded, tmp_path):
    records, results = graded
    with pytest.raises(SymdlError, match=r"\.html or \.md"):
        write_report(records, results, tmp_path / "report.pdf")
    with pytest.raises(SymdlError, match="cannot write"):
        check_report_path(tmp_path / "missing" / "report.html")
    occupied = tmp_path / "occupied"
    (occupied / "report.html").mkdir(parents=True)  # the name is taken by a directory: the rename fails
    with pytest.raises(SymdlError, match="cannot write"):
        write_report(records, results, occupied / "report.html")
    assert [p.name for p in occupied.iterdir()] == ["report.html"]  # no temporary file left behind
    assert (occupied / "report.html").is_dir()


def test_rewriting_replaces_the_report_atomically(graded, tmp_path):
    records, results = graded
    path = tmp_path / "report.html"
    path.write_text("old")
    write_report(records, results, path)
    first = path.read_bytes()
    write_report(records, results, path)
    assert path.read_bytes() == first  # deterministic, and no temporary file is left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


# --- feedback rendered as math (issue 14, item 8) ------------------------------------------------------------
FORGOT = {"id": "f1", "derivation": "residual-block",
          "answer": r"\frac{\partial L}{\partial x} = \left(W^{(1)}\right)^{\top}\frac{\partial L}{\partial h^{(1)}}"}
ROWS = [
    {"id": "f1", "verdict": "not_equivalent", "diagnosis": "differs by an additive term",
     "detail": r"answer − expected = -\left(\mathbb{1}\left[h^{(3)}>0\right] \odot \frac{\partial L}{\partial y}\right)",
     "counterexample": {"point": {r"W^{(1)}[0,0]": 1.5}, "expected": [1.0], "answer": [2.0]}},
    {"id": "t1", "verdict": "not_equivalent", "diagnosis": "shape mismatch",
     "detail": "shape mismatch: ('Matrices are not aligned', 2, 3)"},
    {"id": "c1", "verdict": "not_equivalent", "diagnosis": "off by a constant factor 2",
     "detail": "2.0 is not 1.0 (exact value)", "counterexample": {"point": {}, "expected": 1.0, "answer": 2.0}},
    {"id": "u1", "verdict": "undecided", "detail": "no numeric point could be evaluated"},
]
RECORDS = [FORGOT, {"id": "t1", "expected": "W x", "answer": "x W"}, {"id": "c1", "expected": "1", "answer": "2"},
           {"id": "u1", "expected": "x", "answer": "x"}]


@pytest.fixture(scope="module")
def feedback(tmp_path_factory):
    folder = tmp_path_factory.mktemp("feedback")
    write_report(RECORDS, ROWS, folder / "r.html")
    write_report(RECORDS, ROWS, folder / "r.md")
    return (folder / "r.html").read_text(encoding="utf-8"), (folder / "r.md").read_text(encoding="utf-8")


def _cells(page):
    parser = Tables()
    parser.feed(page)
    return {row[0]: row for row in parser.tables["answer-table"][1:]}


def test_feedback_formulas_are_math(feedback):
    page, md = feedback
    row = page.split("<td><div>f1</div></td>")[1].split("</tr>")[0]
    assert r"\left" not in row and r"\odot" not in row and "<math" in row.split("answer − expected =")[1]
    assert r"answer − expected = $-\left(\mathbb{1}" in md


def test_no_python_tuple_and_no_empty_point(feedback):
    page, md = feedback
    cells = _cells(page)
    assert "shape mismatch: Matrices are not aligned (2, 3)" in cells["t1"][-1] and "('" not in page
    assert "counterexample: expected 1, answer 2" in cells["c1"][-1] and "at :" not in page and "at :" not in md
    assert "at W^(1)[0, 0] = 1.5" in cells["f1"][-1]


def test_any_verdict_gets_its_row_and_column(feedback):
    page, md = feedback
    parser = Tables()
    parser.feed(page)
    assert ["undecided", "1", "25.0%"] in parser.tables["verdict-table"]
    assert "undecided" in parser.tables["question-table"][0]
    assert "| undecided | 1 | 25.0% |" in md and "| correct | commonest diagnosis |" in md


def test_long_formulas_are_broken_not_cut_off(feedback):
    page, _ = feedback
    expected = page.split("<td><div>f1</div></td>")[1].split("</tr>")[0].split("<td><div>")[3]
    assert expected.count("<mtr>") >= 3  # the result of residual-block, in rows


_OVERFLOW_PROBE = """<script>
const cut = [];
for (const cell of document.querySelectorAll('#answer-table td')) {
  const edge = cell.getBoundingClientRect().right;
  for (const m of cell.querySelectorAll('math'))
    if (m.getBoundingClientRect().right > edge + 1) cut.push(cell.parentElement.cells[0].innerText);
}
const probe = document.createElement('pre');
probe.id = 'symdl-probe';
probe.textContent = JSON.stringify({cut: cut, maths: document.querySelectorAll('math').length});
document.body.appendChild(probe);
</script>"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_no_formula_runs_out_of_its_cell_in_chromium(feedback, graded, tmp_path):
    records, results = graded
    write_report(records + RECORDS, results + ROWS, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)  # the probe is a script
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", _OVERFLOW_PROBE + "</body>"), encoding="utf-8")
    out = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,2000",
                          f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", "--dump-dom",
                          probed.as_uri()], capture_output=True, text=True, timeout=180)
    found = json.loads(html.unescape(re.search(r'<pre id="symdl-probe">(.*?)</pre>', out.stdout, re.S).group(1)))
    assert found["maths"] > 20 and found["cut"] == []
