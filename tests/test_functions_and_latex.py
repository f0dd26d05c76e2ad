"""Activations as SymPy functions, and the course-notation printer: each reading beside a near miss."""

import numpy as np
import pytest
import sympy as sp

from symdl.functions import NUMPY_IMPLEMENTATIONS, relu, sigmoid, sigmoid_prime, step
from symdl.graph import Graph
from symdl.latex import to_latex

a = sp.Symbol("a", real=True)


@pytest.mark.parametrize(
    "expr, expected",
    [
        (sp.diff(sigmoid(a), a), sigmoid(a) * (1 - sigmoid(a))),
        (sp.diff(relu(a), a), step(a)),
        (sigmoid(a).rewrite(sp.exp), 1 / (1 + sp.exp(-a))),
        (relu(a).rewrite(sp.Piecewise), sp.Piecewise((a, a > 0), (0, True))),
        (step(a).rewrite(sp.Piecewise), sp.Piecewise((1, a > 0), (0, True))),
        (sigmoid_prime(a).rewrite(sigmoid), sigmoid(a) * (1 - sigmoid(a))),
        (sigmoid(0), sp.S.Half),
        (relu(sp.Integer(-3)), 0),
        (relu(sp.Integer(3)), 3),
        (step(sp.Integer(0)), 0),  # ReLU'(0) = 0, unlike Heaviside(0) = 1/2
    ],
)
def test_activation_identities(expr, expected):
    assert sp.simplify(expr - expected) == 0


def test_sigmoid_derivative_is_not_tanh_style():
    near_miss = 1 - sigmoid(a) ** 2
    assert sp.simplify((sp.diff(sigmoid(a), a) - near_miss).rewrite(sp.exp)) != 0


@pytest.mark.parametrize("name, function", [("sigmoid", sigmoid), ("relu", relu), ("step", step),
                                            ("sigmoid_prime", sigmoid_prime)])
def test_numpy_implementation_matches_sympy(name, function):
    xs = np.array([-30.0, -2.5, -0.3, 0.4, 1.7, 40.0])
    expected = [float(function(sp.Float(v)).evalf()) if name != "step" else float(v > 0) for v in xs]
    np.testing.assert_allclose(NUMPY_IMPLEMENTATIONS[name](xs), expected, rtol=1e-12, atol=1e-300)


W1 = sp.MatrixSymbol("W^{(1)}", 2, 3)
x = sp.MatrixSymbol("x", 3, 1)
d = sp.MatrixSymbol(r"\frac{\partial L}{\partial h}", 2, 1)
h = sp.MatrixSymbol("h", 2, 1)


@pytest.mark.parametrize(
    "expr, latex",
    [
        (W1 * x, "W^{(1)} x"),
        (d * x.T, r"\frac{\partial L}{\partial h} x^{\top}"),
        (W1.T * d, r"\left(W^{(1)}\right)^{\top} \frac{\partial L}{\partial h}"),
        (sp.HadamardProduct(d, h), r"\frac{\partial L}{\partial h} \odot h"),
        (sigmoid_prime(a), r"\sigma'\left(a\right)"),
        (step(a), r"\mathbb{1}\left[a>0\right]"),
        (relu(a), r"\operatorname{ReLU}\left(a\right)"),
        (sigmoid(a) ** 2, r"\sigma\left(a\right)^{2}"),
    ],
)
def test_course_notation(expr, latex):
    assert to_latex(expr) == latex


def test_transpose_is_top_not_T_and_layer_index_is_not_a_power():
    assert "^{T}" not in to_latex(W1.T) and r"^{\top}" in to_latex(W1.T)
    assert to_latex(sp.Symbol("W^{(1)}") ** 2) == r"\left(W^{(1)}\right)^{2}"


def test_elementwise_activation_of_a_matrix_prints_like_the_course():
    g = Graph()
    hn = g.input("h^{(1)}", 2)
    z = g.activation("z^{(1)}", relu, hn)
    assert to_latex(z.expr) == r"\operatorname{ReLU}\left(h^{(1)}\right)"
    assert to_latex(g.consumers()[hn][0][1].expr) == (
        r"\frac{\partial L}{\partial z^{(1)}} \odot \mathbb{1}\left[h^{(1)}>0\right]"
    )
