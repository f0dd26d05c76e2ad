"""Rounding carried through a working: each written decimal stands for the interval its digits allow.

``0.24243`` stands for [0.242425, 0.242435]; a later line ``0.2425`` is consistent with it only if
some value in that interval rounds to 0.2425 — it does not, so writing it is a rounding error, while
``0.2424`` is right. Both sides are evaluated in mpmath's interval arithmetic with every decimal
widened to its interval; the step is consistent when the intervals of every entry meet.
"""

from __future__ import annotations

import re
from fractions import Fraction

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


PLACEHOLDER = r"\mathrm{zdec%s}"


def _letters(n: int) -> str:
    text = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        text = chr(ord("a") + rest) + text
    return text


def with_placeholders(text: str, first: int = 0) -> tuple[str, dict]:
    """``text`` with each written decimal replaced by a name (numbered from ``first``), and
    (name -> (value, half-unit))."""
    found = {}

    def replace(match):
        name = PLACEHOLDER % _letters(first + len(found))
        value, half = _decimal_of(match)
        found[name] = (value, half)
        return " " + name + " "

    return _DECIMAL.sub(replace, text), found


def _decimal_of(match) -> tuple[Fraction, Fraction]:
    whole, fraction, exponent = match.group(1), match.group(2), match.group(3)
    scale = Fraction(10) ** int(exponent or 0)
    value = Fraction(int(whole or "0") * 10 ** len(fraction) + int(fraction), 10 ** len(fraction)) * scale
    return value, Fraction(1, 2 * 10 ** len(fraction)) * scale


def significant_figures(value: Fraction, half: Fraction) -> int:
    mantissa = abs(value / (2 * half))
    return len(str(int(mantissa))) if mantissa >= 1 else 0


def too_few_figures(before_text: str, after_text: str, data, needed: int) -> bool:
    """Whether the later side writes a new rounded decimal with fewer significant figures than needed."""
    before = set(written_decimals(before_text).items())
    for value, half in written_decimals(after_text).items():
        if value >= 0 and (value, half) not in before and (value, half) not in data \
                and significant_figures(value, half) < needed:
            return True
    return False


def consistent(before_text: str, after_text: str, read, data=frozenset(), meanings=None) -> bool | None:
    """Whether two constant sides agree once their written decimals are read as intervals; None when
    that cannot be told (symbols, or constructs interval arithmetic does not cover).

    ``read(text)`` parses a side; decimals become names first, so that ``\frac{3}{1.871}`` keeps
    1.871 as the rounding it is instead of folding into 3000/1871. Decimals in ``data`` (value and
    half-unit pairs of the ones the working started from: given inputs, not roundings) stay exact;
    ``0.10`` is not the data ``0.1``.
    """
    if not written_decimals(before_text) and not written_decimals(after_text):
        return None
    sides, names = [], {}
    for text in (before_text, after_text):
        replaced, found = with_placeholders(text, len(names))
        try:
            sides.append(read(replaced))
        except Exception:  # noqa: BLE001 - a side that cannot be read this way cannot be judged this way
            return None
        names.update(found)
    bindings = {}
    for side in sides:
        for symbol in getattr(side, "free_symbols", ()):
            if getattr(symbol, "name", None) in names:
                value, half = names[symbol.name]
                bindings[symbol] = _interval_of(value, None if (value, half) in data else half)
    if any(set(getattr(side, "free_symbols", ())) - set(bindings) for side in sides):
        return None
    evaluator = Evaluator(Intervals({}), Point(0, 0, 0.0), meanings or {}, bindings)
    try:
        left, right = evaluator.value(sides[0]), evaluator.value(sides[1])
    except (CannotEvaluate, NotExact, Undefined, ShapeMismatch, ArithmeticError, TypeError, ValueError):
        return None
    left = left.entries() if isinstance(left, Mat) else [left]
    right = right.entries() if isinstance(right, Mat) else [right]
    if len(left) != len(right):
        return None
    return all(_meet(_interval(x), _interval(y)) for x, y in zip(left, right))


def _interval_of(value: Fraction, half: Fraction | None):
    point = iv.mpf(value.numerator) / value.denominator
    if half is None:
        return point
    return point + iv.mpf([-1, 1]) * (iv.mpf(half.numerator) / half.denominator)


def _interval(value):
    return value if hasattr(value, "a") else iv.mpf(value)


def _meet(x, y) -> bool:
    """Whether two intervals share more than an endpoint: [1.355, 1.365] and [1.365, 1.375] (1.36 after
    1 + 0.37) only touch, which outward rounding would otherwise count as agreement."""
    low, high = max(float(x.a.a), float(y.a.a)), min(float(x.b.b), float(y.b.b))
    if high < low:
        return False
    narrowest = min(float(x.b.b) - float(x.a.a), float(y.b.b) - float(y.a.a))
    if narrowest <= 1e-12 * max(1.0, abs(low)):  # an exact value: lying inside the other is enough
        return True
    return high - low > 1e-6 * narrowest
