r"""Convolution by hand: 2-D cross-correlation of an image with a kernel, 1-D convolution versus
cross-correlation, stride and zero padding.

Parameters: ``image``, a matrix as a nested list (2-D; default: Sheet B.5's 6x6 image, left three
columns 10, right three 0) or a list of numbers (1-D, e.g. Sheet C.7's ``[0,4,1,-1,3,0]``);
``kernel``, a nested list / list, or ``vertical`` / ``horizontal`` (the edge kernels of Sheet C.3);
``stride`` and ``padding`` (zeros on each side); ``mode``: ``correlation`` (deep learning's
"convolution", the kernel not flipped), ``convolution`` (signal processing's, the kernel flipped) or
``both``; the default is ``correlation`` for an image and ``both`` for a 1-D signal.

Results (matrices; a 1-D result is a row): ``Y`` (2-D) or ``y`` (1-D) for the cross-correlation,
``Y_{\text{conv}}`` / ``y_{\text{conv}}`` for the flipped convolution.
"""


import numpy as np
import sympy as sp
from numpy.lib.stride_tricks import sliding_window_view

from symdl import Computed, Derivation, Step
from symdl.errors import ParameterError
from symdl.worked import ORDERED, I, Written

NAME = "convolution"
SUMMARY = "2-D cross-correlation by hand (edge filters), 1-D convolution vs cross-correlation, stride and padding"
SHEET_B5_IMAGE = [[10, 10, 10, 0, 0, 0] for _ in range(6)]
EDGE_KERNELS = {"vertical": [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
                "horizontal": [[1, 1, 1], [0, 0, 0], [-1, -1, -1]]}
PARAMS = {"image": SHEET_B5_IMAGE, "kernel": "vertical", "stride": 1, "padding": 0, "mode": None}
PARAM_HELP = {  # symdl derive NAME --help, symdl list --params
    "image": "a matrix (2-D) or a list (1-D)",
    "kernel": "a matrix or list, or vertical / horizontal",
    "stride": "the step between windows",
    "padding": "zeros on each side",
    "mode": "correlation, convolution (the kernel flipped) or both",
}
MODES = ("correlation", "convolution", "both")
MAX_SIDE, MAX_LENGTH = 32, 256
SHOWN_ENTRIES = {1: 8, 2: 4}  # entries worked out term by term (by dimension); the rest follow the pattern

# --- parameters ----------------------------------------------------------------------------------


def _number(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(f"parameter {name} must hold numbers, got {value!r}")
    if not np.isfinite(value):
        raise ParameterError(f"parameter {name} must hold finite numbers, got {value!r}")
    return value


def _array(name, value) -> np.ndarray:
    """A list of numbers (1-D) or a nested list of equal-length rows (2-D)."""
    if not isinstance(value, (list, tuple)) or not value:
        raise ParameterError(f"parameter {name} must be a list of numbers or a matrix (a nested list), got {value!r}")
    if all(isinstance(row, (list, tuple)) for row in value):
        widths = {len(row) for row in value}
        if len(widths) != 1 or 0 in widths:
            raise ParameterError(f"parameter {name}: the rows of a matrix must have the same, nonzero length; "
                                 f"got lengths {[len(row) for row in value]}")
        rows = [[_number(name, v) for v in row] for row in value]
        return np.array(rows, dtype=object)
    return np.array([_number(name, v) for v in value], dtype=object)


def _int(name, value, minimum, maximum) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(f"parameter {name} must be an integer, got {value!r}")
    if not minimum <= value <= maximum:
        raise ParameterError(f"parameter {name} must be between {minimum} and {maximum}, got {value}")
    return value


def _times(shape) -> str:
    return r" \times ".join(map(str, shape))


def _x(shape) -> str:
    return "x".join(map(str, shape))


def read(params: dict) -> dict:
    p = {**PARAMS, **params}
    image = _array("image", p["image"])
    named = p["kernel"] if isinstance(p["kernel"], str) else None
    if named is not None and named not in EDGE_KERNELS:
        raise ParameterError(f"parameter kernel must be a matrix, a list, or one of {', '.join(EDGE_KERNELS)}; "
                             f"got {named!r}")
    kernel = _array("kernel", EDGE_KERNELS[named] if named else p["kernel"])
    if kernel.ndim != image.ndim:
        raise ParameterError(f"parameter kernel is {kernel.ndim}-D ({_x(kernel.shape)}) but the image is "
                             f"{image.ndim}-D ({_x(image.shape)})")
    limit = MAX_SIDE if image.ndim == 2 else MAX_LENGTH
    if max(image.shape) > limit:
        raise ParameterError(f"parameter image is {_x(image.shape)}; by hand, symdl takes sides up to {limit}")
    stride = _int("stride", p["stride"], 1, limit)
    padding = _int("padding", p["padding"], 0, limit)
    padded = tuple(n + 2 * padding for n in image.shape)
    if any(k > n for k, n in zip(kernel.shape, padded)):
        raise ParameterError(f"parameter kernel: kernel {_x(kernel.shape)} is larger than the padded input "
                             f"{_x(padded)}")
    mode = p["mode"] if p["mode"] is not None else ("correlation" if image.ndim == 2 else "both")
    if mode not in MODES:
        raise ParameterError(f"parameter mode must be one of {', '.join(MODES)}; got {mode!r}")
    return {"image": image, "kernel": kernel, "named": named, "stride": stride, "padding": padding, "mode": mode,
            "params": {"image": p["image"], "kernel": p["kernel"], "stride": stride, "padding": padding,
                       "mode": mode}}


# --- the independent computation: NumPy ----------------------------------------------------------


def numpy_correlate(image, kernel, stride=1, padding=0, flip=False) -> np.ndarray:
    """NumPy's answer: np.correlate / np.convolve in 1-D, a sliding-window product sum in 2-D."""
    x = np.pad(np.asarray(image, dtype=float), padding)
    k = np.asarray(kernel, dtype=float)
    if x.ndim == 1:
        out = np.convolve(x, k, mode="valid") if flip else np.correlate(x, k, mode="valid")
        return out[::stride]
    if flip:
        k = k[::-1, ::-1]
    windows = sliding_window_view(x, k.shape)[::stride, ::stride]
    return np.einsum("ijab,ab->ij", windows, k)


# --- the derivation ------------------------------------------------------------------------------


def _value(v):
    if isinstance(v, sp.Basic):
        return v
    return I(int(v)) if isinstance(v, (int, np.integer)) else sp.Float(float(v))


def _matrix(array) -> sp.ImmutableMatrix:
    array = np.asarray(array, dtype=object)
    if array.ndim == 1:
        array = array.reshape(1, -1)
    return sp.ImmutableMatrix([[_value(v) for v in row] for row in array])


def _padded(image, padding):
    if not padding:
        return image
    out = np.zeros(tuple(n + 2 * padding for n in image.shape), dtype=object)
    out[tuple(slice(padding, padding + n) for n in image.shape)] = image
    return out


def _windows(x, kernel, stride):
    """Every window of ``x`` (object array) and its output index, in row-major order."""
    if x.ndim == 1:
        n = (len(x) - len(kernel)) // stride + 1
        return [((i,), x[i * stride: i * stride + len(kernel)]) for i in range(n)]
    (h, w), (fh, fw) = x.shape, kernel.shape
    return [((i, j), x[i * stride: i * stride + fh, j * stride: j * stride + fw])
            for i in range((h - fh) // stride + 1) for j in range((w - fw) // stride + 1)]


def _output(x, kernel, stride):
    entries = {index: sum(_value(a) * _value(b) for a, b in zip(window.ravel(), kernel.ravel()))
               for index, window in _windows(x, kernel, stride)}
    shape = tuple(max(index[d] for index in entries) + 1 for d in range(x.ndim))
    out = np.zeros(shape, dtype=object)
    for index, v in entries.items():
        out[index] = v
    return out


def _worked_entry(window, kernel):
    """The products of a window with the kernel, summed, written out term by term."""
    pairs = list(zip(window.ravel(), kernel.ravel()))
    if len(pairs) > 9:
        pairs = [(a, b) for a, b in pairs if b != 0] or pairs[:1]
    value = sp.Add(*(_value(a) * _value(b) for a, b in pairs))
    latex = " + ".join(rf"{_factor(a)} \cdot {_factor(b)}" for a, b in pairs)
    return Written(value, latex)


def _factor(v) -> str:
    printed = ORDERED.doprint(_value(v))
    return rf"\left({printed}\right)" if printed.startswith("-") else printed


def _entry_name(letter, index):
    return f"{letter}_{{{''.join(str(i + 1) for i in index)}}}" if all(i < 9 for i in index) else \
        f"{letter}_{{{','.join(str(i + 1) for i in index)}}}"


def _pass(c, flip: bool, letter: str, key: str, steps: list):
    """Steps of one pass (cross-correlation, or convolution with the flipped kernel); its result."""
    image, stride, padding = c["image"], c["stride"], c["padding"]
    kernel = c["kernel"][::-1, ::-1] if (flip and image.ndim == 2) else (c["kernel"][::-1] if flip else c["kernel"])
    x = _padded(image, padding)
    out = _output(x, kernel, stride)
    reference = Computed(lambda: numpy_correlate(_float(image), _float(c["kernel"]), stride, padding, flip),
                         "NumPy " + ("np.convolve" if flip else "np.correlate") if image.ndim == 1 else
                         "NumPy sliding-window product sum")
    if flip:
        name = r"\tilde{k}" if image.ndim == 1 else r"\tilde{K}"
        steps.append(Step(name, Written(_matrix(kernel)),
                          "flip the kernel" + (" (reverse it)" if image.ndim == 1 else " (rotate it by 180 degrees)"),
                          check=Computed(lambda: np.flip(_float(c["kernel"])), "NumPy np.flip")))
    windows = _windows(x, kernel, stride)
    for index, window in windows[:SHOWN_ENTRIES[image.ndim]]:
        entry = Computed(lambda index=index: numpy_correlate(_float(image), _float(c["kernel"]), stride, padding,
                                                              flip)[index], reference.method)
        what = ", ".join(f"{'row' if d == 0 and image.ndim == 2 else 'column' if image.ndim == 2 else 'position'} "
                         f"{i * stride + 1}" for d, i in enumerate(index))
        steps.append(Step(_entry_name(letter, index), _worked_entry(window, kernel),
                          f"the window at {what}, times the {'flipped ' if flip else ''}kernel, summed", check=entry))
        steps.append(Step(_entry_name(letter, index), _value(out[index]) if not isinstance(out[index], sp.Basic)
                          else out[index], "arithmetic", check=entry))
    rest = "" if len(windows) <= SHOWN_ENTRIES[image.ndim] else "; the other entries likewise"
    steps.append(Step(key, Written(_matrix(out)), "every window" + rest + _marks(c, out, flip), check=reference))
    return _matrix(out), reference


def _float(array):
    return np.asarray(array, dtype=float)


def _marks(c, out, flip) -> str:
    """What an edge kernel's output marks, in words."""
    if c["named"] is None or out.ndim != 2 or flip:
        return ""
    values = np.asarray(out, dtype=float)
    axis = 0 if c["named"] == "vertical" else 1
    lines = [i + 1 for i in range(values.shape[1 - axis]) if np.any(np.take(values, i, axis=1 - axis) != 0)]
    if not lines:
        return f": zero everywhere, the image has no {c['named']} edge"
    where = ("column" if c["named"] == "vertical" else "row") + ("s" if len(lines) > 1 else "")
    side = ("left", "right") if c["named"] == "vertical" else ("top", "bottom")
    signs = []
    if values.max() > 0:
        signs.append(("positive: " if values.min() < 0 else "") + f"brighter on the {side[0]}")
    if values.min() < 0:
        signs.append(("negative: " if values.max() > 0 else "") + f"brighter on the {side[1]}")
    return (f": the nonzero {where} {', '.join(map(str, lines))} mark{'' if len(lines) > 1 else 's'} a "
            f"{c['named']} edge, where the window straddles a change in brightness ({'; '.join(signs)})")


def build(**params) -> Derivation:
    c = read(params)
    image, kernel, stride, padding = c["image"], c["kernel"], c["stride"], c["padding"]
    two_d = image.ndim == 2
    X, K, Y = ("X", "K", "Y") if two_d else ("x", "k", "y")
    steps = []
    if two_d:
        general = Written(sp.Symbol("Y_{ij}"),
                        r"\sum_{a=1}^{F_{h}} \sum_{b=1}^{F_{w}} X_{(i-1)S + a,\, (j-1)S + b}\, K_{ab}")
    else:
        general = Written(sp.Symbol("y_{i}"), r"\sum_{t=1}^{F} x_{(i-1)S + t}\, k_{t}")
    steps.append(Step(sp.Symbol(f"{Y}_{{ij}}" if two_d else "y_{i}"), general,
                      "definition: cross-correlation (deep learning's convolution) slides the kernel over the input "
                      "without flipping it"))
    if not two_d and c["mode"] != "correlation":
        steps.append(Step(r"y^{\text{conv}}_{i}", Written(sp.Symbol("c"), r"\sum_{t=1}^{F} x_{(i-1)S + t}\, k_{F + 1 - t}"),
                          "definition: signal processing's convolution flips the kernel first"))
    sheet = " (Sheet B.5)" if c["params"]["image"] == SHEET_B5_IMAGE else ""
    steps.append(Step(X, Written(_matrix(image)), "definition: the input" + sheet))
    if c["named"]:
        other = "horizontal" if c["named"] == "vertical" else "vertical"
        steps.append(Step(K, Written(_matrix(kernel)), f"definition: the {c['named']}-edge kernel (Sheet C.3)"))
        steps.append(Step(r"K_{\text{" + other + "}}", Written(_matrix(np.array(EDGE_KERNELS[other], dtype=object))),
                          f"definition: for comparison, the {other}-edge kernel, its transpose"))
    else:
        steps.append(Step(K, Written(_matrix(kernel)), "definition: the kernel"))
    if padding:
        steps.append(Step(X + r"_{\text{pad}}", Written(_matrix(_padded(image, padding))),
                          f"pad with {padding} zero{'s' if padding > 1 else ''} on each side",
                          check=Computed(lambda: np.pad(_float(image), padding), "NumPy np.pad")))
    shape = Computed(lambda: numpy_correlate(_float(image), _float(kernel), stride, padding).shape,
                     "NumPy output shape")
    sizes = [(n + 2 * padding - f) // stride + 1 for n, f in zip(image.shape, kernel.shape)]
    size_rule = (f"output size $\\lfloor (n - F + 2P)/S \\rfloor + 1$ with "
                 f"$n = {_times(image.shape)}$, $F = {_times(kernel.shape)}$, $P = {padding}$, $S = {stride}$")
    steps.append(Step(r"\text{output size}", Written(sp.ImmutableMatrix(sizes), r" \times ".join(map(str, sizes))),
                      size_rule, check=shape))
    results, checks = {}, {}
    if c["mode"] in ("correlation", "both"):
        value, check = _pass(c, False, Y, Y, steps)
        results[Y], checks[Y] = value, check
    if c["mode"] in ("convolution", "both"):
        key = Y + r"_{\text{conv}}"
        value, check = _pass(c, True, Y + r"^{\text{conv}}", key, steps)
        results[key], checks[key] = value, check
    return Derivation(
        name=NAME,
        title="Convolution by hand" if two_d else "1-D convolution and cross-correlation",
        summary=SUMMARY,
        statement=_statement(c),
        steps=tuple(steps),
        results=results,
        assumptions=(f"stride $S = {stride}$, {padding} zero{'s' if padding != 1 else ''} of padding on each side; "
                     "indices from 1",
                     "deep-learning libraries compute the cross-correlation and call it convolution"),
        params=c["params"],
        result_checks=checks,
    )


def _statement(c) -> str:
    image, kernel = c["image"], c["kernel"]
    if image.ndim == 2:
        what = {"correlation": "cross-correlate", "convolution": "convolve (flipping the kernel)",
                "both": "cross-correlate and convolve"}[c["mode"]]
        named = f"the {c['named']}-edge filter" if c["named"] else "the kernel"
        ask = " What does the output mark?" if c["named"] else ""
        size = r" \times ".join(map(str, image.shape))
        return (f"{what.capitalize()} the ${size}$ image with {named} "
                f"(stride {c['stride']}, padding {c['padding']}).{ask}")
    x = ", ".join(map(str, image))
    k = ", ".join(map(str, kernel))
    what = {"correlation": "the cross-correlation (deep learning's convolution)",
            "convolution": "the convolution (signal processing's, the kernel flipped)",
            "both": "the convolution as deep learning defines it (cross-correlation) and as signal processing "
                    "does (the kernel flipped)"}[c["mode"]]
    return f"Compute {what} of $x = ({x})$ with $k = ({k})$, stride {c['stride']}, padding {c['padding']}."
