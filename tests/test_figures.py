"""Figures: the Hessian's ellipses, the networks' computation graphs, tanh against 2 sigma(2a) - 1."""

import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

from symdl import registry
from symdl.figures import (
    Figure,
    computation_graph,
    figures_for,
    hessian_axes,
    hessian_ellipse,
    mathtext,
)
from symdl.export.mathml import to_mathml
from symdl.graph import adjoint_name
from symdl.export.prose import split_math

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WITH_FIGURES = {
    "hessian-quadratic": {"hessian-quadratic-contours"},
    "residual-block": {"residual-block-graph"},
    "sigmoid-chain": {"sigmoid-chain-graph"},
    "tanh-sigmoid": {"tanh-sigmoid-curves"},
}


@pytest.fixture(scope="module")
def derivations():
    return {name: registry.build(name) for name in [*WITH_FIGURES, "gaussian-sse"]}


@pytest.fixture(scope="module")
def figures(derivations):
    return {name: figures_for(d) for name, d in derivations.items()}


def test_figures_for_any_built_in_derivation_never_fails():
    for name in registry.names():
        for figure in figures_for(registry.build(name)):
            assert isinstance(figure, Figure) and figure.tikz, name


def test_the_named_derivations_have_their_figures(figures):
    for name, expected in WITH_FIGURES.items():
        assert {f.name for f in figures[name]} == expected, name
    assert figures["gaussian-sse"] == []
    from symdl.text import prose_to_text

    for found in figures.values():
        for figure in found:
            assert isinstance(figure, Figure)
            assert figure.caption and figure.caption.isascii()  # it goes to pdflatex
            assert "\\" not in prose_to_text(figure.caption), figure.caption  # its math is in $…$
            assert re.fullmatch(r"[a-z0-9-]+", figure.name)


def test_captions_write_their_math_in_latex(figures):
    """Issue 14, item 2: captions said "2 sigma(2a) - 1", "lambda_1", "1/sqrt(lambda_1)", "H = [[3, 1], [1, 2]]"."""
    from symdl.text import prose_to_text

    hessian, = figures["hessian-quadratic"]
    tanh, = figures["tanh-sigmoid"]
    for ascii_math in ("sigma", "lambda", "sqrt", "[[", "w*"):
        assert ascii_math not in hessian.caption.replace("\\lambda", "") + tanh.caption.replace("\\sigma", "")
    assert r"$2\sigma(2a) - 1$" in tanh.caption and r"$\lambda_{1}^{-1/2} \approx 0.851$" in hessian.caption
    assert "H = [3, 1; 1, 2]" in prose_to_text(hessian.caption)
    for figure in (hessian, tanh):
        for is_math, chunk in split_math(figure.caption):
            if is_math:
                to_mathml(chunk)  # converts, or raises


def test_every_figure_has_a_png_and_an_svg(figures):
    for found in figures.values():
        for figure in found:
            assert figure.png.startswith(PNG_SIGNATURE), figure.name
            assert "<svg" in figure.svg, figure.name
            assert "<dc:date>" not in figure.svg  # no timestamp: the same input gives the same file


def test_figures_are_deterministic(derivations, figures):
    for name in WITH_FIGURES:
        again = figures_for(registry.build(name))
        assert again == figures[name], name  # the same bytes, SVG text and TikZ, twice


def test_matplotlib_is_a_dependency():
    """Issue 14, item 10: a plain install had no matplotlib, and exports dropped every figure silently."""
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]
    assert any(dep.startswith("matplotlib") for dep in project["dependencies"])


def test_without_matplotlib_an_export_fails_loudly(tmp_path):
    """A broken install without matplotlib: exit 2, one line naming matplotlib, nothing written."""
    blocked = ("import sys; sys.modules['matplotlib'] = None; from symdl.cli import main; "
               "sys.exit(main(['export', 'tanh-sigmoid', '-o', 'out.html']))")
    run = subprocess.run([sys.executable, "-c", blocked], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1 and "matplotlib" in run.stderr and "Traceback" not in run.stderr
    assert list(tmp_path.iterdir()) == []


# --- the Hessian ---------------------------------------------------------------------------------
@pytest.mark.parametrize("H", [[[3, 1], [1, 2]], [[2, 0], [0, 8]], [[5, -2], [-2, 1]], [["1/2", "1/4"], ["1/4", 1]]])
def test_hessian_half_lengths_are_inverse_square_roots_of_the_eigenvalues(H):
    matrix = np.array([[float(sp.Rational(str(e))) for e in row] for row in H])
    eigenvalues = np.linalg.eigvalsh(matrix)
    axes = hessian_axes(H)
    for (value, vector, half), expected in zip(axes, eigenvalues):
        assert value == pytest.approx(expected)
        assert half == pytest.approx(expected ** -0.5)
        assert matrix @ vector == pytest.approx(value * vector)  # an eigenvector, of unit length
        assert np.linalg.norm(vector) == pytest.approx(1)
    assert abs(axes[0][1] @ axes[1][1]) < 1e-12
    # The drawn contour E - E* = 1/2 reaches exactly lambda_i^(-1/2) along u_i, and is a contour.
    points = hessian_ellipse(H, 0.5, points=2001)
    assert 0.5 * np.einsum("ni,ij,nj->n", points, matrix, points) == pytest.approx(np.full(len(points), 0.5))
    for value, vector, half in axes:
        assert np.max(points @ vector) == pytest.approx(half, rel=1e-5)
    # ... and the contour c at sqrt(2c / lambda_i), the derivation's r_i
    points = hessian_ellipse(H, 2.0, points=2001)
    assert np.max(points @ axes[0][1]) == pytest.approx(np.sqrt(4 / axes[0][0]), rel=1e-5)


def test_hessian_figure_uses_the_derivations_h_and_matches_its_results():
    from symdl.text import prose_to_text

    derivation = registry.build("hessian-quadratic", H=[[2, 0], [0, 8]])
    (figure,) = figures_for(derivation)
    assert "H = [2, 0; 0, 8]" in prose_to_text(figure.caption) and "0.707" in figure.caption and "0.354" in figure.caption
    c = sp.Symbol("c", positive=True)
    for index, (value, vector, half) in enumerate(hessian_axes(derivation.params["H"]), start=1):
        exact = derivation.results[f"r_{{{index}}}"].subs(c, sp.Rational(1, 2))
        assert half == pytest.approx(float(exact))
        exact_vector = np.array([float(e) for e in derivation.results[f"u_{{{index}}}"]])
        assert abs(exact_vector @ vector) == pytest.approx(1)
    assert r"\lambda_{1}^{-1/2}" in figure.tikz and r"\lambda_{2}^{-1/2}" in figure.tikz


# --- computation graphs --------------------------------------------------------------------------
def test_residual_block_graph_is_read_from_the_steps(derivations):
    graph = computation_graph(derivations["residual-block"])
    assert graph.spine == ("x", "h^{(1)}", "z^{(1)}", "h^{(2)}", "h^{(3)}", "y", "L")
    assert {n.key for n in graph.nodes} == {"x", "W^{(1)}", "h^{(1)}", "z^{(1)}", "W^{(2)}", "h^{(2)}", "h^{(3)}",
                                             "y", "L"}
    assert graph.node("h^{(3)}").label == "h^{(3)} = h^{(2)} + x"
    assert graph.node("W^{(1)}").kind == "input" and graph.node("L").kind == "loss"
    d_h3, d_y = r"\frac{\partial L}{\partial h^{(3)}}", r"\frac{\partial L}{\partial y}"
    assert graph.edge("h^{(3)}", "y").label == rf"{d_h3} = {d_y} \odot \mathbb{{1}}\left[h^{{(3)}}>0\right]"
    skip = graph.edge("x", "h^{(3)}")
    assert skip.kind == "skip" and skip.label == d_h3
    assert graph.edge("x", "h^{(1)}").label == r"\left(W^{(1)}\right)^{\top} \frac{\partial L}{\partial h^{(1)}}"
    assert graph.edge("W^{(2)}", "h^{(2)}").label.startswith(r"\frac{\partial L}{\partial W^{(2)}} = ")
    assert graph.edge("y", "L").label == d_y
    # x feeds two values: its adjoint, the sum of both edges' terms, is written under it
    assert graph.node("x").adjoint.startswith(r"\frac{\partial L}{\partial x} = ")
    assert len(graph.edges) == 9


def test_sigmoid_chain_graph_carries_the_deltas(derivations):
    graph = computation_graph(derivations["sigmoid-chain"])
    assert graph.spine == ("x", "z^{[1]}", "h^{[1]}", "z^{[2]}", "h^{[2]}", "f") and graph.loss == "f"
    assert graph.edge("z^{[2]}", "h^{[2]}").label.startswith(r"\delta^{[2]}_{k} = ")
    assert graph.edge("w^{[2]}", "z^{[2]}").label == (
        r"\frac{\partial f}{\partial w^{[2]}_{jk}} = \delta^{[2]}_{k} h^{[1]}_{j}")
    # no step names df/dh^{[1]}_j: it is the local derivative times the next delta, summed over k
    assert graph.edge("h^{[1]}", "z^{[2]}").label == (
        r"\frac{\partial f}{\partial h^{[1]}_{j}} = \sum_{k=1}^{K} \delta^{[2]}_{k} w^{[2]}_{jk}")
    assert graph.edge("h^{[2]}", "f").label == r"\frac{\partial f}{\partial h^{[2]}_{k}} = w^{[3]}_{k}"


def test_derivations_without_a_network_have_no_graph(derivations):
    for name in ("gaussian-sse", "hessian-quadratic", "tanh-sigmoid"):
        assert computation_graph(derivations[name]) is None


def test_graph_follows_the_parameters():
    graph = computation_graph(registry.build("residual-block", n=5, m=4, L=0))
    assert graph.spine[-1] == "L" and len(graph.edges) == 9
    assert adjoint_name("L", sp.MatrixSymbol("y", 5, 1)) == graph.edge("y", "L").label


def test_every_label_is_valid_mathtext(derivations):
    from matplotlib.mathtext import MathTextParser

    parser = MathTextParser("agg")
    for name in ("residual-block", "sigmoid-chain"):
        graph = computation_graph(derivations[name])
        for text in [n.label for n in graph.nodes] + [e.label for e in graph.edges]:
            converted = mathtext(text)
            assert r"\operatorname" not in converted and r"\mathbb" not in converted
            parser.parse(f"${converted}$", 72)


def test_mathtext_writes_partials_on_one_line():
    assert mathtext(r"\frac{\partial L}{\partial h^{(3)}} \odot \mathbb{1}\left[h>0\right]") == (
        r"\partial L/\partial h^{(3)} \odot \mathbf{1}\left[h>0\right]")
    assert mathtext(r"\frac{1}{2} \operatorname{ReLU}(x)") == r"\frac{1}{2} \mathrm{ReLU}(x)"


# --- TikZ ----------------------------------------------------------------------------------------
def test_tikz_is_ascii_and_uses_no_library(figures):
    for found in figures.values():
        for figure in found:
            assert figure.tikz.isascii()
            assert figure.tikz.startswith(r"\begin{tikzpicture}") and figure.tikz.endswith(r"\end{tikzpicture}")
            assert "usetikzlibrary" not in figure.tikz


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_tikz_compiles_and_fits_the_text_width(figures, tmp_path):
    pictures = [(f.name, f.tikz) for found in figures.values() for f in found if f.tikz]
    assert {name for name, _ in pictures} >= set().union(*WITH_FIGURES.values())
    body = "\n".join(f"\\begin{{figure}}\\centering\n{tikz}\n\\caption{{{name}}}\\end{{figure}}\\clearpage"
                     for name, tikz in pictures)
    source = ("\\documentclass{article}\n\\usepackage{tikz,amsmath,amssymb,bm}\n\\begin{document}\n"
              + body + "\n\\end{document}\n")
    (tmp_path / "figures.tex").write_text(source, encoding="ascii")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "figures.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    log = (tmp_path / "figures.log").read_text(encoding="latin-1")
    assert run.returncode == 0, log[-3000:]
    assert not re.search(r"^! ", log, re.M), log[-3000:]
    too_wide = [float(m) for m in re.findall(r"Overfull \\hbox \((\d+\.?\d*)pt too wide\)", log)]
    assert all(w <= 20 for w in too_wide), too_wide
    assert "Float too large" not in log
    assert (tmp_path / "figures.pdf").stat().st_size > 0
