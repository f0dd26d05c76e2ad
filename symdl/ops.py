r"""Graph operations beyond the layers of :class:`~symdl.graph.Graph`, each with its local rule.

Every function adds one node to a graph: its forward value, written with its operands, and its
backward rule, which turns the node's adjoint ``G`` (a scalar or a matrix of the node's shape) into
what each operand receives. An operand is a parent's symbol, that symbol transposed (``X^{T}``:
the parent receives the transpose), or a constant expression that receives nothing.

Rules (``G`` the upstream gradient):

* product ``c F_1 ⋯ F_n``: ``F_k`` receives ``c (F_1⋯F_{k-1})^T G (F_{k+1}⋯F_n)^T``;
* linear combination ``Σ c_i T_i``: ``T_i`` receives ``c_i G``;
* Hadamard product: each factor receives ``G ⊙`` the others;
* elementwise ``f(A)``: ``G ⊙ f'(A)``;
* a scalar function of scalars: ``∂f/∂u · G`` (a scalar derivative);
* trace: ``G I``; squared norm ``tr(A^T A)``: ``2 G A``; determinant: ``G det(A) A^{-T}``;
  log-determinant: ``G A^{-T}``; inverse: ``-A^{-T} G A^{-T}``;
* ``diag(v)``: the diagonal of ``G``; the diagonal of ``A``: ``diag(G)``;
* softmax with cross-entropy ``-t^T log softmax(z)`` (t summing to one): ``G (softmax(z) - t)``;
* log-sum-exp: ``G softmax(z)``;
* bias broadcast ``A + b 1^T``: ``A`` receives ``G``, ``b`` receives ``G 1`` (summed over the batch);
* convolution ``X ⋆ K`` (valid cross-correlation): ``X`` receives the full convolution ``G * K``,
  ``K`` receives ``X ⋆ G``;
* batch norm ``Y = S^{-1} X C`` (rows over the batch): ``S^{-1} (G C - diag(diag(G Y^T)) Y / B)``;
* layer norm ``y = C x / σ`` (``C`` centres, ``σ² = |Cx|²/n + ε``): ``(1/σ) C (G - y y^T G / n)``.
"""

from __future__ import annotations

import sympy as sp

from symdl.calculus import DiagonalOf
from symdl.functions import DERIVATIVES, elementwise, scalar
from symdl.graph import Contribution, Graph, Node, Softmax, is_matrix


def _transpose(e):
    return sp.Transpose(e) if is_matrix(e) else e


def _parent(operand, parents: dict):
    """(node, transposed) for an operand that is a parent's symbol or its transpose; None for a constant."""
    if operand in parents:
        return parents[operand], False
    if isinstance(operand, sp.Transpose) and operand.arg in parents:
        return parents[operand.arg], True
    return None


def _send(operand, parents, gradient, rule):
    """What a (possibly transposed) operand's parent receives."""
    found = _parent(operand, parents)
    if found is None:
        return []
    node, transposed = found
    return [(node, Contribution(_transpose(gradient) if transposed else gradient, rule))]


def _times(a, b):
    """a·b for scalars and matrices alike, never evaluated."""
    if is_matrix(a) and is_matrix(b):
        return sp.MatMul(a, b)
    if is_matrix(a) or is_matrix(b):
        return sp.MatMul(a, b)
    return a * b


def _product_of(factors):
    factors = list(factors)
    if not factors:
        return None
    return factors[0] if len(factors) == 1 else sp.MatMul(*factors)


def product(g: Graph, name: str, coefficient, factors, parents: dict, as_scalar: bool = False) -> Node:
    """``c F_1 F_2 ⋯ F_n`` (a 1×1 product taken as a scalar with ``as_scalar``)."""
    factors = list(factors)
    value = sp.MatMul(coefficient, *factors) if coefficient != 1 else _product_of(factors)
    if as_scalar:
        value = scalar(value)

    def backward(delta):
        found = []
        for k, factor in enumerate(factors):
            if _parent(factor, parents) is None:
                continue
            left, right = _product_of(factors[:k]), _product_of(factors[k + 1:])
            parts = ([coefficient] if coefficient != 1 else []) + ([_transpose(left)] if left is not None else []) \
                + [delta] + ([_transpose(right)] if right is not None else [])
            gradient = sp.MatMul(*parts) if any(is_matrix(p) for p in parts) else sp.Mul(*parts)
            if is_matrix(gradient) and not is_matrix(factor):
                gradient = scalar(gradient)
            rule = ("matrix product: the factors before, transposed, times the upstream gradient "
                    "times the factors after, transposed")
            found += _send(factor, parents, gradient, rule)
        for symbol, node in parents.items():
            if not is_matrix(symbol) and coefficient.has(symbol):
                matrix = _product_of(factors)
                inner = pairing_of(delta, matrix)
                found.append((node, Contribution(sp.diff(coefficient, symbol) * inner,
                                                 "scalar times matrix: the upstream gradient paired with the matrix")))
        return found

    return g.define(name, value, _nodes(parents), "product", backward, rule="matrix product")


def pairing_of(delta, matrix):
    """<delta, matrix> as a scalar."""
    if not is_matrix(delta):
        return delta * (scalar(matrix) if is_matrix(matrix) else matrix)
    return sp.Trace(sp.MatMul(sp.Transpose(delta), matrix))


def combination(g: Graph, name: str, terms, parents: dict) -> Node:
    """``Σ c_i T_i`` with constant scalar ``c_i``; ``terms`` is a list of (c_i, T_i), T_i an operand
    or a constant."""
    matrix = any(is_matrix(t) for _, t in terms)
    parts = [sp.MatMul(c, t) if matrix and c != 1 else c * t if c != 1 else t for c, t in terms]
    value = sp.MatAdd(*parts) if matrix else sp.Add(*parts)

    def backward(delta):
        found = []
        for c, t in terms:
            rule = "sum: each term receives the upstream gradient" + ("" if c == 1 else ", times its coefficient")
            gradient = delta if c == 1 else (sp.MatMul(c, delta) if is_matrix(delta) else c * delta)
            found += _send(t, parents, gradient, rule)
        return found

    return g.define(name, value, _nodes(parents), "add", backward, rule="sum")


def hadamard(g: Graph, name: str, operands, parents: dict) -> Node:
    value = sp.HadamardProduct(*operands)

    def backward(delta):
        found = []
        for k, operand in enumerate(operands):
            others = operands[:k] + operands[k + 1:]
            found += _send(operand, parents, sp.HadamardProduct(delta, *others),
                           "Hadamard product: the upstream gradient times the other factors, elementwise")
        return found

    return g.define(name, value, _nodes(parents), "hadamard", backward, rule="elementwise product")


def _derivative(function):
    """f' of a function class or of a Lambda ``d -> F(d)``: named (σ') where symdl has one."""
    if isinstance(function, sp.Lambda):
        (variable,) = function.variables
        body = function.expr
        if isinstance(body, sp.Function) and body.args == (variable,) and type(body) in DERIVATIVES:
            return DERIVATIVES[type(body)]
        a = sp.Dummy("a", real=True)
        return sp.Lambda(a, sp.diff(body.xreplace({variable: a}), a))
    if function in DERIVATIVES:
        return DERIVATIVES[function]
    a = sp.Dummy("a", real=True)
    return sp.Lambda(a, sp.diff(function(a), a))


def function_name(function) -> str:
    body = function.expr if isinstance(function, sp.Lambda) else None
    head = type(body) if body is not None and isinstance(body, sp.Function) else function
    names = {"sigmoid": r"$\sigma$", "exp": "exp", "log": "ln", "tanh": "tanh", "relu": "ReLU"}
    key = getattr(head, "__name__", str(head))
    return names.get(key, key if body is None or isinstance(body, sp.Function) else "f")


def apply_elementwise(g: Graph, name: str, function, operand, parents: dict) -> Node:
    """``f(A)`` entry by entry."""
    value = elementwise(function, operand)
    local = _derivative(function)

    def backward(delta):
        label = function_name(function)
        return _send(operand, parents, sp.HadamardProduct(delta, elementwise(local, operand)),
                     f"chain rule through {label}, elementwise: the upstream gradient times its derivative")

    return g.define(name, value, _nodes(parents), "activation", backward, rule="elementwise function")


def scalar_function(g: Graph, name: str, expr, parents: dict, rule: str) -> Node:
    """A scalar expression of scalar parents (a power, log, exp, σ, ...): scalar derivatives."""

    def backward(delta):
        return [(node, Contribution(sp.diff(expr, symbol) * delta, rule)) for symbol, node in parents.items()
                if expr.has(symbol)]

    return g.define(name, expr, _nodes(parents), "function", backward, rule=rule.split(":")[0])


def trace(g: Graph, name: str, operand, parents: dict) -> Node:
    size = operand.shape[0]

    def backward(delta):
        return _send(operand, parents, sp.MatMul(delta, sp.Identity(size)),
                     "trace: the upstream gradient times the identity")

    return g.define(name, sp.Trace(operand), _nodes(parents), "trace", backward, rule="trace")


def squared_norm(g: Graph, name: str, operand, parents: dict) -> Node:
    r"""``\|A\|^{2} = tr(A^T A)``."""
    value = sp.Trace(sp.MatMul(_transpose(operand), operand))

    def backward(delta):
        return _send(operand, parents, sp.MatMul(2, delta, operand), "squared norm: twice the argument")

    return g.define(name, value, _nodes(parents), "norm", backward, rule="squared Euclidean (Frobenius) norm")


def determinant(g: Graph, name: str, operand, parents: dict) -> Node:
    value = sp.Determinant(operand)

    def backward(delta):
        return _send(operand, parents, sp.MatMul(delta, sp.Determinant(operand), sp.Transpose(sp.Inverse(operand))),
                     r"determinant (Jacobi): $\det(A) A^{-\top}$ times the upstream gradient")

    return g.define(name, value, _nodes(parents), "det", backward, rule="determinant")


def log_determinant(g: Graph, name: str, operand, parents: dict) -> Node:
    value = sp.log(sp.Determinant(operand))

    def backward(delta):
        return _send(operand, parents, sp.MatMul(delta, sp.Transpose(sp.Inverse(operand))),
                     r"log-determinant: $A^{-\top}$ times the upstream gradient")

    return g.define(name, value, _nodes(parents), "logdet", backward, rule="log-determinant")


def inverse(g: Graph, name: str, operand, parents: dict) -> Node:
    value = sp.Inverse(operand)

    def backward(delta):
        inv_t = sp.Transpose(sp.Inverse(operand))
        return _send(operand, parents, sp.MatMul(-1, inv_t, delta, inv_t), r"inverse: $-A^{-\top} G A^{-\top}$ for the upstream gradient $G$")

    return g.define(name, value, _nodes(parents), "inverse", backward, rule="matrix inverse")


def diag(g: Graph, name: str, operand, parents: dict) -> Node:
    """``diag(v)``: the diagonal matrix of a column vector."""
    value = sp.DiagMatrix(operand)

    def backward(delta):
        return _send(operand, parents, DiagonalOf(delta), "diag: the diagonal of the upstream gradient")

    return g.define(name, value, _nodes(parents), "diag", backward, rule="diagonal matrix of a vector")


def diagonal(g: Graph, name: str, operand, parents: dict) -> Node:
    """The column of a square matrix's diagonal."""
    value = DiagonalOf(operand)

    def backward(delta):
        return _send(operand, parents, sp.DiagMatrix(delta), "diagonal: diag of the upstream gradient")

    return g.define(name, value, _nodes(parents), "diagonal", backward, rule="diagonal of a matrix")


def log_sum_exp(g: Graph, name: str, operand, parents: dict) -> Node:
    """``log Σ_i e^{z_i}`` of a column vector."""
    rows = operand.shape[0]
    u = sp.Dummy("u", real=True)
    value = sp.log(scalar(sp.MatMul(sp.OneMatrix(1, rows), elementwise(sp.Lambda(u, sp.exp(u)), operand))))

    def backward(delta):
        return _send(operand, parents, sp.MatMul(delta, Softmax(operand)), "log-sum-exp: softmax times upstream")

    return g.define(name, value, _nodes(parents), "lse", backward, rule="log-sum-exp")


def softmax_cross_entropy(g: Graph, name: str, logits, target, parents: dict) -> Node:
    """``-t^T log softmax(z)``, for a target ``t`` whose entries sum to one (one-hot)."""
    rows = logits.shape[0]
    u = sp.Dummy("u", real=True)
    lse = sp.log(scalar(sp.MatMul(sp.OneMatrix(1, rows), elementwise(sp.Lambda(u, sp.exp(u)), logits))))
    value = -scalar(sp.MatMul(_transpose(target), logits)) + lse

    def backward(delta):
        return _send(logits, parents, sp.MatMul(delta, sp.MatAdd(Softmax(logits), sp.MatMul(-1, target))),
                     "softmax with cross-entropy: softmax of the logits minus the target, times the upstream gradient (the target sums to one)")

    return g.define(name, value, _nodes(parents), "loss", backward, rule="softmax cross-entropy")


def bias(g: Graph, name: str, operand, b, parents: dict) -> Node:
    """``A + b 1^{T}``: a column ``b`` added to every column of ``A`` (a batch)."""
    rows, cols = operand.shape
    value = sp.MatAdd(operand, sp.MatMul(b, sp.OneMatrix(1, cols))) if cols != 1 else sp.MatAdd(operand, b)

    def backward(delta):
        summed = sp.MatMul(delta, sp.OneMatrix(cols, 1)) if cols != 1 else delta
        return (_send(operand, parents, delta, "bias broadcast: the input receives the upstream gradient")
                + _send(b, parents, summed, "bias broadcast: the bias receives the upstream gradient summed over the batch"))

    return g.define(name, value, _nodes(parents), "bias", backward, rule="bias added to every column")


def layer_norm(g: Graph, name: str, operand, parents: dict, epsilon=sp.Rational(1, 100000)) -> Node:
    r"""``(x - \mu) / \sqrt{\sigma^{2} + \epsilon}`` of a column vector (no gain or shift: a product and
    a bias after it give them)."""
    n = operand.shape[0]
    centre = sp.MatAdd(sp.Identity(n), sp.MatMul(sp.Rational(-1, 1) / n, sp.OneMatrix(n, n)))
    centred = sp.MatMul(centre, operand)
    spread = sp.sqrt(scalar(sp.MatMul(sp.Transpose(centred), centred)) / n + epsilon)
    value = sp.MatMul(1 / spread, centred)

    def backward(delta):
        y = sp.MatMul(1 / spread, centred)
        inner = sp.MatAdd(delta, sp.MatMul(sp.Rational(-1, 1) / n, y, sp.Transpose(y), delta))
        return _send(operand, parents, sp.MatMul(1 / spread, centre, inner),
                     r"layer norm: $\frac{1}{\sigma} C (G - \frac{1}{n} y y^{T} G)$, $C$ the centring matrix")

    return g.define(name, value, _nodes(parents), "layernorm", backward, rule="layer normalisation")


def softmax(g: Graph, name: str, operand, parents: dict) -> Node:
    """Softmax of each column (a vector's softmax; for a matrix, column by column)."""
    rows, cols = operand.shape
    p = sp.MatrixSymbol(name, rows, cols)  # the node's own value: the rule is written with it

    def backward(delta):
        weighted = sp.HadamardProduct(p, delta)
        return _send(operand, parents, sp.MatAdd(weighted, sp.MatMul(-1, sp.HadamardProduct(
            p, sp.MatMul(sp.OneMatrix(rows, rows), weighted)))),
            r"softmax, each column: $p \odot (G - \mathbf{1} \mathbf{1}^{T} (p \odot G))$")

    return g.define(name, Softmax(operand), _nodes(parents), "softmax", backward, rule="softmax of each column")


def squared_error(g: Graph, name: str, prediction, target, parents: dict) -> Node:
    r"""``½ \|y - t\|^{2}``."""
    residual = sp.MatAdd(prediction, sp.MatMul(-1, target))
    value = sp.Trace(sp.MatMul(sp.Transpose(residual), residual)) / 2

    def backward(delta):
        return (_send(prediction, parents, sp.MatMul(delta, residual), "squared error: the residual y - t")
                + _send(target, parents, sp.MatMul(-1, delta, residual), "squared error: minus the residual"))

    return g.define(name, value, _nodes(parents), "loss", backward, rule="squared error")


def cross_entropy(g: Graph, name: str, probabilities, target, parents: dict) -> Node:
    r"""``-\sum t \odot \log p`` over every entry (a column, or a batch of columns)."""
    rows, cols = probabilities.shape
    u = sp.Dummy("u", real=True)
    log_p = elementwise(sp.Lambda(u, sp.log(u)), probabilities)
    value = -sp.Trace(sp.MatMul(sp.Transpose(target), log_p))

    def backward(delta):
        inverse = elementwise(sp.Lambda(u, 1 / u), probabilities)
        return _send(probabilities, parents, sp.MatMul(-1, delta, sp.HadamardProduct(target, inverse)),
                     "cross-entropy: minus the target divided by the probabilities")

    return g.define(name, value, _nodes(parents), "loss", backward, rule="cross-entropy")


def convolution(g: Graph, name: str, operand, kernel, parents: dict) -> Node:
    r"""``X \star K``: a 1-D (columns) or 2-D convolution layer, valid, stride 1."""
    from symdl.conv import Correlate, ConvolveFull

    value = Correlate(operand, kernel)

    def backward(delta):
        return (_send(operand, parents, ConvolveFull(delta, kernel),
                      "convolution: the input receives the full convolution of the upstream gradient with the kernel")
                + _send(kernel, parents, Correlate(operand, delta),
                        "convolution: the kernel receives the input correlated with the upstream gradient"))

    return g.define(name, value, _nodes(parents), "conv", backward, rule="convolution (valid cross-correlation)")


def batch_norm(g: Graph, name: str, operand, parents: dict, epsilon=sp.Rational(1, 100000)) -> Node:
    r"""Each row of ``X`` (features × batch) normalised over the batch: ``Y = S^{-1} X C``, ``C`` the
    centring matrix, ``S`` the diagonal of the rows' ``\sqrt{\sigma^{2} + \epsilon}`` (no gain or shift)."""
    rows, batch = operand.shape
    centre = sp.MatAdd(sp.Identity(batch), sp.MatMul(sp.Rational(-1, 1) / batch, sp.OneMatrix(batch, batch)))
    centred = sp.MatMul(operand, centre)
    variance = sp.MatAdd(sp.MatMul(1 / batch, DiagonalOf(sp.MatMul(centred, sp.Transpose(centred)))),
                         sp.MatMul(epsilon, sp.OneMatrix(rows, 1)))
    u = sp.Dummy("u", real=True)
    inverse_spread = sp.DiagMatrix(elementwise(sp.Lambda(u, 1 / sp.sqrt(u)), variance))
    value = sp.MatMul(inverse_spread, centred)

    def backward(delta):
        y = sp.MatMul(inverse_spread, centred)
        inner = sp.MatAdd(sp.MatMul(delta, centre),
                          sp.MatMul(sp.Rational(-1, 1) / batch, sp.DiagMatrix(DiagonalOf(sp.MatMul(delta, sp.Transpose(y)))), y))
        return _send(operand, parents, sp.MatMul(inverse_spread, inner),
                     r"batch norm: $S^{-1} (G C - \frac{1}{B} \operatorname{diag}(\operatorname{diag}(G Y^{T})) Y)$")

    return g.define(name, value, _nodes(parents), "batchnorm", backward, rule="batch normalisation of each row")


def _nodes(parents: dict) -> tuple:
    return tuple(dict.fromkeys(parents.values()))
