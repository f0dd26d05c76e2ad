r"""The claims of one question's math, checked: every chain of relations, step by step.

A chain is one math segment, or several when a segment starting with ``=`` continues the one
before. What a chain is decides what is checked:

- ``statement``: ``name = constant`` (``x = (1, -1)``, ``N = 33``): data or an answer; checked only
  against the key (:mod:`symdl.mark.answers`);
- ``definition``: ``name = expression`` (``z = W^{(1)} x``): not a claim;
- ``formula``: ``\frac{\partial L}{\partial a} = …``, a derivative's formula: checked only against the key;
- ``claim``: anything else with a relation: every step checked by :func:`symdl.working.check_working`.

Soundness rules on top of the checker: a step is right only when the checker says equivalent. A
step that disagrees at drawn points while its sides do not even share their names (values were
substituted that the sheet states elsewhere, or not at all: ``(D+1)M + (M+1)K = 78500 + 1010``) is
"not checked", never wrong; so is a shape clash among names whose shapes are unknown. Lines of a
chain after its first wrong step are wrong too: their value carries the error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from symdl.errors import ParseError, SymdlError
from symdl.parse import DerivativeTarget, parse
from symdl.parse.working import read_working

CHECKED = ("=", r"\approx")


@dataclass
class Result:
    """The verdict on one segment (or on the part of a chain on one sheet line)."""

    segment: object
    kind: str  # claim, statement, definition, formula, expression, unread
    verdict: str | None = None  # right, wrong, unchecked; None: not a claim
    diagnosis: str | None = None
    detail: str = ""
    expected: str | None = None
    carried_from: int | None = None  # the sheet line whose error this value carries
    value: object = None  # the last side's value when it is a constant (a number or numeric matrix)
    tolerance: object = None
    last: str | None = None  # the last side's text
    steps_hold: bool = False  # every checked step of this segment holds (its own arithmetic is right)
    matched: object = None  # the key part this segment answers

    @property
    def line(self) -> int:
        return self.segment.line


def check_chains(segments: list, digits: int | None = None) -> list[Result]:
    """One Result per segment, in order."""
    results, chain = [], []
    for segment in segments:
        if chain and not segment.continues:
            results += _check_chain(chain, digits)
            chain = []
        chain.append(segment)
    if chain:
        results += _check_chain(chain, digits)
    return results


def _check_chain(chain: list, digits) -> list[Result]:
    unread = next((s for s in chain if s.problem), None)
    if unread is not None:
        return [Result(s, "unread", "unchecked", detail=f"not read: {unread.problem}") for s in chain]
    per_segment = []
    try:
        for segment in chain:
            per_segment.append(read_working(f"$${segment.latex}$$"))
    except ParseError as exc:
        return [Result(s, "unread", "unchecked", detail=f"not read: {exc}") for s in chain]
    except (SymdlError, RecursionError) as exc:
        return [Result(s, "unread", "unchecked", detail=f"not read: {exc}") for s in chain]
    sides = [side for lines in per_segment for line in lines for side in line.sides]
    last = _read(sides[-1].text)
    value, tolerance = _constant(last)
    if len(sides) == 1:
        return [Result(s, "expression", None, value=value, tolerance=tolerance, last=sides[-1].text) for s in chain]
    if len(chain) == 1 and len(sides) == 2 and sides[1].relation == "=":
        kind = _kind(sides[0].text, last)
        if kind != "claim":
            return [Result(chain[0], kind, "unchecked" if kind == "formula" else None,
                           detail="a formula: checked against the key only" if kind == "formula" else "",
                           value=value, tolerance=tolerance, last=sides[-1].text)]
    return _steps(chain, per_segment, sides, digits, value, tolerance)


def _steps(chain, per_segment, sides, digits, value, tolerance) -> list[Result]:
    from symdl.working import check_working

    text = "\n".join(f"$${s.latex}$$" for s in chain)
    working = check_working(text, digits=digits)
    owner = [index for index, lines in enumerate(per_segment) for _ in lines]
    names = [_names_of(side.text) for side in sides]
    by_segment: dict = {index: [] for index in range(len(chain))}
    position = 0
    for step in working.steps:
        index = owner[step.line] if step.line < len(owner) else len(chain) - 1
        at = next((i for i in range(max(position, 1), len(sides)) if sides[i].text.strip() == step.text.strip()), None)
        if at is not None:
            position = at + 1
            substituted = names[at] is None or names[at - 1] is None or names[at] != names[at - 1]
        else:
            substituted = len({n for n in names if n is not None}) > 1
        verdict = _sound(step, substituted)
        if verdict[0] == "wrong" and at is not None:
            verdict = verdict + (_shown_value(sides[at - 1].text),)
        by_segment[index].append(verdict)
    results, first_wrong = [], None
    for index, segment in enumerate(chain):
        steps = by_segment[index]
        result = Result(segment, "claim", value=value if index == len(chain) - 1 else None,
                        tolerance=tolerance if index == len(chain) - 1 else None,
                        last=sides[-1].text if index == len(chain) - 1 else None)
        wrong = next((s for s in steps if s[0] == "wrong"), None)
        checked = [s for s in steps if s[3] in CHECKED]
        result.steps_hold = bool(checked) and all(s[0] == "right" for s in checked)
        if wrong is not None:
            result.verdict, result.diagnosis, result.detail = "wrong", wrong[1], wrong[2]
            result.expected = wrong[4] if len(wrong) > 4 else None
            first_wrong = first_wrong or segment.line
        elif first_wrong is not None and steps:
            result.verdict, result.carried_from = "wrong", first_wrong
            result.diagnosis = f"carries the error of line {first_wrong}"
            result.detail = "the step holds, but the chain went wrong before it"
        elif steps and all(s[0] == "right" for s in steps):
            result.verdict, result.detail = "right", "; ".join(s[2] for s in steps if s[2])[:200]
        elif steps:
            doubtful = next(s for s in steps if s[0] != "right")
            result.verdict, result.detail = "unchecked", doubtful[2]
        results.append(result)
    return results


def _sound(step, substituted: bool) -> tuple:
    """(verdict, diagnosis, detail, relation) with the marker's soundness rules applied."""
    if step.verdict == "equivalent":
        return "right", None, step.detail, step.relation
    if step.verdict == "not_equivalent":
        if step.relation == r"\approx" and re.fullmatch(r"\s*-?\d+\s*", step.text):
            return "unchecked", None, "≈ a whole number: a loose claim", step.relation
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


def _shown_value(text: str) -> str | None:
    """The value a wrong step should have reached, when the side before it is a constant."""
    from symdl.mark.answers import shown

    value, _ = _constant(_read(text))
    return shown(value) if value is not None else None


def _why(detail: str) -> str:
    if " is not " in detail:
        return "arithmetic slip"
    return "not equal"


def _names_of(text: str):
    """The names a side uses (None when it cannot be read): two sides with different names are a
    substitution of values, not an identity."""
    parsed = _read(text)
    if parsed is None:
        return None
    return frozenset(str(s) for s in getattr(parsed.expr, "free_symbols", ()))


def _read(text: str):
    try:
        return parse(text)
    except (SymdlError, RecursionError, ValueError, TypeError):
        return None


def _constant(parsed) -> tuple:
    if parsed is None:
        return None, None
    expr = parsed.expr
    if isinstance(expr, sp.Basic) and not expr.free_symbols and (expr.is_number or getattr(expr, "is_Matrix", False)):
        return expr, parsed.tolerance
    return None, None


def _kind(left: str, right) -> str:
    lhs = _read(left)
    if lhs is None:
        return "claim"
    if isinstance(lhs.lhs, DerivativeTarget) or isinstance(lhs.expr, DerivativeTarget) or r"\partial" in left:
        return "formula" if right is not None and _constant(right)[0] is None else "claim"
    named = _names(lhs.expr)
    if not named:
        return "claim"
    if right is not None and _constant(right)[0] is not None:
        return "statement"
    return "definition"


def _names(expr) -> bool:
    named = (sp.Symbol, sp.Indexed, sp.MatrixSymbol, sp.core.function.AppliedUndef)
    return isinstance(expr, named) or type(expr).__name__ == "MatrixElement"


__all__ = ["Result", "check_chains"]
