"""tanh-sigmoid, gaussian-sse and hessian-quadratic: golden LaTeX, every check passing, and near misses.

Each near miss is a plausible slip fed through the same check the derivation uses for the
right claim; the check must fail. A check that passed everything would pass these too.
"""

from pathlib import Path

import pytest
import sympy as sp

from symdl import registry, sigmoid, verify
from symdl.errors import ParameterError
from symdl.latex import derivation_to_latex
from symdl.render import derivation_to_json, derivation_to_text

GOLDEN = Path(__file__).parent / "golden"
NAMES = ["tanh-sigmoid", "gaussian-sse", "hessian-quadratic"]
SEED = 20261122


@pytest.fixture(scope="module")
def built():
    return {name: registry.build(name) for name in NAMES}


def _result_check(derivation, target, claim):
    """The derivation's own check for ``target``, run on ``claim`` instead of the derived result."""
    return derivation.result_checks[target].run(f"near miss {target}", sp.Symbol(target), claim, derivation, SEED)


def _step(derivation, rule_start):
    (step,) = [s for s in derivation.steps if s.rule.startswith(rule_start)]
    return step


def _step_check(derivation, rule_start, claim):
    step = _step(derivation, rule_start)
    return step.check.run("near miss", step.lhs, claim, derivation, SEED)


def _fails(results):
    assert results, "no check ran"
    return not all(r.passed for r in results)


def _passes(results):
    assert results, "no check ran"
    return all(r.passed and r.max_error <= 1e-6 for r in results)


# --- golden LaTeX and verification ------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_golden_latex(built, name):
    text = derivation_to_latex(built[name])
    assert text == (GOLDEN / f"{name}.tex").read_text()
    assert text.isascii(), "the LaTeX goes to pdflatex"


@pytest.mark.parametrize("name", NAMES)
def test_every_check_passes(built, name):
    results = verify(built[name])
    failures = [r.line() for r in results if not r.passed or r.max_error > 1e-6]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", NAMES)
def test_every_claim_is_checked(built, name):
    d = built[name]
    unchecked = [s.rule for s in d.steps if s.check is None and not _is_definition(s.rule)]
    assert not unchecked, unchecked
    assert set(d.result_checks) == set(d.results)


def _is_definition(rule: str) -> bool:
    return rule.startswith(("definition", "model", "choose", "the example", "expand", "second-order Taylor",
                            "independent observations", "$y_{n}$ is"))


@pytest.mark.parametrize("name", NAMES)
def test_text_and_json_render(built, name):
    d = built[name]
    assert d.title in derivation_to_text(d)
    assert f'"name": "{name}"' in derivation_to_json(d)


# --- tanh-sigmoid -------------------------------------------------------------------------------

a = sp.Symbol("a", real=True)


def test_tanh_sigmoid_results(built):
    r = built["tanh-sigmoid"].results
    assert sp.simplify((r[r"\tanh(a)"] - sp.tanh(a)).rewrite(sp.exp)) == 0
    assert sp.simplify((r[r"\sigma'(a)"] - sp.diff(sigmoid(a), a))) == 0


@pytest.mark.parametrize("target, wrong", [
    (r"\tanh(a)", 2 * sigmoid(a) - 1),  # forgot to double the argument
    (r"\tanh(a)", sigmoid(2 * a) - 1),
    (r"\sigma(a)", (1 + sp.tanh(a)) / 2),
    (r"\sigma'(a)", 1 - sigmoid(a) ** 2),  # tanh's rule applied to the sigmoid
    (r"\tanh'(a)", 1 - sp.tanh(a)),
])
def test_tanh_sigmoid_identity_near_misses(built, target, wrong):
    assert _fails(_result_check(built["tanh-sigmoid"], target, wrong))


def test_tanh_sigmoid_map_near_misses(built):
    m = registry.get("tanh-sigmoid")
    d = built["tanh-sigmoid"]
    j, k, i = m.j, m.k, m.i
    wrong = {
        m.MAP_B2: m.w2[k, 0],  # output bias without the half-sum of the weights
        m.MAP_W2: m.w2[k, j],  # second-layer weights not halved
        m.MAP_W1: m.w1[j, i],  # first-layer weights not halved
        m.MAP_B1: 2 * m.w1[j, 0],
    }
    for target, claim in wrong.items():
        assert _fails(_result_check(d, target, claim)), target
        assert _passes(_result_check(d, target, d.results[target])), target


def test_tanh_sigmoid_difference_is_zero_symbolically_and_only_for_the_right_map():
    m = registry.get("tanh-sigmoid")
    sizes = {m.D: 2, m.M: 3, m.K: 2}
    right = m.parameter_map()
    assert all(m.network_difference(right, sizes, k) == 0 for k in (1, 2))
    wrong = {**right, m.MAP_B2: m.w2[m.k, 0]}
    assert m.network_difference(wrong, sizes, 1) != 0


def test_tanh_sigmoid_sizes_are_parameters():
    d = registry.build("tanh-sigmoid", D=1, M=2, K=3)
    assert "$K = 3$ outputs" in d.statement
    assert _passes(verify(d))
    with pytest.raises(ParameterError):
        registry.build("tanh-sigmoid", M=0)


# --- gaussian-sse -------------------------------------------------------------------------------

def test_gaussian_sse_near_misses(built):
    m = registry.get("gaussian-sse")
    d = built["gaussian-sse"]
    n, N, D = m.n, m.N, m.D
    f, x, y, w_ml, sigma = m.f, m.x, m.y, m.w_ml, m.sigma
    r_n = m.f_n - m.y_n
    squares_ml = sp.Sum((f(x[n], w_ml) - y[n]) ** 2, (n, 1, N))
    scatter = sp.Sum(sp.MatMul(r_n, sp.Transpose(r_n)), (n, 1, N))
    error = sp.Sum(m.quadratic(r_n, sp.Inverse(m.Sigma)), (n, 1, N))
    nll = d.results[m.NLL_y]
    assert _fails(_result_check(d, m.SIGMA2_ML, squares_ml / (N - 1)))  # the unbiased estimate is not the ML one
    assert _fails(_result_check(d, m.SIGMA2_ML, sp.sqrt(squares_ml / N)))  # sigma, not sigma^2
    assert _fails(_result_check(d, m.SIGMA_ML, scatter / (N - 1)))
    assert _fails(_result_check(d, "E(w)", error))  # without the 1/2
    assert _fails(_result_check(d, m.NLL_y, nll.subs(sp.log(sigma**2), sp.log(sigma))))  # log sigma for log sigma^2
    assert _fails(_result_check(d, m.NLL_Y, error / 2 + N * sp.log(sp.Determinant(m.Sigma))
                                + N * D / 2 * sp.log(2 * sp.pi)))  # N, not N/2, times log|Sigma|
    assert _fails(_step_check(d, "free of $w$", N * sp.log(sp.Determinant(m.Sigma)) + N * D / 2 * sp.log(2 * sp.pi)))
    for target in (m.SIGMA2_ML, m.SIGMA_ML, "E(w)", m.NLL_y, m.NLL_Y):
        assert _passes(_result_check(d, target, d.results[target])), target


def test_gaussian_sse_sigma_gradient_needs_the_transposes_for_a_general_sigma(built):
    """The step's Gradient check differentiates in every entry of Sigma, symmetric or not: the
    symmetric-only form of the gradient is a near miss there."""
    m = registry.get("gaussian-sse")
    d = built["gaussian-sse"]
    symmetric_form = sp.Rational(1, 2) * sp.MatMul(sp.Inverse(m.Sigma), m.N * m.Sigma - m.S, sp.Inverse(m.Sigma))
    assert _fails(_step_check(d, r"$\partial \ln|\Sigma|", symmetric_form))
    wrong_sign = sp.Rational(1, 2) * sp.MatMul(sp.Inverse(m.Sigma.T), m.S - m.N * m.Sigma.T, sp.Inverse(m.Sigma.T))
    assert _fails(_step_check(d, r"$\partial \ln|\Sigma|", wrong_sign))


def test_gaussian_sse_variance_derivative_near_miss(built):
    m = registry.get("gaussian-sse")
    d = built["gaussian-sse"]
    squares = sp.Sum((m.f(m.x[m.n], m.w) - m.y[m.n]) ** 2, (m.n, 1, m.N))
    assert _fails(_step_check(d, r"differentiate with respect to $\sigma^{2}$",
                              -squares / (2 * m.sigma**2) + m.N / (2 * m.sigma)))


def test_gaussian_sse_checks_several_sizes():
    d = registry.build("gaussian-sse", N=2, D=1)
    assert "N = 1, 2" in d.statement
    assert _passes(verify(d))


# --- hessian-quadratic ---------------------------------------------------------------------------

def test_hessian_quadratic_example_values(built):
    r = built["hessian-quadratic"].results
    H = sp.Matrix([[3, 1], [1, 2]])
    assert r[r"\lambda_{1}"] == (5 - sp.sqrt(5)) / 2
    for value, vector in ((r[r"\lambda_{1}"], r[r"u_{1}"]), (r[r"\lambda_{2}"], r[r"u_{2}"])):
        residual = [*(H * vector - value * vector), vector.dot(vector) - 1]
        assert all(abs(sp.N(e, 50)) < 1e-40 for e in residual)


def test_hessian_quadratic_near_misses(built):
    m = registry.get("hessian-quadratic")
    d = built["hessian-quadratic"]
    i, lam, alpha, c = m.i, m.lam, m.alpha, m.c
    r = d.results
    assert _fails(_result_check(d, "E(w)", m.E_star + sp.Sum(lam[i] * alpha[i] ** 2, (i, 1, m.D))))  # no 1/2
    assert _fails(_result_check(d, r"r_{i}", sp.sqrt(c / lam[i])))  # lost the 2
    assert _fails(_result_check(d, r"r_{i}", sp.sqrt(2 * c * lam[i])))  # proportional to sqrt(lambda)
    assert _fails(_result_check(d, r"\lambda_{1}", (5 - sp.sqrt(3)) / 2))
    assert _fails(_result_check(d, r"u_{1}", sp.ImmutableMatrix([(1 - sp.sqrt(5)) / 2, 1])))  # not normalised
    assert _fails(_result_check(d, r"u_{1}", r[r"u_{2}"]))  # eigenvectors swapped
    assert _fails(_result_check(d, r"r_{1}", r[r"r_{2}"]))  # the longer axis is along u_1
    assert _fails(_step_check(d, "any $v$ in the eigenbasis",
                              sp.Sum(lam[i] * m.form(m.u_i, None, m.v), (i, 1, m.D))))  # not squared
    assert _fails(_step_check(d, "divide by a contour level", (m.E_w - m.E_star) / (2 * c)))
    for target in d.results:
        assert _passes(_result_check(d, target, r[target])), target


def test_hessian_quadratic_rejects_a_bad_example():
    for bad in ([[1, 2], [3, 1]], [[1, 2], [2, 1]], [[1, 2]], "abc"):
        with pytest.raises(ParameterError):
            registry.build("hessian-quadratic", H=bad)


def test_hessian_quadratic_other_examples_and_dimension():
    assert _passes(verify(registry.build("hessian-quadratic", H=[[2, 0], [0, 2]])))  # a double eigenvalue
    d = registry.build("hessian-quadratic", D=3, H=[[2, "1/2"], ["1/2", 1]])
    assert "D = 3" in d.statement
    assert _passes(verify(d))
