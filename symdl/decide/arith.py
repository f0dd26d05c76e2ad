"""Number systems for evaluating claims: exact rationals, mpmath at a set precision, and dual numbers.

``Exact`` computes with :class:`fractions.Fraction` and refuses (``NotExact``) anything whose value
is not rational (``e^{1}``, ``\\sqrt{2}``): at rational points a rational function is then known
exactly. ``Precise`` computes with mpmath at ``dps`` significant digits; a value that is not real
(the log of a negative number, a pole) raises ``Undefined``. :class:`Dual` carries a derivative
through either, exactly to the working precision, so no derivative is ever left to SymPy's matrix
calculus or to finite differences. Duals nest (a tag per variable), which gives second derivatives.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import mpmath


class Undefined(ArithmeticError):
    """The expression has no real value at this point (a pole, the log of a negative number...)."""


class NotExact(Exception):
    """The value is not rational, so exact arithmetic cannot hold it."""


class CannotEvaluate(Exception):
    """A construct the evaluator does not know; the verdict becomes "undecided", not a guess."""


_tags = itertools.count(1)


def new_tag() -> int:
    return next(_tags)


class Dual:
    """``a + b ε`` with ε² = 0 for the variable ``tag``; ``a`` and ``b`` may be duals of older tags."""

    __slots__ = ("tag", "a", "b")

    def __init__(self, tag: int, a, b):
        self.tag, self.a, self.b = tag, a, b

    def _parts(self, other):
        if isinstance(other, Dual) and other.tag == self.tag:
            return other.a, other.b
        return other, 0

    def _outer(self, other) -> bool:
        """Whether ``other`` is a dual of a newer variable: it must do the operation."""
        return isinstance(other, Dual) and other.tag > self.tag

    def __add__(self, other):
        if self._outer(other):
            return other.__radd__(self)
        a, b = self._parts(other)
        return Dual(self.tag, self.a + a, self.b + b)

    def __radd__(self, other):
        return Dual(self.tag, other + self.a, self.b)

    def __neg__(self):
        return Dual(self.tag, -self.a, -self.b)

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        if self._outer(other):
            return other.__rmul__(self)
        a, b = self._parts(other)
        return Dual(self.tag, self.a * a, self.a * b + self.b * a)

    def __rmul__(self, other):
        return Dual(self.tag, other * self.a, other * self.b)

    def __truediv__(self, other):
        if self._outer(other):
            return other.__rtruediv__(self)
        a, b = self._parts(other)
        if is_zero(a):
            raise Undefined("division by zero")
        return Dual(self.tag, self.a / a, (self.b * a - self.a * b) / (a * a))

    def __rtruediv__(self, other):
        if is_zero(self.a):
            raise Undefined("division by zero")
        return Dual(self.tag, other / self.a, -(other * self.b) / (self.a * self.a))

    def __repr__(self):
        return f"Dual({self.tag}, {self.a!r}, {self.b!r})"


def primal(value):
    """The plain number under any dual parts."""
    while isinstance(value, Dual):
        value = value.a
    return value


def is_zero(value) -> bool:
    return primal(value) == 0


def sign(value) -> int:
    p = primal(value)
    return (p > 0) - (p < 0)


class Exact:
    """Rational arithmetic; ``NotExact`` for irrational values."""

    name = "exact"

    def number(self, value: Fraction):
        return value

    def constant(self, name: str):
        raise NotExact(name)

    def function(self, name: str, x):
        if name in _EXACT_AT_ZERO and x == 0:
            return Fraction(_EXACT_AT_ZERO[name])
        if name in ("cosh", "cos", "sech", "sec") and x == 0:
            return Fraction(1)
        if name in ("log",) and x == 1:
            return Fraction(0)
        if name == "log" and x <= 0:
            raise Undefined("log of a non-positive number")
        raise NotExact(name)

    def power(self, base, exponent: Fraction):
        if not isinstance(exponent, Fraction) or exponent.denominator > 64 or abs(exponent.numerator) > 4096:
            raise NotExact("a large or irrational power")  # exact, but too costly: high precision will do
        if exponent.denominator == 1:
            return _integer_power(base, int(exponent))
        if base < 0:
            raise Undefined("a fractional power of a negative number")
        if base == 0:
            if exponent < 0:
                raise Undefined("division by zero")
            return Fraction(0)
        root = _exact_root(base, exponent.denominator)
        if root is None:
            raise NotExact("root")
        return _integer_power(root, exponent.numerator)

    def gamma_factorial(self, x):
        if x.denominator == 1 and x >= 0:
            return Fraction(math.factorial(int(x)))
        if x.denominator == 1:
            raise Undefined("the factorial of a negative integer")
        raise NotExact("factorial")


_EXACT_AT_ZERO = {"exp": 1, "sin": 0, "tan": 0, "sinh": 0, "tanh": 0, "asin": 0, "atan": 0,
                  "asinh": 0, "atanh": 0, "sigmoid": Fraction(1, 2)}


def _integer_power(base, n: int):
    if n < 0:
        if base == 0:
            raise Undefined("division by zero")
        return 1 / (base ** -n)
    return base ** n


def _exact_root(value: Fraction, degree: int):
    def root(n: int):
        r = round(n ** (1.0 / degree)) if n < 2 ** 900 else None
        if r is None:
            return None
        for candidate in (r - 1, r, r + 1):
            if candidate >= 0 and candidate ** degree == n:
                return candidate
        return None

    top, bottom = root(value.numerator), root(value.denominator)
    return None if top is None or bottom is None else Fraction(top, bottom)


class Precise:
    """mpmath at ``dps`` significant digits; ``Undefined`` where the real value does not exist."""

    name = "precise"

    def __init__(self, dps: int):
        self.dps = dps
        self.context = mpmath.MPContext()
        self.context.dps = dps
        self._numbers: dict = {}

    def number(self, value: Fraction):
        try:
            return self._numbers[value]
        except KeyError:
            pass
        if len(self._numbers) > 100_000:
            self._numbers.clear()
        result = self._numbers[value] = self.context.mpf(value.numerator) / value.denominator
        return result

    def constant(self, name: str):
        return {"pi": self.context.pi, "E": self.context.e}[name]

    def function(self, name: str, x):
        ctx = self.context
        if name in _DOMAINS and not _DOMAINS[name](x):
            raise Undefined(f"{name} outside its domain")
        if name == "sigmoid":
            return 1 / (1 + ctx.exp(-x))
        try:
            value = getattr(ctx, _MPMATH_NAMES.get(name, name))(x)
        except (ZeroDivisionError, ValueError) as exc:
            raise Undefined(str(exc)) from None
        if isinstance(value, mpmath.mpc) or not ctx.isfinite(value):
            raise Undefined(f"{name} is not real here")
        return value

    def power(self, base, exponent):
        ctx = self.context
        if is_integer(exponent):
            try:
                return _integer_power(base, int(exponent))
            except ZeroDivisionError:
                raise Undefined("division by zero") from None
        exponent = self.number(exponent) if isinstance(exponent, Fraction) else exponent
        if base < 0:
            raise Undefined("a fractional power of a negative number")
        if base == 0:
            if exponent < 0:
                raise Undefined("division by zero")
            return ctx.mpf(0) if exponent > 0 else ctx.mpf(1)
        return ctx.power(base, exponent)

    def gamma_factorial(self, x):
        ctx = self.context
        if x == int(x) and x < 0:
            raise Undefined("the factorial of a negative integer")
        return ctx.gamma(x + 1)


class Magnitudes(Precise):
    """``Precise`` that also notes the magnitude of every number it makes: the spread between the
    largest and the smallest says how many digits a comparison needs (σ'(1000) ≈ 10^{-434} next to 1
    needs 434 more than 1 next to 1, or cancellation hides it)."""

    name = "magnitudes"

    def __init__(self, dps: int = 30):
        super().__init__(dps)
        self.smallest = self.largest = None

    def _note(self, value):
        if hasattr(value, "_mpf_") and value and self.context.isfinite(value):
            self._size(int(self.context.mag(value)))
        return value

    def _size(self, size: int) -> None:
        self.smallest = size if self.smallest is None else min(self.smallest, size)
        self.largest = size if self.largest is None else max(self.largest, size)

    def number(self, value):
        return self._note(super().number(value))

    def function(self, name, x):
        self._note(x)
        if name in _SATURATING and hasattr(x, "_mpf_"):
            # σ(x), tanh(x) ... saturate: 1 - σ(1000) ≈ e^{-1000} hides below the precision.
            self._size(-int(2 * abs(x) * 1.4427) - 1)
        return self._note(super().function(name, x))

    def power(self, base, exponent):
        self._note(base)
        return self._note(super().power(base, exponent))

    def spread_digits(self) -> int:
        """Decimal digits between the smallest and the largest magnitude seen."""
        if self.smallest is None:
            return 0
        return int((self.largest - self.smallest) * 0.30103) + 1


_SATURATING = frozenset({"exp", "sigmoid", "tanh", "sech", "cosh", "sinh", "coth", "csch", "atan"})
_MPMATH_NAMES = {"asin": "asin", "acos": "acos", "atan": "atan", "asinh": "asinh", "acosh": "acosh",
                 "atanh": "atanh"}
_DOMAINS = {
    "log": lambda x: x > 0,
    "asin": lambda x: -1 <= x <= 1,
    "acos": lambda x: -1 <= x <= 1,
    "acosh": lambda x: x >= 1,
    "atanh": lambda x: -1 < x < 1,
}


# --- elementary functions on any value, duals included ---------------------------------------

def call(kind, name: str, x):
    """``name(x)`` in the number system ``kind``; on a dual, with its derivative by the chain rule."""
    if isinstance(x, Dual):
        value = call(kind, name, x.a)
        slope = _SLOPES[name](kind, x.a, value)
        return Dual(x.tag, value, slope * x.b)
    return kind.function(name, x)


def power(kind, base, exponent):
    """``base ** exponent`` for any values; integer exponents stay exact and allow negative bases."""
    if isinstance(exponent, Dual):
        return call(kind, "exp", exponent * call(kind, "log", base))
    if isinstance(base, Dual):
        value = power(kind, base.a, exponent)
        if is_integer(exponent):
            slope = 0 if exponent == 0 else int(exponent) * power(kind, base.a, exponent - 1)
        elif is_zero(base.a):
            raise Undefined("the derivative of a root at zero")
        else:
            slope = (kind.number(exponent) if isinstance(exponent, Fraction) else exponent) * value / base.a
        return Dual(base.tag, value, slope * base.b)
    return kind.power(base, exponent)


def is_integer(value) -> bool:
    value = primal(value)
    if isinstance(value, Fraction):
        return value.denominator == 1
    return value == int(value)


_SLOPES = {
    "exp": lambda k, x, fx: fx,
    "log": lambda k, x, fx: 1 / x,
    "sin": lambda k, x, fx: call(k, "cos", x),
    "cos": lambda k, x, fx: -call(k, "sin", x),
    "tan": lambda k, x, fx: 1 + fx * fx,
    "sec": lambda k, x, fx: fx * call(k, "tan", x),
    "csc": lambda k, x, fx: -fx * call(k, "cot", x),
    "cot": lambda k, x, fx: -(1 + fx * fx),
    "asin": lambda k, x, fx: 1 / power(k, 1 - x * x, Fraction(1, 2)),
    "acos": lambda k, x, fx: -1 / power(k, 1 - x * x, Fraction(1, 2)),
    "atan": lambda k, x, fx: 1 / (1 + x * x),
    "sinh": lambda k, x, fx: call(k, "cosh", x),
    "cosh": lambda k, x, fx: call(k, "sinh", x),
    "tanh": lambda k, x, fx: power(k, call(k, "sech", x), Fraction(2)),  # not 1 - tanh²: no cancellation
    "sech": lambda k, x, fx: -fx * call(k, "tanh", x),
    "csch": lambda k, x, fx: -fx * call(k, "coth", x),
    "coth": lambda k, x, fx: -power(k, call(k, "csch", x), Fraction(2)),
    "asinh": lambda k, x, fx: 1 / power(k, x * x + 1, Fraction(1, 2)),
    "acosh": lambda k, x, fx: 1 / power(k, x * x - 1, Fraction(1, 2)),
    "atanh": lambda k, x, fx: 1 / (1 - x * x),
    "sigmoid": lambda k, x, fx: fx * call(k, "sigmoid", -x),  # σ(x)σ(-x): no cancellation
}


EXACT = Exact()
