r"""Output size of a convolution (1-D, 2-D, or 2-D with channels), and the padding that gives a wanted size.

Parameters (``symdl derive conv-output-size --param k=v``):

* ``input``: ``C x H x W`` (``96x128x128``: channels first, as Sheet C.6 writes it), ``H x W``, or a
  length ``n`` (1-D);
* ``filters``: K, the number of filters (only with a channel dimension; it is the output depth);
* ``kernel``: F (square) or ``FhxFw``; ``stride``: S; ``padding``: P (each an int, or one per
  spatial axis);
* ``want``: solve for the padding instead: the wanted output size (an int, one per axis, or
  ``same``, meaning ceil(n / S)). Give ``want`` or ``padding``, not both.

Results: ``H_{\text{out}}`` (the headline), ``W_{\text{out}}``, ``C_{\text{out}}``; in 1-D
``n_{\text{out}}``; when solving for the padding, ``P`` comes first (``P_{H}``, ``P_{W}`` if the
axes need different paddings).
"""

import math

import numpy as np
import sympy as sp
from numpy.lib.stride_tricks import sliding_window_view

from symdl import Derivation, Step
from symdl.errors import ParameterError
from symdl.worked import Counted, I, Written, in_order

NAME = "conv-output-size"
SUMMARY = "Convolution output size floor((H - F + 2P)/S) + 1 (1-D, 2-D, C x H x W with K filters); padding for a wanted size"
PARAMS = {"input": [96, 128, 128], "filters": 128, "kernel": 7, "stride": 2, "padding": 3, "want": None}
PARAM_HELP = {  # symdl derive NAME --help, symdl list --params
    "input": "CxHxW (channels first), HxW, or a length n (1-D)",
    "filters": "K, the number of filters (with channels: the output depth)",
    "kernel": "F, or FhxFw",
    "stride": "S (one, or one per spatial axis)",
    "padding": "P, zeros on each side (one, or one per axis)",
    "want": "solve for the padding: the wanted output size, or same (give want or padding)",
}

MAX_SIZE = 1 << 20  # window views of zero-stride arrays cost no memory; this only keeps numbers sane

# --- parameters ----------------------------------------------------------------------------------


def _int(name, value, minimum=1, maximum=MAX_SIZE) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(f"parameter {name} must be an integer, got {value!r}")
    if not minimum <= value <= maximum:
        raise ParameterError(f"parameter {name} must be between {minimum} and {maximum}, got {value}")
    return value


def _per_axis(params, name, axes: int, minimum=1, maximum=MAX_SIZE) -> list[int]:
    """An int for every spatial axis, or one per axis (``3x5``, ``[3,5]``)."""
    value = params[name]
    if isinstance(value, (list, tuple)):
        if len(value) != axes:
            raise ParameterError(f"parameter {name} has {len(value)} entries ({_x(value)}); "
                                 f"the input has {axes} spatial {'axis' if axes == 1 else 'axes'}")
        return [_int(name, v, minimum, maximum) for v in value]
    return [_int(name, value, minimum, maximum)] * axes


def _x(values) -> str:
    return "x".join(map(str, values))


def read(params: dict) -> dict:
    """Check and normalise the parameters; ``params`` are the caller's, before defaults."""
    given = set(params)
    p = {**PARAMS, **params}
    shape = p["input"]
    if isinstance(shape, (list, tuple)):
        if not 1 <= len(shape) <= 3:
            raise ParameterError(f"parameter input must be n, HxW or CxHxW, got {len(shape)} sizes ({_x(shape)})")
        shape = [_int("input", v) for v in shape]
    else:
        shape = [_int("input", shape)]
    channels = shape[0] if len(shape) == 3 else None
    spatial = shape[-2:] if len(shape) >= 2 else shape
    axes = len(spatial)
    if channels is None and "filters" in given:
        raise ParameterError("parameter filters needs an input with channels (CxHxW); "
                             f"the input {_x(shape)} has none")
    filters = _int("filters", p["filters"]) if channels is not None else None
    kernel = _per_axis(p, "kernel", axes)
    stride = _per_axis(p, "stride", axes)
    want = p["want"]
    if want is not None and "padding" in given:
        raise ParameterError("give parameter padding or parameter want (the size to solve the padding for), not both")
    if want is None:
        padding = _per_axis(p, "padding", axes, minimum=0)
    elif want == "same":
        padding = None
        want = [math.ceil(n / s) for n, s in zip(spatial, stride)]
    else:
        if isinstance(want, str):
            raise ParameterError(f"parameter want must be an output size or 'same', got {want!r}")
        want = _per_axis(p, "want", axes)
        padding = None
    if padding is not None:
        padded = [n + 2 * q for n, q in zip(spatial, padding)]
        if any(f > m for f, m in zip(kernel, padded)):
            raise ParameterError(f"parameter kernel: kernel {_x(kernel)} is larger than the padded input {_x(padded)} "
                                 f"(input {_x(spatial)}, padding {_x(padding)})")
    return {"shape": shape, "channels": channels, "spatial": spatial, "filters": filters, "kernel": kernel,
            "stride": stride, "padding": padding, "want": want, "same": p["want"] == "same",
            "params": {k: p[k] for k in PARAMS}}


def solve_padding(n: int, f: int, s: int, want: int, axis: str) -> int:
    """The smallest P >= 0 with floor((n - f + 2P)/s) + 1 = want, or a ParameterError saying why none."""
    p = max(0, -((n - f - (want - 1) * s) // 2))  # ceil(((want - 1) s - n + f) / 2), at least 0
    if out_size(n, f, s, p) != want:
        got = out_size(n, f, s, p) if f <= n + 2 * p else None
        lower = f"P = {p} gives {got}" if got is not None else f"the kernel {f} does not fit"
        raise ParameterError(f"parameter want: no padding gives an output of {want} along {axis} "
                             f"(input {n}, kernel {f}, stride {s}); {lower}")
    return p


def out_size(n: int, f: int, s: int, p: int) -> int:
    return (n - f + 2 * p) // s + 1


# --- the independent computation -----------------------------------------------------------------


def numpy_output_shape(spatial, kernel, stride, padding, filters=None) -> tuple:
    """The shape NumPy gives: slide the kernel over a zero-padded input and keep every S-th window.

    The input is a zero-stride broadcast array, so even a large one costs no memory; with
    channels, the K filters each give one output channel.
    """
    padded = np.broadcast_to(np.zeros((), dtype=np.uint8), tuple(n + 2 * p for n, p in zip(spatial, padding)))
    windows = sliding_window_view(padded, tuple(kernel))
    windows = windows[tuple(slice(None, None, s) for s in stride)]
    out = windows.shape[: len(spatial)]
    return ((filters,) if filters is not None else ()) + tuple(out)


def numpy_padding_search(n, f, s, want) -> int:
    """The smallest padding whose NumPy sliding-window output has length ``want``: a search over P.

    The NumPy length never falls as P grows, so the search bisects for the first P that reaches
    ``want`` and then looks at that P's length.
    """
    def length(p):
        return numpy_output_shape([n], [f], [s], [p])[0] if f <= n + 2 * p else 0

    lo, hi = 0, n + f + want * s
    while lo < hi:
        mid = (lo + hi) // 2
        if length(mid) >= want:
            hi = mid
        else:
            lo = mid + 1
    if length(lo) != want:
        raise AssertionError(f"no padding gives {want}")
    return lo


# --- the derivation ------------------------------------------------------------------------------


def _names(axes: int):
    if axes == 1:
        return [("n", r"n_{\text{out}}", "length")]
    return [("H", r"H_{\text{out}}", "height"), ("W", r"W_{\text{out}}", "width")]


def build(**params) -> Derivation:
    c = read(params)
    spatial, kernel, stride = c["spatial"], c["kernel"], c["stride"]
    axes = len(spatial)
    names = _names(axes)
    F, P, S = sp.symbols("F P S", integer=True, nonnegative=True)
    steps, results, checks = [], {}, {}

    padding = c["padding"]
    if c["want"] is not None:
        padding = [solve_padding(n, f, s, w, label)
                   for n, f, s, w, (_, _, label) in zip(spatial, kernel, stride, c["want"], names)]

    # The general formula, once, in the first axis's letters.
    letter, out_name, _ = names[0]
    N = sp.Symbol(letter, integer=True, positive=True)
    out0 = sp.Symbol(out_name)
    general = Written(sp.floor((N - F + 2 * P) / S) + 1,
                    rf"\left\lfloor \frac{{{letter} - F + 2P}}{{S}} \right\rfloor + 1")
    steps.append(Step(out0, general,
                      "definition (output-size formula): a window of width $F$ fits in the padded length "
                      f"${letter} + 2P$ at the positions $0, S, 2S, \\dots$, up to ${letter} + 2P - F$"))
    if c["channels"] is not None:
        steps.append(Step(sp.Symbol(r"C_{\text{out}}"), sp.Symbol("K"),
                          "definition: every filter spans all $C$ input channels and gives one output channel"))

    if c["want"] is not None:
        steps += _padding_steps(c, padding, names, letter, results, checks)

    sizes = []
    for axis, ((a, name, label), n, f, s, q) in enumerate(zip(names, spatial, kernel, stride, padding)):
        size = out_size(n, f, s, q)
        sizes.append(size)
        same_as = axis > 0 and (n, f, s, q) == (spatial[0], kernel[0], stride[0], padding[0])
        target = sp.Symbol(name)
        shape_now = _check_axis(spatial, kernel, stride, padding, axis)
        if same_as:
            steps.append(Step(target, I(size), f"the {label} has the same input size, kernel, stride and padding "
                              f"as the {names[0][2]}", check=shape_now))
        else:
            data = f"${a} = {n}$, $F = {f}$, $P = {q}$, $S = {s}$"
            if s == 1:
                steps.append(Step(target, in_order(lambda: sp.Add(I(n), I(-f), sp.Mul(I(2), I(q)), I(1))),
                                  f"substitute {data}", check=shape_now))
            else:
                steps.append(Step(target, in_order(lambda: sp.floor(sp.Add(I(n), I(-f), sp.Mul(I(2), I(q))) / I(s)) + I(1)),
                                  f"substitute {data}", check=shape_now))
                steps.append(Step(target, in_order(lambda: sp.floor(sp.Mul(I(n - f + 2 * q), sp.Pow(I(s), -1))) + I(1)),
                                  "arithmetic", check=shape_now))
            steps.append(Step(target, I(size), "round down and add 1" if s > 1 else "arithmetic", check=shape_now))
        results[name] = I(size)
        checks[name] = shape_now

    if c["channels"] is not None:
        k = c["filters"]
        whole = Counted(lambda: numpy_output_shape(spatial, kernel, stride, padding, k),
                         "NumPy sliding-window output shape")
        shape_latex = r" \times ".join(map(str, [k] + sizes))
        steps.append(Step(r"C_{\text{out}} \times H_{\text{out}} \times W_{\text{out}}",
                          Written(sp.ImmutableMatrix([k] + sizes), shape_latex),
                          f"$K = {k}$ filters give {k} output channels", check=whole))
        results[r"C_{\text{out}}"] = I(k)
        checks[r"C_{\text{out}}"] = Counted(lambda: numpy_output_shape(spatial, kernel, stride, padding, k)[0],
                                             "NumPy sliding-window output shape")

    return Derivation(
        name=NAME,
        title=_title(c),
        summary=SUMMARY,
        statement=_statement(c, padding),
        steps=tuple(steps),
        results=results,
        assumptions=(
            "cross-correlation with stride $S$ and $P$ zeros of padding on each side of every spatial axis",
            "a window is used only if it lies entirely inside the padded input, hence the floor",
        ),
        params=c["params"],
        result_checks=checks,
    )


def _check_axis(spatial, kernel, stride, padding, axis):
    return Counted(lambda: numpy_output_shape(spatial, kernel, stride, padding)[axis],
                    "NumPy sliding-window output shape")


def _padding_steps(c, padding, names, letter, results, checks) -> list[Step]:
    """Solve the output-size formula for the padding, along each axis."""
    steps = []
    F, S = sp.symbols("F S", integer=True, nonnegative=True)
    out_symbol = sp.Symbol(names[0][1])
    rule = ("definition: the smallest $P \\geq 0$ with "
            f"$\\lfloor ({letter} - F + 2P)/S \\rfloor + 1 = {names[0][1]}$, from "
            f"${letter} - F + 2P \\geq ({names[0][1]} - 1) S$")
    steps.append(Step("P", Written(sp.ceiling(((out_symbol - 1) * S - sp.Symbol(letter) + F) / 2),
                                 rf"\left\lceil \frac{{({names[0][1]} - 1) S - {letter} + F}}{{2}} \right\rceil"),
                      rule))
    spatial, kernel, stride, want = c["spatial"], c["kernel"], c["stride"], c["want"]
    keys = ["P"] if len(set(padding)) == 1 else [f"P_{{{a}}}" for a, _, _ in names]
    for axis, ((a, name, label), n, f, s, w, q) in enumerate(zip(names, spatial, kernel, stride, want, padding)):
        key = keys[min(axis, len(keys) - 1)]
        search = Counted(lambda n=n, f=f, s=s, w=w: numpy_padding_search(n, f, s, w),
                          "smallest padding with that NumPy output size")
        if axis > 0 and (n, f, s, w) == (spatial[0], kernel[0], stride[0], want[0]):
            continue  # the same data as the first axis: the same padding
        wanted = f"wanted {label} {w}" + (f" ('same': $\\lceil {n}/{s} \\rceil$)" if c["same"] else "")
        if s == 1:
            solved = in_order(lambda: sp.ceiling(sp.Mul(sp.Add(I(w), I(-1), I(-n), I(f)), sp.Pow(I(2), -1))))
        else:
            solved = in_order(lambda: sp.ceiling(sp.Mul(sp.Add(sp.Mul(sp.Add(I(w), I(-1)), I(s)), I(-n), I(f)),
                                                      sp.Pow(I(2), -1))))
        steps.append(Step(key, solved, f"substitute ${a} = {n}$, $F = {f}$, $S = {s}$, {wanted}", check=search))
        steps.append(Step(key, I(q), "arithmetic" + (" (P cannot be negative)" if q == 0 else ""), check=search))
        results[key] = I(q)
        checks[key] = search
    return steps


def _title(c) -> str:
    if c["want"] is not None:
        return "The padding that gives a wanted convolution output size"
    return "Output size of a convolution"


def _statement(c, padding) -> str:
    spatial, kernel, stride = c["spatial"], c["kernel"], c["stride"]
    fx = r" \times ".join(map(str, kernel))
    if c["channels"] is not None:
        source = (f"An input of ${c['channels']} \\times {spatial[0]} \\times {spatial[1]}$ "
                  f"($C \\times H \\times W$) is convolved with $K = {c['filters']}$ filters of "
                  f"${fx}$ (each spanning all {c['channels']} channels)")
    elif len(spatial) == 2:
        source = f"An input of ${spatial[0]} \\times {spatial[1]}$ ($H \\times W$) is convolved with a ${fx}$ kernel"
    else:
        source = f"A 1-D input of length {spatial[0]} is convolved with a kernel of length {kernel[0]}"
    strides = _listed(stride)
    if c["want"] is None:
        return f"{source}, stride {strides}, padding {_listed(padding)}. What is the output size?"
    wanted = "the same size ('same')" if c["same"] else f"an output of size {_x(c['want'])}"
    return f"{source}, stride {strides}. What padding gives {wanted}?"


def _listed(values) -> str:
    return str(values[0]) if len(set(values)) == 1 else _x(values)
