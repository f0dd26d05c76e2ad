"""Each operation of symdl.ops: its local backward rule, at random sizes, against central finite
differences of an independently written NumPy forward function of <G, op(inputs)>."""

import numpy as np
import pytest
import sympy as sp

from expr_helpers import central, compiled_value
from symdl import ops
from symdl.graph import Graph

SEEDS = [11, 23, 37]


def _explicit(expr, values):
    return compiled_value(expr, {}, values)


def _check(build, shapes, forward, seed, draw=None):
    """``build(graph, symbols) -> node``; ``forward(values) -> array`` the op in NumPy; G random."""
    rng = np.random.default_rng(seed)
    g = Graph(loss="L")
    symbols, values = {}, {}
    for name, shape in shapes.items():
        if shape == ():
            symbols[name] = g.leaf(sp.Symbol(name, real=True)).symbol
            values[name] = np.array(rng.normal())
        else:
            symbols[name] = g.input(name, *shape).symbol
            values[name] = draw(name, shape, rng) if draw else rng.normal(size=shape)
    node = build(g, symbols)
    parents = {n.symbol: n for n in g.nodes if n.expr is None}
    out_shape = node.shape
    G = rng.normal(size=out_shape)
    gsym = sp.MatrixSymbol("G", *out_shape) if not node.is_scalar else sp.Symbol("G", real=True)
    received = {}
    for parent, contribution in node.backward(gsym):
        received.setdefault(parent.symbol.name, []).append(contribution.expr)
    every = {**values, "G": G if not node.is_scalar else np.array(G.item())}
    for name in shapes:
        assert name in received, f"{name} receives nothing"
        total = sum(_explicit(e, every).reshape(np.shape(values[name])) for e in received[name])
        truth = central(lambda v: float(np.sum(every["G"] * forward(v))), values, name)
        assert np.allclose(total, truth, rtol=1e-5, atol=1e-6), (name, total, truth)
    assert parents  # the inputs are leaves


def _sizes(seed, k):
    return [int(s) for s in np.random.default_rng(seed + 1000).integers(2, 5, size=k)]


def _spd(name, shape, rng):
    a = rng.normal(size=shape)
    return a @ a.T + shape[0] * np.eye(shape[0])


@pytest.mark.parametrize("seed", SEEDS)
def test_product_with_transposed_factor(seed):
    m, n, p = _sizes(seed, 3)
    _check(lambda g, s: ops.product(g, "P", 2, [s["A"], sp.Transpose(s["B"]), s["C"]],
                                    {s["A"]: g.nodes[0], s["B"]: g.nodes[1], s["C"]: g.nodes[2]}),
           {"A": (m, n), "B": (p, n), "C": (p, m)}, lambda v: 2 * v["A"] @ v["B"].T @ v["C"], seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_scalar_times_matrix(seed):
    m, n = _sizes(seed, 2)
    _check(lambda g, s: ops.product(g, "P", s["c"], [s["A"]], {s["c"]: g.nodes[0], s["A"]: g.nodes[1]}),
           {"c": (), "A": (m, n)}, lambda v: v["c"] * v["A"], seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_combination_and_hadamard(seed):
    m, n = _sizes(seed, 2)
    _check(lambda g, s: ops.combination(g, "S", [(3, s["A"]), (-2, sp.Transpose(s["B"]))],
                                        {s["A"]: g.nodes[0], s["B"]: g.nodes[1]}),
           {"A": (m, n), "B": (n, m)}, lambda v: 3 * v["A"] - 2 * v["B"].T, seed)
    _check(lambda g, s: ops.hadamard(g, "H", [s["A"], s["B"]], {s["A"]: g.nodes[0], s["B"]: g.nodes[1]}),
           {"A": (m, n), "B": (m, n)}, lambda v: v["A"] * v["B"], seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("function, numpy", [(sp.tanh, np.tanh), (sp.exp, np.exp)])
def test_elementwise(seed, function, numpy):
    m, n = _sizes(seed, 2)
    _check(lambda g, s: ops.apply_elementwise(g, "Y", function, s["A"], {s["A"]: g.nodes[0]}),
           {"A": (m, n)}, lambda v: numpy(v["A"]), seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_trace_norm_det_logdet_inverse(seed):
    (n,) = _sizes(seed, 1)
    one = {"A": (n, n)}
    _check(lambda g, s: ops.trace(g, "t", s["A"], {s["A"]: g.nodes[0]}), one, lambda v: np.trace(v["A"]), seed)
    _check(lambda g, s: ops.squared_norm(g, "t", s["A"], {s["A"]: g.nodes[0]}), one,
           lambda v: np.sum(v["A"] ** 2), seed)
    _check(lambda g, s: ops.determinant(g, "t", s["A"], {s["A"]: g.nodes[0]}), one,
           lambda v: np.linalg.det(v["A"]), seed)
    _check(lambda g, s: ops.log_determinant(g, "t", s["A"], {s["A"]: g.nodes[0]}), one,
           lambda v: np.log(np.linalg.det(v["A"])), seed, draw=_spd)
    _check(lambda g, s: ops.inverse(g, "V", s["A"], {s["A"]: g.nodes[0]}), one,
           lambda v: np.linalg.inv(v["A"]), seed, draw=_spd)


@pytest.mark.parametrize("seed", SEEDS)
def test_diag_and_diagonal(seed):
    (n,) = _sizes(seed, 1)
    _check(lambda g, s: ops.diag(g, "D", s["v"], {s["v"]: g.nodes[0]}), {"v": (n, 1)},
           lambda v: np.diag(v["v"][:, 0]), seed)
    _check(lambda g, s: ops.diagonal(g, "d", s["A"], {s["A"]: g.nodes[0]}), {"A": (n, n)},
           lambda v: np.diag(v["A"]).reshape(-1, 1), seed)


def _lse(z):
    return np.log(np.sum(np.exp(z)))


@pytest.mark.parametrize("seed", SEEDS)
def test_log_sum_exp_and_softmax_cross_entropy(seed):
    (n,) = _sizes(seed, 1)
    _check(lambda g, s: ops.log_sum_exp(g, "l", s["z"], {s["z"]: g.nodes[0]}), {"z": (n, 1)},
           lambda v: _lse(v["z"]), seed)
    t = np.zeros((n, 1))
    t[seed % n] = 1.0
    _check(lambda g, s: ops.softmax_cross_entropy(g, "l", s["z"], sp.ImmutableMatrix(t), {s["z"]: g.nodes[0]}),
           {"z": (n, 1)}, lambda v: -float(t[:, 0] @ (v["z"][:, 0] - _lse(v["z"]))), seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_bias_broadcast_and_layer_norm(seed):
    m, batch = _sizes(seed, 2)
    _check(lambda g, s: ops.bias(g, "Z", s["A"], s["b"], {s["A"]: g.nodes[0], s["b"]: g.nodes[1]}),
           {"A": (m, batch), "b": (m, 1)}, lambda v: v["A"] + v["b"], seed)

    def layer_norm(v):
        x = v["x"][:, 0]
        c = x - x.mean()
        return (c / np.sqrt(np.mean(c ** 2) + 1e-5)).reshape(-1, 1)

    _check(lambda g, s: ops.layer_norm(g, "y", s["x"], {s["x"]: g.nodes[0]}), {"x": (m + 1, 1)}, layer_norm, seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_batch_norm(seed):
    f, batch = _sizes(seed, 2)

    def batch_norm(v):
        c = v["X"] - v["X"].mean(axis=1, keepdims=True)
        return c / np.sqrt(np.mean(c ** 2, axis=1, keepdims=True) + 1e-5)

    _check(lambda g, s: ops.batch_norm(g, "Y", s["X"], {s["X"]: g.nodes[0]}), {"X": (f, batch + 1)}, batch_norm, seed)


def _correlate(x, k):
    p, q = k.shape
    return np.array([[np.sum(k * x[i:i + p, j:j + q]) for j in range(x.shape[1] - q + 1)]
                     for i in range(x.shape[0] - p + 1)])


@pytest.mark.parametrize("seed", SEEDS)
def test_convolution_1d_and_2d(seed):
    n, m, h, w = _sizes(seed, 4)
    _check(lambda g, s: ops.convolution(g, "Y", s["x"], s["k"], {s["x"]: g.nodes[0], s["k"]: g.nodes[1]}),
           {"x": (n + m + 1, 1), "k": (m, 1)}, lambda v: _correlate(v["x"], v["k"]), seed)
    _check(lambda g, s: ops.convolution(g, "Y", s["X"], s["K"], {s["X"]: g.nodes[0], s["K"]: g.nodes[1]}),
           {"X": (h + 2, w + 3), "K": (2, 3)}, lambda v: _correlate(v["X"], v["K"]), seed)


def test_a_wrong_rule_is_caught():
    """The harness fails a rule that is off (the trace rule without its identity would be the gradient
    of the sum of the entries)."""
    def wrong(g, s):
        from symdl.graph import Contribution

        node = ops.trace(g, "t", s["A"], {s["A"]: g.nodes[0]})
        node.backward = lambda delta: [(g.nodes[0], Contribution(sp.MatMul(delta, sp.OneMatrix(3, 3)), "wrong"))]
        return node

    with pytest.raises(AssertionError):
        _check(wrong, {"A": (3, 3)}, lambda v: np.trace(v["A"]), 5)
