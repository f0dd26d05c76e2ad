r"""Multiplications of convolution layers: one layer, a 1x1 bottleneck and its saving, an Inception-style sum.

One derivation with a ``kind`` parameter. Inputs are written ``H x W x C`` here, as Sheet B does.

* ``kind=conv`` (Sheet B.6, first part; the default): ``input`` 28x28x192, ``filters`` K = 32,
  ``kernel`` F = 1, ``stride`` 1, ``padding`` ``same`` (or a number);
* ``kind=bottleneck`` (Sheet B.6): ``input``, ``filters`` 32, ``kernel`` 5 (the default for this kind),
  ``bottleneck`` 16: the direct F x F convolution against a 1x1 reduction to ``bottleneck`` channels first;
* ``kind=inception`` (Sheet B.7): ``input`` (32x32x192 for this kind), ``branches`` ``[[128,3],[32,5]]``:
  [filters, kernel] per branch, every branch with stride 1 and 'same' padding.

A multiplication is counted for every product of an input value (padding zeros included) and a
weight; biases and additions are not counted.

Results: ``kind=conv`` ``N_{\text{mult}}``; ``kind=bottleneck`` ``N_{\text{bottleneck}}`` (the headline),
``N_{\text{direct}}``, ``N_{\text{saved}}``, ``N_{\text{reduce}}``, ``N_{\text{conv}}``;
``kind=inception`` ``N_{\text{total}}`` (the headline) and ``N_{1}``, ``N_{2}``, ... per branch.
"""

from itertools import product

import numpy as np
import sympy as sp
from numpy.lib.stride_tricks import sliding_window_view

from symdl import Computed, Derivation, Step
from symdl.errors import ParameterError
from symdl.worked import Counted, I, Written, in_order

NAME = "mult-count"
SUMMARY = "Multiplications H'W'K F F C of a conv layer, a 1x1 bottleneck and its saving, an Inception branch sum"
PARAMS = {"kind": "conv", "input": [28, 28, 192], "filters": 32, "kernel": 1, "stride": 1, "padding": "same",
          "bottleneck": 16, "branches": [[128, 3], [32, 5]]}
PARAM_HELP = {  # symdl derive NAME --help, symdl list --params
    "kind": "conv, bottleneck or inception",
    "input": "HxWxC (channels last, as Sheet B)",
    "filters": "K, the number of filters",
    "kernel": "F",
    "stride": "S",
    "padding": "same, or a number",
    "bottleneck": "the channels of the 1x1 reduction (kind=bottleneck)",
    "branches": "[filters, kernel] per branch (kind=inception)",
}
KINDS = {
    "conv": {"input": [28, 28, 192], "filters": 32, "kernel": 1, "stride": 1, "padding": "same"},
    "bottleneck": {"input": [28, 28, 192], "filters": 32, "kernel": 5, "bottleneck": 16},
    "inception": {"input": [32, 32, 192], "branches": [[128, 3], [32, 5]]},
}
MAX = 1 << 16

# --- parameters ----------------------------------------------------------------------------------


def _int(name, value, minimum=1, maximum=MAX) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(f"parameter {name} must be an integer, got {value!r}")
    if not minimum <= value <= maximum:
        raise ParameterError(f"parameter {name} must be between {minimum} and {maximum}, got {value}")
    return value


def _x(values) -> str:
    return "x".join(map(str, values))


def read(params: dict) -> dict:
    kind = params.get("kind", PARAMS["kind"])
    if kind not in KINDS:
        raise ParameterError(f"parameter kind must be one of {', '.join(KINDS)}; got {kind!r}")
    for name in params:
        if name != "kind" and name not in KINDS[kind]:
            owners = [k for k, names in KINDS.items() if name in names]
            raise ParameterError(f"parameter {name} is for kind={' or kind='.join(owners)}, not kind={kind}")
    p = {**KINDS[kind], **params}
    shape = p["input"]
    if not isinstance(shape, (list, tuple)) or len(shape) != 3:
        raise ParameterError(f"parameter input must be H x W x C, e.g. 28x28x192; got {shape!r}")
    shape = [_int("input", v) for v in shape]
    out = {"kind": kind, "input": shape, "params": {"kind": kind, **{k: p[k] for k in KINDS[kind]}}}
    if kind == "conv":
        out["filters"] = _int("filters", p["filters"])
        out["kernel"] = _int("kernel", p["kernel"])
        out["stride"] = _int("stride", p["stride"])
        out["padding"] = _padding(p["padding"], out["kernel"])
        padded = [n + 2 * out["padding"] for n in shape[:2]]
        if any(out["kernel"] > n for n in padded):
            raise ParameterError(f"parameter kernel: kernel {out['kernel']}x{out['kernel']} is larger than the "
                                 f"padded input {_x(padded)}")
    elif kind == "bottleneck":
        out["filters"] = _int("filters", p["filters"])
        out["kernel"] = _int("kernel", p["kernel"])
        _padding("same", out["kernel"])
        out["bottleneck"] = _int("bottleneck", p["bottleneck"])
    else:
        branches = p["branches"]
        if (not isinstance(branches, (list, tuple)) or not branches
                or not all(isinstance(b, (list, tuple)) and len(b) == 2 for b in branches)):
            raise ParameterError(f"parameter branches must list [filters, kernel] pairs, e.g. [[128,3],[32,5]]; "
                                 f"got {branches!r}")
        out["branches"] = [(_int("branches", k), _int("branches", f)) for k, f in branches]
        for _, f in out["branches"]:
            _padding("same", f, "branches")
    return out


def _padding(value, kernel, name="padding") -> int:
    if value == "same":
        if kernel % 2 == 0:
            raise ParameterError(f"parameter {name}: 'same' padding needs an odd kernel (symmetric padding "
                                 f"(F - 1)/2), got {kernel}")
        return (kernel - 1) // 2
    return _int("padding", value, minimum=0)


# --- the independent counts ----------------------------------------------------------------------


def numpy_count(shape, filters, kernel, stride=1, padding=0) -> int:
    """Multiplications NumPy would do: every output value multiplies one F x F x C window by a filter.

    The windows are views of a zero-stride padded input, so this costs no memory at any size.
    """
    h, w, c = shape
    padded = np.broadcast_to(np.zeros((), dtype=np.uint8), (h + 2 * padding, w + 2 * padding, c))
    windows = sliding_window_view(padded, (kernel, kernel, c))[::stride, ::stride]
    return windows.size * filters  # one product per window entry and filter


def loop_conv(x, weights, stride=1, padding=0):
    """A direct convolution that counts its multiplications: (output, count).

    ``x`` is H x W x C, ``weights`` K x F x F x C. For small tensors only.
    """
    h, w, c = x.shape
    k, f = weights.shape[0], weights.shape[1]
    xp = np.zeros((h + 2 * padding, w + 2 * padding, c))
    xp[padding: padding + h, padding: padding + w] = x
    ho, wo = (h + 2 * padding - f) // stride + 1, (w + 2 * padding - f) // stride + 1
    out = np.zeros((ho, wo, k))
    count = 0
    for i, j, n in product(range(ho), range(wo), range(k)):
        total = 0.0
        for a, b, ch in product(range(f), range(f), range(c)):
            total += xp[i * stride + a, j * stride + b, ch] * weights[n, a, b, ch]
            count += 1
        out[i, j, n] = total
    return out, count


# --- the derivation ------------------------------------------------------------------------------


def _sym(name):
    return sp.Symbol(name, real=True)


def _layer_steps(key, label, shape, filters, kernel, stride, padding, data_rule):
    """Substitute into H_out W_out K F F C for one layer, with its NumPy count as the check."""
    h, w, c = shape
    ho, wo = (h + 2 * padding - kernel) // stride + 1, (w + 2 * padding - kernel) // stride + 1
    n = ho * wo * filters * kernel * kernel * c
    check = Counted(lambda: numpy_count(shape, filters, kernel, stride, padding), "NumPy sliding-window count")
    steps = [
        Step(key, in_order(lambda: sp.Mul(I(ho), I(wo), I(filters), I(kernel), I(kernel), I(c))),
             f"{label}: {data_rule}", check=check),
        Step(key, Written(I(n)), "arithmetic", check=check),
    ]
    return steps, n, check


def build(**params) -> Derivation:
    c = read(params)
    steps = [Step(_sym(r"N_{\text{mult}}"), Written(sp.Mul(*map(_sym, (r"H_{\text{out}}", r"W_{\text{out}}", "K", "F", "F", "C"))),
                                                   r"H_{\text{out}}\, W_{\text{out}}\, K \cdot F \cdot F \cdot C"),
                  "definition: each of the $H_{\\text{out}} W_{\\text{out}} K$ output values is the dot product "
                  "of an $F \\times F \\times C$ window with a filter: one multiplication per weight")]
    results, checks = {}, {}
    h, w, ch = c["input"]
    if c["kind"] == "conv":
        k, f, s, p = c["filters"], c["kernel"], c["stride"], c["padding"]
        ho, wo = (h + 2 * p - f) // s + 1, (w + 2 * p - f) // s + 1
        if (s, p) != (1, (f - 1) // 2):
            size = Counted(lambda: sliding_window_view(
                np.broadcast_to(np.uint8(0), (h + 2 * p, w + 2 * p)), (f, f))[::s, ::s].shape[:2],
                "NumPy sliding-window output shape")
            steps.append(Step(r"H_{\text{out}} \times W_{\text{out}}", Written(sp.ImmutableMatrix([ho, wo]),
                                                                            f"{ho} \\times {wo}"),
                              f"output-size formula $\\lfloor (H - F + 2P)/S \\rfloor + 1$ with P = {p}, S = {s}",
                              check=size))
            rule = (f"substitute $H_{{\\text{{out}}}} = {ho}$, $W_{{\\text{{out}}}} = {wo}$, $K = {k}$, $F = {f}$, "
                    f"$C = {ch}$")
        else:
            rule = (f"substitute $K = {k}$, $F = {f}$, $C = {ch}$; stride 1 and 'same' padding keep the "
                    f"${h} \\times {w}$ size")
        layer, n, check = _layer_steps(r"N_{\text{mult}}", f"the ${f} \\times {f}$ convolution", c["input"], k, f, s,
                                       p, rule)
        steps += layer
        results[r"N_{\text{mult}}"], checks[r"N_{\text{mult}}"] = I(n), check
        title = "Multiplications of a convolution layer"
    elif c["kind"] == "bottleneck":
        k, f, b = c["filters"], c["kernel"], c["bottleneck"]
        p = (f - 1) // 2
        same = f"'same' padding keeps ${h} \\times {w}$"
        direct, n_direct, direct_check = _layer_steps(
            r"N_{\text{direct}}", f"without a bottleneck, ${f} \\times {f}$ on all {ch} channels", c["input"], k, f,
            1, p, f"K = {k}, F = {f}, C = {ch}; {same}")
        reduce, n_reduce, reduce_check = _layer_steps(
            r"N_{\text{reduce}}", f"the $1 \\times 1$ bottleneck to {b} channels", c["input"], b, 1, 1, 0,
            f"K = {b}, F = 1, C = {ch}")
        conv, n_conv, conv_check = _layer_steps(
            r"N_{\text{conv}}", f"then ${f} \\times {f}$ on the {b} reduced channels", [h, w, b], k, f, 1, p,
            f"K = {k}, F = {f}, C = {b}")
        n_bottle = n_reduce + n_conv
        both = Counted(lambda: numpy_count(c["input"], b, 1) + numpy_count([h, w, b], k, f, 1, p),
                        "NumPy sliding-window count")
        saved = Counted(lambda: numpy_count(c["input"], k, f, 1, p) - both.compute(), "NumPy sliding-window count")
        ratio = Computed(lambda: numpy_count(c["input"], k, f, 1, p) / both.compute(), "NumPy sliding-window count")
        steps += direct + reduce + conv + [
            Step(r"N_{\text{bottleneck}}", in_order(lambda: sp.Add(I(n_reduce), I(n_conv))),
                 "the two layers of the bottleneck", check=both),
            Step(r"N_{\text{bottleneck}}", Written(I(n_bottle)), "arithmetic", check=both),
            Step(r"N_{\text{saved}}", in_order(lambda: sp.Add(I(n_direct), I(-n_bottle))),
                 "the saving", check=saved),
            Step(r"N_{\text{saved}}", Written(I(n_direct - n_bottle)), "arithmetic", check=saved),
            Step(r"N_{\text{direct}} / N_{\text{bottleneck}}",
                 Written(sp.Rational(n_direct, n_bottle), f"{n_direct / n_bottle:.2f}"),
                 "the bottleneck needs about this many times fewer multiplications", check=ratio,
                 relation=r"\approx"),
        ]
        results = {r"N_{\text{bottleneck}}": I(n_bottle), r"N_{\text{direct}}": I(n_direct),
                   r"N_{\text{saved}}": I(n_direct - n_bottle), r"N_{\text{reduce}}": I(n_reduce),
                   r"N_{\text{conv}}": I(n_conv)}
        checks = {r"N_{\text{bottleneck}}": both, r"N_{\text{direct}}": direct_check, r"N_{\text{saved}}": saved,
                  r"N_{\text{reduce}}": reduce_check, r"N_{\text{conv}}": conv_check}
        title = "Multiplications with and without a 1x1 bottleneck"
    else:
        counts, branch_checks = [], []
        for i, (k, f) in enumerate(c["branches"], start=1):
            layer, n, check = _layer_steps(f"N_{{{i}}}", f"branch {i}, {k} filters of ${f} \\times {f}$", c["input"],
                                           k, f, 1, (f - 1) // 2, f"K = {k}, F = {f}, C = {ch}; 'same' padding keeps "
                                           f"${h} \\times {w}$")
            steps += layer
            counts.append(n)
            branch_checks.append(check)
            results[f"N_{{{i}}}"], checks[f"N_{{{i}}}"] = I(n), check
        total = Counted(lambda: sum(numpy_count(c["input"], k, f, 1, (f - 1) // 2) for k, f in c["branches"]),
                         "NumPy sliding-window count")
        steps += [Step(r"N_{\text{total}}", in_order(lambda: sp.Add(*map(I, counts))), "the branches side by side",
                       check=total),
                  Step(r"N_{\text{total}}", Written(I(sum(counts))), "arithmetic", check=total)]
        results = {r"N_{\text{total}}": I(sum(counts)), **results}
        checks = {r"N_{\text{total}}": total, **checks}
        title = "Multiplications of an Inception-style layer"
    return Derivation(
        name=NAME,
        title=title,
        summary=SUMMARY,
        statement=_statement(c),
        steps=tuple(steps),
        results=results,
        assumptions=("a multiplication is one product of an input value (padding zeros included) and a weight; "
                     "additions and biases are not counted",
                     "inputs are $H \\times W \\times C$; 'same' padding is $P = (F-1)/2$ zeros on each side"),
        params=c["params"],
        result_checks=checks,
    )


def _statement(c) -> str:
    h, w, ch = c["input"]
    source = f"${h} \\times {w} \\times {ch}$ input"
    if c["kind"] == "conv":
        k, f, s = c["filters"], c["kernel"], c["stride"]
        pad = "'same' padding" if c["params"]["padding"] == "same" else f"padding {c['padding']}"
        return (f"How many multiplications does a convolution with {k} filters of ${f} \\times {f}$, stride {s} and "
                f"{pad} do on a {source}?")
    if c["kind"] == "bottleneck":
        k, f, b = c["filters"], c["kernel"], c["bottleneck"]
        return (f"A ${f} \\times {f}$ convolution with {k} filters and 'same' padding on a {source}: how many "
                f"multiplications directly, and with a $1 \\times 1$ bottleneck to {b} channels first?")
    parts = ", ".join(f"{k} filters of ${f} \\times {f}$" for k, f in c["branches"])
    return (f"An Inception-style layer applies, side by side on a {source}, {parts}, each with stride 1 and "
            "'same' padding. How many multiplications does each branch do, and all together?")
