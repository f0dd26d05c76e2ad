"""Each local backward rule of the graph, at random sizes, against element-wise diff and finite differences."""

import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symdl import Derivation, Graph, relu, sigmoid, verify
from symdl.graph import Softmax

sizes = st.integers(min_value=1, max_value=3)


def _verified(graph: Graph, output, seed: int):
    steps, _ = graph.backprop(output)
    derivation = Derivation(name="rule", title="rule", summary="", statement="", steps=tuple(steps),
                            definitions=graph.definitions())
    return verify(derivation, seed=seed)


def _assert_all_pass(results):
    assert results, "no check ran"
    for r in results:
        assert r.passed and r.max_error <= 1e-6, r.line()


_settings = settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@_settings
@given(rows=sizes, inner=sizes, cols=sizes, seed=st.integers(0, 2**32 - 1))
def test_matmul_rule(rows, inner, cols, seed):
    g = Graph()
    w = g.input("W", rows, inner)
    z = g.input("Z", inner, cols)
    out = g.matmul("H", w, z)
    _assert_all_pass(_verified(g, out, seed))


@_settings
@given(rows=sizes, cols=sizes, seed=st.integers(0, 2**32 - 1))
def test_add_and_hadamard_rules(rows, cols, seed):
    g = Graph()
    a = g.input("a", rows, cols)
    b = g.input("b", rows, cols)
    s = g.add("s", a, b, skip=True)
    out = g.hadamard("p", s, a)  # a reaches p along two paths
    _assert_all_pass(_verified(g, out, seed))


@_settings
@given(n=sizes, seed=st.integers(0, 2**32 - 1),
       function=st.sampled_from([relu, sigmoid, sp.tanh]))
def test_activation_rules(n, seed, function):
    g = Graph()
    w = g.input("W", n, n)
    x = g.input("x", n)
    h = g.matmul("h", w, x)
    out = g.activation("y", function, h)
    _assert_all_pass(_verified(g, out, seed))


@_settings
@given(n=st.integers(2, 4), seed=st.integers(0, 2**32 - 1))
def test_softmax_rule(n, seed):
    g = Graph()
    z = g.input("z", n)
    out = g.softmax("p", z)
    _assert_all_pass(_verified(g, out, seed))


def test_a_wrong_rule_fails_and_names_step_seed_and_point():
    g = Graph()
    w = g.input("W", 2, 3)
    x = g.input("x", 3)
    out = g.matmul("h", w, x)
    steps, _ = g.backprop(out)
    wrong = [s if s.lhs != g.adjoint(w) else type(s)(s.lhs, g.adjoint(out) * x.symbol.T * 2, s.rule, check=s.check)
             for s in steps]
    results = verify(Derivation(name="r", title="r", summary="", statement="", steps=tuple(wrong)), seed=7)
    failed = [r for r in results if not r.passed]
    assert failed and all(r.step == "∂L/∂W" for r in failed)
    assert all("seed 7" in r.detail and "point" in r.detail for r in failed)


def test_softmax_forward_is_the_softmax():
    z = sp.ImmutableMatrix([1, 2, 3])
    p = Softmax(sp.MatrixSymbol("z", 3, 1)).xreplace({sp.MatrixSymbol("z", 3, 1): z}).doit()
    total = sum(sp.exp(v) for v in (1, 2, 3))
    assert sp.simplify(p[0] - sp.exp(1) / total) == 0 and p.shape == (3, 1)


@_settings
@given(rows=sizes, cols=sizes, seed=st.integers(0, 2**32 - 1))
def test_sum_rule(rows, cols, seed):
    g = Graph()
    a = g.input("a", rows, cols)
    out = g.sum("s", a)
    _assert_all_pass(_verified(g, out, seed))


@_settings
@given(n=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_scalar_loss_rules(n, seed):
    g = Graph()
    w = g.input("W", n, n)
    x = g.input("x", n)
    t = g.input("t", n)
    h = g.matmul("h", w, x)
    y = g.activation("y", sigmoid, h)
    loss = g.squared_error("L_{2}", y, t)
    _assert_all_pass(_verified(g, loss, seed))
    g2 = Graph()
    z = g2.input("z", n + 1)
    target = g2.input("t", n + 1)
    p = g2.softmax("p", z)
    ce = g2.cross_entropy("C", p, target)
    _assert_all_pass(_verified(g2, ce, seed))
