r"""One step of a chain judged with the marker's rules: the checker's verdict made sound for a sheet
(values put in that the sheet does not state leave a step open), steps re-checked with the section's
values (:mod:`symdl.mark.data`), roundings from decimals the sheet reached exactly, whole numbers
after ``\\approx``, and equations solved by ``\\Rightarrow`` (a root put in; the characteristic
equation of the section's matrix).

A step verdict is a tuple ``(verdict, diagnosis, detail, relation[, expected])`` with verdict right,
wrong or unchecked.
"""

from __future__ import annotations

import re

import sympy as sp

from symdl.errors import SymdlError
from symdl.mark.data import OPAQUE, Data
from symdl.parse import parse

CHECKED = ("=", r"\approx")


LOOSE = "≈ a whole number: a loose claim"


def solving(sides, at: int, data: Data, line: int):
    """``… = 0 \\Rightarrow \\lambda_1 = 2``: the equation is what is solved (not a claim that it is 0
    everywhere), and the implication holds when 2 is a root."""
    relation = sides[at].relation
    if relation == r"\Rightarrow" and at >= 2 and sides[at - 1].text.strip() == "0" and at + 1 < len(sides) \
            and sides[at + 1].relation == "=":
        return _root(sides[at - 2].text, sides[at].text, sides[at + 1].text, data, line)
    if relation == "=" and sides[at].text.strip() == "0" and at + 1 < len(sides) \
            and sides[at + 1].relation == r"\Rightarrow":
        if at >= 2:  # reached from the side before it, whose step is checked on its own
            return "right", None, "the equation to solve", "="
        return _characteristic(sides[at - 1].text, data)
    return None


def plain_numbers(before: str, after: str, relation: str):
    """Two sides of plain numbers (``10 - 4 = 6``) next to a determinant: judged by the checker."""
    from symdl.working import check_working

    if OPAQUE.search(before) or OPAQUE.search(after):
        return None
    first, second = read_text(before), read_text(after)
    if first is None or second is None or _has_names(first.expr) or _has_names(second.expr):
        return None
    working = check_working(f"$${before} {'=' if relation == '=' else relation} {after}$$")
    if not working.steps:
        return None
    return sound(working.steps[-1], False)


def _characteristic(equation: str, data: Data):
    """An equation stated first (``\\lambda^2 - 7\\lambda + 6 = 0``) is right when it is the
    characteristic equation of the one square matrix of its size the section gives; else not checked."""
    solved, _ = data.evaluate(equation, partial=True)
    symbols = getattr(solved, "free_symbols", set())
    if solved is None or len(symbols) != 1:
        return None
    variable = next(iter(symbols))
    try:
        polynomial = sp.Poly(solved, variable)
    except sp.PolificationFailed:
        return None
    squares = [v for v, _ in data.values.values() if getattr(v, "is_Matrix", False)
               and v.shape[0] == v.shape[1] == polynomial.degree()]
    if len(squares) != 1 or polynomial.degree() < 1:
        return None
    size = squares[0].shape[0]
    if sp.Poly(sp.expand((squares[0] - variable * sp.eye(size)).det()), variable).monic() == polynomial.monic():
        return "right", None, "the characteristic equation of the matrix the sheet gives", "="
    return None


def _root(equation: str, name: str, value: str, data: Data, line: int):
    """``E = 0 \\Rightarrow \\lambda_1 = 2``: right when 2 is a root of E in \\lambda (exact numbers only)."""
    solved, _ = data.evaluate(equation, partial=True)
    read_name, read_value = read_text(name), read_text(value)
    if solved is None or read_name is None or read_value is None:
        return None
    symbols = getattr(solved, "free_symbols", set())
    root, _ = constant_of(read_value)
    if len(symbols) != 1 or root is None or getattr(root, "is_Matrix", False) or re.search(r"\d\.\d", value):
        return None
    variable = next(iter(symbols))
    named = getattr(read_name.expr, "name", "")
    if named != variable.name and not re.fullmatch(re.escape(variable.name) + r"_\{?\w+\}?", named):
        return None
    data.equation = (solved, variable, line)
    rest = sp.simplify(solved.xreplace({variable: root}))
    if rest == 0:
        data.learn(name, root, True)  # \lambda_1 = 2: a value for the lines after
        return "right", None, f"{value} solves {equation} = 0", r"\Rightarrow"
    if rest.is_number:
        return "wrong", "not a root of the equation", f"{equation} is {shown_latex(rest)} there, not 0", r"\Rightarrow", None
    return None


def nearest_whole(before: str, after: str, relation: str):
    """``0.9993 \approx 1``: right when the whole number is the value rounded to units, else wrong."""
    value, _ = constant_of(read_text(before))
    whole, _ = constant_of(read_text(after))
    if value is None or whole is None or not whole.is_Integer or not value.is_real:
        return None
    nearest = sp.floor(value + sp.Rational(1, 2))
    if nearest == whole:
        return "right", None, f"{whole} is {shown_latex(value)} rounded to a whole number", relation
    return "wrong", "rounding: not the nearest whole number", f"{shown_latex(value)} rounds to {nearest}", relation, \
        str(nearest)


DECIMAL = re.compile(r"\s*-?\d+\.\d+\s*")


def exact_rounding(before: str, after: str, relation: str, data: Data):
    r"""The checker accepts ``\sqrt{3.5} = 1.870`` when 3.5 may itself be a rounding; when the sheet
    reached 3.5 exactly (or states it), the step is judged with 3.5 as the value it is."""
    written = re.findall(r"\d+\.\d+", before)
    if not written or not set(written) <= data.exact_decimals:
        return None
    first, second = read_text(before), read_text(after)
    if first is None or second is None or _has_names(first.expr) or _has_names(second.expr):
        return None
    from symdl.check import decide
    from symdl.decide import Problem

    verdict = decide(Problem(first.expr, second.expr), tolerance=second.tolerance)
    if verdict.verdict == "not_equivalent":
        return ("wrong", "rounding: not the value rounded to the digits written",
                f"{verdict.detail} ({', '.join(sorted(set(written)))} reached exactly on the sheet)", relation)
    return None


def with_data(before: str, after: str, relation: str, data: Data):
    """A step re-checked with the section's values put in: right, wrong (exact data only) or None."""
    from symdl.check import decide
    from symdl.decide import Problem

    read_after, read_before = data.read(after), data.read(before)
    if read_after is None or read_before is None or not (_has_names(read_after.expr) or _has_names(read_before.expr)):
        return None  # nothing to put in: the checker's own verdict stands
    expected, exact_before = data.evaluate(before, partial=True)
    answer, exact_after = data.evaluate(after, partial=True)
    if expected is None or answer is None:
        return None
    left = {str(s) for s in getattr(expected, "free_symbols", ())}
    if left != {str(s) for s in getattr(answer, "free_symbols", ())}:
        return None  # names left on one side only: a substitution the sheet does not state
    tolerance = read_after.tolerance if read_after is not None else None
    if tolerance is None and read_before is not None and read_before.tolerance is not None:
        expected, answer, tolerance = answer, expected, read_before.tolerance
    if tolerance is None:
        tolerance = _rounded_sum(after) or _rounded_sum(before)
    verdict = decide(Problem(expected, answer), tolerance=tolerance)
    if verdict.verdict == "equivalent":
        return "right", None, f"with the values the sheet gives: {verdict.detail}", relation
    # decimals written in the step are roundings: the step is wrong only when the rounding the last one
    # allows cannot explain the difference and every other decimal is exact data
    before_decimals = set(re.findall(r"\d+\.\d+", before))
    rounded = tolerance is not None and before_decimals <= data.exact_decimals
    written_decimals = re.search(r"\d\.\d", before + after) is not None
    if verdict.verdict == "not_equivalent" and exact_before and exact_after and (rounded or not written_decimals):
        shown_value = shown_latex(expected)
        return "wrong", verdict.diagnosis or _why(verdict.detail), \
            f"with the values the sheet gives: {verdict.detail}", relation, shown_value
    return None


_DECIMAL_SUM = re.compile(r"^\s*-?\s*\d+\.\d+(?:\s*[-+]\s*\d+\.\d+)+\s*$")


def _rounded_sum(text: str):
    """``4.4817 + 1.6487 + 0.3679``: a sum of roundings is within the sum of their half-units of the
    true sum (the bound is exact for sums and differences, so nothing else gets it)."""
    if not _DECIMAL_SUM.match(text):
        return None
    return sum(sp.Rational(1, 2 * 10 ** len(d)) for d in re.findall(r"\d+\.(\d+)", text))


def _has_names(expr) -> bool:
    return bool(getattr(expr, "free_symbols", ())) or bool(getattr(expr, "atoms", lambda *a: ())(sp.MatrixSymbol))


def shown_latex(value) -> str:
    from symdl.mark.answers import shown

    return shown(value)


def sound(step, substituted: bool) -> tuple:
    """(verdict, diagnosis, detail, relation) with the marker's soundness rules applied."""
    if step.verdict == "equivalent":
        return "right", None, step.detail, step.relation
    if step.verdict == "not_equivalent":
        if step.relation == r"\approx" and re.fullmatch(r"\s*-?\d+\s*", step.text):
            return "unchecked", None, LOOSE, step.relation
        if step.diagnosis == "shape mismatch" and substituted:
            return "unchecked", None, "shapes of the names are not known", step.relation
        if substituted and step.counterexample:
            return "unchecked", None, "values are substituted that the sheet does not state here", step.relation
        if substituted and step.method not in ("number",) and "exact values" not in step.detail:
            return "unchecked", None, "values are substituted that the sheet does not state here", step.relation
        return "wrong", step.diagnosis or _why(step.detail), step.detail, step.relation
    if step.verdict == "unchecked":
        return "unchecked", None, step.detail or "not checked", step.relation
    return "unchecked", None, step.detail or "undecided", step.relation


def shown_value(text: str) -> str | None:
    """The value a wrong step should have reached, when the side before it is a constant."""
    from symdl.mark.answers import shown

    value, _ = constant_of(read_text(text))
    return shown(value) if value is not None else None


def _why(detail: str) -> str:
    if " is not " in detail:
        return "arithmetic slip"
    return "not equal"


def names_of(text: str):
    """The names a side uses (None when it cannot be read): two sides with different names are a
    substitution of values, not an identity."""
    parsed = read_text(text)
    if parsed is None:
        return None
    return frozenset(str(s) for s in getattr(parsed.expr, "free_symbols", ()))


def read_text(text: str):
    try:
        return parse(text)
    except (SymdlError, RecursionError, ValueError, TypeError):
        return None


def constant_of(parsed) -> tuple:
    if parsed is None:
        return None, None
    expr = parsed.expr
    if isinstance(expr, sp.Basic) and not expr.free_symbols and (expr.is_number or getattr(expr, "is_Matrix", False)):
        return expr, parsed.tolerance
    return None, None


def is_name(expr) -> bool:
    named = (sp.Symbol, sp.Indexed, sp.MatrixSymbol, sp.core.function.AppliedUndef)
    return isinstance(expr, named) or type(expr).__name__ == "MatrixElement"


__all__ = ["CHECKED", "DECIMAL", "LOOSE", "constant_of", "exact_rounding", "is_name", "names_of", "nearest_whole",
           "plain_numbers", "read_text", "shown_latex", "shown_value", "solving", "sound", "with_data"]
