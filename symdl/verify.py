"""Numeric verification of each step of a derivation.

Two kinds of claim are checked, each at concrete sizes and seeded random points:

* :class:`Identity`: the two sides are equal as values.
* :class:`Gradient`: the right side is the gradient of a scalar with respect to a variable.
  It is compared against element-wise ``sympy.diff`` (symbolic truth) and against central
  finite differences through ``lambdify`` (numeric truth). A matrix-form derivative is never
  trusted on its own: SymPy has returned silently wrong zeros for some.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from symdl.errors import VerificationError
from symdl.numeric import (
    Instantiation,
    PointSampler,
    central_differences,
    compile_numeric,
    evaluate,
    free_symbols_of,
    relative_error,
    substitute_definitions,
)

#: A check passes when its maximum relative error is at most this (float64).
TOLERANCE = 1e-6
from symdl.defaults import VERIFY_SEED as DEFAULT_SEED  # noqa: E402 - light, for the CLI


@dataclass(frozen=True)
class CheckResult:
    """What one numeric check of one step found."""

    step: str
    method: str
    max_error: float
    points: int
    seed: int
    passed: bool
    detail: str = ""

    def line(self) -> str:
        mark = "ok  " if self.passed else "FAIL"
        return f"{mark} {self.max_error:9.2e}  {self.method:<23} {self.step}" + (
            f"  [{self.detail}]" if self.detail else ""
        )


def _as_list(value) -> list:
    if isinstance(value, sp.MatrixBase):
        return list(value)
    return [value]


def _index_assignments(indices) -> list[dict]:
    """Every combination of values of the free indices (``{i: range}``)."""
    if not indices:
        return [{}]
    names = list(indices)
    return [dict(zip(names, combo)) for combo in itertools.product(*(indices[n] for n in names))]


@dataclass(frozen=True)
class Identity:
    """The step claims ``lhs = rhs`` for every value of its symbols (and free indices)."""

    sizes: dict | None = None
    indices: dict = field(default_factory=dict)
    points: int = 5
    spd: frozenset = frozenset()

    def run(self, label, lhs, rhs, derivation, seed) -> list[CheckResult]:
        sizes = dict(derivation.sizes) if self.sizes is None else self.sizes
        inst = Instantiation(sizes=sizes, seed=seed, spd=self.spd)
        left, right = [], []
        for assignment in _index_assignments(_resolve(self.indices, sizes)):
            a = _as_list(inst.explicit(substitute_definitions(lhs.xreplace(assignment), derivation.definitions)))
            b = _as_list(inst.explicit(substitute_definitions(rhs.xreplace(assignment), derivation.definitions)))
            if len(a) != len(b):
                return [CheckResult(label, "values at random points", float("inf"), 0, seed, False,
                                    f"the two sides have different shapes ({_where(assignment, seed)})")]
            left += a
            right += b
        symbols = free_symbols_of(*left, *right)
        sampler = PointSampler(symbols, left + right, seed)
        outputs = left + right
        function = compile_numeric(outputs + sampler.guards, symbols)
        worst, worst_point = 0.0, None
        for _ in range(self.points):
            point = sampler.draw(function, len(outputs))
            values = evaluate(function, point)[: len(outputs)]
            error = relative_error(values[: len(left)], values[len(left):])
            if error >= worst:
                worst, worst_point = error, point
        passed = worst <= TOLERANCE
        return [CheckResult(label, "values at random points", worst, self.points, seed, passed,
                            "" if passed else _where_point(symbols, worst_point, seed))]


@dataclass(frozen=True)
class Gradient:
    """The step claims ``rhs = ∂(scalar)/∂(wrt)``; a matrix-valued scalar means the sum of its entries.

    The step's left side is only its name; ``scalar`` and ``wrt`` say what it means. With free
    ``indices`` the claim is checked for every index value. ``wrt`` is held free even when it
    is an intermediate with a definition (that is what ∂L/∂h means in back-propagation).
    """

    scalar: sp.Basic
    wrt: sp.Basic
    sizes: dict | None = None
    indices: dict = field(default_factory=dict)
    points: int = 3
    symbolic: bool = True
    use_definitions: bool = True
    definitions: dict | None = None  # overrides the derivation's (a local rule's own consumers)

    def run(self, label, lhs, rhs, derivation, seed) -> list[CheckResult]:
        sizes = dict(derivation.sizes) if self.sizes is None else self.sizes
        free = {self.wrt, getattr(self.wrt, "base", None)}
        known = derivation.definitions if self.definitions is None else self.definitions
        definitions = {k: v for k, v in known.items() if k not in free} if self.use_definitions else {}
        inst = Instantiation(sizes=sizes, seed=seed)
        scalar = inst.explicit(substitute_definitions(self.scalar, definitions))
        if isinstance(scalar, sp.MatrixBase):
            scalar = sum(scalar)
        variables, claim = [], []
        for assignment in _index_assignments(_resolve(self.indices, sizes)):
            v = _as_list(inst.explicit(self.wrt.xreplace(assignment)))
            c = _as_list(inst.explicit(substitute_definitions(rhs.xreplace(assignment), definitions)))
            if len(c) != len(v):
                return [CheckResult(label, "element-wise diff", float("inf"), 0, seed, False,
                                    f"claimed gradient has {len(c)} entries, the variable {len(v)}")]
            variables += v
            claim += c
        symbols = free_symbols_of(scalar, *claim, *variables)
        positions = [symbols.index(v) for v in variables]
        truth = [sp.diff(scalar, v) for v in variables] if self.symbolic else []
        sampler = PointSampler(symbols, [scalar] + claim, seed)
        outputs = [scalar] + claim + truth
        function = compile_numeric(outputs + sampler.guards, symbols)
        n = len(variables)
        worst_sym = worst_fd = 0.0
        point_sym = point_fd = None
        for _ in range(self.points):
            point = sampler.draw(function, len(outputs))
            values = evaluate(function, point)[1 : len(outputs)]
            if self.symbolic:
                error = relative_error(values[:n], values[n:])
                if error >= worst_sym:
                    worst_sym, point_sym = error, point
            numeric = central_differences(lambda *a: function(*a)[0], point, positions)
            error = relative_error(values[:n], numeric)
            if error >= worst_fd:
                worst_fd, point_fd = error, point
        results = []
        if self.symbolic:
            ok = worst_sym <= TOLERANCE
            results.append(CheckResult(label, "element-wise diff", worst_sym, self.points, seed, ok,
                                       "" if ok else _where_point(symbols, point_sym, seed)))
        ok = worst_fd <= TOLERANCE
        results.append(CheckResult(label, "finite differences", worst_fd, self.points, seed, ok,
                                   "" if ok else _where_point(symbols, point_fd, seed)))
        return results


@dataclass(frozen=True)
class Computed:
    """The step's value equals what an independent computation gives (a NumPy convolution, a loop
    that counts multiplications, an optimiser step written out by hand).

    ``compute`` takes no arguments and returns a number or an array; the step's right side
    (after definitions) must evaluate to the same values. ``label`` names the method.
    """

    compute: object
    method: str = "independent computation"
    tolerance: float = TOLERANCE

    def run(self, label, lhs, rhs, derivation, seed) -> list[CheckResult]:
        claimed = substitute_definitions(sp.sympify(rhs), derivation.definitions)
        claimed = claimed.doit() if hasattr(claimed, "doit") else claimed
        try:
            got = np.asarray([float(v) for v in _as_list(sp.ImmutableMatrix(claimed) if getattr(claimed, "is_Matrix", False)
                                                           else claimed)], dtype=float)
        except TypeError as exc:
            return [CheckResult(label, self.method, float("inf"), 1, seed, False, f"the result is not numeric: {exc}")]
        want = np.asarray(self.compute(), dtype=float).ravel()
        error = relative_error(got, want)
        ok = error <= self.tolerance
        return [CheckResult(label, self.method, error, 1, seed, ok,
                            "" if ok else f"symbolic {got.tolist()[:8]} vs computed {want.tolist()[:8]}")]


def _resolve(indices, sizes) -> dict:
    """Index ranges given as a size symbol or number become concrete ``range``s (1-based)."""
    resolved = {}
    for name, bound in indices.items():
        if isinstance(bound, range):
            resolved[name] = bound
        else:
            resolved[name] = range(1, int(sp.sympify(bound).xreplace(sizes)) + 1)
    return resolved


def _where(assignment, seed) -> str:
    parts = [f"seed {seed}"] + [f"{k}={v}" for k, v in assignment.items()]
    return ", ".join(parts)


def _where_point(symbols, point, seed, limit: int = 12) -> str:
    """The seed and the point of the worst disagreement, for reproducing a failure."""
    if point is None:
        return f"seed {seed}"
    pairs = [f"{s}={v:.6g}" for s, v in zip(symbols, point)]
    more = f", … {len(pairs) - limit} more" if len(pairs) > limit else ""
    return f"seed {seed}; point " + ", ".join(pairs[:limit]) + more


def step_label(step) -> str:
    from symdl.render import to_text

    return to_text(step.lhs)


def verify(derivation, seed: int = DEFAULT_SEED) -> list[CheckResult]:
    """Run the numeric check of every step and result that has one."""
    from symdl.render import plain_name

    results = []
    for step in derivation.steps:
        if step.check is None:
            continue
        results.extend(_run(step.check, step_label(step), step.lhs, step.rhs, derivation, seed))
    for target, check in derivation.result_checks.items():
        results.extend(_run(check, f"result {plain_name(target)}", sp.Symbol(target), derivation.results[target],
                            derivation, seed))
    return results


def _run(check, label, lhs, rhs, derivation, seed) -> list[CheckResult]:
    try:
        return check.run(label, lhs, rhs, derivation, seed)
    except ArithmeticError as exc:
        return [CheckResult(label, type(check).__name__, float("inf"), 0, seed, False, f"{exc}; seed {seed}")]


def require_verified(derivation, seed: int = DEFAULT_SEED) -> list[CheckResult]:
    """Verify, raising :class:`VerificationError` naming the first failing step."""
    results = verify(derivation, seed)
    failed = [r for r in results if not r.passed]
    if failed:
        first = failed[0]
        raise VerificationError(f"{derivation.name}: {first.step}: {first.method} error {first.max_error:.2e} "
                                f"({first.detail})")
    return results
