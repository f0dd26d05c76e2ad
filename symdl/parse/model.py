r"""The parser's public data: what the caller knows (:class:`Context`) and what a parse returns
(:class:`Parsed`, its :class:`Side` s, a :class:`DerivativeTarget`), with the naming helpers
other modules share (:func:`canonical_name`, :func:`unknown_bound`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement


@dataclass(frozen=True)
class Context:
    """What the caller knows about names: matrix shapes, indexed bases, step functions."""

    matrices: Mapping[str, tuple] = field(default_factory=dict)
    indexed: Mapping[str, int] = field(default_factory=dict)
    step_functions: frozenset[str] = frozenset()
    # Names bound to given objects (a derivation's ``K`` is a positive integer, ``E(w)`` a quantity).
    symbols: Mapping[str, sp.Basic] = field(default_factory=dict)
    # False: undeclared capital letters, and the names in ``noncommuting``, read as non-commuting
    # symbols (the probe for ``AB`` vs ``BA``, ``w^{T}x`` vs ``x^{T}w``); their transposes are names too.
    commuting: bool = True
    noncommuting: frozenset = frozenset()

    def __hash__(self):
        return hash((frozenset(self.matrices.items()), frozenset(self.indexed.items()),
                     frozenset(self.step_functions), frozenset(self.symbols.items()), self.commuting,
                     self.noncommuting))


@dataclass(frozen=True)
class DerivativeTarget:
    r"""The left side of ``\frac{\partial L}{\partial W^{(1)}} = ...``."""

    of: str
    wrt: sp.Basic

    def latex(self) -> str:
        return rf"\frac{{\partial {self.of}}}{{\partial {canonical_name(self.wrt)}}}"


@dataclass(frozen=True)
class Side:
    r"""One side of an equation or chain ``s0 = s1 = ...``.

    ``target`` is the :class:`DerivativeTarget` a side like ``\frac{\partial L}{\partial W}``
    names (its ``value`` is then the symbol of that quantity); ``tolerance`` is the rounding a bare
    decimal implies (half a unit in its last written digit), None for anything else.
    """

    value: sp.Basic
    tolerance: sp.Rational | None
    text: str
    target: DerivativeTarget | None = None


@dataclass(frozen=True)
class Parsed:
    """``expr``/``tolerance`` are the last side's, ``lhs`` the first side's reading when there are
    several; ``sides`` holds every side in order and ``relations`` the relation written between
    each pair (``=``, ``\approx``, ...)."""

    expr: sp.Basic
    lhs: DerivativeTarget | sp.Basic | None
    tolerance: sp.Rational | None
    source: str
    sides: tuple = ()
    relations: tuple = ()


def unknown_bound(index: sp.Symbol) -> sp.Symbol:
    r"""The upper bound of ``\sum_i`` written without bounds."""
    return sp.Symbol(f"n_{index.name}", integer=True, positive=True)


def canonical_name(obj) -> str:
    """The canonical LaTeX name of a symbol, matrix symbol, Indexed or derivative target."""
    if isinstance(obj, DerivativeTarget):
        return obj.latex()
    if isinstance(obj, sp.Indexed):
        return _subscripted(obj.base.label.name, obj.indices)
    if isinstance(obj, (sp.Symbol, sp.MatrixSymbol)):
        return obj.name
    if isinstance(obj, MatrixElement):  # LaTeX counts from 1
        rows, cols = obj.parent.shape
        indices = [obj.i + 1] if cols == 1 else [obj.j + 1] if rows == 1 else [obj.i + 1, obj.j + 1]
        return _subscripted(canonical_name(obj.parent), indices)
    return sp.latex(obj)


def _subscripted(base: str, indices) -> str:
    texts = [index.name if isinstance(index, sp.Symbol) else sp.latex(index).replace(" ", "")
             for index in indices]
    joiner = "" if all(len(text) == 1 for text in texts) else ","
    return f"{base}_{{{joiner.join(texts)}}}"
