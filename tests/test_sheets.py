"""The four assignment sheets of COURSE.md: every computable problem maps to a derivation, and
each sheet becomes a verified solution document that compiles."""

import re
import shutil
import subprocess

import pytest

from symdl.export import export
from symdl.export.assignment import build_question, find, load

SHEETS = {  # sheet -> problems with a computable answer (COURSE.md; A-C.8 and B.8 prose aside)
    "sheet-a": ["A.1", "A.2", "A.3", "A.4"],
    "sheet-b": ["B.1", "B.2", "B.3", "B.4", "B.5", "B.6a", "B.6b", "B.7", "B.8"],
    "sheet-c": ["C.1", "C.2", "C.3", "C.4", "C.5", "C.6", "C.7a", "C.7b"],
    "sheet-d": ["D.1", "D.2", "D.3", "D.4", "D.5", "D.6"],
}


@pytest.mark.parametrize("sheet, problems", SHEETS.items())
def test_every_problem_has_a_verified_question(sheet, problems):
    assignment = load(find(sheet))
    titles = [q.title for q in assignment.questions]
    for problem in problems:
        assert any(t.startswith(problem + " ") for t in titles), f"{sheet} misses {problem}"
    for question in assignment.questions:
        derivation, _ = build_question(question)
        from symdl import verify

        results = verify(derivation)
        assert results and all(r.passed for r in results), (question.title, [r.line() for r in results if not r.passed])


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("sheet", SHEETS)
def test_sheet_compiles_to_a_solution_document(sheet, tmp_path):
    written = export([sheet], "tex", tmp_path / f"{sheet}.tex")
    out = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", written[0].name],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    log = (tmp_path / f"{sheet}.log").read_text(errors="replace")
    assert out.returncode == 0, out.stdout[-2000:]
    overfull = [float(w) for w in re.findall(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)", log)]
    assert not [w for w in overfull if w > 1.0], overfull  # no visible overrun
    assert (tmp_path / f"{sheet}.pdf").stat().st_size > 10_000
