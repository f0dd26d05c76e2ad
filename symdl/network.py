r"""A network described in a small TOML file, derived as a built-in is: ``symdl derive my-net.toml``.

The file::

    title = "A two-layer MLP with softmax cross-entropy"
    wrt = ["W^{(1)}", "b^{(1)}", "W^{(2)}", "b^{(2)}"]   # the results: the loss's gradients by these

    [inputs]                # name = [rows] (a column) or [rows, cols]; a size is a number or a letter
    x = ["n"]
    "W^{(1)}" = ["m", "n"]

    [sizes]                 # optional: the sizes the numeric checks use (default 3, 4, 2, 5, ...)
    n = 4

    [[layer]]               # one table per layer, in order; each names its output
    op = "linear"           # weight times input
    weight = "W^{(1)}"
    input = "x"
    name = "z^{(1)}"

Layers (``op``): ``linear`` (weight, input), ``convolution`` (input, kernel: valid, stride 1, 1-D for
columns or 2-D), ``matmul`` (inputs = [a, b], optional
transpose = [bool, bool]), ``bias`` (input, bias: added to every column), ``activation`` (input,
function = relu | sigmoid | tanh | exp), ``add`` (inputs: a residual sum), ``scale`` (input,
factor: a number or "1/sqrt(k)" for a size k), ``layer_norm`` (input, a column), ``batch_norm`` (input: features × batch, each row over the batch), ``softmax``
(input; each column), and the losses ``softmax_cross_entropy`` (input logits, target: one-hot),
``cross_entropy`` (input probabilities, target) and ``squared_error`` (input, target). The last
layer is the scalar loss. Names are LaTeX names (``W^{(1)}``, ``b_{2}``, ``\alpha``): a letter or
a Greek letter, with a layer index and a subscript; nothing else is accepted.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import sympy as sp

from symdl import ops
from symdl.derivation import Derivation
from symdl.errors import ParameterError
from symdl.expr.shapes import CHECK_SIZES
from symdl.expr.textbook import textbook
from symdl.functions import relu, sigmoid
from symdl.graph import Graph, is_matrix
from symdl.latex import to_latex

GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "kappa", "lambda", "mu", "nu", "xi", "pi",
         "rho", "sigma", "tau", "phi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi",
         "Sigma", "Phi", "Psi", "Omega"}
_NAME = re.compile(r"^(?P<base>[A-Za-z]|\\(?P<greek>[A-Za-z]+))(\^\{[(\[][0-9A-Za-z]{1,3}[)\]]\})?"
                   r"(_\{[0-9A-Za-z]{1,6}\})?$")
FUNCTIONS = {"relu": relu, "sigmoid": sigmoid, "tanh": sp.tanh, "exp": sp.exp}
TOP_KEYS = {"title", "wrt", "inputs", "sizes", "layer", "loss"}
MAX_LAYERS = 200


def is_network_file(name: str) -> bool:
    """Whether ``name`` is a path to a TOML file with ``[[layer]]`` tables."""
    path = Path(name)
    if path.suffix != ".toml" or not path.is_file():
        return False
    try:
        return "layer" in tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def load(path) -> Derivation:
    """Read, check and derive a network file; errors name the file, the layer and the field."""
    from symdl import tomlfile

    path = Path(path)
    return build(tomlfile.read(path, ParameterError), str(path), name=path.stem)


def build(data: dict, where: str = "network", name: str = "network") -> Derivation:
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise ParameterError(f"{where}: unknown field {unknown[0]!r}; a network has {', '.join(sorted(TOP_KEYS))}")
    title = data.get("title", name)
    if not isinstance(title, str) or len(title) > 200 or not re.fullmatch(r"[\w .,:;()'+/-]*", title):
        raise ParameterError(f"{where}: field 'title': plain words (letters, digits, punctuation) are required")
    inputs = data.get("inputs")
    if not isinstance(inputs, dict) or not inputs:
        raise ParameterError(f"{where}: [inputs] is required: name = [rows] or [rows, cols]")
    layers = data.get("layer")
    if not isinstance(layers, list) or not layers or len(layers) > MAX_LAYERS:
        raise ParameterError(f"{where}: between 1 and {MAX_LAYERS} [[layer]] tables are required")
    sizes, letters = {}, {}
    g = Graph(loss="L")
    nodes = {}
    for input_name, shape in inputs.items():
        _check_name(where, input_name)
        dims = _shape(where, input_name, shape, letters)
        nodes[input_name] = g.input(input_name, *dims)
    for k, symbol in enumerate(letters.values()):
        sizes[symbol] = CHECK_SIZES[k % len(CHECK_SIZES)]
    for key, value in (data.get("sizes") or {}).items():
        if key not in letters or not isinstance(value, int) or not 1 <= value <= 12:
            raise ParameterError(f"{where}: [sizes] {key}: a size letter of the inputs, from 1 to 12")
        sizes[letters[key]] = value
    for number, layer in enumerate(layers, start=1):
        at = f"{where}: layer {number}"
        if not isinstance(layer, dict):
            raise ParameterError(f"{at}: must be a [[layer]] table")
        out = layer.get("name")
        if not isinstance(out, str):
            raise ParameterError(f"{at}: field 'name' (the layer's output) is required")
        _check_name(at, out)
        if out in nodes:
            raise ParameterError(f"{at}: the name {out!r} is taken")
        try:
            nodes[out] = _layer(g, at, layer, out, nodes, letters)
        except ParameterError:
            raise
        except (TypeError, ValueError, sp.ShapeError) as exc:
            raise ParameterError(f"{at}: {exc}") from None
    output = nodes[layers[-1]["name"]]
    if not output.is_scalar:
        raise ParameterError(f"{where}: the last layer must be a scalar loss, not a {output.shape[0]}x{output.shape[1]} "
                             "matrix")
    wrt = data.get("wrt") or [n for n in inputs]
    if not isinstance(wrt, list) or any(w not in inputs for w in wrt):
        raise ParameterError(f"{where}: field 'wrt': a list of input names")
    backward, local = g.backprop(output)
    one = {g.adjoint(output): sp.S.One}
    from symdl.expr.derive import _with_one

    backward = [_with_one(step, one) for step in backward]
    expanded = g.expand(output, local)
    results, checks = {}, {}
    for w in wrt:
        node = nodes[w]
        if node not in expanded:
            raise ParameterError(f"{where}: the loss does not depend on {w}")
        key = g.adjoint(node).name
        results[key] = textbook(expanded[node].xreplace(one))
        check = g.result_check(output, node)
        checks[key] = type(check)(check.scalar.xreplace(one), check.wrt, use_definitions=True)
    declared = {n.symbol.name: n.shape for n in g.nodes if is_matrix(n.symbol)}
    declared.update({g.adjoint(n).name: n.shape for n in g.nodes if is_matrix(n.symbol)})
    shapes = ", ".join(rf"${n} \in \mathbb{{R}}^{{{_space(nodes[n])}}}$" for n in inputs)
    return Derivation(
        name=name,
        title=title,
        summary=f"{title} (network file)",
        statement=(f"The network of {where.split('/')[-1]}: inputs {shapes}; "
                   f"{len(layers)} layers, the last the scalar loss ${to_latex(output.symbol)}$. "
                   "Reverse mode: each adjoint from its consumers' by their local rules."),
        steps=tuple(g.forward_steps() + backward),
        results=results,
        definitions=g.definitions(),
        params={},
        matrices=declared,
        sizes=sizes,
        result_checks=checks,
    )


def _space(node) -> str:
    rows, cols = node.shape
    return to_latex(rows) if cols == 1 else rf"{to_latex(rows)} \times {to_latex(cols)}"


def _check_name(where: str, name) -> None:
    match = _NAME.match(name) if isinstance(name, str) else None
    if match is None or (match.group("greek") and match.group("greek") not in GREEK):
        raise ParameterError(f"{where}: {name!r} is not a name: a letter or a Greek letter (\\alpha), with an "
                             "optional layer index ^{(1)} and subscript _{2}")


def _shape(where, name, shape, letters) -> tuple:
    if not isinstance(shape, list) or not 1 <= len(shape) <= 2:
        raise ParameterError(f"{where}: input {name}: the shape is [rows] or [rows, cols]")
    dims = []
    for d in shape:
        if isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 64:
            dims.append(sp.Integer(d))
        elif isinstance(d, str) and re.fullmatch(r"[a-z]", d):
            dims.append(letters.setdefault(d, sp.Symbol(d, integer=True, positive=True)))
        else:
            raise ParameterError(f"{where}: input {name}: a size is a number from 1 to 64 or one lower-case letter")
    return tuple(dims) if len(dims) == 2 else (dims[0], sp.Integer(1))


def _get(at, layer, field, nodes):
    value = layer.get(field)
    if value not in nodes:
        raise ParameterError(f"{at}: field {field!r}: {value!r} is not an input or an earlier layer")
    return nodes[value]


def _layer(g, at, layer, out, nodes, letters):  # noqa: C901 - one branch per layer kind, read as a table
    op = layer.get("op")
    if op == "linear":
        w, x = _get(at, layer, "weight", nodes), _get(at, layer, "input", nodes)
        _agree(at, w.shape[1], x.shape[0], "the weight's columns and the input's rows")
        return ops.product(g, out, 1, [w.symbol, x.symbol], {w.symbol: w, x.symbol: x})
    if op == "matmul":
        names = layer.get("inputs")
        flags = layer.get("transpose", [False, False])
        if not (isinstance(names, list) and len(names) == 2 and isinstance(flags, list) and len(flags) == 2):
            raise ParameterError(f"{at}: matmul takes inputs = [a, b] and optional transpose = [bool, bool]")
        a, b = (_get(at, {"x": n}, "x", nodes) for n in names)
        fa = sp.Transpose(a.symbol) if flags[0] else a.symbol
        fb = sp.Transpose(b.symbol) if flags[1] else b.symbol
        _agree(at, fa.shape[1], fb.shape[0], "the inner sizes of the product")
        return ops.product(g, out, 1, [fa, fb], {a.symbol: a, b.symbol: b})
    if op == "bias":
        x, b = _get(at, layer, "input", nodes), _get(at, layer, "bias", nodes)
        _agree(at, x.shape[0], b.shape[0], "the input's rows and the bias")
        return ops.bias(g, out, x.symbol, b.symbol, {x.symbol: x, b.symbol: b})
    if op == "activation":
        x = _get(at, layer, "input", nodes)
        function = FUNCTIONS.get(layer.get("function"))
        if function is None:
            raise ParameterError(f"{at}: field 'function': one of {', '.join(FUNCTIONS)}")
        return ops.apply_elementwise(g, out, function, x.symbol, {x.symbol: x})
    if op == "add":
        names = layer.get("inputs")
        if not isinstance(names, list) or len(names) < 2:
            raise ParameterError(f"{at}: add takes inputs = [a, b, ...]")
        parts = [_get(at, {"x": n}, "x", nodes) for n in names]
        for p in parts[1:]:
            _agree(at, p.shape, parts[0].shape, "the shapes of the terms")
        return ops.combination(g, out, [(sp.S.One, p.symbol) for p in parts], {p.symbol: p for p in parts})
    if op == "scale":
        x = _get(at, layer, "input", nodes)
        factor = _factor(at, layer.get("factor"), letters)
        return ops.product(g, out, factor, [x.symbol], {x.symbol: x})
    if op == "convolution":
        x, k = _get(at, layer, "input", nodes), _get(at, layer, "kernel", nodes)
        if any(not (a - b + 1).is_positive for a, b in zip(x.shape, k.shape)):
            raise ParameterError(f"{at}: the kernel {k.shape} is larger than the input {x.shape}")
        return ops.convolution(g, out, x.symbol, k.symbol, {x.symbol: x, k.symbol: k})
    if op == "batch_norm":
        x = _get(at, layer, "input", nodes)
        return ops.batch_norm(g, out, x.symbol, {x.symbol: x})
    if op == "layer_norm":
        x = _get(at, layer, "input", nodes)
        if x.shape[1] != 1:
            raise ParameterError(f"{at}: layer_norm takes a column vector")
        return ops.layer_norm(g, out, x.symbol, {x.symbol: x})
    if op == "softmax":
        x = _get(at, layer, "input", nodes)
        return ops.softmax(g, out, x.symbol, {x.symbol: x})
    if op in ("softmax_cross_entropy", "cross_entropy", "squared_error"):
        x, t = _get(at, layer, "input", nodes), _get(at, layer, "target", nodes)
        _agree(at, x.shape, t.shape, "the shapes of the input and the target")
        if op == "softmax_cross_entropy":
            if x.shape[1] != 1:
                raise ParameterError(f"{at}: softmax_cross_entropy takes a column of logits")
            return ops.softmax_cross_entropy(g, out, x.symbol, t.symbol, {x.symbol: x})
        function = ops.cross_entropy if op == "cross_entropy" else ops.squared_error
        return function(g, out, x.symbol, t.symbol, {x.symbol: x})
    raise ParameterError(f"{at}: field 'op': one of linear, convolution, matmul, bias, activation, add, scale, layer_norm, batch_norm, "
                         "softmax, softmax_cross_entropy, cross_entropy, squared_error")


def _agree(at, a, b, what):
    if a != b:
        raise ParameterError(f"{at}: {what} differ ({a} and {b})")


def _factor(at, value, letters):
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value != 0:
        return sp.nsimplify(value, rational=True) if isinstance(value, float) else sp.Integer(value)
    match = re.fullmatch(r"1/sqrt\(([a-z])\)", value) if isinstance(value, str) else None
    if match and match.group(1) in letters:
        return 1 / sp.sqrt(letters[match.group(1)])
    raise ParameterError(f"{at}: field 'factor': a nonzero number, or \"1/sqrt(k)\" for a size letter k")
