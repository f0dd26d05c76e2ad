r"""The receptive field of a stack of convolutions and pools: r_l = r_{l-1} + (k_l - 1) j_{l-1}, j_l = j_{l-1} s_l.

Parameters: ``kernels``, one kernel size per layer (``[3,3,3,3]``: a 3x3 kernel is written 3; a
2x2 pool is a layer with kernel 2); ``strides``, one per layer, or one int for every layer.
Results: ``r_{L}`` (the receptive field's side along one axis, e.g. ``r_{4}``: the headline) and
``N_{\text{pixels}}`` = r_L^2, the input pixels that one unit of the last layer sees.
"""


import numpy as np
import sympy as sp

from symdl import Derivation, Step
from symdl.errors import ParameterError
from symdl.worked import Counted, I, Written, in_order

NAME = "receptive-field"
SUMMARY = "Receptive field of stacked convolutions and pools: r_l = r_{l-1} + (k_l - 1) j_{l-1}, j_l = j_{l-1} s_l"
PARAMS = {"kernels": [3, 3, 3, 3], "strides": 1}
PARAM_HELP = {  # symdl derive NAME --help, symdl list --params
    "kernels": "one kernel size per layer (a 2x2 pool is a layer of kernel 2)",
    "strides": "one per layer, or one for every layer",
}

MAX_LAYERS, MAX_KERNEL, MAX_STRIDE = 64, 256, 16
MAX_FIELD = 2048  # the 2-D check back-propagates through an r x r image

# --- parameters ----------------------------------------------------------------------------------


def _int(name, value, maximum) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(f"parameter {name} must hold integers, got {value!r}")
    if not 1 <= value <= maximum:
        raise ParameterError(f"parameter {name}: every entry must be between 1 and {maximum}, got {value}")
    return value


def read(params: dict) -> tuple[list[int], list[int]]:
    p = {**PARAMS, **params}
    kernels = p["kernels"] if isinstance(p["kernels"], (list, tuple)) else [p["kernels"]]
    if not 1 <= len(kernels) <= MAX_LAYERS:
        raise ParameterError(f"parameter kernels must list 1 to {MAX_LAYERS} layers, got {len(kernels)}")
    kernels = [_int("kernels", k, MAX_KERNEL) for k in kernels]
    strides = p["strides"]
    if isinstance(strides, (list, tuple)):
        if len(strides) != len(kernels):
            raise ParameterError(f"parameter strides has {len(strides)} entries but kernels has {len(kernels)} layers")
        strides = [_int("strides", s, MAX_STRIDE) for s in strides]
    else:
        strides = [_int("strides", strides, MAX_STRIDE)] * len(kernels)
    field = receptive_field(kernels, strides)[0][-1]
    if field > MAX_FIELD:
        raise ParameterError(f"parameters kernels and strides give a receptive field of {field} pixels; "
                             f"symdl verifies fields up to {MAX_FIELD}")
    return kernels, strides


def receptive_field(kernels, strides):
    """The recurrence: (r_0..r_L, j_0..j_L)."""
    r, j = [1], [1]
    for k, s in zip(kernels, strides):
        r.append(r[-1] + (k - 1) * j[-1])
        j.append(j[-1] * s)
    return r, j


# --- the independent computation: back-propagate an impulse through the layers -------------------


def _adjoint(g: np.ndarray, k: int, s: int) -> np.ndarray:
    """Adjoint of a k-wide, stride-s window sum along every axis of ``g``: which inputs feed ``g``'s units."""
    for axis in range(g.ndim):
        g = np.moveaxis(g, axis, 0)
        out = np.zeros(((g.shape[0] - 1) * s + k,) + g.shape[1:])
        for t in range(k):
            out[t: t + (g.shape[0] - 1) * s + 1: s] += g
        g = np.moveaxis(out, 0, axis)
    return g


def support(kernels, strides, dims: int = 1, unit: int = 0) -> np.ndarray:
    """The input units that unit ``unit`` (along each axis) of the last layer depends on, as a boolean array.

    Every layer is a window sum with positive weights, so the gradient of the unit with respect
    to the input is nonzero exactly on the inputs that feed it.
    """
    g = np.zeros((unit + 1,) * dims)
    g[(unit,) * dims] = 1.0
    for k, s in zip(reversed(kernels), reversed(strides)):
        g = _adjoint(g, k, s)
    return g != 0


def _extent(mask: np.ndarray) -> int:
    """First to last input that feeds the unit, inclusive: the field's side along one axis."""
    where = np.flatnonzero(mask)
    return int(where[-1] - where[0] + 1)


def measured_field(kernels, strides) -> int:
    return _extent(support(kernels, strides))


def measured_jump(kernels, strides) -> int:
    """Input distance between the first inputs of two neighbouring units of the last layer."""
    first = np.flatnonzero(support(kernels, strides, unit=1))[0]
    return int(first - np.flatnonzero(support(kernels, strides, unit=0))[0])


def measured_pixels(kernels, strides) -> int:
    """Pixels of the bounding box of the 2-D support."""
    mask = support(kernels, strides, dims=2)
    return _extent(mask.any(axis=1)) * _extent(mask.any(axis=0))


# --- the derivation ------------------------------------------------------------------------------


def build(**params) -> Derivation:
    kernels, strides = read(params)
    L = len(kernels)
    r, j = receptive_field(kernels, strides)
    strided = any(s != 1 for s in strides)
    rl, jl, kl, sl = (sp.IndexedBase(n) for n in ("r", "j", "k", "s"))
    l = sp.Symbol("l", integer=True, positive=True)
    steps = [
        Step(sp.Symbol("r_{0}"), I(1), "definition: a unit of the input sees one pixel"),
        Step(sp.Symbol("j_{0}"), I(1), "definition: neighbouring input units are one pixel apart"),
        Step(rl[l], Written(rl[l - 1] + (kl[l] - 1) * jl[l - 1], r"r_{l-1} + (k_{l} - 1)\, j_{l-1}"),
             "definition (receptive-field recurrence): a unit of layer $l$ sees $k_{l}$ units of layer $l - 1$, "
             "each $j_{l-1}$ pixels further along than the last"),
        Step(jl[l], Written(jl[l - 1] * sl[l], r"j_{l-1}\, s_{l}"),
             "definition: the stride $s_{l}$ multiplies the distance in pixels between neighbouring units"),
    ]
    for n in range(1, L + 1):
        k, s = kernels[n - 1], strides[n - 1]
        upto, prior = kernels[:n], strides[:n]
        field = Counted(lambda upto=upto, prior=prior: measured_field(upto, prior),
                         "impulse back-propagated through the layers")
        kind = f"kernel {k}" + (f", stride {s}" if strided else "")
        steps.append(Step(sp.Symbol(f"r_{{{n}}}"),
                          in_order(lambda: sp.Add(I(r[n - 1]), sp.Mul(sp.Add(I(k), I(-1)), I(j[n - 1])))),
                          f"layer {n} ({kind}): substitute $r_{{{n - 1}}} = {r[n - 1]}$, $k_{{{n}}} = {k}$, "
                          f"$j_{{{n - 1}}} = {j[n - 1]}$", check=field))
        steps.append(Step(sp.Symbol(f"r_{{{n}}}"), I(r[n]), "arithmetic", check=field))
        if strided and n < L:
            jump = Counted(lambda upto=upto, prior=prior: measured_jump(upto, prior),
                            "impulse back-propagated through the layers")
            steps.append(Step(sp.Symbol(f"j_{{{n}}}"), in_order(lambda: sp.Mul(I(j[n - 1]), I(s))),
                              f"layer {n}: stride {s}", check=jump))
    key = f"r_{{{L}}}"
    pixels = Counted(lambda: measured_pixels(kernels, strides), "2-D impulse back-propagated through the layers")
    steps.append(Step(r"N_{\text{pixels}}", in_order(lambda: sp.Mul(I(r[L]), I(r[L]))),
                      f"the field is ${r[L]} \\times {r[L]}$ pixels in 2-D", check=pixels))
    steps.append(Step(r"N_{\text{pixels}}", I(r[L] ** 2), "arithmetic", check=pixels))
    final = Counted(lambda: measured_field(kernels, strides), "impulse back-propagated through the layers")
    return Derivation(
        name=NAME,
        title="Receptive field of stacked convolutions and pools",
        summary=SUMMARY,
        statement=_statement(kernels, strides),
        steps=tuple(steps),
        results={key: I(r[L]), r"N_{\text{pixels}}": I(r[L] ** 2)},
        assumptions=(
            "no padding or dilation; padding moves the field but does not change its size",
            "the field is the span from the first to the last input pixel that feeds the unit (a stride larger "
            "than the kernel leaves pixels inside it unused)",
            "$k_{l}$ and $s_{l}$ are layer l's kernel size and stride along one axis; square kernels, "
            "so the field is $r_{L} \\times r_{L}$ in 2-D",
        ),
        params={"kernels": list(kernels), "strides": list(strides)},
        result_checks={key: final, r"N_{\text{pixels}}": pixels},
    )


def _statement(kernels, strides) -> str:
    L = len(kernels)
    if len(set(kernels)) == 1 and len(set(strides)) == 1:
        k, s = kernels[0], strides[0]
        layers = f"{L} consecutive ${k} \\times {k}$ layers (convolutions or pools) with stride {s}"
    else:
        layers = f"{L} layers with kernel sizes {', '.join(map(str, kernels))} and strides {', '.join(map(str, strides))}"
    return (f"{layers}, no padding. How many input pixels support one unit of layer {L} "
            f"(the receptive field $r_{{{L}}}$ along each axis)?")
