r"""Where a question's answers stand on the sheet, and whether they are the key's.

For every part of a question with a value (a number or a numeric matrix), the values written in
that question's section are the candidates, in sheet order:

1. **equal**: a candidate equal to the key's value (exactly, or as its rounding to the digits
   written) answers the part: right.
2. **near miss**: otherwise, the last candidate within 3.5 % of the key's value (or of its
   negative: a sign slip) answers it: wrong, with the key's value.
3. **by position**: otherwise, when the parts before and after it are found, and every candidate of
   the same shape between them stands on one line (or the last is marked ``∴``/``Ans``), the last
   one answers it: wrong unless equal.

A part answered by none of these is "not found"; nothing is guessed. Formulas are matched only to
``formula`` claims (a derivative named on the left) whose names, once the sheet's own right
definitions are put in, are the key formula's names.
"""

from __future__ import annotations

import re

import sympy as sp

from symdl.decide import Problem
from symdl.errors import SymdlError

NEAR = sp.Rational(35, 1000)
_ANSWER_MARK = re.compile(r"\\therefore|∴|\bAns\b|\bAnswer\b|\\boxed|\btotal\b", re.I)


def match_answers(parts: list, results: list, sheet_lines: dict) -> dict:
    """{part number: (result or None, how)}; results answering a part are updated in place."""
    from symdl.check import decide

    found: dict = {}
    candidates = [r for r in results if r.value is not None and r.kind in ("statement", "expression", "claim")]
    values = {p.number: p.value() for p in parts}
    used: set = set()
    # computed values first, the last one first (the answer a working ends on), then statements (data)
    preferred = [r for r in reversed(candidates) if r.kind != "statement"] + \
        [r for r in reversed(candidates) if r.kind == "statement"]
    for part in parts:  # 1. equal
        value = values[part.number]
        if value is None:
            continue
        for result in preferred:
            if any(_names_part(result, other, parts) for other in parts if other is not part):
                continue  # "P(y=1) = … = 0.2537" answers P(y=1), even with P(y=2)'s value
            if id(result) not in used and _same_shape(value, result.value) and _equal(decide, value, result):
                found[part.number] = (result, "equal")
                used.add(id(result))
                break
    for part in parts:  # 2. by name: the quantity on the line's left is named in the part's title
        value = values[part.number]
        if value is None or part.number in found:
            continue
        named = [r for r in candidates if id(r) not in used and _same_shape(value, r.value)
                 and _names_part(r, part, parts)]
        if named:
            found[part.number] = (named[-1], "name")
            used.add(id(named[-1]))
    for part in parts:  # 3. near miss
        value = values[part.number]
        if value is None or part.number in found or getattr(value, "is_Matrix", False):
            continue
        near = [r for r in candidates if id(r) not in used and not getattr(r.value, "is_Matrix", False)
                and _near(value, r.value)]
        if near:
            found[part.number] = (near[-1], "near")
            used.add(id(near[-1]))
    order = [p.number for p in parts]
    for part in parts:  # 4. by position
        value = values[part.number]
        if value is None or part.number in found:
            continue
        before = [found[n][0].line for n in order[:order.index(part.number)] if n in found]
        after = [found[n][0].line for n in order[order.index(part.number) + 1:] if n in found]
        low, high = (max(before) if before else 0), (min(after) if after else 10 ** 9)
        same = [p for p in parts if p.number not in found and values[p.number] is not None
                and _same_shape(values[p.number], value)]
        gap = [r for r in candidates if id(r) not in used and low < r.line < high and _same_shape(value, r.value)]
        if not gap or len(same) > 1 and not after:
            continue
        one_line = len({r.line for r in gap}) == 1
        marked = _ANSWER_MARK.search(sheet_lines.get(gap[-1].line, "")) is not None
        if (one_line and (before or after)) or marked:
            found[part.number] = (gap[-1], "position")
            used.add(id(gap[-1]))
    for number, (result, how) in found.items():
        part = next(p for p in parts if p.number == number)
        _judge(decide, part, values[number], result, how)
    return found


def mark_carried(results: list) -> None:
    """A value that is not the key's while its own steps hold carries an error when it uses a value an
    earlier wrong line reached, or one computed from such a value (``13 \\times 13 \\times 32 = 5408``
    after ``n_3 = 16 - 3 + 1 = 13``, then ``5408 \\times 10 + 10``); else it is simply wrong."""
    tainted: list = []  # (the value as written, the wrong line it comes from), latest last
    for result in results:  # in the sheet's order
        used = " ".join(result.segment.latex.split())
        origin = next((line for text, line in reversed(tainted) if _uses(used, text)), None)
        if result.carried_from == -1:
            result.carried_from = origin
            if origin is not None:
                result.diagnosis = f"carries the error of line {origin} (the steps here hold)"
        if result.last and (origin is not None or result.verdict == "wrong" and not result.carried_from):
            tainted.append((" ".join(result.last.split()), result.line if result.verdict == "wrong" else origin))


def _uses(text: str, value: str) -> bool:
    if len(value) < 2:
        return False
    return re.search(r"(?<![\d.])" + re.escape(value) + r"(?![\d.])", text) is not None


def _left_side(latex: str) -> str:
    """The first side of a relation as written (``P(y=1)`` in ``P(y=1) = 0.25``), or "" when none."""
    from symdl.parse.sheet import top_level_sides

    sides = top_level_sides(latex)
    return sides[0] if len(sides) > 1 else ""


def _names_part(result, part, parts) -> bool:
    """Whether the line's left side (``P(y=2)``, ``\\frac{\\partial L}{\\partial W^{(1)}}``) is named in
    this part's title and in no other part's title with a value (names of three letters or more)."""
    left = _plain(_left_side(result.segment.latex))
    if len(left) < 3:
        return False
    holders = [p for p in parts if left in _plain(p.title) and p.value() is not None]
    return holders == [part]


def _judge(decide, part, value, result, how) -> None:
    result.matched = part
    verdict = decide(Problem(value, result.value), tolerance=result.tolerance, digits=part.digits)
    if verdict.verdict == "equivalent":
        result.key_right = True
        if result.verdict is None:  # a value stated or written alone: it is the key's
            result.verdict, result.detail = "right", f"the key's answer ({verdict.detail})"
        # a chain with a step left open keeps "not checked": its value is the key's (and scores), but
        # the open step may be wrong (78400 + 1110 = 79510 ends right)
        return
    if verdict.verdict != "not_equivalent":
        return
    carried = result.verdict == "right" or result.steps_hold
    result.verdict = "wrong"
    result.expected = part.answer or shown(value)
    if result.diagnosis is None:
        result.diagnosis = verdict.diagnosis or ("the value asked for differs" if not carried
                                                 else "the steps hold, but the value is not the one asked for")
    if carried and result.carried_from is None:
        result.carried_from = -1  # an earlier value was wrong: error carried forward
    result.detail = f"{part.title}: {verdict.detail}"


def _equal(decide, value, result) -> bool:
    try:
        verdict = decide(Problem(value, result.value), tolerance=result.tolerance)
    except (SymdlError, ValueError, TypeError):
        return False
    return verdict.verdict == "equivalent"


def _same_shape(a, b) -> bool:
    a_matrix, b_matrix = getattr(a, "is_Matrix", False), getattr(b, "is_Matrix", False)
    if a_matrix != b_matrix:
        return False
    return not a_matrix or a.shape == b.shape


def _near(value, candidate) -> bool:
    try:
        v, c = sp.N(value, 30), sp.N(candidate, 30)
        if not (v.is_real and c.is_real) or v == 0:
            return False
        return abs(c - v) <= NEAR * abs(v) or abs(c + v) <= NEAR * abs(v)
    except (TypeError, ValueError):
        return False


def shown(value) -> str:
    """A value as LaTeX for feedback: integers and matrices exactly, other numbers to six figures."""
    from symdl.latex import to_latex

    try:
        if value.is_Number and not value.is_Integer:
            return to_latex(sp.Float(value, 6))
        return to_latex(value)
    except (TypeError, ValueError, AttributeError):
        return str(value)


_MATRIX_SIGNS = re.compile(r"\^\s*\{?\s*(?:T|\\top|\\intercal)\b|\\odot|\\mathbb\{1\}|\\begin|\\otimes|\\circ")


def match_formulas(parts: list, results: list) -> dict:
    """Formulas written on the sheet against the key's formulas with the same names.

    A formula the checker left open (a definition, a derivative's formula, a chain it could not
    decide) that equals the key's formula in the same names is right. It is wrong only when it
    differs and the key part's title names the quantity on its left (``E(w)`` in "E(w) in the
    eigenvector coordinates"). Formulas with transposes, Hadamard products or matrices are left
    alone: their names' shapes are not known here.
    """
    from symdl.check import check

    found = _named_formulas(parts, results)
    formulas = [(p, p.expression) for p in parts if p.expression and not _MATRIX_SIGNS.search(p.expression)]
    if not formulas:
        return found
    for result in results:
        if result.verdict == "right" or result.verdict == "wrong" or not result.last:
            continue
        if result.kind not in ("formula", "definition", "claim") or _MATRIX_SIGNS.search(result.last):
            continue
        names = _names(result.last)
        if not names:
            continue
        for part, expression in formulas:
            if _names(expression) != names:
                continue
            verdict = check(expression, result.last)
            left = _plain(_left_side(result.segment.latex))
            if verdict.verdict == "equivalent":
                result.key_right = True
                if result.kind != "claim" or result.verdict is None:  # a chain with an open step stays open
                    result.verdict, result.detail = "right", f"the key's formula ({part.title})"
                    result.diagnosis = None
            elif verdict.verdict == "not_equivalent" and left and left in _plain(part.title):
                result.verdict, result.expected = "wrong", expression
                result.diagnosis = verdict.diagnosis or "not the key's formula"
                result.detail = f"{part.title}: {verdict.detail}"
            else:
                continue
            result.matched = part
            found.setdefault(part.number, (result, "formula"))
            break
    return found


def _named_formulas(parts: list, results: list) -> dict:
    """Formula parts (no value) answered by a judged formula whose left side the part's title names."""
    found = {}
    for part in parts:
        if part.value() is not None:
            continue
        for result in reversed(results):
            if result.kind != "formula" or result.verdict not in ("right", "wrong") or "=" not in result.segment.latex:
                continue
            left = _plain(_left_side(result.segment.latex))
            holders = [p for p in parts if p.value() is None and len(left) >= 3 and left in _plain(p.title)]
            if holders == [part]:
                found[part.number] = (result, "formula")
                result.matched = part
                break
    return found


def _names(text: str):
    from symdl.parse import parse

    try:
        expr = parse(text).expr
    except (SymdlError, RecursionError, ValueError, TypeError):
        return None
    return frozenset(str(s) for s in getattr(expr, "free_symbols", ())) or None


def _plain(latex: str) -> str:
    r"""A name as plain text for comparing with a title: ``\frac{\partial L}{\partial a}`` → ``dL/da``."""
    text = re.sub(r"\^\s*\{?\s*\(?\s*(\d+)\s*\)?\s*\}?", r"\1", latex)  # W^{(1)} -> W1
    text = re.sub(r"\\frac\{\\partial\s*([^{}]*)\}\{\\partial\s*([^{}]*)\}", r"d\1/d\2", text)
    text = re.sub(r"\\(?:left|right|,|;|!|quad)", "", text)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)
    return re.sub(r"[\s{}]", "", text).replace("^*", "*")


__all__ = ["mark_carried", "match_answers", "match_formulas", "shown"]
