"""The verdict on two expressions: proof first, then evidence at points that cover the domain.

Evidence is gathered size set by size set (every size symbol takes at least three distinct values,
one of them ≥ 6), at points whose magnitudes spread over several decades with both signs, plus
points on both sides of every breakpoint (of ``\\max``, ``|x|``, steps, indicators, cases) found in
either side. At each point both sides are evaluated exactly when they are rational functions of
the point, otherwise at rising precision (:mod:`symdl.decide.precision`); free indices take every
value of their range (or a sample with the diagonal). Nothing is compared with a tolerance.
"""

from __future__ import annotations

import contextlib
import itertools
import random
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from symdl.decide.arith import EXACT, CannotEvaluate, Magnitudes, NotExact, Undefined, primal
from symdl.decide.atzero import differs_at_zero
from symdl.decide.breakpoints import breakpoint_points, entry_switch_points
from symdl.decide.evaluate import Evaluator
from symdl.decide.matrices import Mat, ShapeMismatch
from symdl.decide.points import points, size_sets
from symdl.decide.precision import (
    BASE_DIGITS, DIFFERENT, EQUAL, MAX_DIGITS, UNSURE, judge, precise, start_digits,
)
from symdl.decide.prove import prove_equal
from symdl.decide.verdict import DEFAULT_SEED, Problem, Verdict, undecided
from symdl.decide.windows import CAP as WINDOW_CAP
from symdl.decide.windows import thresholds, unreached, window_sets

POINTS_SCALAR = 10  # random points for a problem without sizes
TOTAL_POINTS = 16  # random points shared out over the sets of sizes
POINTS_PER_SIZE_LARGE = 2  # when a side has many entries
LARGE = 16
MAX_ASSIGNMENTS = 64  # free-index values tried at one set of sizes ...
PER_POINT = 4  # ... at the other points
FULL_INDEX_SETS = 3  # sets of sizes where one point tries every free-index value
DEFAULT_INDEX_RANGE = 7  # the range of a free index nobody declared


@dataclass
class Sample:
    """One comparison: where, and the values of both sides there (entries, row by row)."""

    where: dict
    expected: list
    answer: list
    outcome: str
    exact: bool


@dataclass
class Evidence:
    samples: list = field(default_factory=list)
    sizes_tried: int = 0
    shapes: tuple | None = None  # (expected, answer) when they differ
    undefined_answer: Sample | None = None
    cannot: str | None = None
    skipped: int = 0  # points where the expected value does not exist
    unreached: list = field(default_factory=list)  # size or index thresholds beyond what is tried

    @property
    def different(self) -> Sample | None:
        return next((s for s in self.samples if s.outcome == DIFFERENT), None)


def compare(problem: Problem, *, rtol: float | None = None, seed: int = DEFAULT_SEED) -> Verdict:
    """The verdict on one (expected, answer) pair of expressions."""
    from symdl.decide.diagnose import diagnose

    proof = prove_equal(problem.expected, problem.answer, problem.meanings) if rtol is None else None
    if proof:
        proved = Verdict("equivalent", f"proved ({proof})", method="proved")
        return cross_checked(problem, proved, seed) if CROSS_CHECK else proved
    evidence = gather(problem, seed, rtol)
    if evidence.cannot:
        return undecided(f"{evidence.cannot}; no verdict can be defended")
    if evidence.shapes is not None:
        return diagnose(problem, evidence, seed)
    if evidence.undefined_answer is not None or evidence.different is not None:
        return diagnose(problem, evidence, seed)
    informative = [s for s in evidence.samples if s.outcome in (EQUAL, UNSURE)]
    if not informative and prove_equal(problem.expected, problem.answer, problem.meanings, thorough=True):
        return Verdict("equivalent", "proved (simplify); no point where the expected value exists was found",
                       method="proved")
    if not informative:
        return undecided("no point was found where the expected value exists"
                         f" ({evidence.skipped} tried)")
    unsure = [s for s in informative if s.outcome == UNSURE]
    if unsure and prove_equal(problem.expected, problem.answer, problem.meanings, thorough=True):
        return Verdict("equivalent", "proved (simplify)", method="proved")
    if unsure:
        return undecided(f"the two sides agree to every precision tried at {_where(unsure[0].where)}, but their "
                         "difference does not shrink as the precision grows")
    if evidence.unreached:
        return undecided(f"equal at {len(informative)} points, but the claim compares {' and '.join(evidence.unreached)},"
                         " beyond the sizes and indices symdl tries")
    if rtol is not None:
        return Verdict("equivalent", f"within relative tolerance {rtol:g} at {len(informative)} points",
                       method="relative tolerance")
    at_zero = differs_at_zero(problem, _plain_values(problem, seed))
    if at_zero is not None:
        return at_zero
    exact = all(s.exact for s in informative)
    sizes = f" and {evidence.sizes_tried} sets of sizes" if evidence.sizes_tried > 1 else ""
    method = "exact points" if exact else "high-precision points"
    return Verdict("equivalent", f"equal at {len(informative)} points{sizes}"
                   f" ({'exact rational arithmetic' if exact else 'no tolerance: the difference vanishes at every precision'})",
                   method=method)


def _plain_values(problem: Problem, seed: int) -> dict:
    """Values of the plain scalars of both sides at one point (for :mod:`symdl.decide.atzero`)."""
    point = points(seed, {}, 1, bounds=problem.bounds)[0]
    symbols = set()
    for side in (problem.expected, problem.answer):
        if isinstance(side, sp.Basic):
            symbols |= {s for s in side.free_symbols if isinstance(s, sp.Symbol) and not s.is_integer}
    return {s: point.scalar(s) for s in symbols}


INCONSISTENT = "internal inconsistency"
CROSS_CHECK_SECONDS = 0.5
#: Whether proofs are cross-checked with numbers (a batch's diagnostic: ``grade`` counts the
#: inconsistencies); a one-off ``symdl check`` turns it off and spares the numeric machinery's start-up.
CROSS_CHECK = True


def cross_checked(problem: Problem, verdict: Verdict, seed: int) -> Verdict:
    """A proof decides: numbers never overrule it. But evidence gathered anyway (within
    CROSS_CHECK_SECONDS) that shows the two sides different is an internal inconsistency, said in the
    detail and as the diagnosis (``grade`` counts them), for a developer to look into."""
    import dataclasses

    from symdl.decide.prove import _OutOfTime, time_budget

    if verdict.detail == "proved (identical)":
        return verdict
    try:
        with time_budget(CROSS_CHECK_SECONDS):
            evidence = gather(problem, seed, None)
    except (_OutOfTime, Exception):  # noqa: BLE001 - a failed cross-check takes nothing from the proof
        return verdict
    sample = evidence.different
    if sample is None:
        return verdict
    return dataclasses.replace(verdict, diagnosis=INCONSISTENT,
                               detail=f"{verdict.detail}; internal inconsistency: the numbers differ at "
                                      f"{_where(sample.where)}, but the proof decides (please report this answer)")


# --- gathering evidence ----------------------------------------------------------------------

_DEFINED: dict = {}  # (point, number system) -> values of definitions, for one gather
# Values of whole sides, kept across the relations of one working (see ``remembering``): each line
# is the answer of one relation and the expected side of the next, at the same points.
_SIDES: dict | None = None
MAX_REMEMBERED = 20_000


@contextlib.contextmanager
def remembering():
    """Within the block, a side evaluated at a point is not evaluated there again."""
    global _SIDES
    outer, _SIDES = _SIDES, {}
    try:
        yield
    finally:
        _SIDES = outer


def _remembered(evaluator, expr, point, kind, assignment):
    if _SIDES is None or isinstance(kind, Magnitudes):
        return evaluator.value(expr)
    key = (expr, point.seed, point.number, point.decades, tuple(sorted(point.sizes.items(), key=str)),
           tuple(sorted(point.fixed.items(), key=str)), getattr(kind, "dps", kind.name),
           tuple(sorted(assignment.items(), key=str)))
    if key not in _SIDES:
        if len(_SIDES) > MAX_REMEMBERED:
            _SIDES.clear()
        _SIDES[key] = evaluator.value(expr)
    return _SIDES[key]


def gather(problem: Problem, seed: int, rtol: float | None) -> Evidence:
    """Evidence size set by size set, until a difference shows or every point agrees."""
    _DEFINED.clear()
    try:
        return _gather(problem, seed, rtol)
    finally:
        _DEFINED.clear()


def _gather(problem: Problem, seed: int, rtol: float | None) -> Evidence:
    evidence = Evidence()
    every = [problem.expected, problem.answer, *problem.meanings.values()]
    ranges = {sp.sympify(problem.index_ranges[i]) for i in free_indices(problem.expected, problem.answer)
              if i in problem.index_ranges}
    sizes_needed = size_symbols(*every) | {s for r in ranges for s in r.free_symbols}
    cheap = not any(isinstance(e, sp.Basic) and (getattr(e, "is_Matrix", False) or e.has(sp.MatrixSymbol))
                    for e in every)
    size_seed = problem.size_seed or _fingerprint(problem)
    sets = size_sets(sizes_needed, problem.sizes, many=cheap, seed=size_seed)
    per_size, regular = max(2, TOTAL_POINTS // len(sets)), len(sets)
    sides = (problem.expected, problem.answer)
    indices = sorted(set(free_indices(*sides)) | set(family_indices(problem.index_ranges, *sides)), key=str)
    index_windows = {i: thresholds(sides, i) for i in indices}
    sets += window_sets(sides, sizes_needed, index_windows, problem.index_ranges, sets, problem.sizes, cheap,
                        size_seed)
    evidence.unreached = unreached(sides, sizes_needed, index_windows, problem.index_ranges, cheap)
    for number, sizes in enumerate(sets):
        thorough = number < FULL_INDEX_SETS  # every free-index value at one point of the first sets
        status = _gather_at(problem, sizes, seed, rtol, evidence, per_size if number < regular else 2, thorough,
                            index_windows)
        if status == _STOP:
            break
        evidence.sizes_tried += status == _INFORMATIVE
    return evidence


_STOP, _SKIP_SIZES, _INFORMATIVE, _NOTHING = "stop", "skip sizes", "informative", "nothing"


def _fingerprint(problem: Problem) -> str:
    """A stable text of the problem, to draw its sizes from (the same in every process)."""
    return sp.srepr(problem.expected) + "\x1f" + sp.srepr(problem.answer)


def _gather_at(problem: Problem, sizes: dict, seed: int, rtol, evidence: Evidence, per_size: int,
               thorough: bool = True, index_windows: dict | None = None) -> str:
    indices = sorted(set(free_indices(problem.expected, problem.answer))
                     | set(family_indices(problem.index_ranges, problem.expected, problem.answer)), key=str)
    assignments = _assignments(indices, problem.index_ranges, sizes, _fingerprint(problem))
    at_thresholds = _threshold_assignments(indices, problem.index_ranges, sizes, index_windows or {})
    base = points(seed, sizes, per_size if sizes else POINTS_SCALAR, problem.spd, problem.symmetric, problem.bounds)
    extra = breakpoint_points(problem, base[0], seed) + entry_switch_points(problem, base[0], seed)
    start = start_digits(problem.expected, problem.answer)
    informative, large = False, False
    exactness = [True]
    for n, point in enumerate(base + extra):
        if large and POINTS_PER_SIZE_LARGE <= n < len(base):
            continue
        tried = assignments if thorough and n == 0 else _rotation(assignments, n)
        if n >= len(base) and assignments[0] not in tried:
            tried = [assignments[0]] + tried  # every index at 1: where a switch on an entry x_{1} was moved
        for assignment in tried + at_thresholds:
            result = _sample(problem, point, assignment, start, rtol, exactness, seed, evidence)
            if result in (_STOP, _SKIP_SIZES):
                return result if result == _STOP else (_INFORMATIVE if informative else _NOTHING)
            if result is None:
                continue
            evidence.samples.append(result)
            informative = True
            if result.outcome == DIFFERENT:
                return _STOP
            large = large or len(result.expected) > LARGE
    return _INFORMATIVE if informative else _NOTHING


def _sample(problem, point, assignment, start, rtol, exactness, seed, evidence):
    """Compare both sides at one point: a Sample, None (the point says nothing), or a status."""
    where = {"point": point, "indices": assignment}
    for model in problem.models:
        model.fix(point)

    def values(kind):
        bindings = {symbol: kind.number(Fraction(v)) for symbol, v in assignment.items()}
        # Definitions are closed: their values at this point serve every free-index value.
        defined = _DEFINED.setdefault((id(point), id(kind)), {})
        evaluator = Evaluator(kind, point, problem.meanings, bindings, seed=seed, defined=defined)
        try:
            e = _remembered(evaluator, problem.expected, point, kind, assignment)
        except ShapeMismatch:
            raise _ExpectedFails(_SKIP_SIZES) from None
        except Undefined:
            raise _ExpectedFails(None) from None
        return e, _remembered(evaluator, problem.answer, point, kind, assignment)

    try:
        if exactness[0]:
            try:
                e, a = values(EXACT)
            except NotExact:
                exactness[0] = False
            else:
                shaped = _shaped(e, a, evidence)
                if shaped is None:
                    return _STOP
                return Sample(where, *shaped, EQUAL if shaped[0] == shaped[1] else DIFFERENT, True)
        # The first evaluation also measures the digits needed (one measure per point, so the
        # values of definitions it keeps were measured when first made).
        measured = _DEFINED.setdefault((id(point), "measure", start), Magnitudes(start))
        e, a = values(measured)
        needed = max(start, BASE_DIGITS + measured.spread_digits())
        if needed > MAX_DIGITS:
            evidence.skipped += 1  # magnitudes too far apart for any precision we can afford: says nothing
            return None
        if needed > start:
            start = needed
            e, a = values(precise(start))
        shaped = _shaped(e, a, evidence)
        if shaped is None:
            return _STOP
        if rtol is not None:
            close = all(abs(y - x) <= rtol * abs(x) for x, y in zip(*shaped))
            return Sample(where, *shaped, EQUAL if close else DIFFERENT, False)
        outcome, _, last = judge(lambda kind: _entries(*values(kind)), start, shaped)
        return Sample(where, last[0], last[1], outcome, False)
    except _ExpectedFails as failure:
        evidence.skipped += 1
        return failure.args[0]
    except Undefined:
        if point.on_edge:  # x/x at the end x = 0 of x >= 0: the end tests values, not domains
            evidence.skipped += 1
            return None
        evidence.undefined_answer = Sample(where, [], [], DIFFERENT, False)
        return _STOP
    except ShapeMismatch as exc:
        evidence.shapes = ("?", str(exc))
        return _STOP
    except CannotEvaluate as exc:
        evidence.cannot = str(exc)
        return _STOP
    except (RecursionError, OverflowError, ZeroDivisionError, ValueError, TypeError) as exc:
        evidence.cannot = f"symdl could not evaluate this ({type(exc).__name__})"
        return _STOP


class _ExpectedFails(Exception):
    """The expected value does not exist at this point (or at these sizes): not evidence."""


def _shaped(e, a, evidence):
    """The entries of both sides when their shapes agree; else record the mismatch."""
    shape_e = e.shape if isinstance(e, Mat) else (1, 1)
    shape_a = a.shape if isinstance(a, Mat) else (1, 1)
    if shape_e != shape_a:
        evidence.shapes = (shape_e, shape_a)
        return None
    return _entries(e, a)


def _entries(e, a):
    return (e.entries() if isinstance(e, Mat) else [e]), (a.entries() if isinstance(a, Mat) else [a])


def _where(where: dict) -> str:
    names = describe_point(where)
    shown = ", ".join(f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}" for k, v in list(names.items())[:4])
    return shown or "a point"


def describe_point(where: dict) -> dict:
    """The values a point gave the symbols it was asked for, by their names (first 24)."""
    point, indices = where["point"], where["indices"]
    named = {str(k): int(v) for k, v in point.sizes.items()}
    named.update({str(k): int(v) for k, v in indices.items()})
    drawn = {**point._drawn, **point.fixed}
    for key, value in drawn.items():
        if key[0] == "s":
            named[key[1]] = float(value)
        elif key[0] == "e":
            named[f"{key[1]}[{key[2]},{key[3]}]"] = float(value)
        if len(named) >= 24:
            break
    return named


# --- what varies -----------------------------------------------------------------------------

def size_symbols(*exprs) -> set:
    """Symbols that are sizes: matrix dimensions and the bounds of sums and products."""
    found = set()
    for expr in exprs:
        if not isinstance(expr, sp.Basic):
            continue
        if isinstance(expr, sp.Lambda):
            expr = expr.expr
        for node in sp.preorder_traversal(expr):
            if isinstance(node, (sp.Sum, sp.Product)):
                for variable, *bounds in node.limits:
                    for bound in bounds:
                        found |= bound.free_symbols - {variable}
            elif isinstance(node, (sp.MatrixSymbol, sp.Identity, sp.ZeroMatrix, sp.OneMatrix)):
                for dim in node.shape:
                    found |= sp.sympify(dim).free_symbols
    return found


def free_indices(*exprs) -> list:
    """Integer symbols used as indices and not bound by a sum: "for every index value"."""
    found = set()
    for expr in exprs:
        if not isinstance(expr, sp.Basic):
            continue
        free = expr.free_symbols
        for node in sp.preorder_traversal(expr):
            if isinstance(node, sp.Indexed):
                positions = node.indices
            elif isinstance(node, MatrixElement):
                positions = (node.i, node.j)
            elif isinstance(node, sp.KroneckerDelta):
                positions = node.args
            else:
                continue
            for position in positions:
                found |= {s for s in sp.sympify(position).free_symbols if s.is_integer and s in free}
    return sorted(found - size_symbols(*exprs), key=str)


def family_indices(ranges: dict, *exprs) -> list:
    """Index letters with a given range that appear only in names (the ``k`` of a vector ``u_k``)."""
    letters = {getattr(index, "name", str(index)): index for index in ranges}
    found = set()
    for expr in exprs:
        if not isinstance(expr, sp.Basic):
            continue
        for atom in expr.atoms(sp.Symbol, sp.MatrixSymbol):
            name = atom.name
            if name.endswith("}") and "_{" in name:
                sub = name[name.rindex("_{") + 2:-1]
                if sub in letters:
                    found.add(letters[sub])
    return sorted(found, key=str)


def _assignments(indices, ranges: dict, sizes: dict, seed: object = 0) -> list[dict]:
    """Values of the free indices to try at one set of sizes: all of them when there are few, else a
    drawn sample with the diagonal, the corners and every value of each index at least once."""
    if not indices:
        return [{}]
    spans = []
    for index in indices:
        top = ranges.get(index, DEFAULT_INDEX_RANGE)
        top = int(sp.sympify(top).xreplace({k: sp.Integer(v) for k, v in sizes.items()})) \
            if isinstance(top, sp.Basic) else int(top)
        spans.append(list(range(1, max(top, 1) + 1)))
    total = 1
    for span in spans:
        total *= len(span)
    if total <= MAX_ASSIGNMENTS:
        combos = list(itertools.product(*spans))
    else:
        rng = random.Random(str(seed))
        combos = {tuple(span[0] for span in spans), tuple(span[-1] for span in spans),
                  tuple(span[0] if k % 2 else span[-1] for k, span in enumerate(spans))}
        low = min(len(span) for span in spans)
        combos |= {tuple(span[v] for span in spans) for v in range(low)}  # the diagonal
        for k, span in enumerate(spans):  # every value of every index
            for value in span:
                combos.add(tuple(value if n == k else rng.choice(other) for n, other in enumerate(spans)))
        while len(combos) < MAX_ASSIGNMENTS:
            combos.add(tuple(rng.choice(span) for span in spans))
        combos = sorted(combos)
    return [dict(zip(indices, combo)) for combo in combos]


def _threshold_assignments(indices, ranges: dict, sizes: dict, windows: dict) -> list[dict]:
    """Free-index values a claim compares an index with (``\\mathbb{1}[i=8]``), tried at every point:
    each such value of one index (within its range; an undeclared range stretches to it), the others 1."""
    made = []
    for index in indices:
        top = ranges.get(index)
        if top is None:
            top = WINDOW_CAP
        top = int(sp.sympify(top).xreplace({k: sp.Integer(v) for k, v in sizes.items()})) \
            if isinstance(top, sp.Basic) else int(top)
        for value in sorted(windows.get(index, ())):
            if 1 <= value <= top:
                made.append({other: value if other == index else 1 for other in indices})
    return made


def _rotation(assignments: list, n: int) -> list:
    """The free-index values tried at the n-th point: a share at each, all of them over the points."""
    if len(assignments) <= PER_POINT:
        return assignments
    return [assignments[(n * PER_POINT + k) % len(assignments)] for k in range(PER_POINT)]


def float_of(value) -> float:
    value = primal(value)
    try:
        return float(value)
    except (OverflowError, TypeError, ValueError):
        return float("nan")
