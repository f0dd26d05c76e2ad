r"""The matrix and course notation of NOTATION.md (issue 8): each rule read correctly beside a near
miss that reads differently.

Matrix functions, norms, inverse transposes, the identity, cases, elided sums and products,
inverse hyperbolic functions, mixed partials, row derivatives, the Kronecker delta, sums of
matrices and quantities the context names.
"""

from __future__ import annotations

import pytest
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from symdl.calculus import DiagonalOf, MatrixDerivative
from symdl.errors import ParseError, UnsupportedError
from symdl.functions import scalar, step
from symdl.parse import Context, DerivativeTarget, parse, unknown_bound

from parse_helpers import I, S, X, check_rule_and_near_miss

a, x, y, lam = S("a"), S("x"), S("y"), S(r"\lambda")
i, j, n = I("i"), I("j"), I("n")
N = S("N")
MATRICES = Context(matrices={"A": (2, 2), "B": (2, 2), "W": (2, 3), "X": (3, 2), "v": (2, 1),
                             "u": (2, 1)})
A, B = sp.MatrixSymbol("A", 2, 2), sp.MatrixSymbol("B", 2, 2)
W, Xm = sp.MatrixSymbol("W", 2, 3), sp.MatrixSymbol("X", 3, 2)
v, u = sp.MatrixSymbol("v", 2, 1), sp.MatrixSymbol("u", 2, 1)
I2 = sp.Identity(2)
NONE = Context()


def abs_of(matrix):
    entry = sp.Dummy()
    return ElementwiseApplyFunction(sp.Lambda(entry, sp.Abs(entry)), matrix)


def euclidean(vector):
    return sp.sqrt(sp.Trace(sp.MatMul(vector.T, vector)))


def piecewise(*pieces):
    return sp.Piecewise(*pieces)


def x_(k):
    return X("x", k)


# rule, correct LaTeX, its reading, near-miss LaTeX, its reading, context
RULES = [
    # -- trace, determinant, diagonal
    ("trace operatorname", r"\operatorname{tr}(A)", sp.Trace(A), r"\operatorname{tr}(A B)",
     sp.Trace(A * B), MATRICES),
    ("trace without parentheses", r"\operatorname{tr} A", sp.Trace(A), r"\operatorname{tr}(A) B",
     sp.MatMul(sp.Trace(A), B), MATRICES),
    ("trace of a product without parentheses", r"\operatorname{tr} A B", sp.Trace(A * B),
     r"\operatorname{tr} A + a", sp.Trace(A) + a, MATRICES),
    ("trace mathrm", r"\mathrm{tr}(A)", sp.Trace(A), r"\mathrm{tr}(A)^{2}", sp.Trace(A) ** 2,
     MATRICES),
    ("trace text", r"\text{tr}(A)", sp.Trace(A), r"\text{tr}(A^{-1})", sp.Trace(A.I), MATRICES),
    ("trace of a product of vectors", r"\operatorname{tr}(v u^T)", sp.Trace(v * u.T),
     r"\operatorname{tr}(v v^T)", sp.Trace(v * v.T), MATRICES),
    ("determinant", r"\det A", sp.Determinant(A), r"\det A^{-1}", sp.Determinant(A.I), MATRICES),
    ("determinant with parentheses", r"\det(A)", sp.Determinant(A), r"\det(2A)",
     sp.Determinant(2 * A), MATRICES),
    ("bars of a square matrix", r"|A|", sp.Determinant(A), r"|W|", abs_of(W), MATRICES),
    ("bars of a vector are elementwise", r"|v|", abs_of(v), r"|a|", sp.Abs(a), MATRICES),
    ("log det", r"\log\det A", sp.log(sp.Determinant(A)), r"\log A",
     ElementwiseApplyFunction(sp.log, A), MATRICES),
    ("ln det", r"\ln\det A", sp.log(sp.Determinant(A)), r"\ln\det A^{2}",
     sp.log(sp.Determinant(A ** 2)), MATRICES),
    ("log of bars", r"\log|A|", sp.log(sp.Determinant(A)), r"\log|a|", sp.log(sp.Abs(a)),
     MATRICES),
    ("determinant of a literal matrix", r"\det\begin{bmatrix}1&2\\3&4\end{bmatrix}", -2,
     r"\det\begin{bmatrix}1&2\\3&5\end{bmatrix}", -1, NONE),
    ("diag of a vector", r"\operatorname{diag}(v)", sp.DiagMatrix(v), r"\operatorname{diag}(A)",
     DiagonalOf(A), MATRICES),
    ("diag of a literal vector", r"\operatorname{diag}\left(\begin{bmatrix}1\\2\end{bmatrix}\right)",
     sp.ImmutableMatrix([[1, 0], [0, 2]]),
     r"\operatorname{diag}\left(\begin{bmatrix}1&0\\0&2\end{bmatrix}\right)",
     sp.ImmutableMatrix([1, 2]), NONE),
    # -- norms
    ("norm", r"\|v\|", euclidean(v), r"\|v\|_1", sp.Abs(v[0, 0]) + sp.Abs(v[1, 0]), MATRICES),
    ("Euclidean norm", r"\|v\|_2", euclidean(v), r"\|v\|^2", sp.Trace(v.T * v), MATRICES),
    ("squared Euclidean norm", r"\|v\|_2^2", sp.Trace(v.T * v), r"\|v\|_2", euclidean(v),
     MATRICES),
    ("power before the subscript", r"\|v\|^2_2", sp.Trace(v.T * v), r"\|u\|^2_2",
     sp.Trace(u.T * u), MATRICES),
    ("Frobenius norm", r"\|W\|_F", euclidean(W), r"\|W\|_F^2", sp.Trace(W.T * W), MATRICES),
    ("norm of a matrix is Frobenius", r"\|W\|", euclidean(W), r"\|X\|", euclidean(Xm), MATRICES),
    ("sized norm bars", r"\left\| v \right\|", euclidean(v), r"\left| a \right|", sp.Abs(a),
     MATRICES),
    ("lVert", r"\lVert v\rVert^{2}", sp.Trace(v.T * v), r"\lVert v\rVert", euclidean(v),
     MATRICES),
    ("norm of a number", r"\|a\|", sp.Abs(a), r"\|a\|^2", a ** 2, NONE),
    # -- inverse and inverse transpose
    ("inverse transpose", r"A^{-T}", A.I.T, r"A^{T}", A.T, MATRICES),
    ("inverse transpose with top", r"A^{-\top}", A.I.T, r"A^{-1}", A.I, MATRICES),
    ("transpose of the inverse", r"(A^{-1})^{T}", A.I.T, r"(A^{T})^{2}", A.T ** 2, MATRICES),
    ("inverse transpose in a product", r"A^{-T} v", A.I.T * v, r"A^{T} v", A.T * v, MATRICES),
    ("inverse transpose of a number", r"a^{-T}", 1 / a, r"a^{T}", a, NONE),
    # -- the identity
    ("identity added to a matrix", r"A + I", sp.MatAdd(A, I2), r"a + I", a + S("I"), MATRICES),
    ("identity with a coefficient", r"A - 2I", A - 2 * I2, r"a - 2I", a - 2 * S("I"), MATRICES),
    ("identity with a size", r"I_n + A", sp.MatAdd(I2, A), r"I_n + a", S("I_{n}") + a, MATRICES),
    ("bold identity", r"\mathbf{I} v", sp.MatMul(I2, v), r"\mathbf{I} a", S("I") * a, MATRICES),
    ("blackboard identity", r"\mathbb{I} - A", I2 - A, r"\mathbb{I}[a>0]", step(a), MATRICES),
    ("regularised inverse", r"(A + \lambda I)^{-1}", (A + lam * I2).I,
     r"(a + \lambda I)^{-1}", 1 / (a + lam * S("I")), MATRICES),
    ("identity times a vector", r"v^T I v", sp.MatMul(v.T, v), r"v^T A v", sp.MatMul(v.T, A, v),
     MATRICES),
    ("a declared I keeps its declaration", r"A + I", A + sp.MatrixSymbol("I", 2, 2), r"A + I",
     A + I2, (Context(matrices={"A": (2, 2), "I": (2, 2)}), MATRICES)),
    ("a declared e is that matrix", r"e^T e", sp.MatMul(sp.MatrixSymbol("e", 3, 1).T,
                                                        sp.MatrixSymbol("e", 3, 1)),
     r"e^{a}", sp.exp(a), (Context(matrices={"e": (3, 1)}), NONE)),
    ("a declared i is that matrix", r"i^T i", sp.MatMul(sp.MatrixSymbol("i", 2, 1).T,
                                                        sp.MatrixSymbol("i", 2, 1)),
     r"i^{2}", S("i") ** 2, (Context(matrices={"i": (2, 1)}), NONE)),
    # -- cases
    ("cases", r"\begin{cases} a & x>0 \\ y & \text{otherwise} \end{cases}",
     piecewise((a, x > 0), (y, True)), r"\begin{cases} a & x<0 \\ y & \text{otherwise} \end{cases}",
     piecewise((a, x < 0), (y, True)), NONE),
    ("cases with ge and if", r"\begin{cases} x, & \text{if } x \ge 0, \\ 0 & \text{otherwise.} \end{cases}",
     piecewise((x, x >= 0), (0, True)),
     r"\begin{cases} x, & \text{if } x \geq 1, \\ 0 & \text{otherwise.} \end{cases}",
     piecewise((x, x >= 1), (0, True)), NONE),
    ("cases with leq", r"\begin{cases} 0 & x \leq 0 \\ x & x > 0 \end{cases}",
     piecewise((0, x <= 0), (x, x > 0)), r"\begin{cases} 0 & x < 0 \\ x & x > 0 \end{cases}",
     piecewise((0, x < 0), (x, x > 0)), NONE),
    ("cases with a range", r"\begin{cases} 1 & 0 < x \le 1 \\ 0 & \text{else} \end{cases}",
     piecewise((1, (x > 0) & (x <= 1)), (0, True)),
     r"\begin{cases} 1 & 0 < x \\ 0 & \text{else} \end{cases}", piecewise((1, x > 0), (0, True)),
     NONE),
    ("cases as an array", r"\left\{\begin{array}{ll} x & x > 0 \\ 0 & x \le 0 \end{array}\right.",
     piecewise((x, x > 0), (0, x <= 0)),
     r"\left\{\begin{array}{ll} 0 & x > 0 \\ x & x \le 0 \end{array}\right.",
     piecewise((0, x > 0), (x, x <= 0)), NONE),
    # -- elided sums and products
    ("elided sum", r"x_1 + \cdots + x_n", sp.Sum(x_(i), (i, 1, S("n"))), r"x_1 + x_n",
     S("x_{1}") + S("x_{n}"), NONE),
    ("elided sum with dots", r"x_1 + \dots + x_n", sp.Sum(x_(i), (i, 1, S("n"))),
     r"x_1 + \dots + x_N", sp.Sum(x_(i), (i, 1, N)), NONE),
    ("elided sum with ldots", r"x_1 + x_2 + \ldots + x_n", sp.Sum(x_(i), (i, 1, S("n"))),
     r"x_2 + \ldots + x_n", sp.Sum(x_(i), (i, 2, S("n"))), NONE),
    ("elided sum of products", r"w_1 x_1 + \cdots + w_n x_n",
     sp.Sum(X("w", i) * x_(i), (i, 1, S("n"))), r"w_1 x_1 + \cdots + w_n x_1",
     sp.Sum(X("w", i) * S("x_{1}"), (i, 1, S("n"))), NONE),
    ("elided sum from zero", r"x_0 + \cdots + x_{N-1}", sp.Sum(x_(i), (i, 0, N - 1)),
     r"x_0 + \cdots + x_{N}", sp.Sum(x_(i), (i, 0, N)), NONE),
    ("elided sum of numbers", r"1 + 2 + \cdots + n", sp.Sum(i, (i, 1, S("n"))),
     r"1 + 2 + \cdots + m", sp.Sum(i, (i, 1, S("m"))), NONE),
    ("elided product", r"x_1 \cdots x_n", sp.Product(x_(i), (i, 1, S("n"))),
     r"x_1 + \cdots + x_n", sp.Sum(x_(i), (i, 1, S("n"))), NONE),
    ("elided product with factors", r"(1 - x_1)(1 - x_2)\cdots(1 - x_n)",
     sp.Product(1 - x_(i), (i, 1, S("n"))), r"2 x_1 \cdots x_n",
     2 * sp.Product(x_(i), (i, 1, S("n"))), NONE),
    ("elided product with cdot", r"x_1 \cdot x_2 \cdots x_n", sp.Product(x_(i), (i, 1, S("n"))),
     r"x_1 \cdot x_2", S("x_{1}") * S("x_{2}"), NONE),
    # -- inverse hyperbolic functions, softplus
    ("artanh", r"\operatorname{artanh}(x)", sp.atanh(x), r"\operatorname{artanh}(2x)",
     sp.atanh(2 * x), NONE),
    ("arctanh", r"\operatorname{arctanh}(x)", sp.atanh(x), r"\operatorname{arcsinh}(x)",
     sp.asinh(x), NONE),
    ("tanh to the minus one", r"\tanh^{-1}(x)", sp.atanh(x), r"\tanh(x)^{-1}", 1 / sp.tanh(x),
     NONE),
    ("tanh to the minus one without parentheses", r"\tanh^{-1} x", sp.atanh(x), r"\tanh^{2} x",
     sp.tanh(x) ** 2, NONE),
    ("softplus", r"\operatorname{softplus}(x)", sp.log(1 + sp.exp(x)),
     r"\operatorname{softplus}(-x)", sp.log(1 + sp.exp(-x)), NONE),
    # -- the Kronecker delta
    ("Kronecker delta", r"\delta_{ij}", sp.KroneckerDelta(i, j), r"\delta_j", S(r"\delta_{j}"),
     NONE),
    ("Kronecker delta with a comma", r"\delta_{i,j}", sp.KroneckerDelta(i, j),
     r"\delta^{(3)}_j", S(r"\delta^{(3)}_{j}"), NONE),
    ("indicator of an equality", r"\mathbb{1}[i=j]", sp.KroneckerDelta(i, j),
     r"\mathbb{1}[i \neq j]", 1 - sp.KroneckerDelta(i, j), NONE),
    ("Kronecker delta in a sum", r"\sum_{k} y_k \delta_{ki}",
     sp.Sum(X("y", I("k")) * sp.KroneckerDelta(I("k"), i), (I("k"), 1, unknown_bound(I("k")))),
     r"\sum_{k} y_k \delta_{k}", sp.Sum(X("y", I("k")) * X(r"\delta", I("k")),
                                         (I("k"), 1, unknown_bound(I("k")))), NONE),
    ("a declared delta is indexed", r"\delta_{ij}", X(r"\delta", i, j), r"\delta_{ij}",
     sp.KroneckerDelta(i, j), (Context(indexed={r"\delta": 2}), NONE)),
]


@pytest.mark.parametrize("rule, latex, expected, near, near_expected, context", RULES,
                         ids=[row[0] for row in RULES])
def test_rule_and_near_miss(rule, latex, expected, near, near_expected, context):
    check_rule_and_near_miss(latex, expected, near, near_expected, context)


# -- equations: the identity beside a matrix on the other side


def test_identity_compared_with_a_matrix_is_the_identity_matrix():
    parsed = parse(r"A = 2I", MATRICES)
    assert parsed.sides[0].value == A
    assert parsed.sides[1].value == sp.MatMul(2, I2)
    assert parse(r"a = 2I").sides[1].value == 2 * S("I")


# -- mixed partials and row derivatives


def test_mixed_partials_name_one_quantity_in_either_order():
    xy = parse(r"\frac{\partial^2 f}{\partial x \partial y}").expr
    yx = parse(r"\frac{\partial^2 f}{\partial y \partial x}").expr
    assert xy == yx == S(r"\frac{\partial^{2} f}{\partial x \partial y}")
    assert parse(r"\frac{\partial^2 f}{\partial x^2}").expr != xy


def test_mixed_partials_of_an_expression_in_either_order():
    f = sp.Function("f")
    expected = sp.diff(f(x, y), x, y)
    assert parse(r"\frac{\partial^2}{\partial x\partial y} f(x,y)").expr == expected
    assert parse(r"\frac{\partial^2}{\partial y\partial x} f(x,y)").expr == expected
    assert parse(r"\frac{\partial^2}{\partial x^2} f(x,y)").expr != expected
    assert parse(r"\frac{\partial^2}{\partial x \partial y}\left(x^2 y^3\right)").expr == 6 * x * y ** 2


@pytest.mark.parametrize("latex", [r"\frac{\partial}{\partial v^{T}} v^T A v",
                                   r"\frac{\partial}{\partial v^\top} v^T A v"])
def test_derivative_by_a_transposed_vector_is_a_row(latex):
    row = parse(latex, MATRICES).expr
    column = parse(r"\frac{\partial}{\partial v} v^T A v", MATRICES).expr
    assert isinstance(row, MatrixDerivative) and row.shape == (1, 2)
    assert column.shape == (2, 1)
    values = {A: sp.ImmutableMatrix([[1, 2], [3, 4]]), v: sp.ImmutableMatrix([x, y])}
    assert row.xreplace(values).doit() == column.xreplace(values).doit().T


def test_a_scalar_derivative_by_a_transposed_scalar_is_the_derivative():
    assert parse(r"\frac{\partial}{\partial y^{T}} y^2").expr == 2 * y


def test_named_row_derivative_and_its_target():
    context = Context(matrices={"v": (2, 1), r"\frac{\partial L}{\partial v}": (2, 1)})
    gradient = sp.MatrixSymbol(r"\frac{\partial L}{\partial v}", 2, 1)
    assert parse(r"\frac{\partial L}{\partial v^{T}}", context).expr == gradient.T
    parsed = parse(r"\frac{\partial L}{\partial v^\top} = v^T", context)
    assert parsed.lhs == DerivativeTarget(of="L", wrt=v.T)
    assert parsed.sides[0].value == gradient.T


# -- sums whose terms are matrices, as gaussian-sse writes them

D = sp.Symbol("D", integer=True, positive=True)
N_ = sp.Symbol("N", integer=True, positive=True)
y_n, f_n = sp.MatrixSymbol("y_{n}", D, 1), sp.MatrixSymbol("f_{n}", D, 1)
Sigma = sp.MatrixSymbol(r"\Sigma", D, D)
GAUSSIAN = Context(matrices={"y_{n}": (D, 1), "f_{n}": (D, 1), r"\Sigma": (D, D)},
                   symbols={"N": N_, "D": D})


def _at_one_observation(expr):
    """``expr`` for D = 2, N = 1 with explicit vectors: a sum over n is its one term."""
    sizes = {D: 2, N_: 1}
    values = {y_n.xreplace(sizes): sp.ImmutableMatrix([1, 2]),
              f_n.xreplace(sizes): sp.ImmutableMatrix([4, -1]),
              Sigma.xreplace(sizes): sp.ImmutableMatrix([[2, 1], [1, 3]])}
    return expr.xreplace(sizes).xreplace(values).doit()


def test_a_sum_of_quadratic_forms_is_a_sum_of_numbers():
    expr = parse(r"\sum_{n=1}^{N}(y_n - f_n)^{T}\Sigma^{-1}(y_n - f_n)", GAUSSIAN).expr
    assert isinstance(expr, sp.Sum) and isinstance(expr.function, scalar)
    assert expr.limits == ((n, 1, N_),)
    r = f_n - y_n  # as gaussian-sse writes it
    derivation = sp.Sum(scalar(sp.MatMul(sp.Transpose(r), sp.Inverse(Sigma), r)), (n, 1, N_))
    assert _at_one_observation(expr) == _at_one_observation(derivation) == sp.Rational(63, 5)


def test_a_sum_of_outer_products_is_a_sum_of_matrices():
    expr = parse(r"\frac{1}{N}\sum_{n=1}^{N} (f_n - y_n)(f_n - y_n)^{T}", GAUSSIAN).expr
    assert isinstance(expr, sp.Mul) and expr.has(sp.Sum)
    r = f_n - y_n
    derivation = sp.Sum(sp.MatMul(r, sp.Transpose(r)), (n, 1, N_)) / N_
    assert expr == derivation
    assert _at_one_observation(expr) == sp.ImmutableMatrix([[9, -9], [-9, 9]])
    unbounded = parse(r"\sum_n (f_n - y_n)(f_n - y_n)^{T}", GAUSSIAN).expr
    assert unbounded.limits == ((n, 1, unknown_bound(n)),)


def test_a_sum_of_matrices_composes_with_matrices():
    expr = parse(r"\Sigma^{-1}\sum_{n=1}^{N} (f_n - y_n)(f_n - y_n)^{T} + \Sigma", GAUSSIAN).expr
    assert expr.is_Matrix and expr.shape == (D, D)
    concrete = expr.xreplace({D: 2, N_: 2})
    assert concrete.shape == (2, 2)


def test_a_sum_of_matrices_evaluates_at_concrete_sizes():
    context = Context(matrices={"A": (2, 2)})
    expr = parse(r"\sum_{k=1}^{3} k A + A", context).expr
    assert expr.xreplace({A: sp.ImmutableMatrix([[1, 0], [0, 1]])}).doit() == 7 * sp.eye(2)


def test_products_of_matrices_over_an_index_are_refused():
    with pytest.raises(UnsupportedError, match="products of matrices"):
        parse(r"\prod_{k=1}^{3} A", MATRICES)


# -- quantities a context names


NAMED = Context(
    matrices={"w": (3, 1)},
    symbols={"E(w)": sp.Symbol("E(w)"), "E(w^{*})": sp.Symbol("E(w^{*})"),
             r"p(\mathbf{y} \mid \mathbf{X}, w, \sigma^{2})":
                 sp.Symbol(r"p(\mathbf{y} \mid \mathbf{X}, w, \sigma^{2})")},
)


@pytest.mark.parametrize("latex, name", [
    (r"E(w)", "E(w)"),
    (r"E( w )", "E(w)"),
    (r"E(w^{*})", "E(w^{*})"),
    (r"E(w^*)", "E(w^{*})"),
    (r"p(\mathbf{y} \mid \mathbf{X}, w, \sigma^{2})", r"p(\mathbf{y} \mid \mathbf{X}, w, \sigma^{2})"),
    (r"p(y\mid X,w,\sigma^2)", r"p(\mathbf{y} \mid \mathbf{X}, w, \sigma^{2})"),
    (r"p(\boldsymbol{y}\mid\boldsymbol{X}, w, \sigma^{2})",
     r"p(\mathbf{y} \mid \mathbf{X}, w, \sigma^{2})"),
])
def test_an_application_the_context_names_is_that_quantity(latex, name):
    assert parse(latex, NAMED).expr == sp.Symbol(name)


def test_a_named_quantity_inside_an_expression():
    p_y = sp.Symbol(r"p(\mathbf{y} \mid \mathbf{X}, w, \sigma^{2})")
    assert parse(r"-\ln p(\mathbf{y} \mid \mathbf{X}, w, \sigma^{2})", NAMED).expr == -sp.log(p_y)


def test_near_misses_of_named_quantities():
    w = sp.MatrixSymbol("w", 3, 1)
    assert parse(r"E(2w)", NAMED).expr == sp.Function("E", real=True)(2 * w)
    with pytest.raises(UnsupportedError, match="conditional"):
        parse(r"p(\mathbf{y} \mid \mathbf{X}, w)", NAMED)


def test_an_undefined_function_of_a_declared_vector():
    w = sp.MatrixSymbol("w", 3, 1)
    E = sp.Function("E", real=True)  # a real scalar: it may scale a vector
    assert parse(r"E(w)", Context(matrices={"w": (3, 1)})).expr == E(w)
    assert parse(r"E(w) w", Context(matrices={"w": (3, 1)})).expr == sp.MatMul(E(w), w)
    with pytest.raises(UnsupportedError):
        parse(r"E'(w)", Context(matrices={"w": (3, 1)}))


# -- breakpoints stay visible to the checker's sampler


@pytest.mark.parametrize("latex, kind", [
    (r"\mathbb{1}[x>0]", step),
    (r"\max(x, 1)", sp.Max),
    (r"\min(\max(0,x),6)", sp.Min),
    (r"\lfloor x \rfloor", sp.floor),
    (r"\begin{cases} x & x>0 \\ 0 & \text{otherwise} \end{cases}", sp.Piecewise),
    (r"|x - 1|", sp.Abs),
])
def test_breakpoints_are_in_the_tree(latex, kind):
    assert parse(latex).expr.has(kind)


# -- refused, with a sentence and a column


@pytest.mark.parametrize("latex, message", [
    (r"x_1 + \cdots + y_n", "differ in one index"),
    (r"x_1 + x_3 + \cdots + x_n", "count up by one"),
    (r"x_1 - \cdots - x_n", r"between \+ signs"),
    (r"x_1 + \cdots", "last term"),
    (r"f(x_1, \ldots, x_n)", "first and a last term"),
    (r"x_1 + \cdots + x_{100000}", "more than 10000 terms"),
    (r"\operatorname{tr}(W)", "not square"),
    (r"\det W", "not square"),
    (r"\operatorname{diag}(W)", "vector or a square matrix"),
    (r"\|W\|_2", "spectral norm"),
    (r"\|W\|_1", "1-norm of a matrix"),
    (r"\|v\|_\infty", "not supported"),
    (r"\sinh^{-1}(x) + \log^{-1}(x)", "ambiguous"),
    (r"\det\begin{bmatrix}a&0&0&0&0\\0&a&0&0&0\\0&0&a&0&0\\0&0&0&a&0\\0&0&0&0&a\end{bmatrix}",
     "larger than 4x4"),
    (r"\begin{bmatrix}a&0&0&0&0\\0&a&0&0&0\\0&0&a&0&0\\0&0&0&a&0\\0&0&0&0&a\end{bmatrix}^{-1}",
     "larger than 4x4"),
    (r"\begin{cases} A & a > 0 \\ 0 & \text{otherwise} \end{cases}", "matrices"),
])
def test_refused_with_a_reason(latex, message):
    with pytest.raises(UnsupportedError, match=message) as caught:
        parse(latex, MATRICES)
    if "column" in str(caught.value):
        assert caught.value.args[0].count("(column") == 1


@pytest.mark.parametrize("latex, column", [
    (r"a + \operatorname{tr}(W)", 19),  # the word tr
    (r"\|v\|_\infty + \|W\|_2", 1),
    (r"a + \det W", 5),
    (r"x_1 + \cdots + y_n", 7),
])
def test_refusals_of_new_constructs_name_their_column(latex, column):
    with pytest.raises(UnsupportedError, match=rf"\(column {column}\)"):
        parse(latex, MATRICES)


@pytest.mark.parametrize("latex, column", [
    (r"\begin{cases} a & x \\ b & \text{otherwise} \end{cases}", 19),
    (r"\begin{cases} a \\ b & x > 0 \end{cases}", 1),
    (r"\det", 1),
])
def test_unreadable_new_constructs_name_their_column(latex, column):
    with pytest.raises(ParseError) as caught:
        parse(latex, MATRICES)
    assert caught.value.column == column


# -- the interface the checker uses: bound names, a non-commuting probe, deferred derivatives


def test_bound_names_take_the_given_objects():
    K = sp.Symbol("K", integer=True, positive=True)
    lam_base = sp.IndexedBase(r"\lambda", positive=True)
    context = Context(indexed={r"\lambda": 1}, symbols={"K": K, r"\lambda": lam_base})
    expr = parse(r"\sum_{k=1}^{K} \lambda_k", context).expr
    assert expr == sp.Sum(lam_base[I("k")], (I("k"), 1, K))
    assert expr.function.is_positive
    assert parse(r"\sum_{k=1}^{K} \lambda_k").expr != expr


def test_capitals_do_not_commute_in_the_probe():
    probe = Context(commuting=False)
    assert parse("A B", probe).expr != parse("B A", probe).expr
    assert parse("A B").expr == parse("B A").expr
    assert parse("a b", probe).expr == parse("b a", probe).expr


def test_a_matrix_derivative_is_deferred_and_never_a_silent_zero():
    context = Context(matrices={"W": (2, 2)})
    W2 = sp.MatrixSymbol("W", 2, 2)
    derivative = parse(r"\frac{\partial}{\partial W}\left(\|W\|^{2}+5\right)", context).expr
    assert isinstance(derivative, MatrixDerivative)
    entries = sp.ImmutableMatrix(2, 2, lambda r, c: sp.Symbol(f"w{r}{c}", real=True))
    assert derivative.xreplace({W2: entries}).doit() == 2 * entries


def test_an_application_in_braces_as_sympy_prints_it():
    f = sp.Function("f")
    assert parse(r"f{\left(x_{n},w \right)}").expr == f(S("x_{n}"), S("w"))
