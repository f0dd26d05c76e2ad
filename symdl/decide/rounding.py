"""Rounding carried through a working: each written decimal stands for the interval its digits allow.

``0.24243`` stands for [0.242425, 0.242435]; a later line ``0.2425`` is consistent with it only if
some value in that interval rounds to 0.2425 — it does not, so writing it is a rounding error, while
``0.2424`` is right. Both sides are evaluated in mpmath's interval arithmetic with every decimal
widened to its interval; the step is consistent when the intervals of every entry meet.
"""

from __future__ import annotations

import re
from fractions import Fraction

import sympy as sp
from mpmath.ctx_iv import MPIntervalContext

from symdl.decide.arith import CannotEvaluate, NotExact, Undefined
from symdl.decide.evaluate import Evaluator
from symdl.decide.matrices import Mat, ShapeMismatch
from symdl.decide.points import Point

_DECIMAL = re.compile(r"(?<![\d.])(\d*)\.(\d+)(?:\s*\\times\s*10\^\{?(-?\d+)\}?)?")
DIGITS = 40
iv = MPIntervalContext()  # a context of our own: the global mpmath.iv keeps its precision
iv.dps = DIGITS


def written_decimals(text: str) -> dict:
    """Each decimal written in ``text``: its exact value and half a unit in its last digit."""
    found = {}
    for match in _DECIMAL.finditer(text):
        whole, fraction, exponent = match.group(1), match.group(2), match.group(3)
        scale = Fraction(10) ** int(exponent or 0)
        value = Fraction(int(whole or "0") * 10 ** len(fraction) + int(fraction), 10 ** len(fraction)) * scale
        found[value] = Fraction(1, 2 * 10 ** len(fraction)) * scale
        found[-value] = found[value]
    return found


class Intervals:
    """mpmath intervals; the written decimals become the intervals their digits allow."""

    name = "intervals"

    def __init__(self, widened: dict):
        self.widened = widened

    def number(self, value):
        value = Fraction(value)
        point = iv.mpf(value.numerator) / value.denominator
        if value in self.widened:
            half = self.widened[value]
            return point + iv.mpf([-1, 1]) * (iv.mpf(half.numerator) / half.denominator)
        return point

    def constant(self, name: str):
        return {"pi": iv.pi, "E": iv.e}[name]

    def function(self, name: str, x):
        if name == "sigmoid":
            return 1 / (1 + iv.exp(-x))
        if name == "log" and not x.a > 0:
            raise Undefined("log of a non-positive number")
        if name in ("exp", "log", "sin", "cos", "tan"):
            return getattr(iv, name)(x)
        if name == "tanh":
            return 1 - 2 / (iv.exp(2 * x) + 1)
        raise CannotEvaluate(f"{name} in interval arithmetic")

    def power(self, base, exponent):
        if isinstance(exponent, Fraction) and exponent.denominator == 1:
            n = int(exponent)
            return base ** n if n >= 0 else 1 / base ** -n
        if not base.a > 0:
            raise Undefined("a fractional power of a number that may be negative")
        exponent = self.number(exponent) if isinstance(exponent, Fraction) else exponent
        return iv.exp(exponent * iv.log(base))

    def gamma_factorial(self, x):
        raise NotExact("factorial in interval arithmetic")


def consistent(before, after, texts: tuple[str, str], data=frozenset(), meanings=None) -> bool | None:
    """Whether two constant sides agree once their written decimals are read as intervals; None when
    that cannot be told (symbols, or constructs interval arithmetic does not cover).

    Decimals in ``data`` (value and half-unit pairs of the ones the working started from: given
    inputs, not roundings) stay exact; ``0.10`` is not the data ``0.1``.
    """
    if any(not isinstance(side, sp.Basic) or side.free_symbols for side in (before, after)):
        return None
    widened = {value: half for value, half in {**written_decimals(texts[0]), **written_decimals(texts[1])}.items()
               if (value, half) not in data}
    if not widened:
        return None
    evaluator = Evaluator(Intervals(widened), Point(0, 0, 0.0), meanings or {})
    try:
        left, right = evaluator.value(before), evaluator.value(after)
    except (CannotEvaluate, NotExact, Undefined, ShapeMismatch, ArithmeticError, TypeError, ValueError):
        return None
    left = left.entries() if isinstance(left, Mat) else [left]
    right = right.entries() if isinstance(right, Mat) else [right]
    if len(left) != len(right):
        return None
    return all(_meet(_interval(x), _interval(y)) for x, y in zip(left, right))


def _interval(value):
    return value if hasattr(value, "a") else iv.mpf(value)


def _meet(x, y) -> bool:
    return x.a <= y.b and y.a <= x.b
