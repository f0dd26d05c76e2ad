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
from symdl.parse import Context, DerivativeTarget, parse
from symdl.mark.data import OPAQUE, Data, name_of, vector
from symdl.mark.steps import (
    CHECKED, LOOSE, DECIMAL, constant_of, exact_rounding, is_name, names_of, nearest_whole, plain_numbers, read_text,
    shown_latex, shown_value, solving, sound, with_data,
)
from symdl.parse.working import read_working


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
    key_right: bool = False  # its value is the key's answer

    @property
    def line(self) -> int:
        return self.segment.line


def check_chains(segments: list, digits: int | None = None, targets: tuple = ()) -> list[Result]:
    """One Result per segment, in order; ``targets`` are the key's values for this question (a
    formula ``name = …`` whose value with the sheet's data is one of them computes what is asked)."""
    chains, chain = [], []
    for segment in segments:
        if chain and not segment.continues:
            chains.append(chain)
            chain = []
        chain.append(segment)
    if chain:
        chains.append(chain)
    data = Data()
    data.shapes, data.network = _forward_pass(chains)
    results = []
    for chain in chains:
        found = _check_chain(chain, digits, data, targets)
        for segment in chain:
            data.seen |= names_of(segment.latex.replace("=", " + ")) or set()
        if data.equation is not None and len(found) == 1 and found[0].kind == "statement" \
                and found[0].line == data.equation[2]:
            _another_root(found[0], data)
        results += found
    return results


def _another_root(result: Result, data: Data) -> None:
    """``\\Rightarrow \\lambda_1 = 2 , \\lambda_2 = 4``: the second root on the line is checked too."""
    solved, variable, _ = data.equation
    left, _, right = result.segment.latex.partition("=")
    read_name = read_text(left)
    named = getattr(read_name.expr, "name", "") if read_name is not None else ""
    if result.value is None or re.search(r"\d\.\d", right) or \
            not re.fullmatch(re.escape(variable.name) + r"_\{?\w+\}?", named):
        return
    rest = sp.simplify(solved.xreplace({variable: result.value}))
    if rest == 0:
        result.verdict, result.detail = "right", f"{right.strip()} solves the equation too"
    elif rest.is_number:
        result.verdict, result.diagnosis = "wrong", "not a root of the equation"
        result.detail = f"the equation is {shown_latex(rest)} there, not 0"


def _forward_pass(chains: list) -> tuple:
    """The section's matrix shapes (from its data) and its definitions ``name = formula``: the network a
    backward-pass formula is checked against."""
    shapes, network = {}, {}
    for chain in chains:
        if len(chain) != 1 or chain[0].problem:
            continue
        try:
            lines = read_working(f"$${chain[0].latex}$$")
        except (SymdlError, RecursionError):
            continue
        sides = [side for line in lines for side in line.sides]
        if len(sides) != 2 or sides[1].relation != "=" or r"\partial" in sides[0].text:
            continue
        name = name_of(sides[0].text)
        if name is None:
            continue
        value, _ = constant_of(read_text(vector(sides[1].text)))
        if value is not None:
            if getattr(value, "is_Matrix", False):
                shapes.setdefault(name, value.shape)
        elif read_text(sides[1].text) is not None:
            network.setdefault(name, sides[1].text)
    return shapes, network


def _check_chain(chain: list, digits, data: Data, targets) -> list[Result]:
    if chain[0].given:  # data stated in words: learned, never a claim or an answer
        name, _, value = chain[0].latex.partition("=")
        number, _ = constant_of(read_text(value))
        if number is not None:
            data.learn(name.strip(), number, True)
            data.exact_decimals |= set(re.findall(r"\d+\.\d+", value))
        return [Result(chain[0], "data")]
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
    last = read_text(vector(sides[-1].text))
    value, tolerance = constant_of(last)
    if len(sides) == 1:
        return [Result(s, "expression", None, value=value, tolerance=tolerance, last=sides[-1].text) for s in chain]
    clash = _shape_clash(sides, data)
    if clash is not None:
        return [Result(s, "claim", "wrong", "shape mismatch", clash, value=value, tolerance=tolerance,
                       last=sides[-1].text if s is chain[-1] else None) for s in chain]
    if any(OPAQUE.search(side.text) for side in sides):
        return _opaque(chain, per_segment, sides, value, tolerance, data)
    if len(chain) == 1 and len(sides) == 2 and sides[1].relation == "=":
        kind = _kind(sides[0].text, last)
        if kind == "statement":
            data.learn(sides[0].text, value, True)
            data.exact_decimals |= set(re.findall(r"\d+\.\d+", sides[1].text))
        elif kind == "definition":
            data.define(sides[0].text, sides[1].text)
        if kind == "formula":
            return [_formula(chain[0], sides, data, value, tolerance)]
        if kind != "claim":
            return [Result(chain[0], kind, "unchecked" if kind == "formula" else None,
                           detail="a formula: checked against the key only" if kind == "formula" else "",
                           value=value, tolerance=tolerance, last=sides[-1].text)]
    results = _steps(chain, per_segment, sides, digits, value, tolerance, data)
    _head(results, sides, data, targets)
    _remember(results, sides, data, value)
    return results


def _shape_clash(sides, data: Data) -> str | None:
    """A side whose matrices cannot be multiplied or added with the shapes the section's own data give
    them (``(a^{(2)})^T \\delta^{(3)}`` for a 3-vector a and a 2-vector δ): the claim is wrong."""
    if not data.shapes:
        return None
    from symdl.parse.sheet import top_level_terms

    context = Context(matrices=dict(data.shapes))
    for side in sides:
        for term in top_level_terms(side.text):
            names = names_of(term)
            if not names or not names <= set(data.shapes):
                continue  # a name of unknown shape may be a vector or a matrix: no verdict
            try:
                parse(term, context)
            except SymdlError as exc:
                if "shape mismatch" in str(exc)[:40]:
                    return f"{term}: {exc} (shapes from the sheet's own values)"
            except (RecursionError, ValueError, TypeError):
                continue
    return None


def _steps(chain, per_segment, sides, digits, value, tolerance, data: Data) -> list[Result]:
    from symdl.working import check_working

    text = "\n".join(f"$${s.latex}$$" for s in chain)
    working = check_working(text, digits=digits)
    owner = [index for index, lines in enumerate(per_segment) for _ in lines]
    names = [names_of(side.text) for side in sides]
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
        verdict = sound(step, substituted)
        if at is not None:
            verdict = solving(sides, at, data, segment_line(chain, owner, at)) or verdict
        if verdict[2] == LOOSE and at is not None:
            verdict = nearest_whole(sides[at - 1].text, sides[at].text, step.relation) or verdict
        if step.method == "carried rounding" and at is not None:
            verdict = exact_rounding(sides[at - 1].text, sides[at].text, step.relation, data) or verdict
        if verdict[0] == "right" and at is not None and "exactly" in step.detail and DECIMAL.fullmatch(sides[at].text):
            data.exact_decimals.add(sides[at].text.strip())  # reached exactly: a value, not a rounding
        if verdict[0] == "unchecked" and at is not None and step.relation in CHECKED and data.values:
            verdict = with_data(sides[at - 1].text, sides[at].text, step.relation, data) or verdict
        if verdict[0] == "wrong" and at is not None and len(verdict) < 5:
            verdict = verdict + (shown_value(sides[at - 1].text),)
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


def _opaque(chain, per_segment, sides, value, tolerance, data: Data) -> list:
    r"""A chain with ``\det`` or ``\operatorname{tr}``: the checker reads an undeclared H as a number (so
    ``\det H`` as H), so every step is checked only with the matrices the sheet gives, else not at all."""
    owner = [index for index, lines in enumerate(per_segment) for line in lines for _ in line.sides]
    steps: dict = {index: [] for index in range(len(chain))}
    first = read_text(sides[0].text)
    start = 1 if first is not None and is_name(first.expr) and not OPAQUE.search(sides[0].text) else 0
    for at in range(max(start, 0) + 1, len(sides)):
        relation = sides[at].relation
        if relation == "=" and sides[at - 1].relation == r"\Rightarrow" and data.equation is not None:
            continue  # "⇒ \lambda_1 = 2": judged with the implication, as a root
        verdict = solving(sides, at, data, chain[owner[at]].line)
        if verdict is None and relation in CHECKED:
            verdict = with_data(sides[at - 1].text, sides[at].text, relation, data) \
                or plain_numbers(sides[at - 1].text, sides[at].text, relation)
        steps[owner[at]].append(verdict or ("unchecked", None, f"{sides[at - 1].text} {relation} {sides[at].text}: "
                                            "read only with the matrices the sheet gives", relation))
    results = []
    for index, segment in enumerate(chain):
        last = index == len(chain) - 1
        result = Result(segment, "claim", value=value if last else None, tolerance=tolerance if last else None,
                        last=sides[-1].text if last else None)
        wrong = next((s for s in steps[index] if s[0] == "wrong"), None)
        if wrong is not None:
            result.verdict, result.diagnosis, result.detail = "wrong", wrong[1], wrong[2]
            result.expected = wrong[4] if len(wrong) > 4 else None
        elif steps[index] and all(s[0] == "right" for s in steps[index]):
            result.verdict, result.detail = "right", steps[index][0][2]
        elif steps[index]:
            result.verdict, result.detail = "unchecked", next(s for s in steps[index] if s[0] != "right")[2]
        results.append(result)
    return results


def _formula(segment, sides, data: Data, value, tolerance) -> Result:
    """A derivative's formula: checked by the chain rule through the sheet's own forward pass."""
    from symdl.mark.backprop import check_gradient

    result = Result(segment, "formula", "unchecked", detail="a formula: checked against the key only",
                    value=value, tolerance=tolerance, last=sides[-1].text)
    verdict = check_gradient(sides[0].text, sides[1].text, data.network, data.shapes)
    if verdict is None:
        return result
    through = "; ".join(f"{name} = {text}" for name, text in data.network.items())
    if verdict.verdict == "equivalent":
        result.verdict, result.detail = "right", f"the chain rule through the sheet's forward pass ({verdict.method})"
    else:
        result.verdict = "wrong"
        readable = verdict.diagnosis and not re.search(r"m_?\{?\d", verdict.diagnosis)
        result.diagnosis = verdict.diagnosis if readable else "not the chain rule through the sheet's forward pass"
        result.detail = f"against the forward pass {through}"
    data.judged[name_of(sides[0].text) or sides[0].text] = (sides[1].text, result.verdict, segment.line)
    return result


def segment_line(chain, owner, at: int) -> int:
    return chain[min(owner[at] if at < len(owner) else -1, len(chain) - 1)].line


def _head(results: list, sides, data: Data, targets) -> None:
    """``name = formula = …``: the chain's values rest on the formula; unless the sheet defined the name
    by it, or it computes one of the key's values, a right chain is only "not checked"."""
    first = read_text(sides[0].text)
    if len(sides) < 3 or first is None or not (is_name(first.expr) or r"\partial" in sides[0].text):
        return
    formula = read_text(vector(sides[1].text))
    if formula is None or constant_of(formula)[0] is not None:
        return
    if data.same_formula(sides[0].text, sides[1].text):
        return
    judged = data.judged_formula(sides[0].text, sides[1].text)
    if judged is not None and judged[1] == "right":
        return
    if judged is not None and judged[1] == "wrong":
        for result in results:
            if result.verdict != "wrong":
                result.verdict, result.diagnosis = "wrong", f"uses the wrong formula of line {judged[2]}"
                result.detail = f"{sides[0].text} = {sides[1].text} is wrong (line {judged[2]})"
        return
    value, _ = data.evaluate(sides[1].text)
    if value is not None and any(_equal_values(value, target) for target in targets):
        return
    name = name_of(sides[0].text)
    if name is not None and name not in data.seen and r"\partial" not in sides[0].text and name not in data.network:
        return  # a name the section has not used before: the student names a quantity (u = w_a H_0)
    for result in results:
        if result.verdict == "right":
            result.verdict = "unchecked"
            result.detail = f"the formula for {sides[0].text} is not checked (the steps after it hold)"


def _remember(results: list, sides, data: Data, value) -> None:
    first = read_text(sides[0].text)
    if first is None or not (is_name(first.expr) or r"\partial" in sides[0].text):
        return
    if len(sides) >= 3:
        formula = read_text(vector(sides[1].text))
        if formula is not None and constant_of(formula)[0] is None:
            data.define(sides[0].text, sides[1].text)
    if value is None:
        value, _ = data.evaluate(sides[-1].text)
    if value is not None and results and all(r.verdict == "right" for r in results):
        data.learn(sides[0].text, value, "." not in sides[-1].text)


def _equal_values(a, b) -> bool:
    from symdl.check import decide
    from symdl.decide import Problem

    if getattr(a, "is_Matrix", False) != getattr(b, "is_Matrix", False):
        return False
    try:
        return decide(Problem(b, a)).verdict == "equivalent"
    except (SymdlError, ValueError, TypeError):
        return False


def _kind(left: str, right) -> str:
    lhs = read_text(left)
    if lhs is None:
        return "claim"
    if isinstance(lhs.lhs, DerivativeTarget) or isinstance(lhs.expr, DerivativeTarget) or r"\partial" in left:
        return "formula" if right is not None and constant_of(right)[0] is None else "claim"
    named = is_name(lhs.expr)
    if not named:
        return "claim"
    if right is not None and constant_of(right)[0] is not None:
        return "statement"
    return "definition"


__all__ = ["Result", "check_chains"]
