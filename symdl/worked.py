"""Worked numbers: formulas written out with their numbers substituted, exact values, and decimals.

A worked step writes a formula with its numbers substituted, in the order the course writes it; SymPy
would reorder and evaluate it. ``W`` builds the LaTeX, the plain text and the exact value together, so
what is printed is what is checked; ``written`` turns one into a step's right side.
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
from symdl.render import plain_name

SUM, NEG, PRODUCT, POWER, ATOM = range(5)  # how tightly a written expression binds


class Written(sp.Expr):
    """A value shown as a worked step writes it: checks see ``args[0]``, printers the written form."""

    is_commutative = True

    def __new__(cls, value, latex, text):
        latex = latex if isinstance(latex, Str) else Str(latex)
        text = text if isinstance(text, Str) else Str(text)
        return sp.Expr.__new__(cls, sp.sympify(value), latex, text)

    def doit(self, **hints):
        return self.args[0].doit(**hints)

    def _latex(self, printer, exp=None):
        return self.args[1].name

    def _symdl_text(self, printer):
        return self.args[2].name

    _sympystr = _symdl_text


@dataclass(frozen=True)
class W:
    """An expression being written out: exact value, LaTeX, plain text, how tightly it binds, and whether it
    shows a rounded number (then what it is written to equal is only approximately so)."""

    value: Any
    tex: str
    txt: str
    rank: int = ATOM
    approx: bool = False


def _wrap(w: W, below: int) -> tuple[str, str]:
    if w.rank < below:
        return rf"\left({w.tex}\right)", f"({w.txt})"
    return w.tex, w.txt


def _any_approx(*parts: W) -> bool:
    return any(p.approx for p in parts)


def symbol(tex: str, value=None) -> W:
    """A named quantity; its value is the real symbol of that name (the parser's convention)."""
    return W(sp.Symbol(tex, real=True) if value is None else value, tex, plain(tex))


_PLAIN = ((r"\left(", "("), (r"\right)", ")"), (r"\left|", "|"), (r"\right|", "|"), (r"\rho", "ρ"),
          (r"\theta", "θ"), (r"\nabla ", "∇"), (r"\odot", "⊙"), (r"\cdot", "·"), ("^{\\top}", "ᵀ"),
          (r"\operatorname{", "{"), (r"\hat{", "{"), (r"\tilde{", "{"))


def plain(tex: str) -> str:
    """Plain text for a name or short formula: symdl's names, then the symbols it leaves as LaTeX."""
    text = plain_name(tex)
    for latex, char in _PLAIN:
        text = text.replace(latex, char)
    return text


def number(value, tex: str | None = None, txt: str | None = None) -> W:
    """An exact number, written as a decimal unless ``tex`` says how (a rounded decimal when it must be)."""
    value = sp.Rational(value.numerator, value.denominator) if isinstance(value, Fraction) else sp.sympify(value)
    rounded = False
    if tex is None:
        tex, txt, exact = decimal(value)
        rounded = not exact
    rank = NEG if tex.startswith("-") else PRODUCT if r"\cdot" in tex else POWER if "^" in tex else ATOM
    return W(value, tex, txt if txt is not None else tex, rank, rounded)


def add(*terms: W) -> W:
    tex, txt = terms[0].tex, terms[0].txt
    for term in terms[1:]:
        if term.tex.startswith("-"):
            tex, txt = f"{tex} - {term.tex[1:].lstrip()}", f"{txt} - {term.txt[1:].lstrip()}"
        else:
            tex, txt = f"{tex} + {term.tex}", f"{txt} + {term.txt}"
    return W(sp.Add(*(t.value for t in terms)), tex, txt, SUM, _any_approx(*terms))


def sub(a: W, b: W) -> W:
    b_tex, b_txt = _wrap(b, PRODUCT)
    return W(a.value - b.value, f"{a.tex} - {b_tex}", f"{a.txt} - {b_txt}", SUM, _any_approx(a, b))


def neg(a: W) -> W:
    tex, txt = _wrap(a, PRODUCT)
    return W(-a.value, f"-{tex}", f"-{txt}", NEG, a.approx)


def mul(*factors: W, dot: bool = False) -> W:
    """A product; a number next to a number is joined by a dot (``0.1 \\cdot 0.5``), or every factor with ``dot``."""
    tex, txt = _wrap(factors[0], NEG)
    value = factors[0].value
    for f in factors[1:]:
        f_tex, f_txt = _wrap(f, PRODUCT)
        numeric = (dot or re.match(r"(\d|-|\\left\(-?\d)", f_tex) is not None
                   or (tex[-1].isdigit() and not sp.sympify(f.value).free_symbols))
        tex += (r" \cdot " if numeric else " ") + f_tex
        txt += ("·" if numeric else " ") + f_txt
        value = value * f.value
    return W(value, tex, txt, NEG if tex.startswith("-") else PRODUCT, _any_approx(*factors))


def div(a: W, b: W) -> W:
    a_txt, b_txt = _wrap(a, PRODUCT)[1], _wrap(b, POWER)[1]
    return W(a.value / b.value, rf"\frac{{{a.tex}}}{{{b.tex}}}", f"{a_txt}/{b_txt}", PRODUCT, _any_approx(a, b))


def power(a: W, k: W) -> W:
    tex, txt = _wrap(a, ATOM)
    return W(a.value**k.value, f"{tex}^{{{k.tex}}}", f"{txt}^{_wrap(k, ATOM)[1]}", POWER, _any_approx(a, k))


def sqrt(a: W) -> W:
    return W(sp.sqrt(a.value), rf"\sqrt{{{a.tex}}}", f"sqrt({a.txt})", ATOM, a.approx)


def exp(a: W) -> W:
    return W(sp.exp(a.value), f"e^{{{a.tex}}}", f"exp({a.txt})", POWER, a.approx)


def call(tex: str, txt: str, value, *args: W) -> W:
    """A function applied to written arguments: ``\\max\\left(0, -0.2\\right)``."""
    inner_tex, inner_txt = ", ".join(a.tex for a in args), ", ".join(a.txt for a in args)
    return W(value, rf"{tex}\left({inner_tex}\right)", f"{txt}({inner_txt})", ATOM, _any_approx(*args))


def matrix(rows) -> W:
    """A matrix (a list of rows) or a column vector (a flat list) of written entries."""
    rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in rows]
    tex = r" \\ ".join(" & ".join(e.tex for e in row) for row in rows)
    txt = "; ".join(", ".join(e.txt for e in row) for row in rows)
    value = sp.ImmutableMatrix([[e.value for e in row] for row in rows])
    return W(value, rf"\begin{{bmatrix}}{tex}\end{{bmatrix}}", f"[{txt}]", ATOM, _any_approx(*(e for r in rows for e in r)))


def evaluated(w: W) -> W:
    """``w`` followed by its value: ``= -0.0348`` when exact, ``\\approx 0.659001`` when rounded (or when ``w``
    shows rounded numbers)."""
    value = w.value
    if isinstance(value, sp.MatrixBase):
        shown = matrix([[number(e) for e in value.row(i)] for i in range(value.rows)] if value.cols > 1
                       else [number(e) for e in value])
    else:
        shown = number(value)
    if shown.tex == w.tex:
        return w
    relation = (r"\approx", "≈") if shown.approx or w.approx else ("=", "=")
    return W(value, f"{w.tex} {relation[0]} {shown.tex}", f"{w.txt} {relation[1]} {shown.txt}", SUM,
             w.approx or shown.approx)


def then(w: W, value) -> W:
    """A formula followed by its value at the numbers: ``\\operatorname{diag}(p) - p p^{\\top} \\approx [...]``."""
    return evaluated(W(value, w.tex, w.txt, w.rank))


def worked(formula: W, numbers: W) -> W:
    """A formula, the numbers substituted into it, and the value: ``\\beta v_{0} - \\eta g_{1} = 0.9 \\cdot 0 - ... = -0.05``;
    ``\\approx`` where rounded numbers were substituted."""
    shown = evaluated(numbers)
    relation = (r"\approx", "≈") if numbers.approx else ("=", "=")
    return W(numbers.value, f"{formula.tex} {relation[0]} {shown.tex}", f"{formula.txt} {relation[1]} {shown.txt}",
             SUM, shown.approx)


def written(w: W) -> Written:
    return Written(w.value, w.tex, w.txt)


def decimal(value, digits: int = 6) -> tuple[str, str, bool]:
    """LaTeX, text, and whether it is exact: a terminating decimal in full, anything else rounded.

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
                return (*_format(exact), True)
    x = Decimal(str(sp.N(value, 30)))
    tex, txt = _format(_round(x, digits))
    if len(_round(x, digits).normalize().as_tuple().digits) <= digits - 3:
        tex, txt = _format(_round(x, 10))
    return tex, txt, False


def _round(x: Decimal, digits: int) -> Decimal:
    if x == 0:
        return x
    return x.quantize(Decimal(1).scaleb(x.adjusted() - digits + 1), rounding=ROUND_HALF_EVEN)


def _format(x: Decimal) -> tuple[str, str]:
    x = x.normalize()
    if x == 0:
        return "0", "0"
    if -5 < x.adjusted() < 9:
        text = format(x, "f")
        return text, text
    sign, mantissa = ("-" if x < 0 else ""), abs(x).scaleb(-x.adjusted()).normalize()
    power_tex = f"10^{{{x.adjusted()}}}"
    tex = f"{sign}{power_tex}" if mantissa == 1 else rf"{sign}{format(mantissa, 'f')} \cdot {power_tex}"
    return tex, f"{sign}{format(mantissa, 'f')}e{x.adjusted()}"


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
    return number(sp.Rational(exact.numerator, exact.denominator), tex, text)


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
