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
from symdl.decide.evaluate import Evaluator, _drawn_as, entry_name
from symdl.decide.matrices import Mat, ShapeMismatch
from symdl.decide.points import Bound, Point, dyadic
from symdl.decide.precision import precise
from symdl.decide.roots import critical_points, solved_zeros
from symdl.functions import relu, step

MAX_BREAKPOINTS = 8
ROOTS_PER_BREAKPOINT = 3
OFFSETS = (1e-9, 1e-5, 1e-2)  # relative distances from a zero, on each side
MAX_DIPS = 2  # dips of |g| between grid points followed down, per switch
DIP_STEPS = 48  # golden-section steps: the dip is located to 10^{-10} of the grid spacing
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
            g, variable = _first_entry(g, problem.meanings)
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
    made = _flat_points(quantities[:MAX_BREAKPOINTS], base, problem.meanings)
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


def _flat_points(quantities, base: Point, meanings) -> list[Point]:
    """Points at the flat points of switches of several scalars (:func:`~symdl.decide.roots.critical_points`)."""
    made = []
    for g in quantities:
        variables = {s for s in g.free_symbols if isinstance(s, sp.Symbol) and not s.is_integer
                     and s not in meanings and s not in base.sizes}
        for flat in critical_points(g, variables):
            if all(_allowed(v, value, base) for v, value in flat.items()):
                made.append(Point(base.seed, base.number, base.decades, dict(base.sizes),
                                  {("s", v.name): value for v, value in flat.items()}, base.spd, base.symmetric,
                                  dict(base.bounds)))
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
                moving = _inputs_of(g, problem.meanings)
                for name, (rows, cols) in [i for i in inputs if i[0] in moving][:3]:
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


def _inputs_of(expr, meanings) -> set:
    """Names of the undefined matrices ``expr`` depends on, through the definitions."""
    found, seen, todo = set(), set(), [expr]
    while todo:
        current = todo.pop()
        if not isinstance(current, sp.Basic):
            continue
        for symbol in current.atoms(sp.MatrixSymbol):
            if symbol in seen:
                continue
            seen.add(symbol)
            if symbol in meanings:
                todo.append(meanings[symbol])
            else:
                found.add(symbol.name)
    return found


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


def _first_entry(g, meanings):
    """``g`` with its indices at 1 and its first drawn entry as a scalar: a switch on ``x_i`` is moved
    along ``x_{1}`` (the same number, by name), like one on a scalar."""
    entries = sorted((e for e in g.atoms(sp.Indexed) if e.base not in meanings), key=sp.default_sort_key)
    if not entries:
        return g, None
    indices = {s: sp.Integer(1) for e in entries for i in e.indices for s in sp.sympify(i).free_symbols}
    at_one = g.xreplace(indices)
    entry = entries[0].xreplace(indices)
    try:
        name = entry_name(entry.base.label.name, tuple(int(i) for i in entry.indices))
    except (TypeError, ValueError):
        return g, None
    positive = _drawn_as(entry.base.label).startswith("positive")
    variable = sp.Symbol(name, real=True, positive=positive or None)
    return at_one.xreplace({entry: variable}), variable


def _plain_variable(g):
    """A scalar symbol of ``g`` to move along (not a size, not an index)."""
    labels = {e.base.label for e in g.atoms(sp.Indexed)}  # the x of x_i is no number of its own
    candidates = sorted((s for s in g.free_symbols if isinstance(s, sp.Symbol) and not s.is_integer
                         and s not in labels),
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
    return zeros + _dips(value, grid)


def _dips(value, grid) -> list[float]:
    """Zeros hidden between two grid points: where ``|g|`` dips between neighbours of one sign
    (``h^2 - 10^{-12}`` is negative only within 10^{-6} of h = 0), the dip is followed down by a
    golden-section search; a dip that crosses zero gives its two zeros, one that nearly touches it
    (by a factor 10^{-6}) its lowest point."""
    dips = []
    for (t0, v0), (t1, v1), (t2, v2) in zip(grid, grid[1:], grid[2:]):
        if None in (v0, v1, v2) or 0 in (v0, v1, v2) or len({v0 < 0, v1 < 0, v2 < 0}) > 1:
            continue
        if abs(v1) < abs(v0) and abs(v1) <= abs(v2):
            dips.append((abs(v1), t0, t2, v1))
    found = []
    for _, t0, t2, v1 in sorted(dips)[:MAX_DIPS]:
        sign = 1 if v1 > 0 else -1
        t, v = _lowest(lambda t: None if value(t) is None else sign * value(t), t0, t2)
        if v is None:
            continue
        if v < 0:
            found += [_bisect(value, t0, t, sign), _bisect(value, t, t2, -sign)]
        elif v <= 1e-6 * abs(v1):
            found.append(t)
    return found


def _lowest(f, low: float, high: float):
    """The lowest point of ``f`` on [low, high] by golden-section search (stops early below 0)."""
    ratio = (5 ** 0.5 - 1) / 2
    a, b = low, high
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(DIP_STEPS):
        if fc is None or fd is None:
            return None, None
        if min(fc, fd) < 0:
            break
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = f(d)
    if fc is None or fd is None:
        return None, None
    return (c, fc) if fc <= fd else (d, fd)


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
