"""The forward pass of a small network with given weights, every layer's values shown (Sheet B.1 and B.3)."""

from __future__ import annotations


import numpy as np
import sympy as sp

from symdl import Computed, Derivation, Step
from symdl.errors import ParameterError
from symdl.params import positive_int
from symdl.worked import (
    SUM,
    W,
    Written,
    add,
    call,
    div,
    evaluated,
    exp,
    matrix,
    mul,
    number,
    read_matrix,
    read_number,
    read_vector,
    symbol,
    then,
    worked,
    written,
)

NAME = "forward-pass"
SUMMARY = "Forward pass of an MLP with given weights (ReLU, sigmoid, tanh, softmax), every layer shown; z = w^T x"

MAX_LAYERS = 4
MAX_UNITS = 8
NETWORK = {  # Sheet B.3; the sheet leaves the output weights W3 to the solver
    "x": [0.5, -1.0],
    "W1": [[0.1, -0.1], [0.2, 0.3]],
    "W2": [[0.1, -0.5], [0.3, 0.2], [0.4, -0.1]],
    "W3": [[1, 0, -1], [0, 1, 1]],
    "activations": ["relu", "relu", "softmax"],
}
NEURON = {"x": [0.2, -1.3, 2, 0.01], "w": [0.001, 0.01, -0.005, -1.2], "b": 0}  # Sheet B.1
NETWORK_ONLY = ("activations", "layers", *(f"W{l}" for l in range(1, MAX_LAYERS + 1)),
                *(f"b{l}" for l in range(1, MAX_LAYERS + 1)))
PARAMS = {"mode": "network", **NETWORK, "W4": None, "b1": 0, "b2": 0, "b3": 0, "b4": 0, "layers": None,
          "w": None, "b": None}
PARAM_HELP = {  # symdl derive NAME --help, symdl list --params
    "mode": "network (layer by layer) or neuron (one z = w^T x + b)",
    "x": "the input vector",
    'W1': "layer 1's weights, one row per unit",
    'W2': "layer 2's weights",
    'W3': "layer 3's weights",
    'W4': "layer 4's weights, for a fourth layer",
    "activations": "one per layer: relu, sigmoid, tanh, softmax or linear",
    'b1': "layer 1's biases (a number or a list)",
    'b2': "layer 2's biases",
    'b3': "layer 3's biases",
    'b4': "layer 4's biases",
    "layers": "how many of the layers to use",
    'w': "the neuron's weights (mode=neuron)",
    'b': "the neuron's bias (mode=neuron)",
}

ACTIVATIONS = {"relu": "ReLU", "sigmoid": "the sigmoid", "tanh": "tanh", "softmax": "softmax", "linear": "none"}
UNITS = {"relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax", "linear": "linear"}
LONGEST_EXACT = 120  # characters of LaTeX; a longer exact result is given to 15 significant digits
ALIASES = {"identity": "linear", "none": "linear"}


def np_activation(name: str, v: np.ndarray) -> np.ndarray:
    if name == "relu":
        return np.maximum(v, 0.0)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-v))
    if name == "tanh":
        return np.tanh(v)
    if name == "softmax":
        e = np.exp(v - np.max(v))
        return e / e.sum()
    return v


def np_forward(x, weights, biases, activations) -> list[tuple[np.ndarray, np.ndarray]]:
    """A plain NumPy forward pass: each layer's (pre-activation, activation)."""
    a, layers = np.asarray(x, dtype=float), []
    for w, b, f in zip(weights, biases, activations):
        z = np.asarray(w, dtype=float) @ a + np.asarray(b, dtype=float)
        a = np_activation(f, z)
        layers.append((z, a))
    return layers


def read_activations(value, layers: int) -> list[str]:
    if isinstance(value, str):
        value = [part.strip().strip("'\"") for part in value.strip().strip("[]").split(",")]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ParameterError(f"parameter activations must be a list of names such as [relu,relu,softmax], got {value!r}")
    names = [ALIASES.get(v.lower(), v.lower()) for v in value]
    unknown = [v for v in names if v not in ACTIVATIONS]
    if unknown:
        raise ParameterError(f"parameter activations: unknown activation {unknown[0]!r}; "
                             f"use one of {', '.join(ACTIVATIONS)}")
    if len(names) != layers:
        raise ParameterError(f"parameter activations lists {len(names)} activation(s) for {layers} layer(s)")
    return names


def read_bias(value, name: str, units: int) -> list[W]:
    if isinstance(value, list):
        bias = read_vector(value, name)
        if len(bias) != units:
            raise ParameterError(f"parameter {name} has {len(bias)} entries but its layer has {units} units")
        return bias
    one = read_number(value if value is not None else 0, name)
    return [one] * units


def read_network(params: dict, defaults=frozenset()):
    """The input, each layer's weights, biases and activation, with shapes checked against each other.

    ``defaults`` names the weights that come from the example rather than from the caller.
    """
    x = read_vector(params["x"], "x", maximum=MAX_UNITS)
    if params.get("layers") is not None:
        depth = positive_int(params, "layers", maximum=MAX_LAYERS)
    else:
        depth = 0
        while depth < MAX_LAYERS and params.get(f"W{depth + 1}") is not None:
            depth += 1
        if depth == 0:
            raise ParameterError("parameter W1 is missing: give the first layer's weights, e.g. W1=[[0.1,-0.1],[0.2,0.3]]")
    weights, biases, width = [], [], len(x)
    for l in range(1, depth + 1):
        if params.get(f"W{l}") is None:
            raise ParameterError(f"parameter W{l} is missing: layers={depth} needs W1 to W{depth}")
        w = read_matrix(params[f"W{l}"], f"W{l}", maximum=MAX_UNITS)
        rows, cols = len(w), len(w[0])
        if cols != width:
            what = f"x of length {width}" if l == 1 else f"layer {l - 1} of {width} units"
            fewer = f", or layers={l - 1}" if l > 1 else ""
            hint = f" (W{l} is the example's: give W{l}{fewer})" if f"W{l}" in defaults else ""
            raise ParameterError(f"parameter W{l} of shape {rows}x{cols} does not fit {what}: "
                                 f"W{l} needs {width} columns{hint}")
        weights.append(w)
        biases.append(read_bias(params.get(f"b{l}", 0), f"b{l}", rows))
        width = rows
    if "activations" in params:
        activations = read_activations(params["activations"], depth)
    else:
        activations = ["relu"] * (depth - 1) + ["softmax"]
    return x, weights, biases, activations


def build(**params) -> Derivation:
    mode = str(params.get("mode", "network")).lower()
    if mode == "neuron":
        wrong = sorted(set(params) & set(NETWORK_ONLY))
        if wrong:
            raise ParameterError(f"parameter {wrong[0]} is for mode=network; mode=neuron takes x, w and b")
        return build_neuron({**NEURON, **params})
    if mode != "network":
        raise ParameterError(f"parameter mode must be network (Sheet B.3) or neuron (Sheet B.1), got {mode!r}")
    wrong = sorted({"w", "b"} & set(params))
    if wrong:
        raise ParameterError(f"parameter {wrong[0]} is for mode=neuron; a network takes W1, b1, ...")
    given = dict(params)
    if any(f"W{l}" in given for l in range(1, MAX_LAYERS + 1)) or "layers" in given:
        # Another network: the example's activations belong to its three layers, so they are not kept.
        merged = {k: v for k, v in NETWORK.items() if k != "activations"}
    else:
        merged = dict(NETWORK)
    merged.update(given)
    defaults = frozenset(k for k in NETWORK if k.startswith("W") and k not in given)
    return build_network({**merged, "mode": "network"}, defaults)


# --- the neuron: z = w^T x + b ----------------------------------------------------------------------------------------

def build_neuron(params: dict) -> Derivation:
    x = read_vector(params["x"], "x")
    w = read_vector(params["w"], "w")
    if len(w) != len(x):
        raise ParameterError(f"parameter w of length {len(w)} does not fit x of length {len(x)}")
    bias = read_number(params.get("b") or 0, "b")
    n = len(x)
    products = [mul(wi, xi) for wi, xi in zip(w, x)]
    terms = products + ([bias] if bias.value != 0 else [])
    z_np = float(np.dot([float(v.value) for v in w], [float(v.value) for v in x]) + float(bias.value))
    multiplied = [number(t.value) for t in terms]
    i, w_i, x_i = sp.Symbol("i", integer=True), sp.IndexedBase("w"), sp.IndexedBase("x")
    general = W(sp.Sum(w_i[i] * x_i[i], (i, 1, n)), rf"w^{{\top}} x = \sum_{{i=1}}^{{{n}}} w_{{i}} x_{{i}}", SUM)
    if bias.value != 0:
        general = W(general.value, general.tex + " + b", SUM)
    z = sp.Symbol("z", real=True)
    steps = [
        Step(z, written(general), "definition of the neuron's weighted input"),
        Step(z, written(add(*terms)), "substitute w and x" + ("" if bias.value == 0 else " and b"),
             check=Computed(lambda: z_np, "NumPy dot product")),
        Step(z, written(evaluated(add(*multiplied))), "multiply, then add",
             check=Computed(lambda: z_np, "NumPy dot product")),
    ]
    value = sp.Add(*(t.value for t in terms))
    return Derivation(
        name=NAME,
        title="The weighted input of one neuron",
        summary=SUMMARY,
        statement=(rf"A neuron with weights $w = ({', '.join(v.tex for v in w)})$"
                   + ("" if bias.value == 0 else rf" and bias $b = {bias.tex}$")
                   + rf" receives the input $x = ({', '.join(v.tex for v in x)})$. Find its weighted input "
                   + (r"$z = w^{\top} x$." if bias.value == 0 else r"$z = w^{\top} x + b$.")),
        steps=tuple(steps),
        results={"z": value},
        assumptions=("the numbers are exact decimals, so the result is exact",),
        params={"mode": "neuron", **{k: params[k] for k in ("x", "w", "b")}},
        result_checks={"z": Computed(lambda: z_np, "NumPy dot product")},
    )


# --- the network: z^(l) = W^(l) a^(l-1) + b^(l), a^(l) = f_l(z^(l)) --------------------------------------------------

def apply_activation(name: str, z: list[W]) -> tuple[list[W], list[W]]:
    """The activation written entry by entry (``\\max(0, 0.15)``), and the exact values it gives."""
    if name == "relu":
        shown = [call(r"\max", sp.Max(0, v.value), number(0), v) for v in z]
    elif name == "sigmoid":
        shown = [div(number(1), add(number(1), exp(number(-v.value)))) for v in z]
    elif name == "tanh":
        shown = [call(r"\tanh", sp.tanh(v.value), v) for v in z]
    elif name == "softmax":
        exps = [exp(v) for v in z]
        shown = [div(e, add(*exps)) for e in exps]
    else:
        shown = list(z)
    return shown, [number(s.value) for s in shown]


def build_network(params: dict, defaults: frozenset) -> Derivation:
    x, weights, biases, activations = read_network(params, defaults)
    depth = len(weights)
    layers_np = np_forward([float(v.value) for v in x], [[[float(e.value) for e in row] for row in w] for w in weights],
                           [[float(e.value) for e in b] for b in biases], activations)
    steps = [
        Step(sp.Symbol("z^{(l)}", real=True), Written(sp.Symbol("z^{(l)}", real=True),
                                                         r"W^{(l)} a^{(l-1)} + b^{(l)}"),
             r"definition: the pre-activation of layer $l$, with $a^{(0)} = x$"),
        Step(sp.Symbol("a^{(l)}", real=True), Written(sp.Symbol("a^{(l)}", real=True), r"f_{l}\left(z^{(l)}\right)"),
             r"definition: the activation $f_{l}$ of layer $l$, applied to each unit (softmax to the whole layer)"),
    ]
    results, checks = {}, {}
    previous, previous_name = x, "x"
    for l, (w, b, f) in enumerate(zip(weights, biases, activations), start=1):
        z_np, a_np = layers_np[l - 1]
        zero_bias = all(e.value == 0 for e in b)
        product = [add(*[mul(e, v) for e, v in zip(row, previous)]) for row in w]
        if not zero_bias:
            product = [add(p, e) for p, e in zip(product, b)]
        formula = rf"W^{{({l})}} {previous_name}" + ("" if zero_bias else rf" + b^{{({l})}}")
        substituted = f"{matrix(w).tex} {matrix(previous).tex}" + ("" if zero_bias else f" + {matrix(b).tex}")
        rounded = matrix(previous).approx
        relation = r"\approx" if rounded else "="
        z_value = sp.ImmutableMatrix([p.value for p in product])
        z_exact = [number(v) for v in z_value]
        z_name = f"z^{{({l})}}"
        general = W(z_value, formula, SUM)
        steps.append(Step(sp.Symbol(z_name, real=True),
                          Written(z_value, f"{formula} {relation} {substituted}"),
                          f"layer {l}: substitute $W^{{({l})}}$ and ${previous_name}$"
                          + ("; the bias is zero" if zero_bias else f" and $b^{{({l})}}$"),
                          check=Computed(lambda z_np=z_np: z_np, "NumPy forward pass")))
        multiplied = worked(general, matrix(product)) if rounded else evaluated(matrix(product))
        steps.append(Step(sp.Symbol(z_name, real=True), written(multiplied),
                          "multiply row by column" + ("" if zero_bias else ", add the bias"),
                          check=Computed(lambda z_np=z_np: z_np, "NumPy forward pass")))
        a_name = f"a^{{({l})}}"
        if f != "linear":
            shown, a_exact = apply_activation(f, z_exact)
            head = {"relu": r"\operatorname{ReLU}", "sigmoid": r"\sigma", "tanh": r"\tanh",
                    "softmax": r"\operatorname{softmax}"}[f]
            rhs = worked(W(0, rf"{head}\left({z_name}\right)"),
                         matrix(shown))
            rule = f"layer {l}: {ACTIVATIONS[f]}" + (", entry by entry" if f != "softmax" else "")
            steps.append(Step(sp.Symbol(a_name, real=True), written(rhs), rule,
                              check=Computed(lambda a_np=a_np: a_np, "NumPy forward pass")))
        else:
            a_exact = z_exact
            steps.append(Step(sp.Symbol(a_name, real=True), Written(z_value, z_name),
                              f"layer {l}: no activation"))
        for unit, (zv, av) in enumerate(zip(z_exact, a_exact), start=1):
            results[f"z^{{({l})}}_{{{unit}}}"] = compact(zv.value)
            results[f"a^{{({l})}}_{{{unit}}}"] = compact(av.value)
            checks[f"z^{{({l})}}_{{{unit}}}"] = Computed(lambda z_np=z_np, u=unit: z_np[u - 1], "NumPy forward pass")
            checks[f"a^{{({l})}}_{{{unit}}}"] = Computed(lambda a_np=a_np, u=unit: a_np[u - 1], "NumPy forward pass")
        previous, previous_name = a_exact, a_name
    output_np = layers_np[-1][1]
    output = {f"\\hat{{y}}_{{{u}}}": compact(v.value) for u, v in enumerate(previous, start=1)}
    output_checks = {f"\\hat{{y}}_{{{u}}}": Computed(lambda u=u: output_np[u - 1], "NumPy forward pass")
                     for u in range(1, len(previous) + 1)}
    steps.append(Step(sp.Symbol(r"\hat{y}", real=True), written(then(symbol(previous_name), previous_value(previous))),
                      "the network's output is the last layer's activation",
                      check=Computed(lambda: output_np, "NumPy forward pass")))
    sizes = [len(x)] + [len(w) for w in weights]
    described = ", ".join(f"{len(w)} {UNITS[f]} unit{'s' * (len(w) > 1)}"
                          for w, f in zip(weights, activations))
    weights_tex = ", ".join(rf"$W^{{({l})}} = {matrix(w).tex}$" for l, w in enumerate(weights, start=1))
    biases_tex = ("all biases are zero" if all(e.value == 0 for b in biases for e in b) else
                  ", ".join(rf"$b^{{({l})}} = {matrix(b).tex}$" for l, b in enumerate(biases, start=1)))
    solver = (r" The sheet leaves the output weights to the solver: $W^{(3)}$ above is our choice."
              if "W3" in defaults and depth == 3 else "")
    return Derivation(
        name=NAME,
        title="The forward pass of a small network",
        summary=SUMMARY,
        statement=(rf"The input $x = {matrix(x).tex}$ passes through {depth} layer{'s' * (depth > 1)} "
                   rf"({described}) with {weights_tex}; {biases_tex}.{solver} Find every layer's values "
                   r"and the output $\hat{y}$."),
        steps=tuple(steps),
        results={**output, **results},
        assumptions=(r"$\operatorname{ReLU}(v) = \max(0, v)$, $\sigma(v) = 1/(1+e^{-v})$, "
                     r"$\operatorname{softmax}(v)_{k} = e^{v_{k}} / \sum_{j} e^{v_{j}}$",
                     "the weights are exact decimals, so every value is exact; decimals are rounded to 6 "
                     "significant digits",
                     f"layer sizes {' - '.join(map(str, sizes))}"),
        params={**{k: v for k, v in params.items() if k in PARAMS}},
        result_checks={**output_checks, **checks},
    )


def compact(value):
    """The exact value, or 15 significant digits of it when the exact form is too long to read."""
    if len(sp.latex(value)) <= LONGEST_EXACT:
        return value
    return sp.Float(sp.N(value, 30), 15)


def previous_value(entries: list[W]) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix([e.value for e in entries])
