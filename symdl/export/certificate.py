"""The verification certificate of one derivation: which numeric checks ran on which step.

Each step (and each result) with a check is verified on its own, through :func:`symdl.verify.verify`
on a copy of the derivation holding that step alone, so that every :class:`CheckResult` is tied to
the numbered equation it confirms even when several steps share a left side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from symdl.verify import DEFAULT_SEED, TOLERANCE, CheckResult


@dataclass(frozen=True)
class CheckRow:
    """One numeric check: the equation number it confirms and what it found."""

    number: int  # the equation's number in the document (steps first, then results)
    what: str  # LaTeX of the checked left side (a step's left side or a result's target)
    is_result: bool
    result: CheckResult


@dataclass(frozen=True)
class Certificate:
    rows: tuple[CheckRow, ...]
    seed: int
    tolerance: float
    version: str

    @property
    def passed(self) -> bool:
        return all(row.result.passed for row in self.rows)

    @property
    def failed(self) -> tuple[CheckRow, ...]:
        return tuple(row for row in self.rows if not row.result.passed)

    @property
    def checks(self) -> int:
        return len(self.rows)

    @property
    def points(self) -> int:
        return sum(row.result.points for row in self.rows)

    @property
    def max_error(self) -> float:
        return max((row.result.max_error for row in self.rows), default=0.0)

    @property
    def methods(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for row in self.rows:
            seen.setdefault(row.result.method, None)
        return tuple(seen)

    @property
    def numbers(self) -> frozenset[int]:
        """Equation numbers that carry at least one check."""
        return frozenset(row.number for row in self.rows)

    def failed_numbers(self) -> frozenset[int]:
        return frozenset(row.number for row in self.failed)

    def points_range(self) -> str:
        counts = sorted({row.result.points for row in self.rows})
        if not counts:
            return "0"
        return str(counts[0]) if len(counts) == 1 else f"{counts[0]} to {counts[-1]}"

    def summary(self) -> str:
        """One sentence, plain text (no markup): what ran and what it found."""
        if not self.rows:
            return (f"symdl {self.version}: this derivation has no numeric checks (its lines are definitions "
                    f"and assumptions); seed {self.seed}.")
        verdict = "all passed" if self.passed else f"{len(self.failed)} FAILED"
        steps = len({row.number for row in self.rows if not row.is_result})
        results = len({row.number for row in self.rows if row.is_result})
        what = f"{steps} step{'s' * (steps != 1)}" + (f" and {results} result{'s' * (results != 1)}" if results else "")
        return (f"Verified numerically by symdl {self.version}: {self.checks} check{'s' * (self.checks != 1)} on "
                f"{what}, seed {self.seed}, {self.points_range()} point{'s' * (self.points_range() != '1')} each "
                f"({self.points} in all), largest relative error {format_error(self.max_error)} "
                f"(tolerance {self.tolerance:g}): {verdict}.")


    def by_method(self) -> tuple[MethodRow, ...]:
        """The checks grouped by method, in the order the methods first ran: one row of the table each."""
        grouped: dict[str, list[CheckRow]] = {}
        for row in self.rows:
            grouped.setdefault(row.result.method, []).append(row)
        out = []
        for method, rows in grouped.items():
            counts = sorted({r.result.points for r in rows})
            points = str(counts[0]) if len(counts) == 1 else f"{counts[0]} to {counts[-1]}"
            out.append(MethodRow(method, tuple(sorted({r.number for r in rows})), points,
                                 max(r.result.max_error for r in rows),
                                 tuple(sorted({r.number for r in rows if not r.result.passed}))))
        return tuple(out)


@dataclass(frozen=True)
class MethodRow:
    """One method's checks: the equations it confirmed, their points, the largest error."""

    method: str
    numbers: tuple[int, ...]
    points: str  # "3", or "3 to 20" when the checks drew different numbers of points
    max_error: float
    failed: tuple[int, ...]  # equations where a check of this method failed


#: What ``--certificate`` may ask for: the table (full), its one-sentence summary (short), or nothing.
CERTIFICATE_MODES = ("full", "short", "none")


def equation_ranges(numbers, label, dash: str = "–") -> str:
    """``(1)–(5), (8)``: consecutive equation numbers as ranges, each labelled as the document labels it."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"({label(r[0])})" if len(r) == 1 else f"({label(r[0])}){dash}({label(r[-1])})" for r in runs)


def format_error(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "nan"
    if math.isinf(value):
        return "inf"
    return f"{value:.1e}"


def certify(derivation, step_numbers: list[int], result_numbers: dict[str, int], seed: int = DEFAULT_SEED,
            left_sides: dict | None = None) -> Certificate:
    """Run every check of ``derivation`` and tie each result to its equation number.

    ``step_numbers[k]`` is the number of step ``k``; ``result_numbers[target]`` that of a result.
    ``left_sides`` maps those numbers to the LaTeX shown in the certificate.
    """
    import importlib

    from symdl import __version__

    verify_module = importlib.import_module("symdl.verify")  # the module (symdl.verify is also a function)
    from symdl.latex import to_latex

    left_sides = left_sides or {}
    rows: list[CheckRow] = []
    for k, step in enumerate(derivation.steps):
        if step.check is None:
            continue
        alone = replace(derivation, steps=(step,), result_checks={})
        for result in verify_module.verify(alone, seed=seed):
            rows.append(CheckRow(step_numbers[k], left_sides.get(step_numbers[k], to_latex(step.lhs)), False, result))
    for target in derivation.result_checks:
        if target not in derivation.results:
            continue
        alone = replace(derivation, steps=(), result_checks={target: derivation.result_checks[target]})
        for result in verify_module.verify(alone, seed=seed):
            rows.append(CheckRow(result_numbers[target], target, True, result))
    return Certificate(tuple(rows), seed, TOLERANCE, __version__)
