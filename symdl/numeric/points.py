"""Random points for numeric checks: clear of kinks, poles and branch points; errors relative to the values."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import sympy as sp

from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from symdl.functions import relu, step
from symdl.numeric.compile import as_leaf, compile_arrays, leaves_of

#: Distance a random point keeps from kinks (ReLU at 0), poles and branch points.
SAFE_MARGIN = 1e-3


def hazards(expr) -> tuple[list, list]:
    """Quantities that must stay away from zero (kinks, poles) and those that must stay positive.

    Of a matrix expression they may be matrices (every entry must keep clear): the argument of an
    elementwise ReLU, the determinant of an inverted matrix.
    """
    away_from_zero, positive = [], []

    def walk(node):
        if isinstance(node, ElementwiseApplyFunction):
            walk(node.expr)
            f = node.function
            u = f.variables[0] if isinstance(f, sp.Lambda) else sp.Dummy("u")
            body = f.expr if isinstance(f, sp.Lambda) else f(u)
            inner_zero, inner_positive = hazards(body)
            away_from_zero.extend(_over(node.expr, u, h) for h in inner_zero)
            positive.extend(_over(node.expr, u, h) for h in inner_positive)
            return
        if isinstance(node, sp.MatPow) and node.exp.is_negative:  # Inverse too
            away_from_zero.append(sp.Determinant(node.base))
        elif isinstance(node, sp.HadamardPower) and node.exp.is_negative:
            away_from_zero.append(node.base)
        elif isinstance(node, (relu, step, sp.Abs, sp.sign, sp.Heaviside)):
            away_from_zero.append(node.args[0])
        elif isinstance(node, (sp.Max, sp.Min)) and len(node.args) == 2:
            away_from_zero.append(node.args[0] - node.args[1])
        elif isinstance(node, sp.Pow) and node.exp.is_negative:
            away_from_zero.append(node.base)
        elif isinstance(node, sp.Pow) and node.exp.is_Rational and not node.exp.is_Integer:
            positive.append(node.base)
        elif isinstance(node, sp.log):
            positive.append(node.args[0])
        elif isinstance(node, (sp.floor, sp.ceiling)):
            away_from_zero.append(sp.sin(sp.pi * node.args[0]))
        elif isinstance(node, sp.Piecewise):
            for _, cond in node.args:
                if isinstance(cond, sp.core.relational.Relational):
                    away_from_zero.append(cond.lhs - cond.rhs)
        for arg in node.args:
            if isinstance(arg, sp.Basic):
                walk(arg)

    walk(sp.ImmutableMatrix(expr) if isinstance(expr, sp.MatrixBase) else expr)
    return away_from_zero, positive


def _over(matrix, variable, hazard):
    """A hazard of an elementwise map's body, taken over every entry of the matrix it maps."""
    if not hazard.has(variable):
        return hazard
    return ElementwiseApplyFunction(sp.Lambda(variable, hazard), matrix)


def leaf_values(rng, leaves, count: int, spd=frozenset(), scale: float = 1.0) -> list[np.ndarray]:
    """``count`` random values of each leaf, the batch axis first.

    A matrix is standard normal (symmetric positive definite, ``A Aᵀ + r I``, if its name is in
    ``spd``); a positive symbol uniform on [0.5, 2], an integer one of 1…4, any other normal.
    """
    values = []
    for leaf in leaves:
        if getattr(leaf, "is_Matrix", False):
            rows, cols = (int(d) for d in leaf.shape)
            a = rng.normal(0.0, scale, size=(count, rows, cols))
            if leaf.name in spd:
                a = a @ np.swapaxes(a, -1, -2) + rows * np.eye(rows)
            values.append(a)
        elif leaf.is_positive or leaf.is_nonnegative:
            values.append(rng.uniform(0.5, 2.0, size=count))
        elif leaf.is_integer:
            values.append(rng.integers(1, 5, size=count).astype(float))
        else:
            values.append(rng.normal(0.0, scale, size=count))
    return values


def safe(values: list, defined: int, clear: int) -> np.ndarray:
    """Which points of a batch are usable: the first ``defined`` outputs finite and real there, the
    next ``clear`` (guards) more than :data:`SAFE_MARGIN` from zero, the rest (guards) positive."""
    count = len(values[0]) if values else 0
    flat = [np.asarray(v).reshape(count, -1) for v in values]
    every = np.concatenate(flat, axis=1) if flat else np.zeros((count, 0))
    with np.errstate(all="ignore"):
        ok = np.all(np.isfinite(every), axis=1) & np.all(np.abs(np.imag(every)) <= 1e-12, axis=1)
        width = sum(f.shape[1] for f in flat[:defined])
        near = sum(f.shape[1] for f in flat[defined : defined + clear])
        guards = np.real(every[:, width:])
        ok &= np.all(np.abs(guards[:, :near]) > SAFE_MARGIN, axis=1) & np.all(guards[:, near:] > 0, axis=1)
    return ok


@dataclass(frozen=True)
class Sample:
    """Compiled expressions at points clear of their hazards: each leaf's values and each output's,
    the batch axis first."""

    leaves: list
    arrays: list
    values: list

    def point(self, k: int, limit: int = 12) -> str:
        """Point ``k`` written out (``W[0,1]=0.5, …``), to reproduce a failure."""
        pairs = []
        for leaf, array in zip(self.leaves, self.arrays):
            if getattr(leaf, "is_Matrix", False):
                rows, cols = array.shape[1:]
                pairs += [f"{leaf.name}[{i},{j}]={array[k, i, j]:.6g}" for i in range(rows) for j in range(cols)]
            else:
                pairs.append(f"{leaf}={array[k]:.6g}")
        more = f", … {len(pairs) - limit} more" if len(pairs) > limit else ""
        return ", ".join(pairs[:limit]) + more


@dataclass(frozen=True)
class Guarded:
    """A program of ``outputs`` expressions followed by their hazards (``clear`` that must keep
    away from zero, then those that must stay positive), over ``leaves``."""

    program: object
    leaves: list
    outputs: int
    clear: int


def guarded(exprs, extra_leaves=()) -> Guarded:
    """Compile ``exprs`` (prepared, see :func:`~symdl.numeric.compile.prepare`) with their hazards.

    ``extra_leaves`` are leaves to draw even if no expression uses them (a variable a scalar does
    not depend on).
    """
    zero, positive = [], []
    for e in exprs:
        z, p = hazards(e)
        zero += z
        positive += p
    leaves = leaves_of(exprs)
    leaves += [leaf for leaf in map(as_leaf, extra_leaves) if leaf not in leaves]
    return Guarded(compile_arrays(list(exprs) + zero + positive, leaves), leaves, len(exprs), len(zero))


def draw(plan: Guarded, count: int, rng, spd=frozenset(), names=None, max_draws: int = 200) -> Sample:
    """The outputs at ``count`` random points where every one is finite and every hazard clear;
    ``names`` are the leaves to name in a failure (the plan's own by default). Raises
    ``ArithmeticError`` when ``max_draws`` draws leave too few points."""
    kept_arrays, kept_values, found, drawn = [], [], 0, 0
    while found < count and drawn < max_draws:
        batch = min(max(2 * (count - found), 4), max_draws - drawn)
        arrays = leaf_values(rng, plan.leaves, batch, spd)
        drawn += batch
        values = _values(plan.program, arrays, batch)
        ok = safe(values, plan.outputs, plan.clear)
        kept_arrays.append([a[ok] for a in arrays])
        kept_values.append([v[ok] for v in values[: plan.outputs]])
        found += int(ok.sum())
    if found < count:
        raise ArithmeticError(f"no point clear of singularities found in {drawn} draws")
    arrays = [np.concatenate(parts)[:count] for parts in zip(*kept_arrays)]
    values = [np.concatenate(parts)[:count] for parts in zip(*kept_values)]
    return Sample(plan.leaves if names is None else names, arrays, values)


def _values(program, arrays, batch: int) -> list:
    """The program at a batch of points; where a whole batch fails (a singular matrix), point by point,
    a failing point getting NaN (unsafe)."""
    try:
        return program(*arrays, batch=batch)
    except (np.linalg.LinAlgError, ArithmeticError, ValueError):
        rows = []
        for k in range(batch):
            try:
                rows.append(program(*(a[k : k + 1] for a in arrays), batch=1))
            except (np.linalg.LinAlgError, ArithmeticError, ValueError):
                rows.append([np.full((1,) + shape, np.nan) for shape in program.shapes])
        return [np.concatenate(parts) for parts in zip(*rows)]


@dataclass
class PointSampler:
    """Seeded random points that keep a safe distance from every hazard of the given expressions.

    ``guards`` lists the hazard expressions; compile them after your own outputs in one
    ``lambdify`` call (one compile per check is most of the cost) and hand that function and
    the count of your outputs to :meth:`draw`.
    """

    symbols: list
    exprs: list
    seed: int
    scale: float = 1.0
    max_tries: int = 200

    def __post_init__(self):
        self.rng = np.random.default_rng(self.seed)
        zero, positive = [], []
        for e in self.exprs:
            z, p = hazards(e)
            zero += z
            positive += p
        self._n_zero = len(zero)
        self.guards = zero + positive

    def draw(self, function, offset: int, defined: int | None = None) -> np.ndarray:
        """One safe point; raises ``ArithmeticError`` when none turns up.

        The function's first ``offset`` outputs are the caller's; the first ``defined`` of them
        (all by default) must be finite there too. The rest may be undefined: an answer that is
        undefined where the expected result is defined is what a domain check looks for.
        """
        for _ in range(self.max_tries):
            point = self.random_point()
            if self.is_safe(function, offset, offset if defined is None else defined, point):
                return point
        raise ArithmeticError(f"no point clear of singularities found in {self.max_tries} draws (seed {self.seed})")

    def random_point(self) -> np.ndarray:
        values = self.rng.normal(0.0, self.scale, size=len(self.symbols))
        for k, s in enumerate(self.symbols):
            if s.is_positive or s.is_nonnegative:
                values[k] = self.rng.uniform(0.5, 2.0)
            elif s.is_integer:
                values[k] = float(self.rng.integers(1, 5))
        return values

    def is_safe(self, function, offset, defined, point) -> bool:
        """Whether ``function`` (outputs, then this sampler's guards) is defined and clear of hazards."""
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                values = np.atleast_1d(np.asarray(function(*point), dtype=complex).ravel())
            except (ZeroDivisionError, OverflowError, ValueError, TypeError):
                return False
        values = np.concatenate([values[:defined], values[offset:]])
        if not np.all(np.isfinite(values)) or np.any(np.abs(values.imag) > 1e-12):
            return False
        guards = values.real[defined:]
        # Kinks and poles keep a margin; a log or root argument need only be positive (a
        # likelihood's density product is often far below any fixed margin).
        return bool(np.all(np.abs(guards[: self._n_zero]) > SAFE_MARGIN) and np.all(guards[self._n_zero:] > 0))


def evaluate(function, point) -> np.ndarray:
    """Values of a compiled function at one point, as a float array; non-finite raises."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = np.asarray(function(*point), dtype=float).ravel()
    if not np.all(np.isfinite(values)):
        raise ArithmeticError("non-finite value")
    return values


def relative_error(got, want) -> float:
    """max |got − want|, relative to the largest |want| entry (absolute when that is below 1)."""
    got, want = np.asarray(got, dtype=float).ravel(), np.asarray(want, dtype=float).ravel()
    if got.shape != want.shape:
        return float("inf")
    if got.size == 0:
        return 0.0
    return float(np.max(np.abs(got - want)) / max(1.0, float(np.max(np.abs(want)))))
