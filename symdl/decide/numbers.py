"""Numbers compared as numbers: exact values exactly, written decimals by the digits written.

- Two exact values (integers, fractions, surds, ``n!``) are equal only if they are equal:
  ``2^{-98}`` is not ``2^{-99}`` and ``3000001000001`` is not ``3000001000000``.
- A decimal equal to the value is right (``0.5`` for 1/2).
- A decimal that needs rounding is right when it is the value rounded to the digits written, and
  it must carry at least two significant figures (``MIN_FIGURES``) with a nonzero mantissa, unless
  the question says how many it wants (``digits``). ``0.7`` does not answer 0.659;
  ``0.0\\times10^{3}`` answers nothing.
- A relative tolerance given by the caller (``rtol``) overrides all of this.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import sympy as sp

from symdl.decide.arith import EXACT, CannotEvaluate, NotExact, Undefined
from symdl.decide.evaluate import Evaluator
from symdl.decide.points import Point
from symdl.decide.precision import EQUAL, UNSURE, judge, needed_digits, precise, start_digits
from symdl.decide.verdict import Verdict, undecided

MIN_FIGURES = 2
ORIGIN = Point(seed=0, number=0, decades=0.0)  # numbers have no symbols: any point will do


def is_number(expr) -> bool:
    """A constant: no symbols, no matrices (``\\frac{1}{2^{99}}``, ``\\sqrt{2}``, ``4!``, ``e^{2}``)."""
    if getattr(expr, "is_Matrix", False) or not isinstance(expr, sp.Basic):
        return False
    return not expr.free_symbols and not expr.has(sp.Indexed, sp.MatrixSymbol)


def significant_figures(value, tolerance) -> int:
    """Digits a written decimal carries: the digits of value / (2 · tolerance), leading zeros dropped."""
    mantissa = abs(sp.Rational(value) / (2 * sp.Rational(tolerance)))
    return len(str(int(mantissa))) if mantissa >= 1 else 0


def exact_value(expr):
    """The value as a Fraction when it is rational, else None."""
    if expr.is_Rational:
        return Fraction(int(expr.p), int(expr.q))
    try:
        value = Evaluator(EXACT, ORIGIN).value(expr)
    except (NotExact, CannotEvaluate, Undefined, ArithmeticError):
        return None
    return Fraction(value) if isinstance(value, (int, Fraction)) else None


def compare_numbers(expected, answer, tolerance=None, rtol=None, digits=None) -> Verdict | None:
    """The verdict on two numbers; None when either side is not a number."""
    if not (is_number(expected) and is_number(answer)):
        return None
    want, got = exact_value(expected), exact_value(answer)
    if want is not None and got is not None and want == got:
        return Verdict("equivalent", f"{_show(got)} equals {_show(want)} exactly", method="number")
    start = needed_digits(lambda kind: _values(kind, expected, answer), start_digits(expected, answer))
    try:
        outcome, _, values = judge(lambda kind: _values(kind, expected, answer), start)
    except Undefined as exc:
        return Verdict("not_equivalent", f"a value is not a real number ({exc})", "domain mismatch", None,
                       "number")
    except CannotEvaluate as exc:
        return undecided(str(exc), "number")
    (want_value,), (got_value,) = values
    example = {"point": {}, "expected": _float(want_value), "answer": _float(got_value)}
    gap = abs(got_value - want_value)
    if rtol is not None:
        ok, rule = gap <= rtol * abs(want_value), f"relative tolerance {rtol:g}"
    elif tolerance is not None and got is not None:
        figures = significant_figures(got, tolerance)
        needed = MIN_FIGURES if digits is None else int(digits)
        if figures < needed:
            return Verdict("not_equivalent", f"{_show(got)} carries {figures} significant figure"
                           f"{'' if figures == 1 else 's'}; a rounded answer needs at least {needed}",
                           "rounding: too few significant figures", example, "number")
        half = Fraction(int(sp.Rational(tolerance).p), int(sp.Rational(tolerance).q))
        if want is not None:
            ok = abs(got - want) <= half
        else:
            ok = gap <= precise(2 * start).number(half)
        rule = f"rounded to the digits written (±{float(half):g})"
    elif outcome == UNSURE:
        return undecided(f"{_show(got_value)} and {_show(want_value)} agree to every precision tried, "
                         "but symdl could not show they are equal", "number")
    else:
        ok = outcome == EQUAL
        if want is not None and got is not None:
            rule = "exact values"
        else:
            rule = "equal at every precision tried" if ok else f"they differ at {start} significant digits"
    shown_got = _show(got if got is not None else got_value)
    shown_want = _show(want if want is not None else want_value)
    if gap and (shown_got == shown_want or gap * 10 ** 6 <= abs(want_value)):
        shown_got += f" (by {mpmath.nstr(mpmath.mpf(gap), 3)})"
    if ok:
        return Verdict("equivalent", f"{shown_got} equals {shown_want} ({rule})", method="number")
    diagnosis = _number_diagnosis(want_value, got_value, tolerance)
    return Verdict("not_equivalent", f"{shown_got} is not {shown_want} ({rule})", diagnosis, example, "number")


def _values(kind, expected, answer):
    evaluator = Evaluator(kind, ORIGIN)
    return [_real(kind, evaluator.value(expected))], [_real(kind, evaluator.value(answer))]


def _real(kind, value):
    if isinstance(value, (int, Fraction)):
        return kind.number(Fraction(value))
    if not hasattr(value, "ae"):  # an mpf; a matrix here means the input was not a number
        raise CannotEvaluate("not a number")
    return value


def _number_diagnosis(want, got, tolerance) -> str | None:
    if want != 0 and abs(got + want) <= abs(want) / 10 ** 40:
        return "sign flipped"
    if want != 0 and got != 0:
        ratio = got / want
        for denominator in (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 100):
            numerator = int(round(float(ratio * denominator)))
            if numerator and abs(ratio * denominator - numerator) <= abs(ratio * denominator) / 10 ** 30:
                named = sp.Rational(numerator, denominator)
                simple = max(abs(named.p), named.q) <= 10 and not sp.Rational(4, 5) < abs(named) < sp.Rational(5, 4)
                if simple:
                    return f"off by a constant factor {named}"
    if tolerance is not None and abs(got - want) < 20 * float(tolerance):
        return "rounding: the value is close but not correctly rounded"
    return None


def _float(value) -> float | str:
    """A float, or for a number beyond a float's range, its 15 leading digits as text."""
    try:
        result = float(value)
    except (TypeError, ValueError, OverflowError):
        result = float("inf")
    if result == result and abs(result) != float("inf"):
        return result
    return mpmath.nstr(mpmath.mpf(value if hasattr(value, "_mpf_") else mpmath.mpf(str(value))), 15) \
        if not isinstance(value, Fraction) else mpmath.nstr(mpmath.mpf(value.numerator) / value.denominator, 15)


def _show(value) -> str:
    """A number as a reader wants it: integers in full, others to 10 significant digits."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        value = float(value) if abs(value) > Fraction(1, 10 ** 300) else value
        return f"{value:.10g}" if isinstance(value, float) else f"{value.numerator}/{value.denominator}"
    return mpmath.nstr(mpmath.mpf(value), 10, min_fixed=-4, max_fixed=16) if hasattr(value, "ae") else str(value)
