"""The numeric engine (issue 12): matrix expressions compiled to NumPy arrays, derivatives by complex
step and central differences, plans kept by structure; and that a wrong step is still caught by it."""

import dataclasses

import numpy as np
import pytest
import sympy as sp

from symdl import Derivation, Gradient, Identity, Step, registry, relu, sigmoid
from symdl.calculus import DiagonalOf
from symdl.functions import elementwise, scalar, sigmoid_prime
from symdl.graph import Softmax
from symdl.numeric import fd, plans
from symdl.numeric.compile import Unsupported, compile_arrays, leaves_of
from symdl.numeric.plans import structure
from symdl.numeric.points import leaf_values
from symdl.verify import step_label, verify

u = sp.Dummy("u")
a, b = sp.symbols("a b", real=True)


def _matrices(n, m):
    return (sp.MatrixSymbol("A", n, m), sp.MatrixSymbol("B", m, n), sp.MatrixSymbol("S", n, n),
            sp.MatrixSymbol("x", n, 1))


# Each entry: a name and the expression at sizes n x m (A: n x m, B: m x n, S: n x n, x: n x 1).
EXPRESSIONS = {
    "product": lambda A, B, S, x: A * B,
    "scaled product": lambda A, B, S, x: 3 * a * A * B * S,
    "sum and transposes": lambda A, B, S, x: S.T * S + S + (B.T * A.T).T,
    "hadamard": lambda A, B, S, x: sp.HadamardProduct(A, B.T, A),
    "hadamard power": lambda A, B, S, x: sp.HadamardPower(A, 3),
    "trace": lambda A, B, S, x: sp.Trace(S * A * B) + sp.Trace(S.T),
    "inverse": lambda A, B, S, x: sp.Inverse(S + 5 * sp.Identity(S.shape[0])) * x,
    "inverse power": lambda A, B, S, x: sp.MatPow(S, -1) + sp.MatPow(S, 2),
    "determinant": lambda A, B, S, x: sp.Determinant(S) * a,
    "relu elementwise": lambda A, B, S, x: elementwise(relu, S * x),
    "sigmoid elementwise": lambda A, B, S, x: elementwise(sigmoid, A),
    "lambda elementwise": lambda A, B, S, x: elementwise(sp.Lambda(u, sp.exp(a * u) + u**2 * b), x),
    "quadratic form": lambda A, B, S, x: scalar(x.T * S * x) + a**2,
    "entries": lambda A, B, S, x: S[0, S.shape[0] - 1] * x[0, 0] - A[0, 0],
    "constants": lambda A, B, S, x: sp.Identity(S.shape[0]) + sp.OneMatrix(*S.shape) * S + sp.ZeroMatrix(*S.shape),
    "diagonal": lambda A, B, S, x: DiagonalOf(S * S),
    "softmax": lambda A, B, S, x: Softmax(S * x),
    "written out": lambda A, B, S, x: sp.ImmutableMatrix([[a, sp.sin(b)], [a * b, sp.Rational(1, 3)]]),
    "kinks": lambda A, B, S, x: sp.Max(a, b) + sp.Abs(a) * sp.Min(a, 2) + sp.Piecewise((a**2, a > b), (b, True)),
    "powers and logs": lambda A, B, S, x: sp.sqrt(b**2 + 1) + sp.log(a**2 + 1) / (b**2 + 2) + sp.tanh(a) ** 3,
}


def _reference(expr, values: dict):
    """``expr`` evaluated by SymPy at the given values (matrices as explicit matrices)."""
    explicit = {leaf: sp.ImmutableMatrix(v) if leaf.is_Matrix else sp.Float(v) for leaf, v in values.items()}
    result = expr.xreplace(explicit).doit()
    if getattr(result, "is_Matrix", False):
        return np.array(sp.ImmutableMatrix(result).evalf(), dtype=float)
    return float(sp.N(result))


@pytest.mark.parametrize("n, m", [(1, 1), (2, 3), (3, 2), (4, 4)])
@pytest.mark.parametrize("name", EXPRESSIONS)
def test_compiled_values_match_sympy(name, n, m):
    expr = EXPRESSIONS[name](*_matrices(n, m))
    leaves = leaves_of([expr])
    batch = 3
    arrays = leaf_values(np.random.default_rng(n * 10 + m), leaves, batch)
    got = compile_arrays([expr], leaves)(*arrays, batch=batch)[0]
    for k in range(batch):
        want = _reference(expr, {leaf: array[k] for leaf, array in zip(leaves, arrays)})
        assert np.allclose(got[k], want, rtol=1e-10, atol=1e-12), (name, k, got[k], want)


def test_renamed_checks_share_one_structure_and_one_function():
    n, m = sp.symbols("n m", integer=True, positive=True)
    first = sp.Trace(sp.MatrixSymbol("G", n, 1).T * elementwise(relu, sp.MatrixSymbol("W", n, m) * sp.MatrixSymbol("h", m, 1)))
    second = first.xreplace({sp.MatrixSymbol("G", n, 1): sp.MatrixSymbol("G_7", n, 1),
                             sp.MatrixSymbol("W", n, m): sp.MatrixSymbol("V", n, m),
                             sp.MatrixSymbol("h", m, 1): sp.MatrixSymbol("H_6", m, 1)})
    (key1, leaves1), (key2, leaves2) = structure([first]), structure([second])
    assert key1 == key2 and key1 is not None and [l.name for l in leaves2] == ["G_7", "V", "H_6"]
    transposed = first.xreplace({sp.MatrixSymbol("W", n, m): sp.MatrixSymbol("W", m, n).T})
    assert structure([transposed])[0] != key1
    sizes = {n: 3, m: 2}
    p1 = compile_arrays([first.xreplace(sizes)], [l.xreplace(sizes) for l in leaves1])
    p2 = compile_arrays([second.xreplace(sizes)], [l.xreplace(sizes) for l in leaves2])
    assert p1.source == p2.source and p1.function is p2.function
    assert "G_7" not in p2.source and "W" not in p2.source  # no name reaches the generated code


def test_index_form_sums_are_written_out_but_free_indices_are_refused():
    x = sp.IndexedBase("x")
    i = sp.Symbol("i", integer=True)
    assert len(leaves_of([sp.Sum(x[i] ** 2, (i, 1, 3)).doit()])) == 3
    with pytest.raises(Unsupported):
        leaves_of([x[i] ** 2])


def _gradient_of(expr, wrt, others, seed=0, batch=4):
    leaves = [wrt] + others
    program = compile_arrays([expr], leaves)
    arrays = leaf_values(np.random.default_rng(seed), leaves, batch)
    slots = [(0, k) for k in range(int(np.prod(wrt.shape)) if wrt.is_Matrix else 1)]
    return program, arrays, slots


@pytest.mark.parametrize("n, m", [(1, 1), (2, 3), (4, 2)])
def test_complex_step_gives_the_gradient_exactly(n, m):
    W, S, h = sp.MatrixSymbol("W", n, m), sp.MatrixSymbol("S", n, n), sp.MatrixSymbol("h", m, 1)
    f = sp.Trace(W.T * S * W) + sp.Trace(sp.OneMatrix(1, n) * elementwise(relu, W * h)) + sp.Determinant(S + W * W.T)
    program, arrays, slots = _gradient_of(f, W, [S, h])
    assert program.analytic
    got, method = fd.gradient(program, arrays, slots, 4)
    assert method == "complex step"
    for k in range(4):
        w, s, hh = arrays[0][k], arrays[1][k], arrays[2][k]
        step = ((w @ hh) > 0).astype(float)
        m_ = s + w @ w.T
        want = (s + s.T) @ w + step @ hh.T + np.linalg.det(m_) * (np.linalg.inv(m_).T + np.linalg.inv(m_)) @ w
        assert np.allclose(got[k].reshape(n, m), want, rtol=1e-12, atol=1e-12)
        central = fd.central(program, [x[k : k + 1] for x in arrays], slots, 1)[0]
        assert np.allclose(central, got[k], rtol=1e-6, atol=1e-6)


def test_a_function_lambdify_compiles_is_differenced_centrally():
    f = sp.atan2(a, b) * a  # atan2 is not in the compiler's table: lambdify's NumPy code, real only
    program, arrays, slots = _gradient_of(f, a, [b])
    assert not program.analytic
    got, method = fd.gradient(program, arrays, slots, 4)
    assert method == "central differences"
    av, bv = arrays
    want = np.arctan2(av, bv) + av * bv / (av**2 + bv**2)
    assert np.allclose(got[:, 0], want, rtol=1e-7)


# --- a wrong step is still caught, at every size ----------------------------------------------------
def _one_step(check, claim, sizes=None) -> list:
    step = Step(sp.Symbol("claim"), claim, "claimed", check=check)
    return verify(Derivation(name="case", title="case", summary="", statement="", steps=(step,), sizes=sizes or {}))


def _gradient_cases(n, m):
    A, B, W = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("B", n, m), sp.MatrixSymbol("W", n, m)
    f = sp.Trace(W.T * A * W) + sp.Trace(B.T * A * W) + sp.Trace(elementwise(sigmoid, W).T * B)
    right = (A + A.T) * W + A.T * B + sp.HadamardProduct(B, elementwise(sp.Lambda(u, sigmoid(u) * (1 - sigmoid(u))), W))
    wrong = {
        "dropped term": (A + A.T) * W + A.T * B,
        "transpose": (A + A.T) * W + A * B + sp.HadamardProduct(B, elementwise(sp.Lambda(u, sigmoid(u) * (1 - sigmoid(u))), W)),
        "factor": 2 * A * W + A.T * B + sp.HadamardProduct(B, elementwise(sp.Lambda(u, sigmoid(u) * (1 - sigmoid(u))), W)),
        "half": right / 2,
    }
    return Gradient(f, W), right, wrong


@pytest.mark.parametrize("n, m", [(2, 1), (2, 3), (3, 2), (5, 4)])
def test_a_wrong_gradient_is_caught_at_every_size(n, m):
    check, right, wrong = _gradient_cases(n, m)
    assert all(r.passed for r in _one_step(check, right))
    for kind, claim in wrong.items():
        results = _one_step(check, claim)
        assert results and not any(r.passed for r in results), (kind, [r.line() for r in results])
        assert all("seed" in r.detail and "point" in r.detail for r in results)


@pytest.mark.parametrize("n", [2, 3, 6])
def test_a_wrong_identity_is_caught_at_every_size(n):
    A, B, C = (sp.MatrixSymbol(name, n, n) for name in "ABC")
    lhs = (A * (B + C)).T
    for claim, ok in [(B.T * A.T + C.T * A.T, True), (A.T * B.T + C.T * A.T, False),  # transpose order
                      (B.T * A.T, False), (B.T * A.T + 2 * C.T * A.T, False)]:  # dropped term, factor
        step = Step(lhs, claim, "claimed", check=Identity())
        (result,) = verify(Derivation(name="case", title="case", summary="", statement="", steps=(step,)))
        assert result.passed == ok, (claim, result.line())


def test_one_wrong_block_in_a_stack_is_caught_though_its_structure_is_planned():
    """The stack's blocks share plans; a corrupted block has another structure, and fails alone."""
    module = registry.get("residual-block")
    derivation = registry.build("residual-block", L=0)
    steps = module.stack(4)[0]
    corruptions = [
        ("H_{2}}", lambda rhs: [a for a in rhs.args if isinstance(a, sp.MatMul)][0]),  # the skip term dropped
        ("H_{2}}", lambda rhs: 2 * rhs),  # a factor
        ("A_{3}}", lambda rhs: rhs.replace(sigmoid_prime, sigmoid)),  # the wrong derivative
        ("W^{(2)}_{a}}", lambda rhs: rhs.xreplace({sp.MatrixSymbol("H_{1}", *rhs.args[1].shape[::-1]):
                                                   sp.MatrixSymbol("H_{2}", *rhs.args[1].shape[::-1])})),  # wrong input
    ]
    for name, corrupt in corruptions:
        target = next(k for k, s in enumerate(steps) if s.check is not None and getattr(s.lhs, "name", "").endswith(name))
        wrong = corrupt(steps[target].rhs)
        assert wrong != steps[target].rhs
        corrupted = list(steps)
        corrupted[target] = dataclasses.replace(steps[target], rhs=wrong)
        results = verify(dataclasses.replace(derivation, steps=tuple(corrupted), results={}, result_checks={}))
        assert [r.step for r in results if not r.passed] == [step_label(steps[target])], (name, wrong)
    verify(dataclasses.replace(derivation, steps=tuple(module.stack(4)[0]), results={}, result_checks={}))
    before = plans.kept()
    results = verify(dataclasses.replace(derivation, steps=tuple(module.stack(12)[0]), results={}, result_checks={}))
    assert len(results) > 80 and all(r.passed for r in results)
    assert plans.kept() == before  # three times the blocks, not one new plan


def test_index_form_claims_go_by_the_scalar_path_and_a_wrong_one_fails():
    derivation = registry.build("sigmoid-chain")
    target = next(t for t in derivation.results if "w^{[1]}" in t)
    first_layer = derivation.results[target]
    for wrong in (first_layer.xreplace({sigmoid_prime(z): sp.S.One for z in first_layer.atoms(sp.Indexed)}),
                  first_layer.func(*first_layer.args[1:]), 2 * first_layer):
        assert wrong != first_layer
        results = verify(dataclasses.replace(derivation, results={**derivation.results, target: wrong}, steps=()))
        assert [r.passed for r in results].count(False) == 1, [r.line() for r in results]


def test_deep_checks_add_element_wise_diff_and_both_catch_a_silent_zero():
    A, B = sp.MatrixSymbol("A", 3, 3), sp.MatrixSymbol("B", 3, 3)
    check = Gradient(sp.Trace(A.T * A) + sp.Trace(B.T * B), A)
    step = Step(sp.Symbol("claim"), sp.ZeroMatrix(3, 3), "SymPy's answer", check=check)
    derivation = Derivation(name="case", title="case", summary="", statement="", steps=(step,))
    results = verify(derivation, deep=True)
    assert [r.method for r in results] == ["element-wise diff", "complex step"] and not any(r.passed for r in results)


def test_a_plan_is_not_shared_where_a_size_or_a_merged_leaf_stands():
    """Structures alike up to renaming share a plan, except where a size (a number once prepared) or
    two names of one matrix stand: there a wrong claim would borrow another check's evaluation."""
    n, k = sp.Symbol("n", integer=True, positive=True), sp.Symbol("k", integer=True, positive=True)
    W = sp.MatrixSymbol("W", n, 1)
    sizes = {n: 3}
    step = lambda lhs, rhs: Step(lhs, rhs, "claimed", check=Identity())  # noqa: E731

    def verdicts(*steps):
        derivation = Derivation(name="case", title="case", summary="", statement="", steps=steps, sizes=sizes)
        return [r.passed for r in verify(derivation)]

    # n is a size (3) in the first; k, alike in its assumptions, is free in the second
    assert verdicts(step(n * sp.Trace(W.T * W), 3 * sp.Trace(W.T * W)),
                    step(k * sp.Trace(W.T * W), 3 * sp.Trace(W.T * W))) == [True, False]
    # W of size n and W of size 3 are one matrix at n = 3; U and V, in the same places, are two
    U, V = sp.MatrixSymbol("U", n, 1), sp.MatrixSymbol("V", 3, 1)
    assert verdicts(step(sp.Trace(W.T * W), sp.Trace(sp.MatrixSymbol("W", 3, 1).T * W)),
                    step(sp.Trace(U.T * U), sp.Trace(V.T * U))) == [True, False]


def test_a_kept_plan_draws_the_checks_own_positive_definite_matrices():
    """Σᵀ = Σ holds for Σ symmetric positive definite only: a renamed check reusing the plan must
    draw its own matrix so, though the plan was made with another name."""
    def check(name):
        S = sp.MatrixSymbol(name, 3, 3)
        step = Step(S.T, S, "symmetric", check=Identity(spd=frozenset({name})))
        return verify(Derivation(name="case", title="case", summary="", statement="", steps=(step,)))

    before = plans.kept()
    assert all(r.passed for r in check("Sigma")) and all(r.passed for r in check("Lambda"))
    assert plans.kept() == before + 1
