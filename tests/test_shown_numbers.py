"""How numbers and logarithms are shown (issue 14, items 5 and 6).

A result that is a decimal is boxed as a decimal, with its exact value beside it when that is short;
the natural logarithm is ln in every equation of every derivation.
"""

import pytest
import sympy as sp

from symdl import registry
from symdl.latex import derivation_to_latex
from symdl.render import derivation_to_text

NAMES = registry.names()


@pytest.fixture(scope="module")
def latex():
    return {name: derivation_to_latex(registry.build(name)) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_one_natural_logarithm(latex, name):
    assert r"\log" not in latex[name]


def test_gaussian_sse_no_longer_says_printed_log(latex):
    assert "printed" not in latex["gaussian-sse"] and r"\ln{\left(2 \pi \right)}" in latex["gaussian-sse"]


@pytest.mark.parametrize("value, relation, shown", [
    (sp.Rational(5, 2), "=", "2.5"),
    (sp.Rational(-87, 2500), "=", "-0.0348"),
    (sp.Integer(75000100), "=", "75000100"),
    (sp.Rational(1, 3), "=", r"\frac{1}{3} \approx 0.333333"),
    (-200 * sp.sqrt(890) / 4717, r"\approx", "-1.26491"),
    (sp.Rational(45000001, 50000001), r"\approx", "0.900000002"),
    (1 - 1 / (20 * (sp.Rational(1, 10**8) + sp.sqrt(10) / 20)), r"\approx", "0.683772"),
    (sp.ImmutableMatrix([sp.sqrt(2) / 2, 1]), "=", r"\begin{bmatrix}\frac{\sqrt{2}}{2}\\1\end{bmatrix} \approx "
                                                    r"\begin{bmatrix}0.707107 \\ 1\end{bmatrix}"),
])
def test_the_policy(value, relation, shown):
    from symdl.worked import shown_number

    assert shown_number(value) == (relation, shown)


def test_symbolic_results_are_left_alone():
    from symdl.worked import shown_number

    assert shown_number(sp.Symbol("x") + 1) is None


@pytest.mark.parametrize("name, boxed", [
    ("batchnorm", r"\Aboxed{\hat{z}_{1} &\approx -1.26491}"),
    ("batchnorm", r"\Aboxed{\sigma_{B}^{2} &= 2.5}"),
    ("optimizers", r"\Aboxed{w^{(\mathrm{Adagrad})}_{1} &\approx 0.900000002}"),
    ("optimizers", r"\Aboxed{w^{(\mathrm{RMSProp})}_{1} &\approx 0.683772}"),
    ("hessian-quadratic", r"\Aboxed{u_{1} &\approx \begin{bmatrix}-0.525731 \\ 0.850651\end{bmatrix}}"),
    ("hessian-quadratic", r"\Aboxed{\lambda_{1} &= \frac{5}{2} - \frac{\sqrt{5}}{2} \approx 1.38197}"),
    ("softmax", r"\approx 0.659001}"),
])
def test_results_are_boxed_as_their_steps_show_them(latex, name, boxed):
    assert boxed in latex[name]


def test_the_single_neuron_of_sheet_b():
    d = registry.build("forward-pass", mode="neuron", w=[0.001, 0.01, -0.005, -1.2], x=[0.2, -1.3, 2, 0.01])
    text = derivation_to_text(d)
    assert "z = -0.0348" in text and "87/2500" not in text
