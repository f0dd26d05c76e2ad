"""Shared by the parser's tests: symbols built by the naming convention, and a comparison of
readings as SymPy structures or, failing that, as values."""

from __future__ import annotations

import sympy as sp

from symdl.parse import parse


def S(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


def I(name: str) -> sp.Symbol:  # noqa: E743 - an index symbol
    return sp.Symbol(name, integer=True)


def X(base: str, *indices) -> sp.Indexed:
    return sp.Indexed(sp.IndexedBase(base), *indices)


def same(actual, expected) -> bool:
    """Equal as SymPy structures, or as values (matrix symbols instantiated, seed fixed)."""
    if isinstance(expected, int):
        expected = sp.Integer(expected)
    if actual == expected:
        return True
    if getattr(actual, "is_Matrix", False) or getattr(expected, "is_Matrix", False):
        return instantiated(actual) == instantiated(expected)
    if actual.has(sp.MatrixSymbol) or expected.has(sp.MatrixSymbol):  # tr A, det A, |x|_1
        return sp.simplify(_values(actual) - _values(expected)) == 0
    return sp.simplify(actual - expected) == 0


def instantiated(expr):
    if not getattr(expr, "is_Matrix", False):
        return None
    return (sp.ImmutableMatrix(_values(expr)), expr.shape, type(expr).__name__)


def _values(expr):
    """``expr`` with its matrix symbols replaced by small integer matrices (seeded by name)."""
    symbols = sorted(expr.atoms(sp.MatrixSymbol), key=lambda symbol: symbol.name)
    values = {}
    for symbol in symbols:
        seed = sum(map(ord, symbol.name))
        rows, cols = symbol.shape
        values[symbol] = sp.ImmutableMatrix(rows, cols, lambda i, j: sp.Integer(
            (seed * 7 + i * 5 + j * 3) % 11 - 5))
    return expr.xreplace(values).doit()


def check_rule_and_near_miss(latex, expected, near, near_expected, context, distinct=True):
    """``latex`` reads as ``expected`` and ``near`` as ``near_expected`` (``context``: one Context
    or a pair, one for each); unless told otherwise, the two readings differ."""
    context, near_context = context if isinstance(context, tuple) else (context, context)
    reading = parse(latex, context).expr
    near_reading = parse(near, near_context).expr
    assert same(reading, expected), f"{latex!r} read as {reading!r}"
    assert same(near_reading, near_expected), f"{near!r} read as {near_reading!r}"
    if distinct:
        assert not same(reading, near_reading), f"{latex!r} and {near!r} read alike"
