r"""Parameter counts: a fully connected layer, a convolutional layer with input channels, a D-M-K network.

One derivation with a ``kind`` parameter (each kind a problem of the sheets):

* ``kind=fc`` (Sheet C.1, the default): ``input`` (a shape such as ``500x500x3``, flattened) into
  ``units`` fully connected units;
* ``kind=conv`` (Sheet C.2): ``filters`` filters of ``kernel`` x ``kernel`` (or ``FhxFw``) on an input of
  ``channels`` channels;
* ``kind=mlp`` (Sheet D.4): a network with ``D`` inputs, ``M`` hidden units and ``K`` outputs; without
  numbers the count is the formula (D+1)M + (M+1)K, with all three given it is a number.

Results: ``N_{\text{params}}`` (weights and biases: the headline), ``N_{\text{weights}}``, ``N_{\text{biases}}``.
"""

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from symdl import Computed, Derivation, Identity, Step
from symdl.errors import ParameterError
from symdl.numeric import relative_error
from symdl.verify import CheckResult
from symdl.worked import Counted, I, Written, in_order

NAME = "param-count"
SUMMARY = "Weights and biases of a fully connected layer, a conv layer (F*F*C + 1)*K, a D-M-K network (D+1)M + (M+1)K"
PARAMS = {"kind": "fc", "input": [500, 500, 3], "units": 100, "filters": 10, "kernel": 5, "channels": 3,
          "D": None, "M": None, "K": None}
PARAM_HELP = {  # symdl derive NAME --help, symdl list --params
    "kind": "fc, conv or mlp",
    'input': "the input's shape, flattened (kind=fc)",
    "units": "the fully connected units (kind=fc)",
    "filters": "the filters (kind=conv)",
    "kernel": "F, or FhxFw (kind=conv)",
    "channels": "the input channels (kind=conv)",
    "D": "inputs (kind=mlp)",
    "M": "hidden units (kind=mlp)",
    "K": "outputs (kind=mlp)",
}
KINDS = {"fc": ("input", "units"), "conv": ("filters", "kernel", "channels"), "mlp": ("D", "M", "K")}
MAX = 10**9

# --- parameters ----------------------------------------------------------------------------------


def _int(name, value, maximum=MAX) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(f"parameter {name} must be an integer, got {value!r}")
    if not 1 <= value <= maximum:
        raise ParameterError(f"parameter {name} must be between 1 and {maximum}, got {value}")
    return value


def _shape(name, value, sizes=(1, 2, 3, 4)) -> list[int]:
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if len(values) not in sizes:
        raise ParameterError(f"parameter {name} must have {' or '.join(map(str, sizes))} sizes, got {len(values)}")
    return [_int(name, v) for v in values]


def read(params: dict) -> dict:
    p = {**PARAMS, **params}
    kind = p["kind"]
    if kind not in KINDS:
        raise ParameterError(f"parameter kind must be one of {', '.join(KINDS)}; got {kind!r}")
    for name in params:
        if name != "kind" and name not in KINDS[kind]:
            owner = next((k for k, names in KINDS.items() if name in names), None)
            raise ParameterError(f"parameter {name} belongs to kind={owner}, not kind={kind}")
    out = {"kind": kind, "params": {"kind": kind, **{n: p[n] for n in KINDS[kind]}}}
    if kind == "fc":
        out["input"] = _shape("input", p["input"])
        out["units"] = _int("units", p["units"])
    elif kind == "conv":
        out["filters"] = _int("filters", p["filters"])
        kernel = _shape("kernel", p["kernel"], (1, 2))
        out["kernel"] = kernel * 2 if len(kernel) == 1 else kernel
        out["channels"] = _int("channels", p["channels"])
    else:
        given = [n for n in ("D", "M", "K") if p[n] is not None]
        if given and len(given) < 3:
            missing = next(n for n in ("D", "M", "K") if p[n] is None)
            raise ParameterError(f"parameter {missing} is missing: give D, M and K for a number, or none for the formula")
        out["numbers"] = {n: _int(n, p[n]) for n in given} if given else None
    return out


# --- the layers as NumPy arrays: the independent count ---------------------------------------------


def _zeros(shape):
    """A parameter array of that shape; zero strides, so a 75-million-entry matrix costs no memory."""
    return np.broadcast_to(np.zeros((), dtype=np.float32), tuple(shape))


def fc_arrays(shape, units) -> dict:
    n_in = _zeros(shape).size  # the flattened input
    return {"W": _zeros((units, n_in)), "b": _zeros((units,))}


def conv_arrays(filters, kernel, channels) -> dict:
    return {"W": _zeros((filters, channels, *kernel)), "b": _zeros((filters,))}


def mlp_arrays(D, M, K) -> dict:
    return {"W1": _zeros((M, D)), "b1": _zeros((M,)), "W2": _zeros((K, M)), "b2": _zeros((K,))}


def count(arrays, which="all") -> int:
    """Entries of the parameter arrays: ``weights`` (the matrices), ``biases`` (the vectors), or all."""
    keep = {"all": lambda a: True, "weights": lambda a: a.ndim > 1, "biases": lambda a: a.ndim == 1}[which]
    return sum(a.size for a in arrays.values() if keep(a))


# Forward passes with real arrays, for counting parameters by perturbation (tests use these).
def fc_forward(arrays, x):
    return arrays["W"] @ x.reshape(-1) + arrays["b"]


def conv_forward(arrays, x):
    """Cross-correlation of a C x H x W input with K filters of C x Fh x Fw, stride 1, no padding."""
    from numpy.lib.stride_tricks import sliding_window_view

    w = arrays["W"]
    windows = sliding_window_view(x, w.shape[1:])[0]  # (H', W', C, Fh, Fw)
    return np.einsum("hwcij,kcij->khw", windows, w) + arrays["b"][:, None, None]


def mlp_forward(arrays, x):
    return arrays["W2"] @ np.tanh(arrays["W1"] @ x + arrays["b1"]) + arrays["b2"]


def perturbation_count(forward, arrays, x, h=1e-3) -> dict:
    """Count the parameters that change the output, one scalar at a time (a direct loop)."""
    arrays = {k: np.array(v, dtype=float) for k, v in arrays.items()}
    base = forward(arrays, x)
    found = {"weights": 0, "biases": 0}
    for name, a in arrays.items():
        for index in np.ndindex(a.shape):
            old = a[index]
            a[index] = old + h
            if not np.allclose(forward(arrays, x), base, rtol=0, atol=1e-12):
                found["weights" if a.ndim > 1 else "biases"] += 1
            a[index] = old
    found["all"] = found["weights"] + found["biases"]
    return found


@dataclass(frozen=True)
class CountedAt:
    """A formula in symbols checked against the parameter arrays' count at seeded random sizes."""

    symbols: tuple
    arrays: object
    which: str = "all"
    points: int = 8
    method: str = "NumPy parameter arrays at random sizes"

    def run(self, label, lhs, rhs, derivation, seed):
        rng = np.random.default_rng(seed)
        sizes = rng.integers(1, 60, size=(self.points, len(self.symbols)))
        formula = sp.sympify(rhs).doit()
        got = [float(formula.xreplace({s: sp.Integer(int(v)) for s, v in zip(self.symbols, row)})) for row in sizes]
        want = [count(self.arrays(*map(int, row)), self.which) for row in sizes]
        error = relative_error(got, want)
        ok = error == 0  # counts agree exactly
        return [CheckResult(label, self.method, error, self.points, seed, ok,
                            "" if ok else f"formula {got[:4]} vs arrays {want[:4]}")]


# --- the derivation ------------------------------------------------------------------------------

N_PARAMS, N_WEIGHTS, N_BIASES = r"N_{\text{params}}", r"N_{\text{weights}}", r"N_{\text{biases}}"


def _sym(name):
    """A scalar as the answer parser makes it (real), so a student's D is the derivation's D."""
    return sp.Symbol(name, real=True)


SUM = Written(_sym(N_WEIGHTS) + _sym(N_BIASES), rf"{N_WEIGHTS} + {N_BIASES}")


@dataclass(frozen=True)
class Both:
    """Two checks of one step: each must pass."""

    first: object
    second: object

    def run(self, label, lhs, rhs, derivation, seed):
        return self.first.run(label, lhs, rhs, derivation, seed) + self.second.run(label, lhs, rhs, derivation, seed)


def build(**params) -> Derivation:
    c = read(params)
    steps, results, checks, definitions = {"fc": _fc, "conv": _conv, "mlp": _mlp}[c["kind"]](c)
    titles = {"fc": "Parameters of a fully connected layer", "conv": "Parameters of a convolutional layer",
              "mlp": "Parameters of a network with $D$ inputs, $M$ hidden units and $K$ outputs"}
    return Derivation(
        name=NAME,
        title=titles[c["kind"]],
        summary=SUMMARY,
        statement=_statement(c),
        steps=tuple(steps),
        results=results,
        definitions=definitions,
        assumptions=("every unit (every filter) has one bias", "weights are not shared between units, except "
                     "that a convolution filter is shared across all positions of the image"),
        params=c["params"],
        result_checks=checks,
    )


def _counted(arrays, which, method="NumPy parameter arrays of the layer") -> Computed:
    return Counted(lambda: count(arrays, which), method)


def _fc(c):
    shape, units = c["input"], c["units"]
    arrays = fc_arrays(shape, units)
    n_in = math.prod(shape)
    weights, biases, total = n_in * units, units, n_in * units + units
    flat = Counted(lambda: _zeros(shape).size, "NumPy flattened input")
    w, b, t = _counted(arrays, "weights"), _counted(arrays, "biases"), _counted(arrays, "all")
    N_in, U = _sym(r"N_{\text{in}}"), _sym("U")
    steps = [
        Step(N_WEIGHTS, Written(N_in * U, r"N_{\text{in}} \cdot U"),
             "definition: each of the $U$ units has one weight for every input"),
        Step(N_BIASES, U, "definition: one bias per unit"),
    ]
    if len(shape) > 1:
        written = r" \times ".join(map(str, shape))
        steps.append(Step(N_in, in_order(lambda: sp.Mul(*map(I, shape))),
                          f"the ${written}$ input, flattened into one vector", check=flat))
    steps.append(Step(N_in, Written(I(n_in)), "arithmetic" if len(shape) > 1 else "the input size", check=flat))
    steps += [
        Step(N_WEIGHTS, in_order(lambda: sp.Mul(I(n_in), I(units))), f"substitute $N_{{\\text{{in}}}} = {n_in}$, "
             f"$U = {units}$", check=w),
        Step(N_WEIGHTS, Written(I(weights)), "arithmetic", check=w),
        Step(N_BIASES, Written(I(biases)), f"one bias for each of the $U = {units}$ units", check=b),
        Step(N_PARAMS, in_order(lambda: sp.Add(I(weights), I(biases))), "weights plus biases", check=t),
        Step(N_PARAMS, Written(I(total)), "arithmetic", check=t),
    ]
    results = {N_PARAMS: I(total), N_WEIGHTS: I(weights), N_BIASES: I(biases)}
    return steps, results, {N_PARAMS: t, N_WEIGHTS: w, N_BIASES: b}, {}


def _conv(c):
    k, (fh, fw), ch = c["filters"], c["kernel"], c["channels"]
    arrays = conv_arrays(k, (fh, fw), ch)
    weights, biases = fh * fw * ch * k, k
    w, b, t = _counted(arrays, "weights"), _counted(arrays, "biases"), _counted(arrays, "all")
    F, C, K = _sym("F"), _sym("C"), _sym("K")
    steps = [
        Step(_sym(N_WEIGHTS), Written(F * F * C * K, r"F \cdot F \cdot C \cdot K"),
             "definition: each of the K filters has $F \\times F$ weights in each of the C input channels"),
        Step(_sym(N_BIASES), K, "definition: one bias per filter"),
        Step(_sym(N_PARAMS), SUM, "definition: weights plus biases"),
        Step(_sym(N_PARAMS), Written(F * F * C * K + K, r"F \cdot F \cdot C \cdot K + K"),
             "substitute the two counts", check=Identity()),
        Step(_sym(N_PARAMS), Written((F * F * C + 1) * K, r"(F \cdot F \cdot C + 1)\, K"),
             "factor out K: each filter has $F \\cdot F \\cdot C$ weights and one bias", check=Identity()),
        Step(N_PARAMS, in_order(lambda: sp.Mul(sp.Add(sp.Mul(I(fh), I(fw), I(ch)), I(1)), I(k))),
             f"substitute $F = {fh}$" + ("" if fh == fw else f" by {fw}") + f", $C = {ch}$, $K = {k}$", check=t),
        Step(N_PARAMS, in_order(lambda: sp.Mul(I(fh * fw * ch + 1), I(k))), "arithmetic", check=t),
        Step(N_PARAMS, Written(I(weights + biases)), "arithmetic", check=t),
    ]
    results = {N_PARAMS: I(weights + biases), N_WEIGHTS: I(weights), N_BIASES: I(biases)}
    definitions = {_sym(N_WEIGHTS): F * F * C * K, _sym(N_BIASES): K, _sym(N_PARAMS): _sym(N_WEIGHTS) + _sym(N_BIASES)}
    return steps, results, {N_PARAMS: t, N_WEIGHTS: w, N_BIASES: b}, definitions


def _mlp(c):
    D, M, K = (_sym(n) for n in ("D", "M", "K"))
    weights, biases = D * M + M * K, M + K
    total = Written((D + 1) * M + (M + 1) * K, "(D + 1) M + (M + 1) K")
    by_formula = {which: CountedAt((D, M, K), mlp_arrays, which) for which in ("all", "weights", "biases")}
    steps = [
        Step(_sym(N_WEIGHTS), Written(weights, "D M + M K"),
             "definition: a $D \\times M$ weight matrix into the hidden layer, an $M \\times K$ one out of it"),
        Step(_sym(N_BIASES), Written(biases, "M + K"), "definition: one bias per hidden and per output unit"),
        Step(_sym(N_PARAMS), SUM, "definition: weights plus biases"),
        Step(_sym(N_PARAMS), Written(D * M + M + M * K + K, "D M + M + M K + K"),
             "substitute the two counts", check=Identity()),
        Step(_sym(N_PARAMS), total, "collect the terms in M and in K: each unit has a weight per input plus a bias",
             check=Both(Identity(), by_formula["all"])),
    ]
    results = {N_PARAMS: (D + 1) * M + (M + 1) * K, N_WEIGHTS: weights, N_BIASES: biases}
    checks = {N_PARAMS: by_formula["all"], N_WEIGHTS: by_formula["weights"], N_BIASES: by_formula["biases"]}
    numbers = c["numbers"]
    if numbers:
        d, m, k = numbers["D"], numbers["M"], numbers["K"]
        arrays = mlp_arrays(d, m, k)
        w, b, t = _counted(arrays, "weights"), _counted(arrays, "biases"), _counted(arrays, "all")
        steps += [
            Step(N_PARAMS, in_order(lambda: sp.Add(sp.Mul(sp.Add(I(d), I(1)), I(m)), sp.Mul(sp.Add(I(m), I(1)), I(k)))),
                 f"substitute $D = {d}$, $M = {m}$, $K = {k}$", check=t),
            Step(N_PARAMS, in_order(lambda: sp.Add(I((d + 1) * m), I((m + 1) * k))), "arithmetic", check=t),
            Step(N_PARAMS, Written(I((d + 1) * m + (m + 1) * k)), "arithmetic", check=t),
        ]
        results = {N_PARAMS: I((d + 1) * m + (m + 1) * k), N_WEIGHTS: I(d * m + m * k), N_BIASES: I(m + k)}
        checks = {N_PARAMS: t, N_WEIGHTS: w, N_BIASES: b}
    return steps, results, checks, {_sym(N_WEIGHTS): weights, _sym(N_BIASES): biases,
                                    _sym(N_PARAMS): _sym(N_WEIGHTS) + _sym(N_BIASES)}


def _statement(c) -> str:
    if c["kind"] == "fc":
        shape = r" \times ".join(map(str, c["input"]))
        return (f"An input of ${shape}$ values feeds a fully connected layer of {c['units']} units. "
                "How many weights and biases does the layer have?")
    if c["kind"] == "conv":
        fh, fw = c["kernel"]
        return (f"A convolutional layer has {c['filters']} filters of ${fh} \\times {fw}$ on an input with "
                f"{c['channels']} channels. How many parameters does it have? (The image size does not matter: "
                "each filter is shared across all positions.)")
    numbers = c["numbers"]
    given = (f" Here D = {numbers['D']}, M = {numbers['M']}, K = {numbers['K']}." if numbers else "")
    return ("A two-layer network has D inputs, M hidden units and K outputs, fully connected, with biases. "
            "How many weights and biases does it have?" + given)
