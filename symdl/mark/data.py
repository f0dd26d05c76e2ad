r"""The values a question's section gives its names, and steps re-checked with them.

A sheet states data (``x = \begin{bmatrix}1\\-1\end{bmatrix}``, ``D = 784``, ``w = (0.5, -0.2, 0.1)``)
and computes values (``h = W^{(2)} a + x = … = \begin{bmatrix}2\\-1\end{bmatrix}``, every step right).
A step that puts those values in (``(W^{(1)})^T \frac{\partial L}{\partial z} = \begin{bmatrix}2&1\\-1&3\end{bmatrix}
\begin{bmatrix}1\\0\end{bmatrix}``) is checked with them: matrices are declared with their shapes, so
a transpose, a determinant or a trace keeps its meaning.

A value reached through decimals the student rounded (``\sigma(1) = 0.7311``) is a rounding: a step
that holds with it is right, a step that fails with it is "not checked" (the student may have used
more digits); only exact data make a step wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp

from symdl.errors import SymdlError
from symdl.parse import Context, parse

_TUPLE = re.compile(r"^\s*(?:\\left)?\(\s*(-?[\d.]+(?:\s*,\s*-?[\d.]+)+)\s*(?:\\right)?\)\s*$")
OPAQUE = re.compile(r"\\(?:det|operatorname\{tr\}|text\{tr\}|mathrm\{tr\})")


@dataclass
class Data:
    values: dict = field(default_factory=dict)  # name -> (value, exact)
    formulas: dict = field(default_factory=dict)  # name -> the formula text of a definition
    shapes: dict = field(default_factory=dict)  # name -> shape of the matrices the section gives
    network: dict = field(default_factory=dict)  # name -> formula: the section's forward pass
    judged: dict = field(default_factory=dict)  # name -> (formula, verdict, line) of derivative formulas
    exact_decimals: set = field(default_factory=set)  # decimals the sheet states or reaches exactly
    seen: set = field(default_factory=set)  # names used by the section so far
    conflicted: set = field(default_factory=set)  # names given two values: never put in
    equation: tuple | None = None  # (expression, variable, line) of the last equation solved by ⇒

    def context(self) -> Context:
        matrices = {name: value.shape for name, (value, _) in self.values.items() if getattr(value, "is_Matrix", False)}
        return Context(matrices=matrices)

    def read(self, text: str):
        try:
            return parse(vector(text), self.context())
        except (SymdlError, RecursionError, ValueError, TypeError):
            return None

    def evaluate(self, text: str, partial: bool = False):
        """(value, exact) of ``text`` with the data put in, or (None, False) when a name has no value
        (with ``partial``, numbers without a value may stay: ``\\det(H - \\lambda I)`` in λ)."""
        parsed = self.read(text)
        if parsed is None:
            return None, False
        expr = parsed.expr
        names = set(getattr(expr, "free_symbols", ())) | set(getattr(expr, "atoms", lambda *a: set())(sp.MatrixSymbol))
        mapping, exact = {}, True
        for name in names:
            key = getattr(name, "name", str(name))
            if key in self.values:
                mapping[name] = self.values[key][0]
                exact = exact and self.values[key][1]
        squares = {v[0].shape[0] for v in self.values.values() if getattr(v[0], "is_Matrix", False)
                   and v[0].shape[0] == v[0].shape[1]}
        for name in names:  # H - \lambda I: I is the identity of the one square size the section gives
            if getattr(name, "name", "") == "I" and "I" not in self.values and mapping and len(squares) == 1:
                mapping[name] = sp.eye(squares.pop())
        if not mapping:
            if getattr(expr, "free_symbols", {1}) and not partial or getattr(expr, "atoms", lambda *a: {1})(sp.MatrixSymbol):
                return None, False
            return expr, True
        try:
            value = expr.xreplace(mapping)
            value = value.doit() if hasattr(value, "doit") else value
            if isinstance(value, sp.Basic) and value.has(sp.Identity):  # H - \lambda I with H given: explicit
                value = value.replace(lambda e: isinstance(e, sp.Identity), lambda e: sp.eye(e.shape[0])).doit()
            if getattr(value, "is_Matrix", False) and value.shape == (1, 1):
                value = value[0, 0]
        except (SymdlError, ValueError, TypeError, AttributeError, sp.ShapeError, NotImplementedError):
            return None, False
        if getattr(value, "free_symbols", {1}) and not partial or getattr(value, "atoms", lambda *a: {1})(sp.MatrixSymbol):
            return None, False
        if (getattr(value, "is_Matrix", False) or isinstance(value, sp.MatrixExpr) or value.has(sp.MatrixExpr)) \
                and getattr(value, "free_symbols", ()):
            return None, False  # a name without a value next to a matrix may itself be a vector
        return value, exact

    def learn(self, name_text: str, value, exact: bool) -> None:
        key = name_of(name_text)
        if key is None or OPAQUE.search(name_text):
            return
        if key in self.conflicted:
            return
        known = self.values.get(key)
        if known is not None and known[0] != value:
            del self.values[key]  # two values for one name (S = 2, then S = 1): neither is used
            self.conflicted.add(key)
            return
        self.values[key] = (value, exact)

    def define(self, name_text: str, formula_text: str) -> None:
        key = name_of(name_text)
        if key is not None and not OPAQUE.search(formula_text):
            self.formulas.setdefault(key, formula_text)

    def judged_formula(self, name_text: str, formula_text: str):
        """(formula, verdict, line) when this very formula for this name was judged on an earlier line."""
        key = name_of(name_text) or name_text
        if key not in self.judged:
            return None
        earlier = self.judged[key]
        first, second = self.read(earlier[0]), self.read(formula_text)
        if first is None or second is None:
            return None
        return earlier if first.expr == second.expr or first.expr.dummy_eq(second.expr) else None

    def same_formula(self, name_text: str, formula_text: str) -> bool:
        """Whether the sheet defined ``name`` by this very formula (``z = W^{(1)} x`` on both lines)."""
        key = name_of(name_text)
        if key is None or key not in self.formulas:
            return False
        first, second = self.read(self.formulas[key]), self.read(formula_text)
        if first is None or second is None:
            return False
        if first.expr == second.expr or first.expr.dummy_eq(second.expr):
            return True
        try:
            return isinstance(first.expr, sp.Expr) and not first.expr.is_Matrix and \
                sp.simplify(first.expr - second.expr) == 0
        except (TypeError, ValueError, AttributeError, sp.ShapeError, NotImplementedError):
            return False


def name_of(text: str) -> str | None:
    """The key of a name as the parser reads it (``W^{(1)}``, ``\\frac{\\partial L}{\\partial z}``), or None."""
    try:
        expr = parse(text).expr
    except (SymdlError, RecursionError, ValueError, TypeError):
        return None
    if isinstance(expr, (sp.Symbol, sp.MatrixSymbol)):
        return expr.name
    return None


def vector(text: str) -> str:
    r"""A tuple of numbers ``(0.5, -0.2, 0.1)`` read as the column vector it stands for."""
    match = _TUPLE.match(text)
    if not match:
        return text
    entries = [e.strip() for e in match.group(1).split(",")]
    return r"\begin{bmatrix}" + r" \\ ".join(entries) + r"\end{bmatrix}"


__all__ = ["OPAQUE", "Data", "name_of", "vector"]
