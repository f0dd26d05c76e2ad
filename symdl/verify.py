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
DEFAULT_SEED = 20261122


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
        return f"{mark} {self.max_error:9.2e}  {self.method:<22} {self.step}" + (
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
    include_lhs_definitions: bool = True

    def run(self, label, lhs, rhs, derivation, seed) -> list[CheckResult]:
        sizes = dict(derivation.sizes) if self.sizes is None else self.sizes
        worst, count = 0.0, 0
        for assignment in _index_assignments(_resolve(self.indices, sizes)):
            inst = Instantiation(sizes=sizes, seed=seed, spd=self.spd)
            left = inst.explicit(substitute_definitions(lhs.xreplace(assignment), derivation.definitions))
            right = inst.explicit(substitute_definitions(rhs.xreplace(assignment), derivation.definitions))
            left_values, right_values = _as_list(left), _as_list(right)
            if len(left_values) != len(right_values):
                return [CheckResult(label, "values at random points", float("inf"), 0, seed, False,
                                    "the two sides have different shapes")]
            symbols = free_symbols_of(*left_values, *right_values)
            function = compile_numeric(left_values + right_values, symbols)
            sampler = PointSampler(symbols, left_values + right_values, seed)
            half = len(left_values)
            for _ in range(self.points):
                point = sampler.draw()
                values = evaluate(function, point)
                worst = max(worst, relative_error(values[:half], values[half:]))
                count += 1
        return [CheckResult(label, "values at random points", worst, count, seed, worst <= TOLERANCE,
                            "" if worst <= TOLERANCE else _where(assignment, seed))]


@dataclass(frozen=True)
class Gradient:
    """The step claims ``rhs = ∂(scalar)/∂(wrt)``; a matrix-valued scalar means the sum of its entries.

    The step's left side is only its name; ``scalar`` and ``wrt`` say what it means.
    """

    scalar: sp.Basic
    wrt: sp.Basic
    sizes: dict | None = None
    indices: dict = field(default_factory=dict)
    points: int = 3
    symbolic: bool = True
    use_definitions: bool = True

    def run(self, label, lhs, rhs, derivation, seed) -> list[CheckResult]:
        sizes = dict(derivation.sizes) if self.sizes is None else self.sizes
        worst_sym, worst_fd, count = 0.0, 0.0, 0
        assignment = {}
        for assignment in _index_assignments(_resolve(self.indices, sizes)):
            inst = Instantiation(sizes=sizes, seed=seed)
            # The variable is free here even when it is itself an intermediate.
            definitions = {k: v for k, v in derivation.definitions.items() if k != self.wrt} if self.use_definitions else {}
            scalar = inst.explicit(substitute_definitions(self.scalar.xreplace(assignment), definitions))
            if isinstance(scalar, sp.MatrixBase):
                scalar = sum(scalar)
            wrt = inst.explicit(self.wrt.xreplace(assignment))
            variables = _as_list(wrt)
            claim = _as_list(inst.explicit(substitute_definitions(rhs.xreplace(assignment), definitions)))
            if len(claim) != len(variables):
                return [CheckResult(label, "element-wise diff", float("inf"), 0, seed, False,
                                    f"claimed gradient has {len(claim)} entries, the variable {len(variables)}")]
            symbols = free_symbols_of(scalar, *claim, *variables)
            positions = [symbols.index(v) for v in variables]
            exprs = [scalar] + claim
            truth = [sp.diff(scalar, v) for v in variables] if self.symbolic else []
            function = compile_numeric(exprs + truth, symbols)
            scalar_function = compile_numeric([scalar], symbols)
            sampler = PointSampler(symbols, exprs, seed)
            n = len(variables)
            for _ in range(self.points):
                point = sampler.draw()
                values = evaluate(function, point)
                claimed = values[1 : 1 + n]
                if self.symbolic:
                    worst_sym = max(worst_sym, relative_error(claimed, values[1 + n :]))
                numeric = central_differences(lambda *a: scalar_function(*a)[0], point, positions)
                worst_fd = max(worst_fd, relative_error(claimed, numeric))
                count += 1
        where = _where(assignment, seed)
        results = []
        if self.symbolic:
            results.append(CheckResult(label, "element-wise diff", worst_sym, count, seed,
                                       worst_sym <= TOLERANCE, "" if worst_sym <= TOLERANCE else where))
        results.append(CheckResult(label, "finite differences", worst_fd, count, seed,
                                   worst_fd <= TOLERANCE, "" if worst_fd <= TOLERANCE else where))
        return results


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


def step_label(step) -> str:
    from symdl.latex import to_latex

    return to_latex(step.lhs)


def verify(derivation, seed: int = DEFAULT_SEED) -> list[CheckResult]:
    """Run the numeric check of every step and result that has one."""
    results = []
    for step in derivation.steps:
        if step.check is None:
            continue
        results.extend(_run(step.check, step_label(step), step.lhs, step.rhs, derivation, seed))
    for target, check in derivation.result_checks.items():
        results.extend(_run(check, f"result {target}", sp.Symbol(target), derivation.results[target],
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
