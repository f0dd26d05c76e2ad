"""Objective mode: the answer is right when it is ``c · expected + k`` with ``c > 0`` and ``c``, ``k``
constant in the variables minimised over (``--wrt``), so both have the same minimisers.

Checked through gradients in those variables (dual numbers, never SymPy's calculus): with every
other symbol fixed, ∇answer = c ∇expected for one c > 0 as the variables move. A point where the
expected gradient is exactly zero says nothing; when no point says anything the verdict is
"undecided", never a vacuous "equivalent".
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from symdl.decide.arith import CannotEvaluate, Magnitudes, NotExact, Undefined, primal
from symdl.decide.compare import float_of, size_symbols
from symdl.decide.evaluate import Evaluator
from symdl.decide.matrices import Mat, ShapeMismatch
from symdl.decide.points import Point, points, size_sets
from symdl.decide.precision import BASE_DIGITS, MAX_DIGITS, precise, start_digits
from symdl.decide.verdict import DEFAULT_SEED, Problem, Verdict, error, undecided

SETTINGS = 3  # values of the other symbols
MOVES = 6  # values of the variables at each setting
MOVE_DECADES = (0.5, 1.0, 2.0, 3.0, 1.5, 4.0)


def compare_objective(problem: Problem, wrt: list, *, seed: int = DEFAULT_SEED) -> Verdict:
    names = {str(w) for w in wrt}
    variables = _variables(problem, names)
    if not variables:
        return error(f"the objective does not depend on {', '.join(sorted(names))}")
    method = f"objective: gradients and values in {', '.join(sorted(names))} at high precision (seed {seed})"
    digits = start_digits(problem.expected, problem.answer)
    every = [problem.expected, problem.answer, *problem.meanings.values()]
    informative = 0
    for sizes in size_sets(size_symbols(*every), problem.sizes, seed=sp.srepr(problem.answer)):
        for setting in points(seed, sizes, SETTINGS, problem.spd):
            ratio, offset = None, None
            for point in _moves(problem, setting, variables, seed):
                needed = _digits_needed(problem, point, variables, digits, seed)
                if needed is None:
                    continue  # magnitudes too far apart for any precision we can afford
                kind, noise = precise(2 * needed), precise(2 * needed).number(Fraction(1, 10 ** needed))
                try:
                    (ge, ga), (ve, va) = _gradients(problem, point, variables, kind, seed)
                except Undefined:
                    continue
                except (CannotEvaluate, NotExact, ShapeMismatch) as exc:
                    return undecided(f"{exc}; no verdict can be defended", method)
                example = {"point": _named(point), "expected": [float_of(v) for v in ge],
                           "answer": [float_of(v) for v in ga]}
                if ratio is None:
                    if all(g == 0 for g in ge):
                        continue  # the expected objective is flat here: this point says nothing
                    k = max(range(len(ge)), key=lambda i: abs(ge[i]))
                    ratio = ga[k] / ge[k]
                    if ratio <= 0:
                        flipped = all(abs(a + e) <= noise * abs(e) for e, a in zip(ge, ga))
                        return Verdict("not_equivalent", "the answer decreases where the expected objective "
                                       "increases", "sign flipped" if flipped else None, example, method)
                    offset = va - ratio * ve
                informative += 1
                proportional = all(abs(a - ratio * e) <= noise * max(abs(a), abs(ratio * e), noise)
                                   for e, a in zip(ge, ga))
                level = va - ratio * ve  # answer - c * expected must be the same constant everywhere
                steady = abs(level - offset) <= noise * max(abs(va), abs(ratio * ve), abs(offset), 1)
                if not (proportional and steady):
                    return Verdict("not_equivalent", "the answer is not a positive multiple of the expected "
                                   "objective plus a constant: their minimisers differ", None, example, method)
    if not informative:
        return undecided("the expected objective's gradient vanished at every point tried, so no point "
                         "shows whether the answer has the same minimisers", method)
    return Verdict("equivalent", "a positive multiple of the expected objective plus a term constant in "
                   + ", ".join(sorted(names)) + f" ({informative} points)", method=method)


def _digits_needed(problem: Problem, point: Point, variables: list, digits: int, seed: int):
    """The digits a comparison at this point needs, from the magnitudes its gradients meet
    (a tilt e^{-300}w hides below 50 digits); None beyond what can be afforded."""
    measured = Magnitudes(30)
    try:
        _gradients(problem, point, variables, measured, seed)
    except Exception:  # noqa: BLE001 - the real evaluation will meet the same problem and say so
        return digits
    needed = max(digits, BASE_DIGITS + measured.spread_digits())
    return needed if needed <= MAX_DIGITS else None


def _moves(problem: Problem, setting: Point, variables: list, seed: int) -> list:
    """The variables moved over several decades, and to both sides of every switch of either side."""
    moved = [_moved(setting, variables, move, seed) for move in range(MOVES)]
    scalars = [v for v in variables if isinstance(v, sp.Symbol)]
    if len(scalars) == 1:
        from symdl.decide.breakpoints import breakpoint_points

        for point in breakpoint_points(problem, moved[0], seed):
            if ("s", scalars[0].name) in point.fixed:
                moved.append(point)
    return moved


def _variables(problem: Problem, names: set) -> list:
    found = []
    for side in (problem.expected, problem.answer, *problem.meanings.values()):
        if not isinstance(side, sp.Basic):
            continue
        for atom in side.atoms(sp.Symbol, sp.MatrixSymbol):
            if atom.name in names and atom not in found:
                found.append(atom)
    return sorted(found, key=sp.default_sort_key)


def _moved(setting: Point, variables: list, move: int, seed: int) -> Point:
    """The setting with new values for the variables (the other symbols keep theirs), spread over
    more decades at each move."""
    fresh = Point(seed + 7919, setting.number * MOVES + move, MOVE_DECADES[move % len(MOVE_DECADES)],
                  dict(setting.sizes))
    fixed = {}
    for variable in variables:
        if isinstance(variable, sp.MatrixSymbol):
            rows, cols = (int(sp.sympify(d).xreplace({k: sp.Integer(v) for k, v in setting.sizes.items()}))
                          for d in variable.shape)
            drawn = fresh.matrix(variable.name, rows, cols)
            fixed.update({("e", variable.name, i, j): drawn[i][j] for i in range(rows) for j in range(cols)})
        else:
            fixed[("s", variable.name)] = fresh.scalar(variable)
    return Point(setting.seed, setting.number, setting.decades, dict(setting.sizes), fixed, setting.spd)


def _gradients(problem: Problem, point: Point, variables: list, kind, seed: int):
    """((∇expected, ∇answer), (expected, answer)) at the point."""
    evaluator = Evaluator(kind, point, problem.meanings, seed=seed)
    gradients = []
    for side in (problem.expected, problem.answer):
        entries = []
        for variable in variables:
            value = evaluator.derivative(lambda inner, side=side: _scalar(inner.value(side)), variable)
            entries += value.entries() if isinstance(value, Mat) else [value]
        gradients.append([kind.number(Fraction(v)) if isinstance(v, (int, Fraction)) else primal(v) for v in entries])
    values = [_number(kind, _scalar(evaluator.value(side))) for side in (problem.expected, problem.answer)]
    return gradients, values


def _number(kind, value):
    return kind.number(Fraction(value)) if isinstance(value, (int, Fraction)) else primal(value)


def _scalar(value):
    if isinstance(value, Mat):
        if value.shape != (1, 1):
            raise ShapeMismatch("objective mode needs scalar objectives")
        return value.rows[0][0]
    return value


def _named(point: Point) -> dict:
    named = {}
    for key, value in {**point._drawn, **point.fixed}.items():
        if key[0] == "s":
            named[key[1]] = float(value)
        elif key[0] == "e":
            named[f"{key[1]}[{key[2]},{key[3]}]"] = float(value)
    return dict(list(named.items())[:24])



