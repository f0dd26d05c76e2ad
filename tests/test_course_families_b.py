"""softmax, forward-pass, dropout, batchnorm and optimizers (issue 5): golden LaTeX at the sheets' data, every
check passing, the worked numbers read back by the parser, answers checked with near misses beside them,
properties over random parameters against NumPy written here, and bad parameters refused by name."""

import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symdl import registry, verify
from symdl.check import check_derivation
from symdl.cli import main
from symdl.errors import ParameterError, SymdlError
from symdl.latex import derivation_to_latex
from symdl.parse import Context, parse
from symdl.render import derivation_to_json, derivation_to_text
from symdl.verify import Computed

GOLDEN = Path(__file__).parent / "golden"
NAMES = ["softmax", "forward-pass", "dropout", "batchnorm", "optimizers"]
SEED = 20261122
PROPERTY = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def built():
    return {name: registry.build(name) for name in NAMES}


def value(derivation, key) -> float:
    return float(sp.N(derivation.results[key], 30))


# --- golden LaTeX, checks, renderers -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_golden_latex(built, name):
    text = derivation_to_latex(built[name])
    assert text == (GOLDEN / f"{name}.tex").read_text()
    assert text.isascii(), "the LaTeX goes to pdflatex"


@pytest.mark.parametrize("name", NAMES)
def test_every_check_passes(built, name):
    results = verify(built[name], seed=SEED)
    failures = [r.line() for r in results if not r.passed or r.max_error > 1e-6]
    assert results and not failures, "\n".join(failures)


@pytest.mark.parametrize("name", NAMES)
def test_every_claim_is_checked(built, name):
    d = built[name]
    unchecked = [s.rule for s in d.steps if s.check is None and not re.match(r"(\w+: )?definition", s.rule)]
    assert not unchecked, unchecked
    assert set(d.result_checks) == set(d.results)


@pytest.mark.parametrize("name", NAMES)
def test_text_and_json_render(built, name):
    d = built[name]
    text = derivation_to_text(d)
    math = [line for line in text.splitlines() if not line.startswith("    [")]  # the rules keep their $...$
    assert d.title in text and not [line for line in math if "\\left(" in line or "\\cdot" in line]
    assert f'"name": "{name}"' in derivation_to_json(d)


# --- the sheets' numbers, against NumPy written here -------------------------------------------------------------------

def np_softmax(v):
    e = np.exp(np.asarray(v, dtype=float) - np.max(v))
    return e / e.sum()


def test_softmax_sheet_b2(built):
    d = built["softmax"]
    p = [value(d, f"p_{{{k}}}") for k in (1, 2, 3)]
    assert np.allclose(p, np_softmax([2.0, 1.0, 0.1]), rtol=0, atol=1e-15)
    assert [round(v, 3) for v in p] == [0.659, 0.242, 0.099]  # the sheet's answer
    assert value(d, "L") == pytest.approx(-np.log(p[0]), abs=1e-15)


def test_forward_pass_sheet_b3(built):
    d = built["forward-pass"]
    x = np.array([0.5, -1.0])
    w1, w2 = np.array([[0.1, -0.1], [0.2, 0.3]]), np.array([[0.1, -0.5], [0.3, 0.2], [0.4, -0.1]])
    w3 = np.array([[1, 0, -1], [0, 1, 1]])
    h1 = np.maximum(w1 @ x, 0)
    h2 = np.maximum(w2 @ h1, 0)
    y = np_softmax(w3 @ h2)
    assert [value(d, r"\hat{y}_{1}"), value(d, r"\hat{y}_{2}")] == pytest.approx(y, abs=1e-15)
    # exact decimals give exact values on the way
    assert d.results["z^{(1)}_{1}"] == sp.Rational(3, 20) and d.results["a^{(1)}_{2}"] == 0
    assert d.results["z^{(3)}_{1}"] == sp.Rational(-9, 200) and d.results["z^{(3)}_{2}"] == sp.Rational(21, 200)
    assert "$W^{(3)}$ above is our choice" in d.statement


def test_forward_pass_sheet_b1_neuron():
    d = registry.build("forward-pass", mode="neuron")
    assert list(d.results) == ["z"] and d.results["z"] == sp.Rational(-348, 10000)
    assert r"0.001 \cdot 0.2 + 0.01 \cdot \left(-1.3\right) - 0.005 \cdot 2 - 1.2 \cdot 0.01" in derivation_to_latex(d)
    assert all(r.passed for r in verify(d))


def test_dropout_example(built):
    d = built["dropout"]
    p, h, mask = 0.8, np.array([0.5, 1.0, 2.0]), np.array([1, 0, 1])
    for k in range(3):
        assert value(d, rf"\tilde{{h}}_{{{k + 1}}}") == pytest.approx(mask[k] * h[k] / p, abs=1e-15)
        assert value(d, rf"\hat{{h}}_{{{k + 1}}}") == pytest.approx(p * h[k], abs=1e-15)
    # E[m h / p] over the two outcomes of m is h; E[m h] is p h
    m, hh, pp = sp.Symbol("m_{i}", real=True), sp.Symbol("h_{i}", real=True), sp.Symbol("p", real=True)
    inverted = d.results[r"\tilde{h}_{i}"]
    assert sp.simplify(pp * inverted.subs(m, 1) + (1 - pp) * inverted.subs(m, 0) - hh) == 0
    assert d.results[r"\hat{h}_{i}"] == pp * hh


def np_batchnorm(z, gamma, beta, eps):
    z = np.asarray(z, dtype=float)
    return (z - z.mean()) / np.sqrt(z.var() + eps), gamma * (z - z.mean()) / np.sqrt(z.var() + eps) + beta


def test_batchnorm_example(built):
    d = built["batchnorm"]
    z, g = np.array([1.0, 2.0, 4.0, 5.0]), np.array([0.1, -0.2, 0.3, 0.4])
    z_hat, z_tilde = np_batchnorm(z, 2.0, 0.5, 1e-5)
    assert d.results[r"\mu_{B}"] == 3 and d.results[r"\sigma_{B}^{2}"] == sp.Rational(5, 2)
    for k in range(4):
        assert value(d, rf"\hat{{z}}_{{{k + 1}}}") == pytest.approx(z_hat[k], abs=1e-14)
        assert value(d, rf"\tilde{{z}}_{{{k + 1}}}") == pytest.approx(z_tilde[k], abs=1e-14)
    # the worked gradient against the textbook's unsimplified backward pass (Ioffe and Szegedy, Algorithm 1)
    n, var = len(z), z.var()
    d_hat = g * 2.0
    d_var = np.sum(d_hat * (z - z.mean())) * -0.5 * (var + 1e-5) ** -1.5
    d_mu = np.sum(-d_hat / np.sqrt(var + 1e-5)) + d_var * np.sum(-2 * (z - z.mean())) / n
    grad = d_hat / np.sqrt(var + 1e-5) + d_var * 2 * (z - z.mean()) / n + d_mu / n
    (step,) = [s for s in d.steps if str(s.lhs) == r"\frac{\partial L}{\partial z}"]
    assert np.allclose([float(v) for v in step.rhs.doit()], grad, rtol=0, atol=1e-13)
    assert abs(grad.sum()) < 1e-12


@pytest.mark.parametrize("key, expected", [
    (r"w^{(\mathrm{momentum})}_{1}", 1.0 - 0.1 * 0.5),                    # v = -lr g
    (r"w^{(\mathrm{Nesterov})}_{1}", 1.0 - 0.1 * 0.5 - 0.9 * 0.1 * 0.5),   # PyTorch: w - lr (g + beta buf)
    (r"w^{(\mathrm{Adagrad})}_{1}", 1.0 - 0.1 * 0.5 / (0.5 + 1e-8)),
    (r"w^{(\mathrm{RMSProp})}_{1}", 1.0 - 0.1 * 0.5 / (np.sqrt(0.1 * 0.25) + 1e-8)),
    (r"w^{(\mathrm{Adam})}_{1}", 1.0 - 0.1 * 0.5 / (np.sqrt(0.25) + 1e-8)),  # m^ = g, v^ = g^2 at t = 1
])
def test_optimizers_first_step(built, key, expected):
    assert value(built["optimizers"], key) == pytest.approx(expected, rel=1e-15)


def test_optimizers_single_method_names_its_state():
    d = registry.build("optimizers", method="adam", g=[0.5, -0.3])
    assert list(d.results)[:5] == ["w_{2}", "m_{2}", "v_{2}", r"\hat{m}_{2}", r"\hat{v}_{2}"]
    assert d.results[r"\hat{m}_{2}"] == sp.Rational(3, 200) / (1 - sp.Rational(81, 100))
    assert all(r.passed for r in verify(d))


# --- what is printed is what is checked --------------------------------------------------------------------------------

def _top_level_pieces(tex: str):
    """``a = b \\approx c`` -> [("=", a), ("=", b), ("~", c)], split outside braces and \\left...\\right."""
    pieces, depth, start, relation = [], 0, 0, "="
    tokens = re.finditer(r"\\left\(|\\right\)|\\left\||\\right\||[{}]| = | \\approx ", tex)
    for token in tokens:
        t = token.group()
        if t in ("{", r"\left(", r"\left|"):
            depth += 1
        elif t in ("}", r"\right)", r"\right|"):
            depth -= 1
        elif depth == 0:
            pieces.append((relation, tex[start:token.start()]))
            relation = "~" if t == r" \approx " or relation == "~" else "="
            start = token.end()
    pieces.append((relation, tex[start:]))
    return pieces


def _numbers(expr):
    expr = expr.doit() if hasattr(expr, "doit") else expr
    if isinstance(expr, sp.MatrixBase):
        return [complex(sp.N(e, 30)) for e in expr]
    return [complex(sp.N(expr, 30))]


def _written_rows(derivation):
    return [s for s in derivation.steps if type(s.rhs).__name__ == "Written" and not isinstance(s.rhs.args[0], sp.Symbol)]


WRITTEN_CASES = [("softmax", {}), ("forward-pass", {}), ("forward-pass", {"mode": "neuron"}),
                 ("forward-pass", {"activations": ["sigmoid", "tanh", "softmax"], "b2": [0.1, -0.2, 0.3]}),
                 ("dropout", {}), ("batchnorm", {}), ("optimizers", {}),
                 ("optimizers", {"method": "adam", "g": [0.5, -0.3, 0.2]})]


@pytest.mark.parametrize("name, params", WRITTEN_CASES)
def test_worked_numbers_read_back(name, params):
    """Each written-out row, parsed in the course dialect, equals the value its check compared: exactly before a
    rounding, to the digits shown after one."""
    d = registry.build(name, **params)
    context = Context(indexed=dict(d.indexed))
    compared = 0
    for step in _written_rows(d):
        exact = step.rhs.args[0]
        if exact.free_symbols:
            continue
        want = _numbers(exact)
        for position, (relation, piece) in enumerate(_top_level_pieces(step.rhs.args[1].name)):
            try:
                parsed = parse(piece, context).expr
            except SymdlError:
                assert position == 0, (step.rule, piece)  # only a formula before the numbers may be out of dialect
                continue
            if parsed.free_symbols:
                continue  # the formula before its numbers
            got = _numbers(parsed)
            tolerance = 1e-5 if relation == "~" else 1e-12
            assert len(got) == len(want), (step.rule, piece)
            assert all(abs(a - b) <= tolerance * max(1, abs(b)) for a, b in zip(got, want)), (step.rule, piece)
            compared += 1
    assert compared >= 3


@pytest.mark.parametrize("name, params", [("optimizers", {}), ("dropout", {}), ("optimizers", {"method": "adam"})])
def test_written_rules_read_back(name, params):
    """The update rules and expectations as printed are the expressions the checks use."""
    d = registry.build(name, **params)
    rng = np.random.default_rng(SEED)
    compared = 0
    for step in _written_rows(d):
        exact = step.rhs.args[0]
        if not exact.free_symbols or exact.has(sp.Sum, sp.Indexed):
            continue
        (relation, piece), = _top_level_pieces(step.rhs.args[1].name)
        try:
            parsed = parse(piece, Context()).expr
        except SymdlError:
            continue  # Nesterov's look-ahead gradient, written with a nabla
        if parsed.has(sp.Sum):
            continue  # a general sum, checked at one size (the rule says which)
        general = {x for x in parsed.free_symbols if x.name == "t"} - {x for x in exact.free_symbols}
        if general:  # a rule for every t, checked at the t the rule names
            size = int(re.search(r"checked at \$?t = (\d+)", step.rule).group(1))
            parsed = parsed.xreplace({x: size for x in general})
        assert {s.name for s in parsed.free_symbols} == {s.name for s in exact.free_symbols}, (step.rule, piece)
        names = {s.name for s in exact.free_symbols}
        point = {name: rng.uniform(0.2, 0.9) for name in names}
        at = lambda e: complex(sp.N(e.xreplace({s: point[s.name] for s in e.free_symbols})))  # noqa: E731
        assert abs(at(parsed) - at(exact)) <= 1e-12, (step.rule, piece)
        compared += 1
    assert compared >= 3


# --- answers, each correct one beside a near miss ----------------------------------------------------------------------

ANSWERS = [
    ("softmax", {}, "0.659", True), ("softmax", {}, "0.66", True), ("softmax", {}, "0.67", False),
    ("softmax", {}, "0.658", False), ("softmax", {}, "p_{2} = 0.242", True), ("softmax", {}, "p_{2} = 0.24243", True),
    ("softmax", {}, "p_{2} = 0.2425", False), ("softmax", {}, r"p_{3} = 0.0986", True),
    ("softmax", {}, r"p_1 = \frac{e^{2}}{e^{2}+e+e^{0.1}}", True), ("softmax", {}, r"p_1 = \frac{e^{2}}{e^{2}+e}", False),
    ("softmax", {}, r"\frac{\partial L}{\partial z_i} = p_i - y_i", True),
    ("softmax", {}, r"\frac{\partial L}{\partial z_i} = y_i - p_i", False),
    ("softmax", {}, r"\frac{\partial L}{\partial z_{2}} = p_2 - y_2", True),
    ("forward-pass", {}, "0.4626", True), ("forward-pass", {}, "0.46", True), ("forward-pass", {}, "0.47", False),
    ("forward-pass", {}, r"\hat{y}_{2} = 0.537", True), ("forward-pass", {}, r"\hat{y}_{2} = 0.463", False),
    ("forward-pass", {}, r"a^{(1)}_{2} = 0", True), ("forward-pass", {}, r"a^{(1)}_{2} = -0.2", False),
    ("forward-pass", {}, r"z^{(2)}_{3} = 0.06", True), ("forward-pass", {}, r"z^{(2)}_{3} = 0.6", False),
    ("forward-pass", {"mode": "neuron"}, "-0.0348", True), ("forward-pass", {"mode": "neuron"}, "z = -0.035", True),
    ("forward-pass", {"mode": "neuron"}, "-0.0347", False), ("forward-pass", {"mode": "neuron"}, "0.0348", False),
    ("dropout", {}, r"\tilde{h}_{i} = \frac{m_i h_i}{p}", True), ("dropout", {}, r"\tilde{h}_{i} = p m_i h_i", False),
    ("dropout", {}, r"\hat{h}_i = p h_i", True), ("dropout", {}, r"\hat{h}_i = \frac{h_i}{p}", False),
    ("dropout", {}, r"\tilde{h}_{3} = 2.5", True), ("dropout", {}, r"\tilde{h}_{3} = 1.6", False),
    ("dropout", {}, r"\hat{h}_{3} = 1.6", True), ("dropout", {}, r"\hat{h}_{3} = 2.5", False),
    ("batchnorm", {}, r"\mu_{B} = 3", True), ("batchnorm", {}, r"\mu_{B} = 3.5", False),
    ("batchnorm", {}, r"\sigma_B^2 = 2.5", True), ("batchnorm", {}, r"\sigma_B^2 = 3.33", False),  # n - 1
    ("batchnorm", {}, r"\hat{z}_{1} = -1.265", True), ("batchnorm", {}, r"\hat{z}_{1} = -1.26", True),
    ("batchnorm", {}, r"\hat{z}_{1} = -1.0954", False),  # the n - 1 variance
    ("batchnorm", {}, r"\tilde{z}_{4} = 3.0298", True), ("batchnorm", {}, r"\tilde{z}_{4} = 2.5298", False),
    ("batchnorm", {}, r"\frac{\partial L}{\partial z_i} = \frac{\gamma}{n\sqrt{\sigma_B^2+\epsilon}}"
                     r"\left(n g_i - \sum_j g_j - \hat{z}_i \sum_j g_j \hat{z}_j\right)", True),
    ("batchnorm", {}, r"\frac{\partial L}{\partial z_i} = \frac{\gamma}{\sqrt{\sigma_B^2+\epsilon}}"
                     r"\left(g_i - \frac{1}{n}\sum_{j=1}^{n} g_j - \frac{\hat{z}_i}{n}\sum_{j=1}^{n} g_j \hat{z}_j\right)",
     True),
    ("batchnorm", {}, r"\frac{\partial L}{\partial z_i} = \frac{\gamma}{n\sqrt{\sigma_B^2+\epsilon}}"
                     r"\left(n g_i - \sum_j g_j - \hat{z}_i \sum_j g_j\right)", False),
    ("batchnorm", {}, r"\frac{\partial L}{\partial z_i} = \frac{\gamma g_i}{\sqrt{\sigma_B^2+\epsilon}}", False),
    ("optimizers", {}, "0.95", True), ("optimizers", {}, "0.905", False),  # the first result is momentum's
    ("optimizers", {}, r"w^{(\text{Adam})}_{1} = 0.90", True),
    ("optimizers", {}, r"w^{(\text{Adam})}_{1} = 0.9", False),  # rounded, so it needs two significant figures ("optimizers", {}, r"w^{(\mathrm{Adam})}_{1} = 0.95", False),
    ("optimizers", {}, r"w^{(\mathrm{Nesterov})}_{1} = 0.905", True),
    ("optimizers", {}, r"w^{(\mathrm{Nesterov})}_{1} = 0.95", False),
    ("optimizers", {}, r"w^{(\mathrm{RMSProp})}_{1} = 0.684", True),
    ("optimizers", {}, r"w^{(\mathrm{RMSProp})}_{1} = 0.683", False),
    ("optimizers", {"method": "adam"}, "0.90", True), ("optimizers", {"method": "adam"}, "0.9", False), ("optimizers", {"method": "adam"}, "0.900000002", True),
    ("optimizers", {"method": "adam"}, "0.900000003", False), ("optimizers", {"method": "adam"}, "0.95", False),
    ("optimizers", {"method": "adam"}, r"\hat{v}_{1} = 0.25", True),
    ("optimizers", {"method": "adam"}, r"\hat{v}_{1} = 0.00025", False),  # without the bias correction
    ("optimizers", {"method": "adam"}, r"w_t = w_{t-1} - \eta \frac{\hat{m}_t}{\sqrt{\hat{v}_t}+\epsilon}", True),
    ("optimizers", {"method": "adam"}, r"w_t = w_{t-1} - \eta \frac{\hat{m}_t}{\sqrt{\hat{v}_t+\epsilon}}", False),
    ("optimizers", {"method": "adam"},
     r"w_t = w_{t-1} - \eta \frac{m_t/(1-\beta_1^t)}{\sqrt{v_t/(1-\beta_2^t)}+\epsilon}", True),
    ("optimizers", {"method": "momentum", "lr": 0.2}, "0.9", True),
    ("optimizers", {"method": "momentum", "lr": 0.2}, "0.95", False),
    # list parameters, as --param z=[1,1] gives them
    ("softmax", {"z": [1, 1], "y": [0, 1]}, "0.5", True), ("softmax", {"z": [1, 1], "y": [0, 1]}, "0.49", False),
    ("optimizers", {"method": "momentum", "g": [0.5, 0.5]}, "0.855", True),  # v_2 = -0.095
    ("optimizers", {"method": "momentum", "g": [0.5, 0.5]}, "0.900", False),  # plain SGD
    ("forward-pass", {"mode": "neuron", "w": [1, 2], "x": [0.5, 0.25]}, "1", True),
    ("forward-pass", {"mode": "neuron", "w": [1, 2], "x": [0.5, 0.25]}, "1.5", False),
]


@pytest.mark.parametrize("name, params, answer, right", ANSWERS)
def test_check_derivation(name, params, answer, right):
    verdict = check_derivation(name, answer, params=params)
    assert verdict.verdict == ("equivalent" if right else "not_equivalent"), verdict.detail


# --- bad parameters ------------------------------------------------------------------------------------------------------

BAD = [
    ("softmax", {"z": [2.0]}, "parameter z must have at least 2"),
    ("softmax", {"z": "2,1"}, "parameter z must be a list"),
    ("softmax", {"z": [2.0, "x", 1]}, "parameter z[2] must be a number"),
    ("softmax", {"y": [1, 0]}, "parameter y has 2 entries but z has 3"),
    ("softmax", {"y": [0.5, 0.2, 0.2]}, "parameter y must be a probability vector"),
    ("softmax", {"z": [1e6, 0]}, "parameter z: logits must lie in"),
    ("forward-pass", {"W1": [[0.1, -0.1, 0.2], [0.2, 0.3, 0.4]]}, "parameter W1 of shape 2x3 does not fit x of length 2"),
    ("forward-pass", {"W2": [[1, 2, 3]]}, "parameter W2 of shape 1x3 does not fit layer 1 of 2 units"),
    ("forward-pass", {"W1": [[1, 2], [3, 4], [5, 6]]}, "W2 is the example's: give W2, or layers=1"),
    ("forward-pass", {"W1": [[1, 2], [3]]}, "parameter W1: every row must have the same length"),
    ("forward-pass", {"W3": [1, 2]}, "parameter W3 must be a matrix"),
    ("forward-pass", {"activations": "relu,relu"}, "parameter activations lists 2 activation(s) for 3 layer(s)"),
    ("forward-pass", {"activations": ["relu", "gelu", "softmax"]}, "unknown activation 'gelu'"),
    ("forward-pass", {"b2": [1, 2]}, "parameter b2 has 2 entries but its layer has 3 units"),
    ("forward-pass", {"layers": 5}, "parameter layers must be between 1 and 4"),
    ("forward-pass", {"layers": 4}, "parameter W4 is missing"),
    ("forward-pass", {"mode": "neuron", "w": [1, 2]}, "parameter w of length 2 does not fit x of length 4"),
    ("forward-pass", {"mode": "neuron", "W1": [[1]]}, "parameter W1 is for mode=network"),
    ("forward-pass", {"mode": "brain"}, "parameter mode must be network"),
    ("forward-pass", {"x": [1, True]}, "parameter x[2] must be a number"),
    ("dropout", {"p": 0}, "parameter p is the keep probability"),
    ("dropout", {"p": 1.5}, "parameter p is the keep probability"),
    ("dropout", {"mask": [1, 0]}, "parameter mask has 2 entries but h has 3"),
    ("dropout", {"mask": [1, 0.5, 1]}, "parameter mask must hold only 0"),
    ("dropout", {"h": list(range(9))}, "parameter h may have at most 8 entries"),
    ("batchnorm", {"z": [1.0]}, "parameter z must hold a mini-batch of at least 2"),
    ("batchnorm", {"eps": 0}, "parameter eps must be positive"),
    ("batchnorm", {"g": [1, 2]}, "parameter g has 2 entries but the batch z has 4"),
    ("batchnorm", {"gamma": "two"}, "parameter gamma must be a number"),
    ("optimizers", {"method": "lion"}, "parameter method must be all or one of"),
    ("optimizers", {"beta1": 1}, "parameter beta1 is a decay rate"),
    ("optimizers", {"lr": -0.1}, "parameter lr (the learning rate) must be positive"),
    ("optimizers", {"eps": 0}, "parameter eps must be positive"),
    ("optimizers", {"g": [0.1] * 6}, "parameter g: give one gradient, or a list of 1 to 5"),
    ("optimizers", {"g": [0.1, "big"]}, "parameter g[2] must be a number"),
    ("optimizers", {"w": float("nan")}, "parameter w must be a number"),
]


@pytest.mark.parametrize("name, params, message", BAD)
def test_bad_parameters_are_refused_by_name(name, params, message):
    with pytest.raises(ParameterError) as caught:
        registry.build(name, **params)
    assert message in str(caught.value)


def test_cli_reads_nested_lists_and_refuses_a_misfit(capsys):
    assert main(["derive", "forward-pass", "--param", "W1=[[0.1,-0.1],[0.2,0.3]]", "--param",
                 "activations=[relu,relu,softmax]", "--format", "text"]) == 0
    assert "z^(1) = [0.1·0.5 - 0.1·(-1.0); 0.2·0.5 + 0.3·(-1.0)] = [0.15; -0.2]" in capsys.readouterr().out
    assert main(["derive", "forward-pass", "--param", "W1=[[1,2,3]]"]) == 2
    assert "parameter W1 of shape 1x3 does not fit x of length 2" in capsys.readouterr().err
    assert main(["derive", "optimizers", "--param", "eps=1e-8", "--param", "method=adam"]) == 0
    assert r"\sqrt{0.25} + 10^{-8}" in capsys.readouterr().out


# --- properties over random parameters -----------------------------------------------------------------------------------

decimals = st.integers(-300, 300).map(lambda k: k / 100)


def computed_checks_pass(derivation):
    """The Computed checks (NumPy against the worked values); the symbolic ones are the same at every data."""
    results = []
    for step in derivation.steps:
        if isinstance(step.check, Computed):
            results += step.check.run("step", step.lhs, step.rhs, derivation, SEED)
    for key, check in derivation.result_checks.items():
        if isinstance(check, Computed):
            results += check.run(key, sp.Symbol(key), derivation.results[key], derivation, SEED)
    assert results and all(r.passed for r in results), [r.line() for r in results if not r.passed]


@PROPERTY
@given(st.lists(decimals, min_size=2, max_size=5), st.data())
def test_softmax_property(logits, data):
    target = [0] * len(logits)
    target[data.draw(st.integers(0, len(logits) - 1))] = 1
    d = registry.build("softmax", z=logits, y=target)
    p = np.array([value(d, f"p_{{{k + 1}}}") for k in range(len(logits))])
    assert abs(p.sum() - 1) < 1e-12
    assert np.allclose(p, np_softmax(logits), rtol=0, atol=1e-14)
    computed_checks_pass(d)


ACTIVATION = {"relu": lambda v: np.maximum(v, 0), "sigmoid": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh,
              "softmax": np_softmax, "linear": lambda v: v}


@st.composite
def networks(draw):
    widths = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    weights = [draw(st.lists(st.lists(decimals, min_size=widths[l], max_size=widths[l]), min_size=widths[l + 1],
                             max_size=widths[l + 1])) for l in range(len(widths) - 1)]
    activations = draw(st.lists(st.sampled_from(sorted(ACTIVATION)), min_size=len(weights), max_size=len(weights)))
    x = draw(st.lists(decimals, min_size=widths[0], max_size=widths[0]))
    return x, weights, activations


@PROPERTY
@given(networks())
def test_forward_pass_property(network):
    x, weights, activations = network
    params = {"x": x, "activations": activations, "layers": len(weights),
              **{f"W{l + 1}": w for l, w in enumerate(weights)}}
    d = registry.build("forward-pass", **params)
    a = np.array(x)
    for w, f in zip(weights, activations):
        a = ACTIVATION[f](np.array(w) @ a)
    got = [value(d, rf"\hat{{y}}_{{{k + 1}}}") for k in range(len(a))]
    assert np.allclose(got, a, rtol=1e-12, atol=1e-12)
    computed_checks_pass(d)


def reference_optimizer(method, w, grads, lr, beta, rho, beta1, beta2, eps):
    """Textbook loops: Sutskever momentum, Nesterov at the look-ahead point (Bengio et al. 2013 form), Adagrad,
    RMSProp and Adam with bias correction (Kingma and Ba, Algorithm 1)."""
    v = r = s = m = u = 0.0
    for t, g in enumerate(grads, start=1):
        if method == "momentum":
            v = beta * v - lr * g
            w = w + v
        elif method == "nesterov":
            v_prev, v = v, beta * v - lr * g
            w = w - beta * v_prev + (1 + beta) * v
        elif method == "adagrad":
            r += g * g
            w -= lr * g / (np.sqrt(r) + eps)
        elif method == "rmsprop":
            s = rho * s + (1 - rho) * g * g
            w -= lr * g / (np.sqrt(s) + eps)
        else:
            m = beta1 * m + (1 - beta1) * g
            u = beta2 * u + (1 - beta2) * g * g
            w -= lr * (m / (1 - beta1**t)) / (np.sqrt(u / (1 - beta2**t)) + eps)
    return w


@PROPERTY
@given(st.sampled_from(["momentum", "nesterov", "adagrad", "rmsprop", "adam"]), decimals,
       st.lists(decimals, min_size=1, max_size=3), st.integers(1, 100).map(lambda k: k / 100),
       *[st.integers(0, 99).map(lambda k: k / 100)] * 3, st.integers(900, 999).map(lambda k: k / 1000),
       st.sampled_from([1e-8, 1e-6, 0.001, 0.1]))
def test_optimizer_property(method, w, grads, lr, beta, rho, beta1, beta2, eps):
    d = registry.build("optimizers", method=method, w=w, g=grads, lr=lr, beta=beta, rho=rho, beta1=beta1, beta2=beta2,
                       eps=eps)
    want = reference_optimizer(method, w, grads, lr, beta, rho, beta1, beta2, eps)
    assert value(d, f"w_{{{len(grads)}}}") == pytest.approx(want, rel=1e-12, abs=1e-12)
    computed_checks_pass(d)


@PROPERTY
@given(st.lists(decimals, min_size=2, max_size=5), st.data(), decimals, decimals,
       st.sampled_from([1e-5, 0.001, 0.1, 1]))
def test_batchnorm_property(batch, data, gamma, beta, eps):
    upstream = data.draw(st.lists(decimals, min_size=len(batch), max_size=len(batch)))
    d = registry.build("batchnorm", z=batch, g=upstream, gamma=gamma, beta=beta, eps=eps)
    z_hat, z_tilde = np_batchnorm(batch, gamma, beta, eps)
    assert value(d, r"\mu_{B}") == pytest.approx(np.mean(batch), abs=1e-12)
    assert value(d, r"\sigma_{B}^{2}") == pytest.approx(np.var(batch), abs=1e-12)
    assert np.allclose([value(d, rf"\hat{{z}}_{{{k + 1}}}") for k in range(len(batch))], z_hat, atol=1e-9)
    assert np.allclose([value(d, rf"\tilde{{z}}_{{{k + 1}}}") for k in range(len(batch))], z_tilde, atol=1e-9)
    computed_checks_pass(d)


@PROPERTY
@given(st.integers(1, 100).map(lambda k: k / 100), st.lists(decimals, min_size=1, max_size=6), st.data())
def test_dropout_property(keep, h, data):
    mask = data.draw(st.lists(st.integers(0, 1), min_size=len(h), max_size=len(h)))
    d = registry.build("dropout", p=keep, h=h, mask=mask)
    for k in range(len(h)):
        assert value(d, rf"\tilde{{h}}_{{{k + 1}}}") == pytest.approx(mask[k] * h[k] / keep, abs=1e-12)
        assert value(d, rf"\hat{{h}}_{{{k + 1}}}") == pytest.approx(keep * h[k], abs=1e-12)
    computed_checks_pass(d)
