"""Course families, part A: conv-output-size, receptive-field, param-count, mult-count, convolution,
ransac-iterations, weight-symmetries, backprop-outer-product.

Golden LaTeX at each sheet's data (numbers reviewed by hand against COURSE.md), every check passing,
property tests of each closed form against a direct count or NumPy, the checker accepting the right
answer and refusing a near miss, and parameter errors that name the parameter.
"""

import itertools
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from symdl import registry, verify
from symdl.check import check_derivation
from symdl.errors import ParameterError
from symdl.latex import derivation_to_latex
from symdl.render import derivation_to_json, derivation_to_text

GOLDEN = Path(__file__).parent / "golden"
SEED = 20261122
FAMILIES = ["conv-output-size", "receptive-field", "param-count", "mult-count", "convolution", "ransac-iterations",
            "weight-symmetries", "backprop-outer-product"]
C7 = {"input": 4, "kernel": 2, "stride": 1, "want": 5}
C7_SIGNAL = {"image": [0, 4, 1, -1, 3, 0], "kernel": [-2, 1]}
# golden file -> (family, parameters): the default of each family is its sheet's data; the other
# problems of the sheets are parameter sets of the same families.
CASES = {
    "conv-output-size": ("conv-output-size", {}),                    # C.6
    "conv-output-size-padding": ("conv-output-size", C7),            # C.7, the padding
    "receptive-field": ("receptive-field", {}),                      # A.2
    "param-count": ("param-count", {}),                              # C.1
    "param-count-conv": ("param-count", {"kind": "conv"}),           # C.2
    "param-count-mlp": ("param-count", {"kind": "mlp"}),             # D.4
    "mult-count": ("mult-count", {}),                                # B.6, the 1x1 convolution
    "mult-count-bottleneck": ("mult-count", {"kind": "bottleneck"}),  # B.6
    "mult-count-inception": ("mult-count", {"kind": "inception"}),   # B.7
    "convolution": ("convolution", {}),                              # B.5 (and C.3's kernels)
    "convolution-1d": ("convolution", C7_SIGNAL),                    # C.7, the convolution
    "ransac-iterations": ("ransac-iterations", {}),                  # D.1
    "weight-symmetries": ("weight-symmetries", {}),                  # D.6
    "backprop-outer-product": ("backprop-outer-product", {}),        # D.3
}
# The sheets' answers, worked by hand.
SHEET_ANSWERS = {
    "conv-output-size": 64,
    "conv-output-size-padding": 1,
    "receptive-field": 9,
    "param-count": 75_000_100,
    "param-count-conv": 760,
    "param-count-mlp": "(D+1)*M + (M+1)*K",
    "mult-count": 4_816_896,
    "mult-count-bottleneck": 12_443_648,
    "mult-count-inception": 383_778_816,
    "convolution": [[0, 30, 30, 0]] * 4,
    "convolution-1d": [[4, -7, -3, 5, -6]],
    "ransac-iterations": 23,
    "weight-symmetries": "factorial(M) * 2**M",
    "backprop-outer-product": None,  # a formula, checked below
}
FAST = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def built():
    return {case: registry.build(name, **params) for case, (name, params) in CASES.items()}


def _first(derivation):
    return next(iter(derivation.results.values()))


def _is_definition(rule: str) -> bool:
    return rule.startswith("definition")


# --- golden LaTeX, verification, rendering -------------------------------------------------------

def test_every_family_is_registered():
    assert set(FAMILIES) <= set(registry.names())


@pytest.mark.parametrize("case", CASES)
def test_golden_latex(built, case):
    text = derivation_to_latex(built[case])
    golden = (GOLDEN / f"{case}.tex").read_text()
    assert text == golden
    assert text.isascii(), "the LaTeX goes to pdflatex"


@pytest.mark.parametrize("case", CASES)
def test_every_check_passes(built, case):
    results = verify(built[case], seed=SEED)
    assert results
    failures = [r.line() for r in results if not r.passed or r.max_error > 1e-6]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("case", CASES)
def test_every_claim_is_checked(built, case):
    d = built[case]
    unchecked = [s.rule for s in d.steps if s.check is None and not _is_definition(s.rule)]
    assert not unchecked, unchecked
    assert set(d.result_checks) == set(d.results)


@pytest.mark.parametrize("case", CASES)
def test_headline_is_the_sheets_answer(built, case):
    want = SHEET_ANSWERS[case]
    got = _first(built[case])
    if want is None:
        return
    if isinstance(want, str):
        symbols = {s.name: s for s in got.free_symbols}
        assert sp.simplify(got - sp.sympify(want, locals=symbols)) == 0
    elif isinstance(want, list):
        assert got == sp.ImmutableMatrix(want)
    else:
        assert got == want


def test_sheet_side_answers(built):
    """The other numbers each sheet asks for, from the derivations' named results."""
    r = {case: built[case].results for case in CASES}
    assert r["conv-output-size"][r"W_{\text{out}}"] == 64 and r["conv-output-size"][r"C_{\text{out}}"] == 128
    assert r["conv-output-size-padding"][r"n_{\text{out}}"] == 5
    assert r["receptive-field"][r"N_{\text{pixels}}"] == 81
    assert (r["param-count"][r"N_{\text{weights}}"], r["param-count"][r"N_{\text{biases}}"]) == (75_000_000, 100)
    b = r["mult-count-bottleneck"]
    assert (b[r"N_{\text{direct}}"], b[r"N_{\text{reduce}}"], b[r"N_{\text{conv}}"]) == (120_422_400, 2_408_448,
                                                                                       10_035_200)
    assert b[r"N_{\text{saved}}"] == 120_422_400 - 12_443_648
    assert (r["mult-count-inception"]["N_{1}"], r["mult-count-inception"]["N_{2}"]) == (226_492_416, 157_286_400)
    assert r["convolution-1d"][r"y_{\text{conv}}"] == sp.ImmutableMatrix([[-8, 2, 3, -7, 3]])
    assert r["backprop-outer-product"][r"\Delta^{(2)}"] == sp.ImmutableMatrix([[1, 6, 4], [-1, 3, -1]])
    assert "columns 2, 3 mark a vertical edge" in derivation_to_latex(built["convolution"])


@pytest.mark.parametrize("case", CASES)
def test_text_and_json_render(built, case):
    assert derivation_to_text(built[case]).strip()
    assert derivation_to_json(built[case]).strip().startswith("{")


# --- near misses: the checks must catch a wrong claim ---------------------------------------------

def _fails(results):
    assert results
    return not all(r.passed for r in results)


@pytest.mark.parametrize("case", [c for c in CASES if c not in ("param-count-mlp", "weight-symmetries",
                                                                "backprop-outer-product")])
def test_result_checks_catch_an_off_by_one(built, case):
    d = built[case]
    key, value = next(iter(d.results.items()))
    wrong = value + sp.ones(*value.shape) if isinstance(value, sp.MatrixBase) else value + 1
    assert _fails(d.result_checks[key].run("near miss", sp.Symbol(key), wrong, d, SEED))


def test_symbolic_results_catch_near_misses(built):
    mlp = built["param-count-mlp"]
    D, M, K = (sp.Symbol(n, real=True) for n in "DMK")
    assert _fails(mlp.result_checks[r"N_{\text{params}}"].run("x", None, D * M + M * K, mlp, SEED))
    ws = built["weight-symmetries"]
    M = sp.Symbol("M", real=True)
    assert _fails(ws.result_checks[r"N_{\text{equiv}}"].run("x", None, sp.factorial(M) * 2 ** (M - 1), ws, SEED))
    v, g = sp.IndexedBase("v"), sp.Symbol(r"\gamma", real=True)
    k, j = sp.symbols("k j", integer=True)
    assert _fails(ws.result_checks[r"\tilde{v}_{kj}"].run("x", None, g * v[k, j], ws, SEED))
    bp = built["backprop-outer-product"]
    key = r"\frac{\partial L}{\partial W^{(2)}}"
    a, d = bp.results[key].args[1].arg, bp.results[key].args[0]
    assert _fails(bp.result_checks[key].run("x", None, 2 * d * a.T, bp, SEED))


# --- property tests: closed forms against NumPy and direct counts ----------------------------------

def _shape_of_numpy_conv(x, f, s, p):
    """Shape of an actual NumPy cross-correlation with stride and zero padding."""
    padded = np.pad(x, p)
    kernel = np.ones(f)
    windows = sliding_window_view(padded, kernel.shape)[tuple(slice(None, None, q) for q in s)]
    out = np.einsum(f"{'abcd'[:x.ndim]}{'efgh'[:x.ndim]},{'efgh'[:x.ndim]}->{'abcd'[:x.ndim]}", windows, kernel)
    return out.shape


@FAST
@given(data=st.data(), dims=st.integers(1, 2))
def test_conv_output_size_equals_numpy(data, dims):
    n = [data.draw(st.integers(1, 20)) for _ in range(dims)]
    p = data.draw(st.integers(0, 3))
    f = [data.draw(st.integers(1, m + 2 * p)) for m in n]
    s = data.draw(st.integers(1, 4))
    d = registry.build("conv-output-size", input=n if dims > 1 else n[0], kernel=f, stride=s, padding=p)
    keys = [r"n_{\text{out}}"] if dims == 1 else [r"H_{\text{out}}", r"W_{\text{out}}"]
    x = np.random.default_rng(0).normal(size=n)
    assert tuple(int(d.results[k]) for k in keys) == _shape_of_numpy_conv(x, f, [s] * dims, p)


@FAST
@given(c=st.integers(1, 4), k=st.integers(1, 4), h=st.integers(3, 12), w=st.integers(3, 12), f=st.integers(1, 3),
       s=st.integers(1, 3), p=st.integers(0, 2))
def test_conv_output_size_with_channels_equals_a_numpy_convolution(c, k, h, w, f, s, p):
    d = registry.build("conv-output-size", input=[c, h, w], filters=k, kernel=f, stride=s, padding=p)
    rng = np.random.default_rng(1)
    x, filters = rng.normal(size=(c, h, w)), rng.normal(size=(k, c, f, f))
    windows = sliding_window_view(np.pad(x, ((0, 0), (p, p), (p, p))), (c, f, f))[0, ::s, ::s]
    out = np.einsum("hwcij,kcij->khw", windows, filters)
    got = tuple(int(d.results[key]) for key in (r"C_{\text{out}}", r"H_{\text{out}}", r"W_{\text{out}}"))
    assert got == out.shape


@FAST
@given(n=st.integers(1, 16), f=st.integers(1, 6), s=st.integers(1, 3), extra=st.integers(0, 8))
def test_solved_padding_is_the_smallest_that_gives_the_size(n, f, s, extra):
    want = max(1, (n - f) // s + 1 if f <= n else 1) + extra
    try:
        d = registry.build("conv-output-size", input=n, kernel=f, stride=s, want=want)
    except ParameterError as exc:  # then no padding gives it: check that by search
        assert "parameter want" in str(exc)
        assert all(f > n + 2 * q or (n + 2 * q - f) // s + 1 != want for q in range(n + f + want * s))
        return
    p = int(d.results["P"])
    x = np.zeros(n)
    assert _shape_of_numpy_conv(x, [f], [s], p) == (want,)
    assert p == 0 or f > n + 2 * (p - 1) or _shape_of_numpy_conv(x, [f], [s], p - 1) != (want,)


def _forward_extent(kernels, strides, size):
    """The span of the inputs that output unit 0 of a 1-D window-sum stack depends on, by perturbing each input."""
    def forward(x):
        for k, s in zip(kernels, strides):
            x = sliding_window_view(x, k)[::s].sum(axis=-1)
        return x

    base = forward(np.zeros(size))
    assert base.size >= 1
    feeds = []
    for i in range(size):
        x = np.zeros(size)
        x[i] = 1.0
        if forward(x)[0] != base[0]:
            feeds.append(i)
    return feeds[-1] - feeds[0] + 1  # the span from the first input that feeds unit 0 to the last


@FAST
@given(layers=st.lists(st.tuples(st.integers(1, 5), st.integers(1, 3)), min_size=1, max_size=5))
def test_receptive_field_equals_a_forward_perturbation_count(layers):
    kernels, strides = [k for k, _ in layers], [s for _, s in layers]
    d = registry.build("receptive-field", kernels=kernels, strides=strides)
    r = int(d.results[f"r_{{{len(kernels)}}}"])
    assert _forward_extent(kernels, strides, r + math.prod(strides)) == r
    assert d.results[r"N_{\text{pixels}}"] == r * r


def _module(name):
    return registry.get(name)


@FAST
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), units=st.integers(1, 4))
def test_param_count_fc_equals_perturbation_count(shape, units):
    m = _module("param-count")
    d = registry.build("param-count", kind="fc", input=shape, units=units)
    rng = np.random.default_rng(2)
    arrays = {"W": rng.normal(size=(units, math.prod(shape))), "b": rng.normal(size=units)}
    counted = m.perturbation_count(m.fc_forward, arrays, rng.normal(size=shape))
    assert (d.results[r"N_{\text{params}}"], d.results[r"N_{\text{weights}}"], d.results[r"N_{\text{biases}}"]) == \
        (counted["all"], counted["weights"], counted["biases"])


@FAST
@given(filters=st.integers(1, 3), kh=st.integers(1, 3), kw=st.integers(1, 3), channels=st.integers(1, 3))
def test_param_count_conv_equals_perturbation_count(filters, kh, kw, channels):
    m = _module("param-count")
    d = registry.build("param-count", kind="conv", filters=filters, kernel=[kh, kw], channels=channels)
    rng = np.random.default_rng(3)
    arrays = {"W": rng.normal(size=(filters, channels, kh, kw)), "b": rng.normal(size=filters)}
    counted = m.perturbation_count(m.conv_forward, arrays, rng.normal(size=(channels, kh + 2, kw + 2)))
    assert d.results[r"N_{\text{params}}"] == counted["all"] == (kh * kw * channels + 1) * filters


@FAST
@given(D=st.integers(1, 4), M=st.integers(1, 4), K=st.integers(1, 4))
def test_param_count_mlp_equals_perturbation_count(D, M, K):
    m = _module("param-count")
    d = registry.build("param-count", kind="mlp", D=D, M=M, K=K)
    rng = np.random.default_rng(4)
    arrays = {"W1": rng.normal(size=(M, D)), "b1": rng.normal(size=M), "W2": rng.normal(size=(K, M)),
              "b2": rng.normal(size=K)}
    counted = m.perturbation_count(m.mlp_forward, arrays, rng.normal(size=D))
    assert d.results[r"N_{\text{params}}"] == counted["all"]
    formula = registry.build("param-count", kind="mlp").results[r"N_{\text{params}}"]
    assert formula.xreplace({s: {"D": D, "M": M, "K": K}[s.name] for s in formula.free_symbols}) == counted["all"]


def _loop_count(m, shape, filters, kernel, stride, padding):
    """The module's direct loop convolution; its output must be the NumPy convolution, its count returned."""
    rng = np.random.default_rng(5)
    x, w = rng.normal(size=shape), rng.normal(size=(filters, kernel, kernel, shape[2]))
    out, count = m.loop_conv(x, w, stride, padding)
    padded = np.pad(x, ((padding, padding), (padding, padding), (0, 0)))
    windows = sliding_window_view(padded, (kernel, kernel, shape[2]))[::stride, ::stride, 0]
    assert np.allclose(out, np.einsum("hwabc,kabc->hwk", windows, w))
    return count


@FAST
@given(h=st.integers(1, 6), w=st.integers(1, 6), c=st.integers(1, 3), k=st.integers(1, 3), f=st.integers(1, 3),
       s=st.integers(1, 2), p=st.integers(0, 1))
def test_mult_count_equals_a_direct_loop(h, w, c, k, f, s, p):
    if f > min(h, w) + 2 * p:
        with pytest.raises(ParameterError, match="parameter kernel"):
            registry.build("mult-count", input=[h, w, c], filters=k, kernel=f, stride=s, padding=p)
        return
    m = _module("mult-count")
    d = registry.build("mult-count", input=[h, w, c], filters=k, kernel=f, stride=s, padding=p)
    assert d.results[r"N_{\text{mult}}"] == _loop_count(m, (h, w, c), k, f, s, p)


@FAST
@given(h=st.integers(1, 5), c=st.integers(1, 4), k=st.integers(1, 3), f=st.sampled_from([1, 3]),
       b=st.integers(1, 3))
def test_bottleneck_and_inception_equal_direct_loops(h, c, k, f, b):
    m = _module("mult-count")
    d = registry.build("mult-count", kind="bottleneck", input=[h, h, c], filters=k, kernel=f, bottleneck=b)
    reduce = _loop_count(m, (h, h, c), b, 1, 1, 0)
    conv = _loop_count(m, (h, h, b), k, f, 1, (f - 1) // 2)
    direct = _loop_count(m, (h, h, c), k, f, 1, (f - 1) // 2)
    assert (d.results[r"N_{\text{bottleneck}}"], d.results[r"N_{\text{direct}}"]) == (reduce + conv, direct)
    inception = registry.build("mult-count", kind="inception", input=[h, h, c], branches=[[k, f], [b, 1]])
    assert inception.results[r"N_{\text{total}}"] == direct + _loop_count(m, (h, h, c), b, 1, 1, 0)


def _loop_correlate(x, k, s, p, flip):
    x = np.pad(np.asarray(x, dtype=float), p)
    k = np.asarray(k, dtype=float)
    if flip:
        k = np.flip(k)
    out_shape = tuple((n - f) // s + 1 for n, f in zip(x.shape, k.shape))
    out = np.zeros(out_shape)
    for index in itertools.product(*map(range, out_shape)):
        window = x[tuple(slice(i * s, i * s + f) for i, f in zip(index, k.shape))]
        out[index] = float(np.sum(window * k))
    return out


@FAST
@given(data=st.data(), dims=st.integers(1, 2), s=st.integers(1, 2), p=st.integers(0, 1))
def test_convolution_equals_a_direct_loop(data, dims, s, p):
    shape = [data.draw(st.integers(2, 5)) for _ in range(dims)]
    kshape = [data.draw(st.integers(1, n)) for n in shape]
    ints = st.integers(-5, 5)
    image = np.array(data.draw(st.lists(ints, min_size=math.prod(shape), max_size=math.prod(shape)))).reshape(shape)
    kernel = np.array(data.draw(st.lists(ints, min_size=math.prod(kshape), max_size=math.prod(kshape))))
    kernel = kernel.reshape(kshape)
    d = registry.build("convolution", image=image.tolist(), kernel=kernel.tolist(), stride=s, padding=p, mode="both")
    letter = "Y" if dims == 2 else "y"
    for key, flip in ((letter, False), (letter + r"_{\text{conv}}", True)):
        got = np.array(d.results[key].tolist(), dtype=float)
        assert np.array_equal(got.reshape(-1), _loop_correlate(image, kernel, s, p, flip).reshape(-1))
    if dims == 1 and s == 1 and p == 0:
        assert np.array_equal(np.array(d.results[r"y_{\text{conv}}"].tolist(), dtype=float)[0],
                              np.convolve(image, kernel, mode="valid"))


@FAST
@given(s=st.integers(1, 8), e=st.integers(1, 95), p=st.integers(1, 99))
def test_ransac_is_the_smallest_sufficient_n(s, e, p):
    e_, p_ = Fraction(e, 100), Fraction(p, 100)
    estimate = math.log(1 - p_) / math.log1p(-float((1 - e_) ** s))
    if estimate > _module("ransac-iterations").MAX_ITERATIONS:
        with pytest.raises(ParameterError):
            registry.build("ransac-iterations", s=s, e=e / 100, p=p / 100)
        return
    n = int(registry.build("ransac-iterations", s=s, e=e / 100, p=p / 100).results["N"])
    assert n == _module("ransac-iterations").direct_loop(s, e_, p_)
    w = (1 - e_) ** s
    assert 1 - (1 - w) ** n >= p_
    assert n == 1 or 1 - (1 - w) ** (n - 1) < p_
    assert n == math.ceil(estimate - 1e-9) or abs(estimate - round(estimate)) < 1e-9


@pytest.mark.parametrize("m", [1, 2, 3, 4])
def test_weight_symmetry_search_finds_m_factorial_two_to_the_m(m):
    assert _module("weight-symmetries").count_equivalent(m, seed=m) == math.factorial(m) * 2 ** m


@FAST
@given(data=st.data(), batch=st.integers(1, 4), n2=st.integers(1, 4), n3=st.integers(1, 4))
def test_accumulated_delta_equals_the_sum_of_outer_products(data, batch, n2, n3):
    ints = st.integers(-4, 4)
    deltas = [data.draw(st.lists(ints, min_size=n3, max_size=n3)) for _ in range(batch)]
    acts = [data.draw(st.lists(ints, min_size=n2, max_size=n2)) for _ in range(batch)]
    d = registry.build("backprop-outer-product", deltas=deltas, activations=acts)
    want = np.einsum("ni,nj->ij", np.array(deltas), np.array(acts))
    assert np.array_equal(np.array(d.results[r"\Delta^{(2)}"].tolist(), dtype=float), want)


def test_families_verify_at_other_parameters():
    cases = [("conv-output-size", {"input": [3, 32, 48], "filters": 16, "kernel": [3, 5], "stride": 2,
                                   "padding": [1, 2]}),
             ("conv-output-size", {"want": "same"}),
             ("receptive-field", {"kernels": [7, 3, 3, 2], "strides": [2, 1, 2, 2]}),
             ("param-count", {"kind": "mlp", "D": 784, "M": 100, "K": 10}),
             ("mult-count", {"kernel": 5, "stride": 2, "padding": 1}),
             ("convolution", {"kernel": "horizontal", "padding": 1, "stride": 2}),
             ("ransac-iterations", {"s": 4, "e": "1/3", "p": 0.99}),
             ("weight-symmetries", {"M": 4}),
             ("backprop-outer-product", {"deltas": [[0.5, -1, 2]], "activations": [[1, 2]]})]
    for name, params in cases:
        failures = [r.line() for r in verify(registry.build(name, **params), seed=SEED) if not r.passed]
        assert not failures, (name, params, failures)


# --- the checker: the right answer, and a near miss ----------------------------------------------

ANSWERS = [  # (family, params, right answer, near miss)
    ("conv-output-size", {}, "64", "63"),
    ("conv-output-size", {}, r"C_{\text{out}} = 128", r"C_{\text{out}} = 96"),
    ("conv-output-size", {"stride": 1}, r"H_{\text{out}} = 128", r"H_{\text{out}} = 127"),
    ("receptive-field", {}, "9", "8"),
    ("receptive-field", {}, r"N_{\text{pixels}} = 81", r"N_{\text{pixels}} = 9"),
    ("param-count", {}, "75{,}000{,}100", "75{,}000{,}000"),
    ("param-count", {"kind": "conv"}, "760", "750"),
    ("param-count", {"kind": "mlp"}, "(D+1)M + (M+1)K", "DM + MK"),
    ("param-count", {"kind": "mlp"}, r"N_{\text{biases}} = M + K", r"N_{\text{biases}} = M"),
    ("param-count", {"kind": "mlp", "D": 784, "M": 100, "K": 10}, "79510", "79400"),
    ("mult-count", {}, "4,816,896", "4,816,897"),
    ("mult-count", {"kind": "bottleneck"}, "12443648", "120422400"),
    ("mult-count", {"kind": "bottleneck"}, r"N_{\text{direct}} = 120{,}422{,}400", r"N_{\text{direct}} = 120{,}422{,}000"),
    ("mult-count", {"kind": "inception"}, "383778816", "383778815"),
    ("convolution", {}, r"\begin{bmatrix}0&30&30&0\\0&30&30&0\\0&30&30&0\\0&30&30&0\end{bmatrix}",
     r"\begin{bmatrix}0&-30&-30&0\\0&-30&-30&0\\0&-30&-30&0\\0&-30&-30&0\end{bmatrix}"),
    ("ransac-iterations", {}, "23", "22"),
    ("ransac-iterations", {"s": 4, "e": 0.3, "p": 0.99}, "N = 17", "N = 16"),
    ("weight-symmetries", {"M": 3}, "48", "24"),
    ("weight-symmetries", {}, r"\tilde{v}_{kj} = \frac{v_{kj}}{\gamma}", r"\tilde{v}_{kj} = \gamma v_{kj}"),
    ("backprop-outer-product", {}, r"\delta^{(3)} (a^{(2)})^T", r"a^{(2)} (\delta^{(3)})^T"),
    ("backprop-outer-product", {}, r"\frac{\partial L}{\partial W^{(2)}_{ij}} = \delta^{(3)}_i a^{(2)}_j",
     r"\frac{\partial L}{\partial W^{(2)}_{ij}} = \delta^{(3)}_j a^{(2)}_i"),
    ("backprop-outer-product", {}, r"\Delta^{(2)} = \begin{bmatrix}1&6&4\\-1&3&-1\end{bmatrix}",
     r"\Delta^{(2)} = \begin{bmatrix}1&6&4\\-1&3&1\end{bmatrix}"),
]
NEEDS_LISTS = [  # parameters that are shapes or matrices: need symdl.check to hash list parameters
    ("conv-output-size", {"input": [96, 128, 128]}, "64", "65"),
    ("conv-output-size", C7, "1", "2"),
    ("conv-output-size", C7, r"n_{\text{out}} = 5", r"n_{\text{out}} = 4"),
    ("receptive-field", {"kernels": [3, 3, 3, 3], "strides": [1, 1, 1, 1]}, "r_{4} = 9", "r_{4} = 7"),
    ("param-count", {"input": [500, 500, 3]}, "75000100", "75000000"),
    ("mult-count", {"input": [28, 28, 192], "kernel": 5}, "120422400", "120422401"),
    ("convolution", C7_SIGNAL, r"\begin{bmatrix}4 & -7 & -3 & 5 & -6\end{bmatrix}",
     r"\begin{bmatrix}-8 & 2 & 3 & -7 & 3\end{bmatrix}"),
    ("convolution", C7_SIGNAL, r"y_{\text{conv}} = \begin{bmatrix}-8 & 2 & 3 & -7 & 3\end{bmatrix}",
     r"y_{\text{conv}} = \begin{bmatrix}4 & -7 & -3 & 5 & -6\end{bmatrix}"),
]
NEEDS_FACTORIAL = [("weight-symmetries", {}, "M! 2^M", "M! 2^{M-1}")]


def _accepts_and_rejects(name, params, right, wrong):
    good = check_derivation(name, right, params=params)
    assert good.verdict == "equivalent", (name, right, good)
    bad = check_derivation(name, wrong, params=params)
    assert bad.verdict == "not_equivalent", (name, wrong, bad)


@pytest.mark.parametrize("name, params, right, wrong", ANSWERS)
def test_checker_accepts_the_answer_and_rejects_a_near_miss(name, params, right, wrong):
    _accepts_and_rejects(name, params, right, wrong)


@pytest.mark.parametrize("name, params, right, wrong", NEEDS_LISTS)
def test_checker_with_shape_and_matrix_parameters(name, params, right, wrong):
    _accepts_and_rejects(name, params, right, wrong)


@pytest.mark.parametrize("name, params, right, wrong", NEEDS_FACTORIAL)
def test_checker_with_a_factorial(name, params, right, wrong):
    _accepts_and_rejects(name, params, right, wrong)


# --- parameters: clear errors that name the parameter --------------------------------------------

BAD = [
    ("conv-output-size", {"input": [3, 3], "kernel": 7, "padding": 1},
     "parameter kernel: kernel 7x7 is larger than the padded input 5x5"),
    ("conv-output-size", {"input": [1, 2, 3, 4]}, "parameter input"),
    ("conv-output-size", {"input": "big"}, "parameter input"),
    ("conv-output-size", {"kernel": [3, 3, 3]}, "parameter kernel has 3 entries"),
    ("conv-output-size", {"stride": 0}, "parameter stride"),
    ("conv-output-size", {"padding": -1}, "parameter padding"),
    ("conv-output-size", {"input": 4, "filters": 2}, "parameter filters"),
    ("conv-output-size", {"input": 4, "kernel": 2, "want": 5, "padding": 1}, "parameter padding or parameter want"),
    ("conv-output-size", {"input": 5, "kernel": 2, "stride": 1, "want": 3}, "parameter want"),
    ("conv-output-size", {"want": "wide"}, "parameter want"),
    ("receptive-field", {"kernels": [3, 0]}, "parameter kernels"),
    ("receptive-field", {"kernels": [3, 3], "strides": [1, 2, 2]}, "parameter strides has 3 entries"),
    ("receptive-field", {"kernels": [256] * 20, "strides": 16}, "parameters kernels and strides"),
    ("param-count", {"kind": "rnn"}, "parameter kind"),
    ("param-count", {"kind": "conv", "D": 3}, "parameter D belongs to kind=mlp"),
    ("param-count", {"kind": "mlp", "D": 3}, "parameter M is missing"),
    ("param-count", {"units": 0}, "parameter units"),
    ("param-count", {"input": [2, 2, 2, 2, 2]}, "parameter input"),
    ("mult-count", {"kind": "conv", "kernel": 4}, "parameter padding: 'same' padding needs an odd kernel"),
    ("mult-count", {"input": [28, 28]}, "parameter input"),
    ("mult-count", {"kind": "conv", "bottleneck": 8}, "parameter bottleneck is for kind=bottleneck"),
    ("mult-count", {"kind": "inception", "branches": [[3]]}, "parameter branches"),
    ("mult-count", {"kernel": 31, "padding": 0}, "parameter kernel: kernel 31x31 is larger than the padded input"),
    ("convolution", {"image": [[1, 2], [3]]}, "parameter image"),
    ("convolution", {"image": [1, 2, 3], "kernel": [[1]]}, "parameter kernel is 2-D"),
    ("convolution", {"kernel": "diagonal"}, "parameter kernel"),
    ("convolution", {"image": [[1, 2], [3, 4]], "kernel": [[1, 2, 3]] * 3},
     "parameter kernel: kernel 3x3 is larger than the padded input 2x2"),
    ("convolution", {"mode": "fft"}, "parameter mode"),
    ("convolution", {"image": [[1, "a"]]}, "parameter image"),
    ("ransac-iterations", {"p": 1.5}, "parameter p"),
    ("ransac-iterations", {"e": 0}, "parameter e"),
    ("ransac-iterations", {"e": "half"}, "parameter e"),
    ("ransac-iterations", {"s": 0}, "parameter s"),
    ("ransac-iterations", {"s": 60, "e": 0.9}, "parameters e = 0.9 and s = 60"),
    ("weight-symmetries", {"M": 9}, "parameter M"),
    ("backprop-outer-product", {"deltas": [[1, 2]], "activations": [[1], [2]]}, "parameters deltas and activations"),
    ("backprop-outer-product", {"deltas": [[1, 2], [3]]}, "parameter deltas"),
    ("backprop-outer-product", {"activations": 3}, "parameter activations"),
]


@pytest.mark.parametrize("name, params, message", BAD)
def test_bad_parameters_are_refused_by_name(name, params, message):
    with pytest.raises(ParameterError, match=_escape(message)):
        registry.build(name, **params)


def _escape(text):
    import re

    return re.escape(text)


def test_unknown_parameter_is_refused():
    with pytest.raises(ParameterError, match="unknown parameter 'size'"):
        registry.build("conv-output-size", size=3)


def test_shapes_are_accepted_in_every_spelling():
    from symdl.params import parse_value

    for text in ("96x128x128", "[96,128,128]"):
        d = registry.build("conv-output-size", input=parse_value(text))
        assert d.results[r"H_{\text{out}}"] == 64
    assert registry.build("conv-output-size", input=(96, 128, 128)).results[r"H_{\text{out}}"] == 64
