r"""A backward-pass formula checked against the forward pass the sheet writes.

The sheet defines its network (``z = W^{(1)} x``, ``a = \operatorname{ReLU}(z)``, ``h = W^{(2)} a + x``)
and gives its matrices (their shapes are what is used). A line ``\frac{\partial L}{\partial a} = …``
claims the chain rule through every definition that uses ``a``: here ``W^{(2)\top}\frac{\partial L}{\partial h}``.

The expected side is built entry by entry: every matrix becomes a matrix of scalar symbols of its
shape, each gradient the sheet names (``\frac{\partial L}{\partial h}``) one of its quantity's shape,
and the local rule of each definition is differentiated exactly (SymPy, ReLU's derivative the step).
The student's side is read with the same shapes and the same symbols, and the two are compared by
:func:`symdl.check.decide` — a proof or exact evidence, never a tolerance. When they differ with the
forward quantities as free symbols, they are compared again with every forward quantity replaced by
its definition; only a difference that survives is "wrong".
"""

from __future__ import annotations

import re

import sympy as sp

from symdl.errors import SymdlError
from symdl.parse import Context, parse

_GRADIENT = re.compile(r"^\s*\\frac\s*\{\s*\\partial\s*(?P<loss>[A-Za-z])\s*\}\s*\{\s*\\partial\s*(?P<of>.+?)\s*\}\s*$")
MAX_ENTRIES = 64


def gradient_name(loss: str, of: str) -> str:
    return rf"\frac{{\partial {loss}}}{{\partial {of}}}"


def check_gradient(target: str, formula: str, definitions: dict, shapes: dict):
    """The verdict on ``target = formula`` (``target`` a ``\\frac{\\partial L}{\\partial v}``), or None
    when the sheet's forward pass does not say enough (no definition uses v, a shape is unknown)."""
    from symdl.check import decide
    from symdl.decide import Problem

    match = _GRADIENT.match(target)
    if not match:
        return None
    loss = match.group("loss")
    try:
        of = parse(match.group("of")).expr
    except (SymdlError, RecursionError, ValueError, TypeError):
        return None
    if not isinstance(of, (sp.Symbol, sp.MatrixSymbol)):
        return None
    sizes = _shapes(definitions, shapes)
    if sizes is None or of.name not in sizes:
        return None
    consumers = {name: text for name, text in definitions.items() if of.name in _names(text, sizes)}
    if not consumers or any(name not in sizes for name in consumers):
        return None
    context = Context(matrices={**sizes, **{gradient_name(loss, n): sizes[n] for n in sizes}})
    entries = _Entries()
    try:
        expected = sp.zeros(*sizes[of.name])
        own = entries.of(of.name, sizes[of.name])
        for name, text in consumers.items():
            local = _explicit(parse(text, context).expr, entries, sizes, {of.name: own})
            if local.shape != sizes[name]:
                return None
            upstream = entries.of(gradient_name(loss, name), sizes[name])
            total = sum((upstream[i, j] * local[i, j] for i in range(local.rows) for j in range(local.cols)), sp.S.Zero)
            expected += sp.Matrix(own.rows, own.cols, lambda i, j: sp.diff(total, own[i, j]))
        answer = _explicit(parse(formula, context).expr, entries, sizes, {})
    except (SymdlError, RecursionError, ValueError, TypeError, AttributeError, sp.ShapeError, NotImplementedError,
            KeyError, IndexError):
        return None
    if answer is None or getattr(answer, "shape", None) != expected.shape:
        return None
    expected, answer = sp.ImmutableMatrix(expected), sp.ImmutableMatrix(answer)
    verdict = decide(Problem(expected, answer))
    if verdict.verdict == "not_equivalent":
        forward = _forward(definitions, context, entries, sizes)
        if forward is None:
            return None
        again = decide(Problem(expected.xreplace(forward), answer.xreplace(forward)))
        if again.verdict != "not_equivalent":
            return again if again.verdict == "equivalent" else None
    return verdict if verdict.verdict in ("equivalent", "not_equivalent") else None


class _Entries:
    """Each named matrix as a matrix of scalar symbols (names are generated, never the student's)."""

    def __init__(self):
        self.made: dict = {}

    def of(self, name: str, shape) -> sp.ImmutableMatrix:
        if name not in self.made:
            number = len(self.made)
            rows, cols = shape
            self.made[name] = sp.ImmutableMatrix(rows, cols, lambda i, j: sp.Symbol(f"m{number}_{i}_{j}", real=True))
        return self.made[name]


def _explicit(expr, entries: _Entries, sizes: dict, fixed: dict):
    mapping = {}
    for symbol in expr.atoms(sp.MatrixSymbol):
        mapping[symbol] = fixed.get(symbol.name) if symbol.name in fixed else entries.of(symbol.name, symbol.shape)
    for symbol in expr.free_symbols:
        if isinstance(symbol, sp.Symbol) and symbol.name in sizes and sizes[symbol.name] == (1, 1):
            mapping[symbol] = (fixed.get(symbol.name) or entries.of(symbol.name, (1, 1)))[0, 0]
    value = expr.xreplace(mapping)
    value = value.doit() if hasattr(value, "doit") else value
    if not getattr(value, "is_Matrix", False):
        value = sp.ImmutableMatrix([[value]])
    value = sp.ImmutableMatrix(value)
    if value.atoms(sp.MatrixSymbol):
        raise ValueError("a name without a shape")
    return value


def _names(text: str, sizes: dict) -> set:
    try:
        expr = parse(text, Context(matrices=dict(sizes))).expr
    except (SymdlError, RecursionError, ValueError, TypeError):
        return set()
    return {getattr(s, "name", str(s)) for s in expr.free_symbols | expr.atoms(sp.MatrixSymbol)}


def _shapes(definitions: dict, shapes: dict) -> dict | None:
    """Shapes of the data and of every defined quantity (by reading its definition with the shapes known)."""
    sizes = {name: tuple(shape) for name, shape in shapes.items()}
    if not sizes or any(r * c > MAX_ENTRIES for r, c in sizes.values()):
        return None
    pending = dict(definitions)
    while pending:
        progress = False
        for name, text in list(pending.items()):
            try:
                expr = parse(text, Context(matrices=dict(sizes))).expr
            except (SymdlError, RecursionError, ValueError, TypeError):
                pending.pop(name)
                continue
            names = {getattr(s, "name", str(s)) for s in expr.free_symbols | expr.atoms(sp.MatrixSymbol)}
            if names - set(sizes):
                continue
            shape = getattr(expr, "shape", (1, 1))
            if not all(isinstance(d, (int, sp.Integer)) for d in shape) or int(shape[0]) * int(shape[1]) > MAX_ENTRIES:
                pending.pop(name)
                continue
            sizes[name] = (int(shape[0]), int(shape[1]))
            pending.pop(name)
            progress = True
        if not progress:
            break
    return sizes


def _forward(definitions: dict, context: Context, entries: _Entries, sizes: dict):
    """Each defined quantity's entry symbols replaced by its definition's entries, down to the data."""
    mapping = {}
    for _ in range(len(definitions) + 1):
        changed = False
        for name, text in definitions.items():
            if name not in entries.made:
                continue
            try:
                value = _explicit(parse(text, context).expr, entries, sizes, {})
            except (SymdlError, RecursionError, ValueError, TypeError, AttributeError, sp.ShapeError,
                    NotImplementedError):
                return None
            value = value.xreplace(mapping)
            for symbol, entry in zip(entries.made[name], value):
                if mapping.get(symbol) != entry:
                    mapping[symbol] = entry
                    changed = True
        if not changed:
            return mapping
    return None


__all__ = ["check_gradient", "gradient_name"]
