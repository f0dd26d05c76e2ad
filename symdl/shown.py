"""Worked arithmetic for the counting families: shown as written, evaluated by ``doit()``.

``Shown`` keeps a value beside the LaTeX and text it is written as (terms in the order written,
products with a visible dot, long integers grouped as 75{,}000{,}100), so a worked line prints
as the course writes it while every check sees the exact value.
"""

import re

import sympy as sp
from sympy.core.symbol import Str
from sympy.printing.str import StrPrinter

from symdl.latex import DLLatexPrinter
from symdl.verify import Computed


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
_ORDERED_TEXT = StrPrinter({"order": "none"})


def _text(value) -> str:
    return re.sub(r"\*\*1(?![\d.])", "", _ORDERED_TEXT.doprint(value)).replace("ceiling(", "ceil(")


class Shown(sp.Basic):
    """A value shown as worked arithmetic, its terms in the order written; ``doit()`` gives the value."""

    def __new__(cls, value, latex=None, text=None):
        value = sp.sympify(value)
        if not isinstance(latex, Str):
            latex = Str(ORDERED.doprint(value) if latex is None else latex)
        if not isinstance(text, Str):
            text = Str(_text(value) if text is None else text)
        return sp.Basic.__new__(cls, value, latex, text)

    def doit(self, **hints):
        return self.args[0].doit(**hints)

    def _latex(self, printer):
        return self.args[1].name

    def _symdl_text(self, printer):
        return self.args[2].name

    _sympystr = _symdl_text


def worked(build):
    with sp.evaluate(False):
        return Shown(build())


I = sp.Integer


def Counted(compute, method="independent computation"):
    """A check against an independent count: counts are integers, so they must agree exactly."""
    return Computed(compute, method, tolerance=0.0)
