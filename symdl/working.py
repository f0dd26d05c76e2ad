r"""Checking a whole working line by line: the first wrong step, with credit for what follows.

Each relation of a working (``&= …`` continuing the line above, ``a = b = c`` on one line) is checked
against its own predecessor, so the lines after a mistake are judged on their own ("error carried
forward"). The first line's left side names what is computed (``\ln L = …``) and the chain starts
at its right side, unless that left side is arithmetic (``3 \times 4 = 12``), which is checked too.
Decimals are right when they are the previous value rounded to the digits written, or consistent
with rounding carried from earlier lines (each decimal read as the interval its digits allow).
``\Rightarrow``, ``\iff`` and inequalities are reported "not checked".

A working may rest on facts (``assume``: inequalities, symmetric or positive definite matrices,
eigenpairs, orthonormal vectors, definitions), on index ranges (``indices``) and shapes; points are
drawn so that they hold. A fact that cannot be honoured makes the steps that need it "undecided".
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import sympy as sp

from symdl.check import (
    Claim, _bind, _derivation, _frozen, _problem_maker, _restates, _undeclared_shapes, decide, parse_shapes,
)
from symdl.decide import DEFAULT_SEED, Problem, Verdict, error, undecided
from symdl.decide.compare import remembering
from symdl.decide.facts import read_facts, with_sizes
from symdl.decide.numbers import MIN_FIGURES
from symdl.decide.rounding import consistent, too_few_figures, written_decimals
from symdl.errors import ParameterError, ParseError, SymdlError
from symdl.parse import Context, DerivativeTarget, Parsed, parse, unknown_bound
from symdl.parse.working import read_working

CHECKED_RELATIONS = ("=", r"\approx")
MARKS = {"equivalent": "✓", "not_equivalent": "✗"}


@dataclass(frozen=True)
class StepVerdict:
    """The verdict on one relation: ``line`` (0-based) holds its right side."""

    line: int
    text: str
    verdict: str  # equivalent, not_equivalent, undecided, unchecked or error
    diagnosis: str | None = None
    counterexample: dict | None = None
    method: str = ""
    detail: str = ""
    relation: str = "="

    @property
    def mark(self) -> str:
        return MARKS.get(self.verdict, "·")

    def to_dict(self) -> dict:
        return {"line": self.line, "verdict": self.verdict, "diagnosis": self.diagnosis}


@dataclass(frozen=True)
class Working:
    """Every step's verdict, the first wrong line, and the final value's verdict (when asked)."""

    lines: tuple
    steps: tuple
    first_wrong: int | None
    final: Verdict | None = None
    unhonoured: tuple = ()

    @property
    def verdict(self) -> Verdict:
        """One verdict for the whole working, as ``grade`` reports it."""
        wrong = next((s for s in self.steps if s.verdict == "not_equivalent"), None)
        if wrong is not None:
            return Verdict("not_equivalent", f"line {wrong.line + 1} is wrong: {wrong.detail}", wrong.diagnosis,
                           wrong.counterexample, wrong.method)
        if self.final is not None and self.final.verdict != "equivalent":
            return dataclasses.replace(self.final, detail=f"the last line: {self.final.detail}")
        doubtful = next((s for s in self.steps if s.verdict in ("undecided", "error")), None)
        if doubtful is not None:
            return undecided(f"line {doubtful.line + 1} could not be decided: {doubtful.detail}")
        checked = [s for s in self.steps if s.verdict == "equivalent"]
        if not checked and self.final is None:
            return undecided("the working has no step that could be checked")
        final = f"; the result is right ({self.final.detail})" if self.final is not None else ""
        return Verdict("equivalent", f"every step holds ({len(checked)} checked){final}", method="working")

    def to_dict(self) -> dict:
        result = self.verdict.to_dict()
        result["steps"] = [s.to_dict() for s in self.steps]
        result["first_wrong"] = self.first_wrong
        return result

    def gutter(self) -> str:
        """Each line with ✓ / ✗ / · in a gutter and the first wrong line's diagnosis beside it."""
        out = []
        for index, text in enumerate(self.lines):
            steps = [s for s in self.steps if s.line == index]
            mark = "✗" if any(s.verdict == "not_equivalent" for s in steps) else \
                "✓" if steps and all(s.verdict == "equivalent" for s in steps) else "·"
            note = ""
            if index == self.first_wrong:
                wrong = next(s for s in steps if s.verdict == "not_equivalent")
                note = f"    ← {wrong.diagnosis or wrong.detail}"
            elif steps and mark == "·":
                note = f"    ({steps[0].detail})" if steps[0].detail else ""
            out.append(f"{mark} {index + 1:>3}  {' '.join(text.split())}{note}")
        if self.final is not None:
            out.append(f"{MARKS.get(self.final.verdict, '·')} result: {self.final.detail}")
        return "\n".join(out)


@dataclass
class _Side:
    text: str
    parsed: object = None
    failure: str | None = None
    shapes_clash: bool = False  # read, but its matrices cannot be added or multiplied: a wrong line

    @property
    def value(self):
        return self.parsed.expr if self.parsed is not None else None

    @property
    def tolerance(self):
        return self.parsed.tolerance if self.parsed is not None else None


@dataclass
class _Setting:
    """What every step of one working shares: the reading context and the problem's meanings."""

    context: Context
    make: object  # Claim -> Problem
    bounds: dict = field(default_factory=dict)  # unknown sum bounds fixed by the index ranges
    unhonoured_names: set = field(default_factory=set)
    data: set = field(default_factory=set)  # decimals known to be exact values (given, or reached exactly)
    digits: int | None = None
    bare: bool = False  # no shapes, facts or derivation: every name is a number unless its notation says not
    anchor: object = None  # the working's first expression: what its decimals round, in the end


def check_working(text: str, expected: str | None = None, derivation: str | None = None, params: dict | None = None,
                  shapes=None, assume=(), indices: dict | None = None, digits: int | None = None,
                  rtol: float | None = None, seed: int = DEFAULT_SEED) -> Working:
    """Check every step of a working, and its last value against ``expected`` or the ``derivation``."""
    try:
        lines = read_working(text)
    except ParseError as exc:
        return Working((text,), (StepVerdict(0, text, "error", detail=f"not read: {exc}"),), None)
    texts = tuple(line.text for line in lines)
    try:
        setting, result = _setting(derivation, params, shapes, assume, indices, seed, text)
    except SymdlError as exc:
        return Working(texts, (StepVerdict(0, texts[0], "error", detail=str(exc)),), None)
    setting.digits = digits
    with remembering():
        return _checked_lines(lines, texts, setting, result, expected, derivation, digits, rtol, seed)


def _checked_lines(lines, texts, setting, result, expected, derivation, digits, rtol, seed) -> Working:
    steps, previous, target_text, target_side, target_equal = [], None, None, None, False
    restated_line = None  # the line that restates the working's quantity after ⇒: its value is checked
    first_expression = None
    for number, line in enumerate(lines):
        solved_next = _solved_after(lines, number)
        for position, written in enumerate(line.sides):
            side = _read_side(written.text, setting)
            if written.relation in IMPLICATIONS:
                restated = position + 1 < len(line.sides) and previous is not None and _same_quantity(side, target_side)
                steps.append(StepVerdict(line.index, side.text, "unchecked", relation=written.relation,
                                         detail=f"not checked (relation {_shown(written.relation)})"))
                if restated:
                    restated_line = line.index
                    continue  # ⇒ p = … names the quantity the working computes: its value must not change
                if position + 1 == len(line.sides) and previous is not None and _constant(previous) \
                        and _constant(side) and not _settles_on(previous, side):
                    steps[-1] = StepVerdict(line.index, side.text, "not_equivalent", "arithmetic slip", None, "number",
                                            f"after ⇒, {side.text} is neither the value reached nor its rounding, "
                                            "floor or ceiling", written.relation)
                # What follows ⇒ is a new statement: a name on its left starts a new chain.
                previous = None if _names_a_quantity(side) and position + 1 < len(line.sides) else side
                continue
            if written.relation == "=" and solved_next and side.parsed is not None and previous is not None \
                    and restated_line != line.index \
                    and (side.value == 0 or not (_constant(previous) and _constant(side))):
                # (1-0.5^3)^N = 0.05 ⇒ N = 22.4: an equation to solve, not an identity in N
                steps.append(StepVerdict(line.index, side.text, "unchecked", relation="=",
                                         detail="an equation to solve (the next line follows from it by ⇒)"))
                previous = None
                continue
            if written.relation is None:
                starts_with_name = position == 0 and len(line.sides) > 1 and _names_a_quantity(side)
                if starts_with_name:
                    if target_text is None:
                        target_text, target_side = written.text, side
                        target_equal = line.sides[1].relation in ("=", r"\approx")  # not N ≥ …
                    elif previous is not None and target_equal and _same_quantity(side, target_side) \
                            and line.sides[1].relation in ("=", r"\approx"):
                        continue  # p = … again on a new line: the chain goes on, checked against p's value
                    previous = None  # the chain starts at the right side
                else:
                    previous = side
                    first_expression = first_expression or side
                    setting.anchor = setting.anchor or side
                continue
            if previous is None:
                previous = side
                first_expression = first_expression or side
                setting.anchor = setting.anchor or side
                continue
            if not setting.data and first_expression is not None:
                setting.data = set(written_decimals(first_expression.text).items())
            step = _step(line.index, previous, side, written.relation, setting, rtol, seed)
            if step.verdict == "equivalent" and step.method != "carried rounding" and side.tolerance is None:
                # Reached exactly: its decimals are values, not roundings, wherever they are used later.
                setting.data |= set(written_decimals(side.text).items())
            steps.append(step)
            previous = side
    first_wrong = next((s.line for s in steps if s.verdict == "not_equivalent"), None)
    final = _final(previous, expected, derivation, result, target_text, setting, digits, rtol, seed)
    return Working(texts, tuple(steps), first_wrong, final, tuple(result.get("unhonoured", ())))


IMPLICATIONS = (r"\Rightarrow", r"\iff")


def _solved_after(lines, number: int) -> bool:
    """Whether an implication follows this line's equations (later in the line, or starting the next)."""
    line = lines[number]
    if any(side.relation in IMPLICATIONS for side in line.sides[1:]):
        return True
    following = lines[number + 1] if number + 1 < len(lines) else None
    return following is not None and following.sides[0].relation in IMPLICATIONS


def _setting(derivation, params, shapes, assume, indices, seed, size_seed: str = ""):
    result = {}
    if derivation:
        built, context, targets = _derivation(derivation, tuple(sorted((k, _frozen(v)) for k, v in (params or {}).items())))
        result.update(derivation=built, targets=targets)
        bounds = {unknown_bound(i): end for i, end in built.index_ranges.items()}
        base_make = _problem_maker(built, None, bounds)
    else:
        try:
            context = Context(matrices=parse_shapes(shapes))
        except ParameterError as exc:
            raise SymdlError(str(exc)) from None
        bounds = {}
        base_make = None
    ranges = {}
    for letter, span in (indices or {}).items():
        try:
            low, high = (int(v) for v in span)
        except (TypeError, ValueError):
            raise SymdlError(f"index {letter}: expected [low, high], e.g. [1, 3]") from None
        index = sp.Symbol(str(letter), integer=True)
        ranges[index] = high
        bounds[unknown_bound(index)] = sp.Integer(high)
    facts = read_facts(assume, context, lambda text, ctx: parse(text, ctx))
    symbols = dict(context.symbols)
    for name, indexed in facts.positive:
        symbols[name] = sp.IndexedBase(sp.Symbol(name, positive=True)) if indexed else sp.Symbol(name, positive=True)
    context = dataclasses.replace(context, symbols=symbols)
    facts = with_sizes(facts, context)
    result["unhonoured"] = facts.unhonoured

    def make(claim: Claim) -> Problem:
        problem = base_make(claim) if base_make else Problem(claim.expected, claim.answer)
        return dataclasses.replace(
            problem, expected=_bounded(problem.expected, bounds), answer=_bounded(problem.answer, bounds),
            definitions={**problem.definitions, **{k: _bounded(v, bounds) for k, v in facts.definitions.items()}},
            sizes={**problem.sizes, **facts.sizes}, index_ranges={**problem.index_ranges, **ranges},
            spd=frozenset(problem.spd) | frozenset(facts.spd), symmetric=frozenset(facts.symmetric),
            bounds=dict(facts.bounds), models=tuple(facts.models), size_seed=size_seed)

    bare = not derivation and not shapes and not assume and not context.matrices
    return _Setting(context, make, bounds, set(facts.names_of_unhonoured), bare=bare), result


def _bounded(expr, bounds):
    return expr.xreplace(bounds) if bounds and isinstance(expr, sp.Basic) else expr


def _read_side(text: str, setting: _Setting) -> _Side:
    try:
        return _Side(text, parse(text, setting.context))
    except SymdlError as exc:
        return _Side(text, None, str(exc), shapes_clash=str(exc).startswith("shape mismatch"))
    except RecursionError:
        return _Side(text, None, "nested too deeply")


def _settles_on(previous: _Side, side: _Side) -> bool:
    """⇒ 23 after 22.4: a number after ⇒ may be the value reached, a rounding of it, or its ceiling or
    floor (RANSAC's iteration count), never another number (σ(0) ⇒ 1/3)."""
    try:
        before, after = sp.N(previous.value, 40), sp.N(side.value, 40)
        tiny = (abs(before) + 1) * sp.Float("1e-30")
        if any(abs(after - whole) <= tiny for whole in (sp.floor(before), sp.ceiling(before), before)):
            return True
        halves = [h for h in written_decimals(side.text).values()]
        return bool(halves) and abs(before - after) <= max(halves) * (1 + sp.Float("1e-20"))
    except (TypeError, ValueError, ArithmeticError):
        return True  # cannot tell: left unchecked, as before


def _constant(side: _Side) -> bool:
    value = side.value
    return side.parsed is not None and isinstance(value, sp.Expr) and not value.free_symbols and value.is_number


def _same_quantity(side: _Side, target: _Side | None) -> bool:
    """Whether a side names the quantity the working's first line named (``p``, ``\\frac{\\partial L}{\\partial w}``)."""
    if target is None or side.parsed is None or target.parsed is None or not _names_a_quantity(side):
        return False
    try:
        return bool(side.value == target.value)
    except (TypeError, ValueError):
        return False


def _names_a_quantity(side: _Side) -> bool:
    """A left side that names what is computed (``w_1``, ``\\ln L``, ``E(w)``, ``P(y=1)``), not an
    expression to check."""
    if side.parsed is None:
        return True
    value = side.parsed.expr
    if isinstance(value, (sp.log, sp.exp)) and len(value.args) == 1:
        value = value.args[0]
    if isinstance(value, sp.Mul) and len(value.args) == 2 and value.args[0] == -1:
        value = value.args[1]  # -\ln L
    if isinstance(value, (sp.log, sp.exp)) and len(value.args) == 1:
        value = value.args[0]
    if isinstance(value, sp.Pow) and value.exp.is_Number and isinstance(value.base, sp.Symbol) \
            and (value.base.name.startswith("\\") or "_" in value.base.name):
        value = value.base  # \sigma_B^{2}: a variance is named by its square (x^2 = x x is a claim)
    named = (sp.Symbol, sp.Indexed, sp.MatrixSymbol, sp.core.function.AppliedUndef)
    return isinstance(value, named) or type(value).__name__ == "MatrixElement"


def _step(line: int, previous: _Side, side: _Side, relation: str, setting: _Setting, rtol, seed) -> StepVerdict:
    if relation not in CHECKED_RELATIONS:
        return StepVerdict(line, side.text, "unchecked", detail=f"not checked (relation {_shown(relation)})",
                           relation=relation)
    if side.shapes_clash:
        return StepVerdict(line, side.text, "not_equivalent", "shape mismatch", None, "shapes", side.failure, relation)
    if side.parsed is None:
        return StepVerdict(line, side.text, "error", detail=f"not read: {side.failure}", relation=relation)
    if previous.parsed is None:
        return StepVerdict(line, side.text, "unchecked", detail="the line before could not be read",
                           relation=relation)
    expected, answer, tolerance = previous.value, side.value, side.tolerance
    if tolerance is None and previous.tolerance is not None:
        expected, answer, tolerance = answer, expected, previous.tolerance
    verdict = decide(setting.make(Claim(expected, answer, tolerance, "")), tolerance=tolerance, rtol=rtol, seed=seed)
    if verdict.verdict != "equivalent" and (written_decimals(side.text) or written_decimals(previous.text)):
        carried = consistent(previous.text, side.text, lambda text: parse(text, setting.context).expr,
                             setting.data, setting.make(Claim(0, 0, None, "")).meanings)
        if carried and too_few_figures(previous.text, side.text, setting.data, setting.digits or MIN_FIGURES):
            return StepVerdict(line, side.text, "not_equivalent", "rounding: too few significant figures",
                               None, "number", f"a rounded value needs at least {setting.digits or MIN_FIGURES} "
                               "significant figures", relation)
        if carried and _invents_digits(previous, side, setting, rtol, seed):
            return StepVerdict(line, side.text, "not_equivalent", "rounding: more digits than the value it rounds",
                               None, "number", "a rounded value cannot gain digits: written with more digits, it "
                               "must be the exact value rounded", relation)
        if carried:
            return StepVerdict(line, side.text, "equivalent", method="carried rounding", relation=relation,
                               detail="right once each decimal written is read as the rounding it is")
        if carried is False and verdict.verdict == "not_equivalent" and verdict.diagnosis is None:
            verdict = dataclasses.replace(verdict, diagnosis=_rounding_or_slip(previous, side))
    if verdict.verdict == "not_equivalent" and _rests_on_unhonoured(previous, side, setting):
        verdict = undecided("this step may rest on a fact symdl cannot honour")
    if verdict.verdict == "equivalent" and setting.bare:
        # as in a one-line answer: equal as numbers must also hold as the matrices the notation suggests
        verdict = _undeclared_shapes(verdict, previous.text, side.text, setting.context,
                                     [Claim(previous.value, side.value, tolerance, "")], rtol=rtol, seed=seed)
    return StepVerdict(line, side.text, verdict.verdict, verdict.diagnosis, verdict.counterexample, verdict.method,
                       verdict.detail, relation)


def _bare_decimal(side: _Side) -> dict | None:
    decimals = written_decimals(side.text)  # each decimal under both signs
    if len({abs(v) for v in decimals}) != 1 or side.parsed is None or not getattr(side.value, "is_Number", False):
        return None
    return decimals


def _invents_digits(previous: _Side, side: _Side, setting: _Setting, rtol, seed) -> bool:
    """0.73 ≈ 0.725: a bare decimal rewritten with more digits than the one before it is right only
    when it is the working's exact starting value rounded to them (e/(e+1) = 0.7311, not 0.725)."""
    before, after = _bare_decimal(previous), _bare_decimal(side)
    if before is None or after is None or min(after.values()) >= min(before.values()):
        return False
    anchor = setting.anchor
    if anchor is None or anchor.parsed is None or anchor is previous:
        return False  # nothing to tell the gained digits from
    verdict = decide(setting.make(Claim(anchor.value, side.value, side.tolerance, "")), tolerance=side.tolerance,
                     rtol=rtol, seed=seed)
    return verdict.verdict != "equivalent"


def _rounding_or_slip(previous: _Side, side: _Side) -> str:
    try:
        before, after = float(previous.value), float(side.value)
    except (TypeError, ValueError):
        return "arithmetic slip"
    halves = [float(h) for h in written_decimals(side.text).values()] or [0.0]
    return "rounding: not the value rounded to the digits written" if abs(after - before) <= 20 * max(halves) \
        else "arithmetic slip"


def _rests_on_unhonoured(previous: _Side, side: _Side, setting: _Setting) -> bool:
    if not setting.unhonoured_names:
        return False
    names = {getattr(s, "name", str(s)) for v in (previous.value, side.value) for s in getattr(v, "free_symbols", ())}
    stripped = {n.lstrip("\\").split("_{")[0].split("^")[0] for n in names}
    return bool(stripped & {n.lstrip("\\") for n in setting.unhonoured_names})


def _shown(relation: str) -> str:
    return {r"\Rightarrow": "⇒", r"\iff": "⇔", r"\le": "≤", r"\ge": "≥", r"\neq": "≠"}.get(relation, relation)


def _final(last: _Side | None, expected, derivation, result, target_text, setting, digits, rtol, seed):
    if last is None or (expected is None and not derivation):
        return None
    if last.parsed is None:
        return error(f"the last line could not be read: {last.failure}")
    if target_text is not None and last is not setting.anchor:
        named = _read_side(target_text, setting)
        if named.parsed is not None and _same_quantity(last, named):
            return Verdict("not_equivalent", f"not an answer: the working ends on {target_text}, the quantity it "
                                             "was to compute", "restates the target")
    if expected is not None:
        try:
            want = parse(expected, setting.context)
        except SymdlError as exc:
            return error(f"expected: {exc}")
        asked = _Side(want.sides[0].text, Parsed(want.sides[0].value, None, None, want.sides[0].text)) \
            if len(want.sides) > 1 else None
        if asked is not None and _restates(last.value, asked.value) and not _restates(want.expr, asked.value):
            return Verdict("not_equivalent", f"not an answer: the working ends on {want.sides[0].text}, the "
                                             "quantity it was to compute", "restates the target")
        if asked is not None and target_text is not None and _names_a_quantity(asked) \
                and not _same_quantity(_read_side(target_text, setting), asked):
            return Verdict("not_equivalent", f"the working computes {target_text}, but the question asks for "
                                             f"{want.sides[0].text}", "another quantity")
        claim = Claim(want.expr, last.value, last.tolerance, "the result")
        return decide(setting.make(claim), tolerance=last.tolerance, rtol=rtol, digits=digits, seed=seed)
    built, targets = result["derivation"], result["targets"]
    key, assignment = _target_of(target_text, targets, setting)
    if key is None:
        return undecided(f"the working's first line names no result of {derivation}")
    claim = Claim(built.results[key].xreplace(assignment), last.value, last.tolerance, "the result")
    return decide(setting.make(claim), tolerance=last.tolerance, rtol=rtol, digits=digits, seed=seed)


def _target_of(target_text, targets: dict, setting: _Setting):
    if target_text is None:
        # no name on the left: the working starts from a result's own left side (\tanh(a) = …), or answers
        # the derivation's first result
        start = setting.anchor.value if setting.anchor is not None and setting.anchor.parsed is not None else None
        for key, target in targets.items():
            try:
                if start is not None and not isinstance(target, DerivativeTarget) and bool(target == start):
                    return key, {}
            except (TypeError, ValueError):
                continue
        key = next(iter(targets), None)
        return key, {}
    try:
        named = parse(f"{target_text} = 0", setting.context).lhs
    except SymdlError:
        return None, {}
    for key, target in targets.items():
        assignment = _bind(target, named)
        if assignment is not None:
            return key, assignment
    return None, {}


__all__ = ["StepVerdict", "Working", "check_working"]
