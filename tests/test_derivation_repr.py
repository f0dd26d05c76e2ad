"""How a Derivation shows itself in Python and Jupyter (issue 14, item 13): a short repr, an HTML view,
and a LaTeX view that fits a notebook (it was one 47-row block whose rules ran past 1200 px)."""

import json
import subprocess

import pytest

from symdl import registry
from symdl.export.equations import SCREEN_WIDTH
from symdl.export.texlayout import width

NAMES = registry.names()


@pytest.fixture(scope="module")
def built():
    return {name: registry.build(name) for name in NAMES}


def test_repr_is_one_short_line(built):
    text = repr(built["residual-block"])
    assert text == ("<Derivation residual-block: 37 steps, 8 results; Back-propagation through a residual block>")
    assert all(len(repr(d)) < 200 and "\n" not in repr(d) for d in built.values())


def test_html_view_is_mathml_with_its_own_scoped_style(built):
    page = built["tanh-sigmoid"]._repr_html_()
    assert page.count("<math") > 25 and "\\frac" not in page and "$" not in page
    style = page.split("<style>")[1].split("</style>")[0]
    assert all(line.startswith(".symdl-export ") for line in style.splitlines() if line.strip())
    assert "Verification certificate" not in page  # a repr runs no checks


@pytest.mark.parametrize("name", NAMES)
def test_latex_view_fits_a_notebook(built, name):
    latex = built[name]._repr_latex_()
    assert latex.startswith("$$\\begin{aligned}") and latex.endswith("\\end{aligned}$$")
    assert "&&" not in latex  # no column of rules beside the equations
    assert width(latex.strip("$")) <= SCREEN_WIDTH


def test_latex_view_renders_in_katex(built):
    from test_export_tools import _KATEX_SCRIPT, KATEX, NODE

    if NODE is None or not KATEX.exists():
        pytest.skip("node and libjs-katex are not installed")
    items = [[d._repr_latex_().strip("$"), True] for d in built.values()]
    out = subprocess.run([NODE, "-e", _KATEX_SCRIPT, str(KATEX)], input=json.dumps(items), capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []
