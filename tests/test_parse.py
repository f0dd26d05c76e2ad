r"""Every rule of NOTATION.md, each correct reading beside a near miss that reads differently.

Expected values are built by hand with the naming convention of :mod:`symdl.parse`.
"""

from __future__ import annotations

import builtins

import pytest
import sympy as sp
from latex2sympy2_extended import latex2sympy2
from sympy.parsing import sympy_parser
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

import symdl.parse as parse_module
from symdl.errors import ParseError, UnsupportedError
from symdl.functions import relu, sigmoid, sigmoid_prime, step
from symdl.parse import Context, DerivativeTarget, canonical_name, parse, unknown_bound

from parse_helpers import I, S, X, check_rule_and_near_miss


a, b, h, t, w, x, y, z = map(S, "abhtwxyz")
W, L, H, N = S("W"), S("L"), S("H"), S("N")
n = S("n")
sigma = S(r"\sigma")

MATRICES = Context(matrices={
    "W": (3, 4), "x": (4, 1), "A": (2, 2), r"\delta": (3, 1), "h": (3, 1), "g": (3, 1),
    "W^{(2)}": (3, 3), "z": (5, 1), "w": (2, 2), r"\frac{\partial L}{\partial y}": (3, 1),
    "W^{(1)}": (3, 4),
})
Wm, xm, Am = sp.MatrixSymbol("W", 3, 4), sp.MatrixSymbol("x", 4, 1), sp.MatrixSymbol("A", 2, 2)
delta, hm, gm = (sp.MatrixSymbol(r"\delta", 3, 1), sp.MatrixSymbol("h", 3, 1),
                 sp.MatrixSymbol("g", 3, 1))
W2 = sp.MatrixSymbol("W^{(2)}", 3, 3)
zm, wm = sp.MatrixSymbol("z", 5, 1), sp.MatrixSymbol("w", 2, 2)
dLdy = sp.MatrixSymbol(r"\frac{\partial L}{\partial y}", 3, 1)
INDEXED = Context(indexed={"x": 1, "w^{[1]}": 2, "w^{[2]}": 2, "y": 1})
STEP_H = Context(step_functions=frozenset({"H"}))
NONE = Context()


def softmax_entry(vector: str, i, j="j"):
    j = I(j)
    return sp.exp(X(vector, i)) / sp.Sum(sp.exp(X(vector, j)), (j, 1, unknown_bound(j)))


SUM_X_I = sp.Sum(X("x", I("i")), (I("i"), 1, unknown_bound(I("i"))))

# rule, correct LaTeX, its reading, near-miss LaTeX, its reading, context
RULES = [
    # -- functions
    ("sigmoid call", r"\sigma(a)", sigmoid(a), r"\sigma a", sigma * a, NONE),
    ("sigmoid left/right", r"\sigma\left(a\right)", sigmoid(a), r"\sigma \cdot \left(a\right)",
     sigma * a, NONE),
    ("sigmoid in an expression", r"2\sigma(2a)-1", 2 * sigmoid(2 * a) - 1, r"2\sigma 2a-1",
     4 * sigma * a - 1, NONE),
    ("operatorname sigmoid", r"\operatorname{sigmoid}(a)", sigmoid(a),
     r"\operatorname{sigmoid}(a)^{2}", sigmoid(a) ** 2, NONE),
    ("mathrm sigmoid", r"\mathrm{sigmoid}(a)", sigmoid(a), r"\mathrm{sigmoid}(2a)",
     sigmoid(2 * a), NONE),
    ("text sigmoid", r"\text{sigmoid}(a)", sigmoid(a), r"\text{sigmoid}(-a)", sigmoid(-a), NONE),
    ("sigma squared is a symbol", r"\sigma^2", sigma ** 2, r"\sigma(2)", sigmoid(2), NONE),
    ("subscripted sigma", r"\sigma_z^2", S(r"\sigma_{z}") ** 2, r"\sigma_z 2",
     2 * S(r"\sigma_{z}"), NONE),
    ("Gaussian normaliser", r"2\pi\sigma^{2}", 2 * sp.pi * sigma ** 2, r"2\pi\sigma(2)",
     2 * sp.pi * sigmoid(2), NONE),
    ("sigma prime", r"\sigma'(a)", sigmoid_prime(a), r"\sigma' a", S(r"\sigma'") * a, NONE),
    ("sigma prime command", r"\sigma^{\prime}(a)", sigmoid_prime(a), r"\sigma^{2}(a)",
     sigma ** 2 * a, NONE),
    ("tanh", r"\tanh(a)", sp.tanh(a), r"\tanh(a)(1-a)", sp.tanh(a) * (1 - a), NONE),
    ("tanh squared", r"\tanh^2(a)", sp.tanh(a) ** 2, r"\tanh(a^2)", sp.tanh(a ** 2), NONE),
    ("sech squared", r"\operatorname{sech}^2(x)", sp.sech(x) ** 2, r"\operatorname{sech}(x^2)",
     sp.sech(x ** 2), NONE),
    ("ReLU operatorname", r"\operatorname{ReLU}(x)", relu(x), r"\operatorname{ReLU}'(x)",
     step(x), NONE),
    ("ReLU mathrm", r"\mathrm{ReLU}(x)", relu(x), r"\mathrm{ReLU}(x)^{2}", relu(x) ** 2, NONE),
    ("ReLU text", r"\text{ReLU}(x)", relu(x), r"\text{ReLU}(-x)", relu(-x), NONE),
    ("ReLU plain letters", r"ReLU(x)", relu(x), r"R e L U x", S("R") * sp.E * L * S("U") * x,
     NONE),
    ("max with zero", r"\max(0,x)", relu(x), r"\max(1,x)", sp.Max(1, x), NONE),
    ("ReLU derivative", r"\operatorname{ReLU}'(h)", step(h), r"\operatorname{ReLU}(h)", relu(h),
     NONE),
    ("indicator bracket", r"\mathbb{1}[h>0]", step(h), r"\mathbb{1}[h<0]", step(-h), NONE),
    ("indicator parenthesis", r"\mathbb{1}(h>0)", step(h), r"\mathbb{1}(h \geq 0)",
     1 - step(-h), NONE),
    ("indicator bold one", r"\mathbf{1}[h>0]", step(h), r"\mathbf{1}[h>1]", step(h - 1), NONE),
    ("declared step function", r"H(h)", step(h), r"H(h)", H * h, (STEP_H, NONE)),
    ("step is elementwise", r"\mathbb{1}[h>0]", ElementwiseApplyFunction(step, hm), r"h",
     hm, MATRICES),
    ("softmax by name", r"\operatorname{softmax}(z)_i", softmax_entry("z", I("i")),
     r"\operatorname{softmax}(z)_k", softmax_entry("z", I("k")), NONE),
    ("softmax written out", r"\frac{e^{z_i}}{\sum_j e^{z_j}}", softmax_entry("z", I("i")),
     r"\frac{e^{z_i}}{\sum_j e^{z_i}}",
     sp.exp(X("z", I("i"))) / sp.Sum(sp.exp(X("z", I("i"))), (I("j"), 1, unknown_bound(I("j")))),
     NONE),
    ("exponential", r"e^{x}", sp.exp(x), r"e_{x}", S("e_{x}"), NONE),
    ("exp", r"\exp(x)", sp.exp(x), r"\exp(x)^2", sp.exp(x) ** 2, NONE),
    ("log is natural", r"\log x", sp.log(x), r"\log_{10} x", sp.log(x) / sp.log(10), NONE),
    ("ln", r"\ln(x)", sp.log(x), r"\ln(x)^{2}", sp.log(x) ** 2, NONE),
    ("square root", r"\sqrt{x}", sp.sqrt(x), r"\sqrt[3]{x}", sp.cbrt(x), NONE),
    ("absolute value", r"|x|", sp.Abs(x), r"|x|^2", sp.Abs(x) ** 2, NONE),
    ("floor", r"\lfloor x\rfloor", sp.floor(x), r"\lceil x\rceil", sp.ceiling(x), NONE),
    ("factorial", r"n!", sp.factorial(n), r"(n-1)!", sp.factorial(n - 1), NONE),
    ("undefined function", r"f(x_n, w)", sp.Function("f")(S("x_{n}"), w), r"f(x_n) w",
     sp.Function("f")(S("x_{n}")) * w, NONE),
    ("semicolon separates parameters", r"f(x_n; w)", sp.Function("f")(S("x_{n}"), w),
     r"f(x_n)", sp.Function("f")(S("x_{n}")), NONE),
    ("error function", r"E(w^{*})", sp.Function("E")(S("w^{*}")), r"E w^{*}",
     S("E") * S("w^{*}"), NONE),
    ("a letter before parentheses multiplies", r"y(1-y)", y * (1 - y), r"f(1-y)",
     sp.Function("f")(1 - y), NONE),
    # -- symbols, indices and layers
    ("case matters", r"W", W, r"w", w, NONE),
    ("layer index", r"W^{(1)}", S("W^{(1)}"), r"(W^{(1)})^2", S("W^{(1)}") ** 2, NONE),
    ("layer index is not a power", r"W^{(1)}", S("W^{(1)}"), r"W^{1}", W, NONE),
    ("bracket layer with indices", r"w^{[2]}_{jk}", X("w^{[2]}", I("j"), I("k")),
     r"w^{2}_{jk}", S("w_{jk}") ** 2, INDEXED),
    ("layer names", r"h^{(3)} + a^{[2]} + \delta^{(3)}",
     S("h^{(3)}") + S("a^{[2]}") + S(r"\delta^{(3)}"), r"h^{3} + a^{2} + \delta^{3}",
     h ** 3 + a ** 2 + S(r"\delta") ** 3, NONE),
    ("subscript names a symbol", r"x_i", S("x_{i}"), r"x i", x * S("i"), NONE),
    ("declared index", r"x_i", X("x", I("i")), r"x_i", S("x_{i}"), (INDEXED, NONE)),
    ("two indices", r"w_{ij}", S("w_{ij}"), r"w_{i}j", S("w_{i}") * S("j"), NONE),
    ("digits index one by one", r"w^{[1]}_{12}", X("w^{[1]}", 1, 2), r"w^{[1]}_{12}",
     X("w^{[1]}", 12), (INDEXED, Context(indexed={"w^{[1]}": 1}))),
    ("digits of a matrix entry", r"w_{12}", wm[0, 1], r"w_{21}", wm[1, 0], MATRICES),
    ("expression subscript", r"v_{t-1}", S("v_{t-1}"), r"v_t - 1", S("v_{t}") - 1, NONE),
    ("power of a subscripted symbol", r"\beta_1^{t}", S(r"\beta_{1}") ** t, r"\beta_{1t}",
     S(r"\beta_{1t}"), NONE),
    ("star names a symbol", r"w^{*}", S("w^{*}"), r"w^{2}", w ** 2, NONE),
    ("bare star", r"w^*", S("w^{*}"), r"w", w, NONE),
    ("hat names a symbol", r"\hat{m}_t", S(r"\hat{m}_{t}"), r"m_t", S("m_{t}"), NONE),
    ("bar names a symbol", r"\bar{y}", S(r"\bar{y}"), r"y", y, NONE),
    ("epsilon spellings", r"\varepsilon", S(r"\epsilon"), r"e", sp.E, NONE),
    ("Greek symbols", r"\eta\lambda_i + \alpha_i\mu\beta",
     S(r"\eta") * S(r"\lambda_{i}") + S(r"\alpha_{i}") * S(r"\mu") * S(r"\beta"),
     r"\eta\lambda^i", S(r"\eta") * S(r"\lambda") ** S("i"), NONE),
    # -- vectors and matrices
    ("matrix product keeps order", r"W x", sp.MatMul(Wm, xm), r"x^T W^T", sp.MatMul(xm.T, Wm.T),
     MATRICES),
    ("outer products differ", r"\delta x^T", sp.MatMul(delta, xm.T), r"x\delta^T",
     sp.MatMul(xm, delta.T), MATRICES),
    ("transpose T", r"A^T", Am.T, r"A", Am, MATRICES),
    ("transpose braced T", r"A^{T}", Am.T, r"A^{2}", Am ** 2, MATRICES),
    ("transpose top", r"A^\top", Am.T, r"A^{-1}", Am.I, MATRICES),
    ("transpose braced top", r"A^{\top}", Am.T, r"A^{\top}A", Am.T * Am, MATRICES),
    ("transpose mathsf", r"A^{\mathsf{T}}", Am.T, r"A A^{\mathsf{T}}", Am * Am.T, MATRICES),
    ("transpose of a layer matrix", r"(W^{(2)})^{T}", W2.T, r"(W^{(2)})^{2}", W2 ** 2, MATRICES),
    ("transpose of a scalar", r"a^T", a, r"a^2", a ** 2, NONE),
    ("cdot is a matrix product", r"\delta \cdot h^T", sp.MatMul(delta, hm.T), r"\delta \odot h",
     sp.HadamardProduct(delta, hm), MATRICES),
    ("times multiplies numbers", r"2\times3", 6, r"2^3", 8, NONE),
    ("odot is elementwise", r"\delta \odot h", sp.HadamardProduct(delta, hm), r"\delta^T h",
     delta.T * hm, MATRICES),
    ("circ is elementwise", r"\delta \circ g", sp.HadamardProduct(delta, gm), r"\delta^T g",
     delta.T * gm, MATRICES),
    ("odot binds loosest", r"W^{(2)} \delta \odot h", sp.HadamardProduct(W2 * delta, hm),
     r"W^{(2)} (\delta \odot h)", W2 * sp.HadamardProduct(delta, hm), MATRICES),
    ("bmatrix", r"\begin{bmatrix}1&0\\0&2\end{bmatrix}", sp.ImmutableMatrix([[1, 0], [0, 2]]),
     r"\begin{bmatrix}1&0&0&2\end{bmatrix}", sp.ImmutableMatrix([[1, 0, 0, 2]]), NONE),
    ("pmatrix", r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", sp.ImmutableMatrix([[1, 2], [3, 4]]),
     r"\begin{pmatrix}1&2\\3&4\end{pmatrix}^T", sp.ImmutableMatrix([[1, 3], [2, 4]]), NONE),
    ("matrix", r"\begin{matrix}x & y\end{matrix}", sp.ImmutableMatrix([[x, y]]),
     r"\begin{matrix}x \\ y\end{matrix}", sp.ImmutableMatrix([[x], [y]]), NONE),
    ("literal product", r"\begin{bmatrix}1&0\\0&2\end{bmatrix}\begin{bmatrix}3\\4\end{bmatrix}",
     sp.ImmutableMatrix([[3], [8]]),
     r"\begin{bmatrix}3&4\end{bmatrix}\begin{bmatrix}1&0\\0&2\end{bmatrix}",
     sp.ImmutableMatrix([[3, 8]]), NONE),
    ("1x1 matrix is a scalar", r"\begin{bmatrix}3\end{bmatrix}", sp.Integer(3),
     r"\begin{bmatrix}3 & 0\end{bmatrix}", sp.ImmutableMatrix([[3, 0]]), NONE),
    ("sum with bounds", r"\sum_{i=1}^{n} x_i", sp.Sum(X("x", I("i")), (I("i"), 1, n)),
     r"\sum_{i=1}^{n} x_j", sp.Sum(S("x_{j}"), (I("i"), 1, n)), NONE),
    ("sum without bounds", r"\sum_{i} x_i", SUM_X_I, r"\sum_{i=0}^{n} x_i",
     sp.Sum(X("x", I("i")), (I("i"), 0, n)), NONE),
    ("sum with a bare index", r"\sum_i x_i", SUM_X_I, r"\sum_i x_i + x_i",
     SUM_X_I + X("x", I("i")), NONE),
    ("sum over a declared vector", r"\sum_j e^{z_j}",
     sp.Sum(sp.exp(zm[I("j") - 1, 0]), (I("j"), 1, 5)), r"\sum_{j=1}^{3} e^{z_j}",
     sp.Sum(sp.exp(zm[I("j") - 1, 0]), (I("j"), 1, 3)), MATRICES),
    ("numeric sum", r"\sum_{k=1}^{4} k", sp.Sum(I("k"), (I("k"), 1, 4)), r"\sum_{k=1}^{4} 1",
     sp.Sum(1, (I("k"), 1, 4)), NONE),
    ("product", r"\prod_{i=1}^{n} x_i", sp.Product(X("x", I("i")), (I("i"), 1, n)),
     r"\sum_{i=1}^{n} x_i", sp.Sum(X("x", I("i")), (I("i"), 1, n)), NONE),
    # -- equations and intermediates
    ("intermediate gradient", r"\frac{\partial L}{\partial y}", S(r"\frac{\partial L}{\partial y}"),
     r"\frac{\partial L}{\partial y} y", S(r"\frac{\partial L}{\partial y}") * y, NONE),
    ("intermediate gradient as a matrix", r"\frac{\partial L}{\partial y}\odot\mathbb{1}[h>0]",
     sp.HadamardProduct(dLdy, ElementwiseApplyFunction(step, hm)),
     r"\frac{\partial L}{\partial y}", dLdy, MATRICES),
    ("d-notation names the same quantity", r"\frac{dL}{dy}", S(r"\frac{\partial L}{\partial y}"),
     r"\frac{d}{dy} L", sp.Integer(0), NONE),
    ("derivative operator", r"\frac{\partial}{\partial w}\frac{1}{2}\left(y-wx\right)^{2}",
     -x * (y - w * x), r"\frac{1}{2}\left(y-wx\right)^{2}", (y - w * x) ** 2 / 2, NONE),
    ("d operator", r"\frac{d}{dx}\log\left(1+e^{x}\right)", sp.exp(x) / (1 + sp.exp(x)),
     r"\log\left(1+e^{x}\right)", sp.log(1 + sp.exp(x)), NONE),
    ("derivative of an expression", r"\frac{d x^2}{dx}", 2 * x, r"\frac{d_1 x^2}{d_2 x}",
     S("d_{1}") * x / S("d_{2}"), NONE),
    # -- numbers
    ("decimal", r"0.659", sp.Rational(659, 1000), r"\frac{659}{1000}", sp.Rational(659, 1000),
     NONE),
    ("scientific", r"3.78\times10^{9}", sp.Integer(3780000000), r"3.78\times10^{8}",
     sp.Integer(378000000), NONE),
    ("e-notation", r"1.2e-3", sp.Rational(12, 10000), r"1.2e^{-3}",
     sp.Rational(6, 5) * sp.exp(-3), NONE),
    ("digit groups", r"75{,}000{,}100", sp.Integer(75000100), r"75{,}000", sp.Integer(75000),
     NONE),
    ("comma digit groups", r"75,000,100", sp.Integer(75000100), r"75,000", sp.Integer(75000),
     NONE),
]


@pytest.mark.parametrize("rule, latex, expected, near, near_expected, context", RULES,
                         ids=[row[0] for row in RULES])
def test_rule_and_near_miss(rule, latex, expected, near, near_expected, context):
    check_rule_and_near_miss(latex, expected, near, near_expected, context,
                             distinct=rule not in SAME_VALUE_RULES)


# Rows whose near miss is another spelling of the same value (the point is the form, or the
# tolerance checked below).
SAME_VALUE_RULES = {"decimal"}


# -- numbers: the tolerance of a written decimal


@pytest.mark.parametrize("latex, tolerance", [
    ("0.659", sp.Rational(1, 2000)),
    ("-0.659", sp.Rational(1, 2000)),
    ("0.73", sp.Rational(1, 200)),
    (r"3.78\times10^{9}", sp.Integer(5_000_000)),
    (r"3.78 \cdot 10^{-2}", sp.Rational(5, 100000)),
    ("1.2e-3", sp.Rational(5, 100000)),
    ("42", None),
    ("75,000,100", None),
    (r"\frac{659}{1000}", None),
    ("0.659x", None),
    (r"\sigma(1)", None),
    (r"x = 0.5", sp.Rational(1, 20)),
])
def test_tolerance_is_half_a_unit_in_the_last_digit(latex, tolerance):
    assert parse(latex).tolerance == tolerance


# -- equations and targets


def test_derivative_target_names_the_matrix():
    parsed = parse(r"\frac{\partial L}{\partial W^{(1)}} = \delta x^T", MATRICES)
    assert parsed.lhs == DerivativeTarget(of="L", wrt=sp.MatrixSymbol("W^{(1)}", 3, 4))
    assert parsed.lhs.latex() == r"\frac{\partial L}{\partial W^{(1)}}"
    assert parsed.expr == sp.MatMul(delta, xm.T)


def test_same_fraction_alone_is_a_symbol_not_a_target():
    parsed = parse(r"\frac{\partial L}{\partial W^{(1)}}")
    assert parsed.lhs is None
    assert parsed.expr == S(r"\frac{\partial L}{\partial W^{(1)}}")


def test_free_indices_stay_symbols_shared_with_the_right_side():
    parsed = parse(r"\frac{\partial f}{\partial w^{[1]}_{ij}} = x_i\,\sigma'(z_j)", INDEXED)
    i, j = I("i"), I("j")
    assert parsed.lhs == DerivativeTarget(of="f", wrt=X("w^{[1]}", i, j))
    assert parsed.lhs.latex() == r"\frac{\partial f}{\partial w^{[1]}_{ij}}"
    assert parsed.expr == X("x", i) * sigmoid_prime(S("z_{j}"))


def test_a_plain_left_side_is_an_expression():
    parsed = parse(r"y = w x + b")
    assert parsed.lhs == y
    assert parsed.expr == w * x + S("b")


def test_a_chain_of_equalities_answers_with_its_last_side():
    parsed = parse(r"\frac{dL}{dw} = 2(w - 1) = 2w - 2")
    assert parsed.lhs == DerivativeTarget(of="L", wrt=w)
    assert parsed.expr == 2 * w - 2


def test_parsed_keeps_its_source():
    parsed = parse("$x^2$")
    assert (parsed.expr, parsed.lhs, parsed.tolerance, parsed.source) == (x ** 2, None, None, "$x^2$")
    assert [side.text for side in parsed.sides] == ["x^2"]


def test_every_side_of_a_chain_is_kept_with_its_relation():
    parsed = parse(r"$\frac{dL}{dw} = 2(w - 1) \approx 0.5$")
    assert [side.text for side in parsed.sides] == [r"\frac{dL}{dw}", "2(w - 1)", "0.5"]
    assert parsed.relations == ("=", r"\approx")
    assert parsed.sides[0].target == DerivativeTarget(of="L", wrt=w)
    assert parsed.sides[1].value == 2 * (w - 1) and parsed.sides[2].tolerance == sp.Rational(1, 20)


# -- the naming convention, seen from other modules


@pytest.mark.parametrize("obj, name", [
    (S("W^{(1)}"), "W^{(1)}"),
    (sp.MatrixSymbol(r"\delta^{(3)}", 3, 1), r"\delta^{(3)}"),
    (X("w^{[1]}", I("i"), I("j")), "w^{[1]}_{ij}"),
    (X("w^{[2]}", 1, 1), "w^{[2]}_{11}"),
    (X("v", I("t") - 1), "v_{t-1}"),
    (DerivativeTarget("L", S("y")), r"\frac{\partial L}{\partial y}"),
])
def test_canonical_name(obj, name):
    assert canonical_name(obj) == name


@pytest.mark.parametrize("latex, name", [
    (r"\mathbf{W}^{(1)}", "W^{(1)}"),
    (r"\boldsymbol{\delta}^{(3)}", r"\delta^{(3)}"),
    (r"\hat{m_t}", r"\hat{m}_{t}"),
    (r"\widehat{y}", r"\hat{y}"),
    (r"\overline{y}", r"\bar{y}"),
    (r"w_{12}^{[1]}", r"w^{[1]}_{12}"),
    (r"\lambda_ i", r"\lambda_{i}"),
    (r"x_{ n }", r"x_{n}"),
    ("α_1", r"\alpha_{1}"),
    (r"\mathcal{L}", "L"),
    (r"\mathrm{lr}", r"\mathrm{lr}"),
])
def test_spellings_of_one_name(latex, name):
    assert parse(latex).expr == S(name)


def test_index_letters_are_integers_throughout_one_input():
    expr = parse(r"\sum_{n=1}^{N} (y_n - w x_n)^2 + n").expr
    n_index = I("n")
    body = (X("y", n_index) - w * X("x", n_index)) ** 2
    assert expr == sp.Sum(body, (n_index, 1, N)) + n_index


def test_sum_bound_symbol_cannot_collide_with_a_written_name():
    assert unknown_bound(I("i")) == sp.Symbol("n_i", integer=True, positive=True)
    assert parse(r"n_i").expr != unknown_bound(I("i"))


def test_function_names_from_operatorname_are_only_undefined_functions():
    expr = parse(r"\operatorname{__import__}(x)").expr
    assert isinstance(expr, sp.core.function.AppliedUndef)
    assert expr.func.__name__ == "__import__" and expr.args == (x,)


def test_a_non_conforming_matrix_product_is_a_shape_error():
    with pytest.raises(UnsupportedError, match="shape mismatch"):
        parse(r"x W", MATRICES)


def test_context_is_hashable_and_results_are_cached():
    assert hash(MATRICES) == hash(Context(matrices=dict(MATRICES.matrices)))
    assert parse(r"W x", MATRICES) is parse(r"W x", MATRICES)


def test_shapes_as_lists_or_symbols_still_parse():
    assert parse(r"W x", Context(matrices={"W": [3, 4], "x": [4, 1]})).expr == Wm * xm
    rows = sp.Symbol("n", integer=True, positive=True)
    v = sp.MatrixSymbol("v", rows, 1)
    assert parse(r"v^T v", Context(matrices={"v": (rows, 1)})).expr == v.T * v


# -- what bad input gets


@pytest.mark.parametrize("latex, column", [
    ("", 1),
    (r"\frac{1}{x", 9),
    (r"x)", 2),
    (r"(x + 1", 1),
    (r"x + \foo", 5),
    (r"x \cdot", 3),
    (r"x @ y", 3),
    ("x\x07", 2),
    (r"\sigma(a, b", 7),
    (r"\begin{bmatrix} 1 & 2", 1),
    (r"The derivative is positive", 5),
    (r"(a, b)", 3),
    ("x_", 2),
])
def test_unreadable_input_names_its_column(latex, column):
    with pytest.raises(ParseError) as caught:
        parse(latex)
    assert caught.value.column == column
    assert f"column {column}" in str(caught.value)


@pytest.mark.parametrize("latex", [
    r"x < 1", r"\int x\,dx", r"\lim_{x \to 0} x", r"\mathbb{R}", r"\sum_{j \neq i} x_j",
    r"2^{10^{10}}", r"10^{10}!", r"\sum_{i=1}^{10^{12}} i", r"\left. x^2 \right|_{x=0}",
])
def test_well_formed_but_refused(latex):
    with pytest.raises(UnsupportedError):
        parse(latex)


SAMPLE_INPUTS = [r"\sigma(W x + b)", r"\frac{\partial}{\partial w} (w x)^2", "0.659",
                 r"\operatorname{softmax}(z)_i", r"\mathrm{import}", r"f(x; w)", r"10^{5}!",
                 r"\frac{d}{dx}\sin(x)", r"\begin{bmatrix}1&2\\3&4\end{bmatrix}^{2}",
                 r"\operatorname{tr}(A) + \det A + \|x\|_2 + |A| + A^{-T}",
                 r"\begin{cases} a & a > 0 \\ 0 & \text{otherwise} \end{cases}",
                 r"x_1 + \cdots + x_n", r"\delta_{ij} + \operatorname{artanh}(a)",
                 r"p(\mathbf{y} \mid \mathbf{X}, w)", r"\sum_{n=1}^{N} W^{(2)} + I"]


def test_user_text_never_reaches_eval_or_sympify(monkeypatch):
    for text in SAMPLE_INPUTS:  # warm up: later imports would legitimately exec module code
        _parse_or_refuse(text)
    parse_module._parse_cached.cache_clear()

    def refuse(*args, **kwargs):
        raise AssertionError("eval/exec/parse_expr called during parse")

    # Every way SymPy or the library could evaluate text ends in eval or exec.
    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    monkeypatch.setattr(sympy_parser, "parse_expr", refuse)
    monkeypatch.setattr(latex2sympy2, "parse_expr", refuse)
    for text in SAMPLE_INPUTS:
        _parse_or_refuse(text)


def _parse_or_refuse(text):
    try:
        return parse(text, MATRICES)
    except (ParseError, UnsupportedError):
        return None
