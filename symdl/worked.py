"""Worked arithmetic: formulas written out with their numbers, exact values, decimals, and how a number is shown.

A worked step writes a formula with its numbers substituted, in the order the course writes it; SymPy
would reorder and evaluate it. ``W`` builds the LaTeX and the exact value together, so what is printed
is what is checked; ``written`` turns one into a step's right side, a :class:`Written`. The counting
families build theirs with :func:`in_order` (terms as written, products with a visible dot, long
integers grouped). Plain text comes from the LaTeX (:mod:`symdl.text`).

The numeric-display policy is here too (:func:`shown_number`): a result that is a decimal is boxed as
a decimal, with its exact value beside it when that is short.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from typing import Any

import sympy as sp
from sympy.core.symbol import Str

from symdl.errors import ParameterError
from symdl.latex import DLLatexPrinter, to_latex
from symdl.text import latex_to_text
from symdl.verify import Computed

SUM, NEG, PRODUCT, POWER, ATOM = range(5)  # how tightly a written expression binds


class _WorkedPrinter(DLLatexPrinter):
    """Terms in the order written, products with a visible dot, long integers grouped: 75{,}000{,}100."""

    def __init__(self):
        super().__init__({"order": "none", "mul_symbol": "dot"})

    def _print_Integer(self, expr):
        text = str(abs(int(expr)))
        if len(text) > 4:
            text = "{,}".join(text[max(0, i - 3): i] for i in range(len(text) % 3 or 3, len(text) + 1, 3))
        return ("-" if expr < 0 else "") + text


ORDERED = _WorkedPrinter()


class Written(sp.Expr):
    """A value shown as worked arithmetic writes it: checks see ``args[0]`` (``doit()`` gives it), the
    printers its LaTeX, by default the value's own terms in the order written (``ORDERED``)."""

    is_commutative = True

    def __new__(cls, value, latex=None):
        value = sp.sympify(value)
        if not isinstance(latex, Str):
            latex = Str(ORDERED.doprint(value) if latex is None else latex)
        return sp.Expr.__new__(cls, value, latex)

    def doit(self, **hints):
        return self.args[0].doit(**hints)

    def _latex(self, printer, exp=None):
        return self.args[1].name

    def _sympystr(self, printer):
        return latex_to_text(self.args[1].name)


def in_order(build):
    """``Written`` of the expression ``build()`` makes, unevaluated: its terms stay in the order written."""
    with sp.evaluate(False):
        return Written(build())


I = sp.Integer


def Counted(compute, method="independent computation"):
    """A check against an independent count: counts are integers, so they must agree exactly."""
    return Computed(compute, method, tolerance=0.0)


@dataclass(frozen=True)
class W:
    """An expression being written out: exact value, LaTeX, how tightly it binds, and whether it shows a
    rounded number (then what it is written to equal is only approximately so)."""

    value: Any
    tex: str
    rank: int = ATOM
    approx: bool = False


def _wrap(w: W, below: int) -> str:
    return rf"\left({w.tex}\right)" if w.rank < below else w.tex


def _any_approx(*parts: W) -> bool:
    return any(p.approx for p in parts)


def symbol(tex: str, value=None) -> W:
    """A named quantity; its value is the real symbol of that name (the parser's convention)."""
    return W(sp.Symbol(tex, real=True) if value is None else value, tex)


def number(value, tex: str | None = None) -> W:
    """An exact number, written as a decimal unless ``tex`` says how (a rounded decimal when it must be)."""
    value = sp.Rational(value.numerator, value.denominator) if isinstance(value, Fraction) else sp.sympify(value)
    rounded = False
    if tex is None:
        tex, exact = decimal(value)
        rounded = not exact
    rank = NEG if tex.startswith("-") else PRODUCT if r"\cdot" in tex else POWER if "^" in tex else ATOM
    return W(value, tex, rank, rounded)


def add(*terms: W) -> W:
    tex = terms[0].tex
    for term in terms[1:]:
        tex = f"{tex} - {term.tex[1:].lstrip()}" if term.tex.startswith("-") else f"{tex} + {term.tex}"
    return W(sp.Add(*(t.value for t in terms)), tex, SUM, _any_approx(*terms))


def sub(a: W, b: W) -> W:
    return W(a.value - b.value, f"{a.tex} - {_wrap(b, PRODUCT)}", SUM, _any_approx(a, b))


def neg(a: W) -> W:
    return W(-a.value, f"-{_wrap(a, PRODUCT)}", NEG, a.approx)


def mul(*factors: W, dot: bool = False) -> W:
    """A product; a number next to a number is joined by a dot (``0.1 \\cdot 0.5``), or every factor with ``dot``."""
    tex = _wrap(factors[0], NEG)
    value = factors[0].value
    for f in factors[1:]:
        f_tex = _wrap(f, PRODUCT)
        numeric = (dot or re.match(r"(\d|-|\\left\(-?\d)", f_tex) is not None
                   or (tex[-1].isdigit() and not sp.sympify(f.value).free_symbols))
        tex += (r" \cdot " if numeric else " ") + f_tex
        value = value * f.value
    return W(value, tex, NEG if tex.startswith("-") else PRODUCT, _any_approx(*factors))


def div(a: W, b: W) -> W:
    return W(a.value / b.value, rf"\frac{{{a.tex}}}{{{b.tex}}}", PRODUCT, _any_approx(a, b))


def power(a: W, k: W) -> W:
    return W(a.value**k.value, f"{_wrap(a, ATOM)}^{{{k.tex}}}", POWER, _any_approx(a, k))


def sqrt(a: W) -> W:
    return W(sp.sqrt(a.value), rf"\sqrt{{{a.tex}}}", ATOM, a.approx)


def exp(a: W) -> W:
    return W(sp.exp(a.value), f"e^{{{a.tex}}}", POWER, a.approx)


def call(tex: str, value, *args: W) -> W:
    """A function applied to written arguments: ``\\max\\left(0, -0.2\\right)``."""
    inner = ", ".join(a.tex for a in args)
    return W(value, rf"{tex}\left({inner}\right)", ATOM, _any_approx(*args))


def matrix(rows) -> W:
    """A matrix (a list of rows) or a column vector (a flat list) of written entries."""
    rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in rows]
    tex = r" \\ ".join(" & ".join(e.tex for e in row) for row in rows)
    value = sp.ImmutableMatrix([[e.value for e in row] for row in rows])
    return W(value, rf"\begin{{bmatrix}}{tex}\end{{bmatrix}}", ATOM, _any_approx(*(e for r in rows for e in r)))


def evaluated(w: W) -> W:
    """``w`` followed by its value: ``= -0.0348`` when exact, ``\\approx 0.659001`` when rounded (or when ``w``
    shows rounded numbers)."""
    value = w.value
    shown = _decimals(value)
    if shown.tex == w.tex:
        return w
    relation = r"\approx" if shown.approx or w.approx else "="
    return W(value, f"{w.tex} {relation} {shown.tex}", SUM, w.approx or shown.approx)


def _decimals(value) -> W:
    """A number or a matrix of numbers written in decimals (rounded where they must be)."""
    if isinstance(value, sp.MatrixBase):
        return matrix([[number(e) for e in value.row(i)] for i in range(value.rows)] if value.cols > 1
                      else [number(e) for e in value])
    return number(value)


def then(w: W, value) -> W:
    """A formula followed by its value at the numbers: ``\\operatorname{diag}(p) - p p^{\\top} \\approx [...]``."""
    return evaluated(W(value, w.tex, w.rank))


def worked(formula: W, numbers: W) -> W:
    """A formula, the numbers substituted into it, and the value: ``\\beta v_{0} - \\eta g_{1} = 0.9 \\cdot 0 - ... = -0.05``;
    ``\\approx`` where rounded numbers were substituted."""
    shown = evaluated(numbers)
    relation = r"\approx" if numbers.approx else "="
    return W(numbers.value, f"{formula.tex} {relation} {shown.tex}", SUM, shown.approx)


def written(w: W) -> Written:
    return Written(w.value, w.tex)


def decimal(value, digits: int = 6) -> tuple[str, bool]:
    """LaTeX, and whether it is exact: a terminating decimal in full, anything else rounded.

    A rounded value that looks short (0.9 for 0.900000002) gets ten significant digits, so that
    the rounding is visible.
    """
    value = sp.sympify(value)
    if value.is_Rational:
        q = int(value.q)
        while q % 2 == 0:
            q //= 2
        while q % 5 == 0:
            q //= 5
        if q == 1:
            with localcontext() as ctx:
                ctx.prec = 60
                exact = Decimal(int(value.p)) / Decimal(int(value.q))
            if len(exact.normalize().as_tuple().digits) <= 15:
                return _format(exact), True
    x = Decimal(str(sp.N(value, 30)))
    rounded = _round(x, digits)
    if len(rounded.normalize().as_tuple().digits) <= digits - 3:
        rounded = _round(x, 10)
    return _format(rounded), False


def _round(x: Decimal, digits: int) -> Decimal:
    if x == 0:
        return x
    return x.quantize(Decimal(1).scaleb(x.adjusted() - digits + 1), rounding=ROUND_HALF_EVEN)


def _format(x: Decimal) -> str:
    x = x.normalize()
    if x == 0:
        return "0"
    if -5 < x.adjusted() < 9:
        return format(x, "f")
    sign, mantissa = ("-" if x < 0 else ""), abs(x).scaleb(-x.adjusted()).normalize()
    power_tex = f"10^{{{x.adjusted()}}}"
    return f"{sign}{power_tex}" if mantissa == 1 else rf"{sign}{format(mantissa, 'f')} \cdot {power_tex}"


# --- how a numeric result is shown -----------------------------------------------------------------
#: An exact value is shown beside its decimal when it has at most this many digits: 1/3, (5 - √5)/2 and
#: e^2/(e^(1/10) + e + e^2), but not -200√890/4717.
SHORT_EXACT_DIGITS = 8


def shown_number(value) -> tuple[str, str] | None:
    """The relation and right side a numeric result is boxed with, or None for a symbolic one.

    An integer or a terminating decimal is shown exactly (``= 2.5``, never ``5/2``); any other number
    as a rounded decimal, after its exact value when that is short: ``= \\frac{1}{3} \\approx
    0.333333``, but ``\\approx -1.26491`` for -200√890/4717. A matrix shows its entries so, the exact
    matrix beside only when all of it is short.
    """
    if isinstance(value, Written) or not isinstance(value, sp.Basic):
        return None
    if isinstance(value, sp.MatrixBase):
        entries = list(value)
        if not entries or not all(_numeric(e) for e in entries):
            return None
        if all(e.is_Integer for e in entries):
            return "=", to_latex(value)
    elif not _numeric(value):
        return None
    elif value.is_Integer:
        return "=", to_latex(value)  # a count stays exact however long
    shown = _decimals(value)
    if not shown.approx:
        return "=", shown.tex
    exact = to_latex(value)
    return ("=", rf"{exact} \approx {shown.tex}") if _short(exact) else (r"\approx", shown.tex)


def _numeric(value) -> bool:
    return isinstance(value, sp.Expr) and value.is_number and value.is_real is not False


def _short(exact_tex: str) -> bool:
    return len(re.findall(r"\d", exact_tex)) <= SHORT_EXACT_DIGITS


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$")


def read_number(value, name: str) -> W:
    """A parameter that is one number, kept exact and written as given (2.0 stays 2.0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ParameterError(f"parameter {name} must be a number, got {value!r}")
    text = repr(value) if isinstance(value, float) else str(value).strip()
    parts = text.split("/")
    if len(text) > 40 or len(parts) > 2 or not all(_NUMBER.match(p) for p in parts):
        raise ParameterError(f"parameter {name} must be a number such as 0.5, 1e-8 or 1/3, got {value!r}")
    exact = Fraction(parts[0]) / (Fraction(parts[1]) if len(parts) == 2 else 1)
    if abs(exact) > 10**12:
        raise ParameterError(f"parameter {name} must be at most 1e12 in size, got {value!r}")
    mantissa, _, exponent = parts[0].lower().partition("e")
    if len(parts) == 2:
        sign = "-" if exact < 0 else ""
        tex = rf"{sign}\frac{{{parts[0].lstrip('+-')}}}{{{parts[1]}}}"
    elif exponent:
        power_tex = f"10^{{{int(exponent)}}}"
        tex = power_tex if float(mantissa) == 1 else rf"{mantissa} \cdot {power_tex}"
        tex = "-" + power_tex if float(mantissa) == -1 else tex
    else:
        tex = parts[0].lstrip("+")
    return number(sp.Rational(exact.numerator, exact.denominator), tex)


def read_vector(value, name: str, length: int | None = None, maximum: int = 16) -> list[W]:
    if not isinstance(value, list) or not value or any(isinstance(v, list) for v in value):
        raise ParameterError(f"parameter {name} must be a list of numbers such as [2.0, 1.0, 0.1], got {value!r}")
    if len(value) > maximum:
        raise ParameterError(f"parameter {name} may have at most {maximum} entries, got {len(value)}")
    if length is not None and len(value) != length:
        raise ParameterError(f"parameter {name} must have {length} entries, got {len(value)}")
    return [read_number(v, f"{name}[{k + 1}]") for k, v in enumerate(value)]


def read_matrix(value, name: str, maximum: int = 16) -> list[list[W]]:
    """A matrix given as a list of rows, [[0.1, -0.1], [0.2, 0.3]]."""
    if not isinstance(value, list) or not value or not all(isinstance(r, list) and r for r in value):
        raise ParameterError(f"parameter {name} must be a matrix given as a list of rows, "
                             f"such as [[0.1,-0.1],[0.2,0.3]], got {value!r}")
    if len({len(r) for r in value}) != 1:
        raise ParameterError(f"parameter {name}: every row must have the same length, got rows of "
                             f"{', '.join(str(len(r)) for r in value)}")
    if len(value) > maximum or len(value[0]) > maximum:
        raise ParameterError(f"parameter {name} may be at most {maximum}x{maximum}, got {len(value)}x{len(value[0])}")
    return [[read_number(v, f"{name}[{i + 1}][{j + 1}]") for j, v in enumerate(row)] for i, row in enumerate(value)]
