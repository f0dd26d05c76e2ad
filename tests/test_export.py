"""symdl export: every built-in derivation in each format, the certificate, figures, fragments, bad input.

The documents are built (and verified) once per session; rendering each format from them is cheap.
The checks with external tools (pdflatex, Chromium, a Jupyter kernel) are in test_export_tools.py.
"""

import functools
import json
import os
import re
import subprocess
import sys
import types

import nbformat
import pytest
import sympy as sp

from symdl import Derivation, Identity, Step, __version__, registry
from symdl.cli import main
from symdl.export import FORMATS, build_document, export, render
from symdl.export.atomic import write_export
from symdl.verify import DEFAULT_SEED

NAMES = registry.names()
WITH_FIGURES = {"hessian-quadratic", "residual-block"}  # at least these draw figures (symdl.figures)


@functools.cache
def built(source: str):
    """The export document of one source, built and verified once per test session (shared with
    test_export_tools.py)."""
    return build_document([source])


@pytest.fixture(scope="session")
def documents():
    """Every built-in derivation's export document."""
    return {name: built(name) for name in NAMES}


def write(document, fmt, path, fragment=False):
    main_bytes, companions = render(document, fmt, path, fragment=fragment)
    write_export(path, main_bytes, companions)
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", NAMES)
def test_every_derivation_in_every_format(documents, tmp_path, name, fmt):
    document = documents[name]
    entry = document.entries[0]
    derivation = entry.derivation
    text = write(document, fmt, tmp_path / f"{name}.{fmt}")
    assert entry.verified and entry.certificate.checks > 0
    # the certificate: methods, seed, points, largest error, version
    cert = entry.certificate
    summary = cert.summary()
    for needle in (f"symdl {__version__}", f"seed {DEFAULT_SEED}", f"{cert.points} in all", "largest relative error"):
        assert needle in summary
    assert "Verification certificate" in text
    assert escaped(fmt, summary) in text
    for method in cert.methods:
        assert escaped(fmt, method) in text
    # the steps, numbered, each with its rule; the results
    last_step = len(derivation.steps)
    if fmt == "tex":
        assert text.count(r"\tag{") == len(derivation.steps) + len(derivation.results)
        assert text.count(r"\boxed{") == len(derivation.results)
        assert r"\documentclass{article}" in text and r"\end{document}" in text
        assert "Aboxed" not in text and r"\mathbb{1}" not in text  # pdflatex has no double-struck 1
    elif fmt == "md":
        assert f"**({last_step})**" in text
        assert text.count(r"\boxed{") == len(derivation.results)
        assert "align*" not in text and "Aboxed" not in text and r"\tag" not in text
        assert "\n$$\n" not in text  # display math on one line: never read as a list item
    elif fmt == "ipynb":
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert f"registry.build({name!r}" in code and f"verify(d, seed={DEFAULT_SEED})" in code
        assert "assert not failed" in code
    elif fmt == "html":
        assert text.startswith("<!DOCTYPE html>") and "<math" in text
        assert "http://" not in text.replace("http://www.w3.org/1998/Math/MathML", "")
        assert "https://" not in text and "<script" not in text and 'class="tex"' not in text
        assert f"({last_step})" in text
    for rule in {s.rule for s in derivation.steps if "$" not in s.rule}:
        assert escaped(fmt, rule) in text, rule


def escaped(fmt, plain):
    """How a writer spells plain text."""
    import html

    from symdl.export.prose import md_escape, tex_escape

    if fmt == "tex":
        return tex_escape(plain)
    if fmt == "html":
        return html.escape(plain, quote=False)
    if fmt == "ipynb":
        return json.dumps(md_escape(plain), ensure_ascii=False)[1:-1]
    return md_escape(plain)


def test_figures_appear_in_every_format(documents, tmp_path):
    for name in sorted(WITH_FIGURES & set(NAMES)):
        entry = documents[name].entries[0]
        assert entry.figures, f"{name} has no figure"
        figure = entry.figures[0]
        tex = write(documents[name], "tex", tmp_path / f"{name}.tex")
        assert (r"\begin{tikzpicture}" in tex) if figure.tikz else (r"\includegraphics" in tex)
        md = write(documents[name], "md", tmp_path / f"{name}.md")
        links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
        assert len(links) == len(entry.figures)
        for link in links:
            assert link.startswith(f"{name}_files/") and (tmp_path / link).stat().st_size > 1000
        nb = nbformat.reads(write(documents[name], "ipynb", tmp_path / f"{name}.ipynb"), as_version=4)
        attached = [c for c in nb.cells if c.cell_type == "markdown" and c.get("attachments")]
        assert len(attached) == len(entry.figures)
        assert "attachment:" in attached[0].source
        page = write(documents[name], "html", tmp_path / f"{name}.html")
        assert page.count("<figure") == len(entry.figures)
        assert re.search(r'<img src="data:image/(svg\+xml|png);base64,', page)


def test_fragments_are_bodies(documents, tmp_path):
    document = documents["residual-block"]
    tex = write(document, "tex", tmp_path / "frag.tex", fragment=True)
    assert r"\documentclass" not in tex and r"\begin{document}" not in tex and r"\usepackage" not in tex.replace(
        "% \\usepackage", "")
    assert r"\section*{Back-propagation through a residual block}" in tex and r"\begin{align*}" in tex
    md = write(document, "md", tmp_path / "frag.md", fragment=True)
    assert not md.startswith("# ") and "<!--" not in md and md.startswith("## ")
    page = write(document, "html", tmp_path / "frag.html", fragment=True)
    assert "<html" not in page and "<head" not in page and "<style" not in page
    assert page.startswith('<div class="symdl-export">') and "<math" in page


def test_cli_export_from_an_unrelated_directory(tmp_path):
    (tmp_path / "notes").mkdir()
    out = subprocess.run([sys.executable, "-m", "symdl.cli", "export", "residual-block", "--format", "md",
                          "-o", "notes/block.md", "--param", "L=1"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300, env=_env_without_display())
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("wrote notes/block.md")
    text = (tmp_path / "notes" / "block.md").read_text()
    assert text.startswith("<!-- Generated by symdl") and "\n# Back-propagation through a residual block\n" in text
    assert "W^{(1)}_{a}" in text and "W^{(2)}_{a}" not in text  # --param L=1: one block in the stack
    assert not [p.name for p in (tmp_path / "notes").iterdir() if p.name.startswith(".")]


def _env_without_display():
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    env["MPLBACKEND"] = "Agg"
    return env


def test_format_from_the_suffix_and_params(tmp_path):
    written = export(["residual-block"], None, tmp_path / "r.html", params={"L": 1, "n": 2})
    assert written[0] == tmp_path / "r.html"
    text = written[0].read_text()
    assert "W^{(2)}_{a}" not in text  # L = 1: one block in the stack
    with pytest.raises(Exception, match="cannot tell the format"):
        export(["residual-block"], None, tmp_path / "r.pdf")


# --- bad input: one line, exit code 2, nothing left behind --------------------------------------


def run_cli(capsys, *args):
    code = main(["export", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def listing(path):
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*"))


@pytest.mark.parametrize("args, message", [
    (["residual-block", "--format", "pdf", "-o", "{tmp}/x.pdf"], "unknown format 'pdf'"),
    (["residual-block", "-o", "{tmp}/x.docx"], "cannot tell the format"),
    (["no-such-thing", "-o", "{tmp}/x.tex"], "unknown derivation or assignment 'no-such-thing'"),
    (["residual-block", "-o", "{tmp}/missing/x.tex"], "does not exist"),
    (["residual-block", "-o", "{tmp}/a-file/x.tex"], "is not a directory"),
    (["residual-block", "--format", "tex", "-o", "{tmp}"], "is a directory"),
    (["residual-block", "--param", "n=0", "-o", "{tmp}/x.md"], "parameter n must be between 1"),
    (["example-assignment", "--param", "n=2", "-o", "{tmp}/x.md"], "--param applies to derivations"),
    (["{tmp}/nope.toml", "-o", "{tmp}/x.md"], "no such assignment file"),
    (["residual-block", "--fragment", "-o", "{tmp}/x.ipynb"], "--fragment applies to tex, md and html"),
])
def test_bad_input_one_line_exit_2_no_files(capsys, tmp_path, args, message):
    (tmp_path / "a-file").write_text("not a directory")
    before = listing(tmp_path)
    code, out, err = run_cli(capsys, *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert code == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert listing(tmp_path) == before


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root can write anywhere")
def test_read_only_directory_is_refused(capsys, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        code, _, err = run_cli(capsys, "sigmoid-chain", "-o", str(locked / "x.tex"))
    finally:
        locked.chmod(0o700)
    assert code == 2 and "not writable" in err and not list(locked.iterdir())


# --- a derivation that fails verification --------------------------------------------------------

x = sp.Symbol("x", real=True)


def _broken(**params):
    return Derivation(
        name="broken-square", title="A wrong expansion", summary="(x+1)^2 = x^2 + 1, wrongly",
        statement=r"Claims $(x+1)^{2} = x^{2} + 1$.",
        steps=(Step(sp.Symbol("y"), (x + 1) ** 2, "definition"),
               Step((x + 1) ** 2, x ** 2 + 2 * x + 1, "expand the square", check=Identity()),
               Step((x + 1) ** 2, x ** 2 + 1, "drop the middle term (wrong)", check=Identity())),
        results={"y": x ** 2 + 1},
    )


@pytest.fixture
def broken(monkeypatch):
    module = types.SimpleNamespace(NAME="broken-square", SUMMARY="a wrong expansion", PARAMS={}, build=_broken)
    known = dict(registry.modules())
    monkeypatch.setattr(registry, "modules", lambda: {**known, "broken-square": module})
    return module


def test_failing_derivation_is_refused(capsys, tmp_path, broken):
    for fmt in FORMATS:
        code, out, err = run_cli(capsys, "broken-square", "--format", fmt, "-o", str(tmp_path / f"b.{fmt}"))
        assert code == 2
        assert len(err.strip().splitlines()) == 1
        assert "broken-square fails verification" in err and "step 3" in err and "--allow-unverified" in err
    assert listing(tmp_path) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_allow_unverified_marks_the_document(capsys, tmp_path, broken, fmt):
    path = tmp_path / f"b.{fmt}"
    code, out, err = run_cli(capsys, "broken-square", "--format", fmt, "-o", str(path), "--allow-unverified")
    assert code == 0, err
    text = path.read_text()
    assert "NOT VERIFIED" in text and "check FAILED" in text and "FAILED" in text
    assert "1 of 2 numeric checks failed (equations (3))" in text
    if fmt == "ipynb":
        nb = nbformat.reads(text, as_version=4)
        assert "assert not failed" not in "\n".join(c.source for c in nb.cells if c.cell_type == "code")


# --- atomic writing -----------------------------------------------------------------------------


def test_a_failed_write_leaves_nothing_and_keeps_old_figures(tmp_path, monkeypatch):
    import symdl.export.atomic as atomic

    target = tmp_path / "notes.md"
    write_export(target, b"old", {"a.png": b"old image"})
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    real_replace = os.replace

    def failing_replace(src, dst):
        if os.fspath(dst) == os.fspath(target):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", failing_replace)
    with pytest.raises(atomic.OutputError, match="No space left on device"):
        write_export(target, b"new", {"b.png": b"new image"})
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before  # the old document and its old figure folder, nothing else


def test_rewriting_replaces_the_figure_folder(tmp_path):
    target = tmp_path / "notes.md"
    write_export(target, b"one", {"a.png": b"1"})
    write_export(target, b"two", {"b.png": b"2"})
    assert target.read_bytes() == b"two"
    assert listing(tmp_path) == ["notes.md", "notes_files", "notes_files/b.png"]


# --- multi-derivation documents and assignments -------------------------------------------------


def test_several_derivations_number_their_equations(tmp_path):
    written = export(["sigmoid-chain", "tanh-sigmoid"], "tex", tmp_path / "two.tex")
    text = written[0].read_text()
    assert r"\tag{1.1}" in text and r"\tag{2.1}" in text
    assert text.count(r"\section*{") == 2 and "Verification certificate" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_example_assignment_builds_in_every_format(tmp_path, fmt):
    text = write(built("example-assignment"), fmt, tmp_path / f"sheet.{fmt}")
    for question in ("Question 1: Gradients through a residual block", "Question 4: Number of weights",
                     "Question 6: Cross-entropy of a softmax output"):
        assert question in text
    assert "79510" in text  # (784+1) 100 + (100+1) 10
    assert "55" in text  # floor((227 - 11)/4) + 1
    assert "floating-point evaluation (NumPy)" in text


def test_assignment_file_through_the_cli(capsys, tmp_path):
    sheet = tmp_path / "sheet.toml"
    sheet.write_text('title = "Two questions"\n'
                     '[[question]]\ntitle = "Chain rule"\nderivation = "sigmoid-chain"\nparams = { inputs = "3" }\n'
                     "[[question]]\ntitle = \"Weights\"\nexpression = '(D+1) M'\ngiven = { D = 2, M = 3 }\n")
    code, out, err = run_cli(capsys, str(sheet), "-o", str(tmp_path / "sheet.md"))
    assert code == 0, err
    text = (tmp_path / "sheet.md").read_text()
    assert text.startswith("<!-- Generated by symdl") and "# Two questions" in text
    assert "## Question 1: Chain rule" in text and "## Question 2: Weights" in text
    assert "(D+1) M = 9" in text.replace("$$", "") and "(1.1)" in text and "(2.1)" in text


# --- the certificate (issue 14, items 4 and 11) ---------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_the_certificate_counts_every_boxed_result(documents, name):
    """residual-block's certificate said 6 results while the document boxed 8 (the stack's two)."""
    entry = documents[name].entries[0]
    boxed = len(entry.derivation.results)
    if boxed:
        assert f"and {boxed} result{'s' * (boxed != 1)}," in entry.certificate.summary()


def test_the_certificate_is_one_compact_table(documents, tmp_path):
    """One row per method with its equations as ranges, in ragged-right columns (no justified gaps)."""
    entry = documents["residual-block"].entries[0]
    methods = entry.certificate.by_method()
    assert [m.method for m in methods] == ["complex step"]
    assert methods[0].numbers == tuple(range(6, 13)) + tuple(range(24, 46))
    tex = write(documents["residual-block"], "tex", tmp_path / "block.tex").split("Verification certificate")[1]
    assert tex.count(r"\begin{tabular}") == 1 and tex.count(r"\tabularnewline") == 1 + len(methods)
    assert r"\raggedright complex step & \raggedright (6)--(12), (24)--(45) &" in tex
    page = write(documents["residual-block"], "html", tmp_path / "block.html")
    assert page.count('<table class="certificate">') == 1
    assert page.split('<table class="certificate">')[1].split("</table>")[0].count("<tr>") == 1 + len(methods)
    md = write(documents["residual-block"], "md", tmp_path / "block.md")
    assert "| complex step | (6)–(12), (24)–(45) |" in md


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_certificate_can_be_short_or_left_out(tmp_path, capsys, fmt):
    texts = {}
    for mode in ("full", "short", "none"):
        out = tmp_path / f"{mode}.{fmt}"
        assert main(["export", "tanh-sigmoid", "-o", str(out), "--certificate", mode]) == 0
        texts[mode] = out.read_text(encoding="utf-8")
    assert "Equations" in texts["full"]
    assert "Verification certificate" in texts["short"] and "Equations" not in texts["short"]
    assert "Verification certificate" not in texts["none"] and "Verified numerically" not in texts["none"]
    assert len(texts["none"]) < len(texts["short"]) < len(texts["full"])
