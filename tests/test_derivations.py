"""Every built-in derivation: it verifies numerically, and the core two render to their golden LaTeX."""

from pathlib import Path

import pytest

from symdl import registry, verify
from symdl.latex import derivation_to_latex

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", registry.names())
def test_every_step_verifies(name):
    results = verify(registry.build(name))
    assert results, f"{name} has no numeric check"
    failures = [r.line() for r in results if not r.passed or r.max_error > 1e-6]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", ["residual-block", "sigmoid-chain"])
def test_golden_latex(name):
    assert derivation_to_latex(registry.build(name)) == (GOLDEN / f"{name}.tex").read_text()


def test_residual_block_results_use_the_course_notation():
    d = registry.build("residual-block")
    x_grad = derivation_to_latex(d).split(r"\Aboxed{\frac{\partial L}{\partial x}")[1]
    # The skip connection's term: the upstream gradient through the last ReLU, unchanged.
    assert x_grad.startswith(r" &= \frac{\partial L}{\partial y} \odot \mathbb{1}\left[h^{(3)}>0\right] + ")
    assert set(d.results) >= {rf"\frac{{\partial L}}{{\partial {t}}}" for t in
                              ("h^{(3)}", "W^{(2)}", "z^{(1)}", "h^{(1)}", "W^{(1)}", "x")}


def test_residual_stack_depth_is_a_parameter():
    shallow, deep = registry.build("residual-block", L=1), registry.build("residual-block", L=3)
    assert len(deep.steps) > len(shallow.steps)
    assert any("W^{(3)}_{a}" in str(s.lhs) for s in deep.steps)
    assert all(r.passed for r in verify(deep))


def test_sizes_are_parameters():
    d = registry.build("sigmoid-chain", inputs=3, hidden1=2, hidden2=4)
    assert "3 inputs" in d.statement and all(r.passed for r in verify(d))


def test_wrong_result_is_caught():
    d = registry.build("residual-block")
    target = r"\frac{\partial L}{\partial W^{(1)}}"
    check = d.result_checks[target]
    transposed = d.results[target].T * 1  # the classic slip: x δᵀ instead of δ xᵀ
    results = check.run("wrong", None, transposed, d, 1)
    assert not any(r.passed for r in results)


def test_derivation_renders_as_math_in_jupyter():
    d = registry.build("residual-block", L=0)
    latex = d._repr_latex_()
    assert latex.startswith("$$\\begin{aligned}") and latex.endswith("\\end{aligned}$$")
    assert r"\odot" in latex and r"\boxed{" in latex and "&" in latex
    markdown = d._repr_markdown_()
    assert "$$" in markdown and d.title in markdown
