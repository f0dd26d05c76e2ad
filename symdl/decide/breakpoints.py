"""Points on both sides of every breakpoint: where ``\\max``, ``|x|``, steps, indicators and cases switch.

Random points rarely land near a kink: ``\\operatorname{ReLU}(x)`` and ``\\min(\\max(0,x),6)`` agree
everywhere below 6, ``\\mathbb{1}[x>0]`` and ``\\sigma(1000x)`` everywhere but near 0. So the
switching quantities of both sides are found symbolically, their zeros along one variable located
by a scan and bisection, and points placed just before and just after each zero.
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixElement

from symdl.decide.arith import EXACT, CannotEvaluate, NotExact, Undefined, primal
from symdl.decide.evaluate import Evaluator
from symdl.decide.matrices import Mat, ShapeMismatch
from symdl.decide.points import Bound, Point, dyadic
from symdl.decide.precision import precise
from symdl.decide.roots import solved_zeros
from symdl.functions import relu, step

MAX_BREAKPOINTS = 8
ROOTS_PER_BREAKPOINT = 3
OFFSETS = (1e-9, 1e-5, 1e-2)  # relative distances from a zero, on each side
FINE = Fraction(1, 10 ** 30)  # relative distance from a solved zero, on each side
SOLVED_PER_BREAKPOINT = 6
GRID = sorted({sign * 10 ** (k / 2) for k in range(-14, 25) for sign in (1, -1)} | {0.0})


def switches(expr) -> list:
    """Scalar quantities whose sign change switches a branch somewhere in ``expr``."""
    found = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (relu, step, sp.Abs, sp.sign, sp.Heaviside)):
            found.append(node.args[0])
        elif isinstance(node, (sp.Max, sp.Min)):
            args = node.args
            found += [args[i] - args[j] for i in range(len(args)) for j in range(i + 1, len(args))]
        elif isinstance(node, sp.Piecewise):
            for _, condition in node.args:
                for relation in _relations(condition):
                    found.append(relation.lhs - relation.rhs)
        elif isinstance(node, (sp.floor, sp.ceiling)):
            found.append(sp.sin(sp.pi * node.args[0]))
    return [g for g in found if isinstance(g, sp.Basic) and not getattr(g, "is_Matrix", False)]


def _relations(condition):
    if isinstance(condition, sp.core.relational.Relational):
        return [condition]
    if isinstance(condition, (sp.And, sp.Or, sp.Not)):
        return [r for arg in condition.args for r in _relations(arg)]
    return []


def breakpoint_points(problem, base: Point, seed: int) -> list[Point]:
    """Points just before and after the zeros of each switching quantity, along one of its symbols,
    and between any two zeros however close (two switches 10^{-8} apart are still told apart)."""
    quantities = []
    for side in (problem.expected, problem.answer):
        if isinstance(side, sp.Basic):
            for g in switches(side):
                if g not in quantities and g.free_symbols:
                    quantities.append(g)
    roots: dict = {}  # variable -> zeros found along it
    integers: dict = {}  # variable -> zeros known exactly (a switch is then tried on its zero too)
    for g in quantities[:MAX_BREAKPOINTS]:
        variable = _plain_variable(g)
        if variable is None:
            continue
        found = sorted(_zeros(g, variable, base, problem.meanings, seed), key=abs)[:ROOTS_PER_BREAKPOINT]
        if isinstance(g, sp.sin):
            integers.setdefault(variable, []).extend(Fraction(round(r)) for r in found)
        else:
            integers.setdefault(variable, []).extend(_exact_zeros(g, variable, base, problem.meanings, seed))
            for zero, exact in _solved(g, variable, base, problem.meanings):
                # a zero solved exactly: tried on itself when rational, and 10^{-30} to either side
                integers.setdefault(variable, []).append(zero)
                if not exact:
                    distance = FINE * (1 + abs(zero))
                    integers[variable] += [zero - distance, zero + distance]
                if not any(abs(float(zero) - r) <= 1e-12 * (1 + abs(r)) for r in found):
                    found.append(float(zero))
        roots.setdefault(variable, []).extend(found)
    made = []
    for variable, found in roots.items():
        values = []
        ordered = sorted(set(found))
        for root in ordered:
            for offset in OFFSETS:
                distance = offset * (1 + abs(root))
                values += [root - distance, root + distance]
        values += [(a + b) / 2 for a, b in zip(ordered, ordered[1:])]
        exact = sorted(set(integers.get(variable, [])))
        for value in [dyadic(v) for v in values] + exact:
            if _allowed(variable, value, base):
                made.append(Point(base.seed, base.number, base.decades, dict(base.sizes),
                                  {("s", variable.name): value}, base.spd, base.symmetric, dict(base.bounds)))
    return made


def entry_switch_points(problem, base: Point, seed: int) -> list[Point]:
    r"""Points on both sides of a switch applied entry by entry to a matrix (``\mathbb{1}[h > 10^{-3}]``
    of a vector h): its first entry is moved across its zero by one entry of an input matrix."""
    made = []
    inputs = _input_matrices(problem)
    for side in (problem.expected, problem.answer):
        if not isinstance(side, sp.Basic):
            continue
        for node in sp.preorder_traversal(side):
            if not isinstance(node, ElementwiseApplyFunction):
                continue
            dummy = sp.Dummy("t", real=True)
            body = node.function(dummy) if not isinstance(node.function, sp.Lambda) else node.function.expr.xreplace(
                {node.function.variables[0]: dummy})
            entry = MatrixElement(node.expr, 0, 0)
            for g in switches(body)[:2]:
                if _threshold_free(g, dummy, node.expr):
                    continue  # 1[h > 0] entry by entry: random points put entries on both sides already
                g = g.xreplace({dummy: entry})
                for name, (rows, cols) in inputs[:3]:
                    key = ("e", name, 0, 0)
                    found = sorted(_zeros(g, None, base, problem.meanings, seed, key), key=abs)[:2]
                    for root in found:
                        for offset in OFFSETS:
                            for value in (root - offset * (1 + abs(root)), root + offset * (1 + abs(root))):
                                made.append(Point(base.seed, base.number, base.decades, dict(base.sizes),
                                                  {key: dyadic(value)}, base.spd, base.symmetric,
                                                  dict(base.bounds)))
                    if found:
                        break
            if len(made) > 48:
                return made
    return made


def _threshold_free(g, dummy, argument) -> bool:
    """A switch at zero of a plain matrix entry (no constant moves it away from 0)."""
    constants = {a for a in sp.preorder_traversal(argument) if isinstance(a, sp.Number) and abs(a) != 1}
    return (g == dummy or g == -dummy) and not constants


def _input_matrices(problem) -> list:
    """Matrices drawn at random (no definition), with their shapes: what a point can move."""
    meanings = problem.meanings
    found = {}
    for expr in (problem.expected, problem.answer, *meanings.values()):
        if isinstance(expr, sp.Basic):
            for symbol in expr.atoms(sp.MatrixSymbol):
                if symbol not in meanings:
                    found[symbol.name] = symbol.shape
    return sorted(found.items())


def _allowed(variable, value, base: Point) -> bool:
    """Whether the variable may take this value: its sign and the bounds a fact put on it."""
    if (variable.is_positive and value <= 0) or (variable.is_nonnegative and value < 0):
        return False
    low, high, low_closed, high_closed = Bound(*base.bounds.get(variable.name, (None, None)))
    return (low is None or value > low or (low_closed and value == low)) and \
        (high is None or value < high or (high_closed and value == high))


def _solved(g, variable, base: Point, meanings) -> list:
    """The zeros SymPy solves for (:mod:`symdl.decide.roots`), the other symbols at the base point."""
    known = {}
    for symbol in g.free_symbols - {variable}:
        if not isinstance(symbol, sp.Symbol) or symbol in meanings or (symbol.is_integer and symbol not in base.sizes):
            return []
        known[symbol] = base.scalar(symbol)
    return (solved_zeros(g, variable, known) or [])[:SOLVED_PER_BREAKPOINT]


def _plain_variable(g):
    """A scalar symbol of ``g`` to move along (not a size, not an index)."""
    candidates = sorted((s for s in g.free_symbols if isinstance(s, sp.Symbol) and not s.is_integer),
                        key=sp.default_sort_key)
    return candidates[0] if candidates else None


def _zeros(g, variable, base: Point, meanings, seed: int, key=None) -> list[float]:
    """Zeros of ``g`` along ``variable`` (others at the base point): sign changes on a grid, bisected.
    ``key`` moves another value instead (an entry of an input matrix: ``("e", "x", 0, 0)``)."""
    kind = precise(30)
    key = key or ("s", variable.name)

    def value(t: float):
        point = Point(base.seed, base.number, base.decades, dict(base.sizes), {key: dyadic(t)}, base.spd,
                      base.symmetric, dict(base.bounds))
        try:
            result = Evaluator(kind, point, meanings, seed=seed).value(g)
        except (Undefined, CannotEvaluate, NotExact, ShapeMismatch, ArithmeticError, TypeError, ValueError):
            return None
        if isinstance(result, Mat):
            return None
        return float(primal(result))

    zeros = _polynomial_zeros(g, variable, base, meanings, seed) if variable is not None else None
    if zeros is not None:
        return zeros
    grid = [(t, value(t)) for t in GRID]
    zeros = [t for t, v in grid if v == 0]
    for (t0, v0), (t1, v1) in zip(grid, grid[1:]):
        if v0 is None or v1 is None or v0 == 0 or v1 == 0:
            continue
        if (v0 < 0) != (v1 < 0):
            zeros.append(_bisect(value, t0, t1, v0))
    return zeros


def _exact_zeros(g, variable, base: Point, meanings, seed: int) -> list:
    """The zero of a switch that is linear in the variable, exactly (``1[x>0]`` and ``1[x≥0]``
    differ at 0 alone)."""
    try:
        polynomial = sp.Poly(g, variable)
        if polynomial.degree() != 1:
            return []
        slope, intercept = (Evaluator(EXACT, base, meanings, seed=seed).value(c) for c in polynomial.all_coeffs())
    except (sp.PolynomialError, sp.GeneratorsNeeded, Undefined, CannotEvaluate, NotExact, ShapeMismatch,
            ArithmeticError, TypeError, ValueError):
        return []
    if not isinstance(slope, Fraction) or not isinstance(intercept, Fraction) or slope == 0:
        return []
    return [-intercept / slope]


def _polynomial_zeros(g, variable, base: Point, meanings, seed: int):
    """The real zeros of ``g`` when it is a polynomial in ``variable`` (a narrow bump like
    (x-3)^2 < 10^{-4} never changes sign on a grid); None when it is not one."""
    try:
        polynomial = sp.Poly(g, variable)
    except (sp.PolynomialError, sp.GeneratorsNeeded, TypeError, ValueError):
        return None
    if polynomial.degree() < 1 or polynomial.degree() > 8:
        return None
    kind = precise(40)
    try:
        coefficients = [Evaluator(kind, base, meanings, seed=seed).value(c) for c in polynomial.all_coeffs()]
        found = kind.context.polyroots(coefficients, maxsteps=200, extraprec=60)
    except (Undefined, CannotEvaluate, NotExact, ShapeMismatch, ArithmeticError, TypeError, ValueError,
            kind.context.NoConvergence if hasattr(kind.context, "NoConvergence") else ArithmeticError):
        return None
    real = []
    for root in found:
        if abs(kind.context.im(root)) <= 1e-20 * max(1, abs(root)):
            real.append(float(kind.context.re(root)))
    return real


def _bisect(value, low: float, high: float, at_low: float) -> float:
    for _ in range(60):
        middle = (low + high) / 2
        v = value(middle)
        if v is None or v == 0:
            return middle
        if (v < 0) == (at_low < 0):
            low, at_low = middle, v
        else:
            high = middle
    return (low + high) / 2
