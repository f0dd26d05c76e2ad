"""Where a switching quantity is zero along one variable, solved by SymPy: exact where it can be.

A grid and bisection miss a switch that never changes sign on the grid (``\\max(0, \\sin x - 0.9999)``
is on only within 0.014 of π/2 + 2kπ) and cannot tell ``\\mathbb{1}[e^{x} > 2]`` from
``\\mathbb{1}[x > 0.6931471805599453]`` (thresholds 10^{-17} apart). So the quantity, with every other
symbol at its value at the point, is solved over the reals under a time budget: the zeros come back
as exact values (``\\log 2``, ``\\operatorname{asin}(0.9999) + 2kπ``) and are given as rationals to
``DIGITS`` significant digits, marked exact when the zero is rational itself (a switch is then tried
on its very zero: ``\\mathbb{1}[x^3 > 0] + \\mathbb{1}[x^3 < 0]`` is 0 at 0).
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import sympy as sp

from symdl.decide.prove import _OutOfTime, time_budget

DIGITS = 60
SECONDS = 0.5  # one solve; a quantity SymPy cannot solve in that time has no solved zeros
PERIODS = range(-2, 3)  # members of a periodic family of zeros tried: k = -2..2
MAX_ZEROS = 12
_UNKNOWN = sp.Symbol("t", real=True)  # every other symbol is replaced by its value before solving


def solved_zeros(g, variable, known: dict) -> list[tuple[Fraction, bool]] | None:
    """Real zeros of ``g`` along ``variable`` with the other symbols at ``known`` (symbol → Fraction),
    as (value to ``DIGITS`` digits, whether that value is the zero exactly); None when ``g`` has other
    unknowns or SymPy cannot solve it in time."""
    if not isinstance(variable, sp.Symbol) or any(s != variable and s not in known for s in g.free_symbols):
        return None
    if g.atoms(sp.Indexed, sp.MatrixSymbol, sp.Sum, sp.Product, sp.Derivative):
        return None
    real = _UNKNOWN  # one symbol for every quantity, so a quantity met again is solved once
    fixed = g.xreplace({s: sp.Rational(v.numerator, v.denominator) for s, v in known.items() if s != variable})
    return _solve(fixed.xreplace({variable: real}), real)


@lru_cache(maxsize=512)
def _solve(g, variable):
    try:
        with time_budget(SECONDS):
            if g.is_polynomial(variable) and g.free_symbols == {variable}:
                found = sp.Poly(g, variable).real_roots()
            else:
                found = _members(sp.solveset(g, variable, sp.Reals))
            if found is None:
                return None
            return sorted({_rational(z) for z in found[:4 * MAX_ZEROS]}, key=lambda z: abs(z[0]))[:MAX_ZEROS]
    except (_OutOfTime, Exception):  # noqa: BLE001 - SymPy raises many kinds; an unsolved quantity has no zeros
        return None


def exact_zeros(g, variable) -> list:
    """The real zeros of ``g`` (in ``variable`` alone) as SymPy numbers (``\\log 2``, ``\\sqrt{2}``)."""
    if g.free_symbols != {variable}:
        return []
    return list(_exact(g.xreplace({variable: _UNKNOWN})))


@lru_cache(maxsize=256)
def _exact(g):
    try:
        with time_budget(SECONDS):
            found = _members(sp.solveset(g, _UNKNOWN, sp.Reals)) or []
            return tuple(z for z in found[:MAX_ZEROS] if z.is_real)
    except (_OutOfTime, Exception):  # noqa: BLE001 - an unsolved quantity has no zeros
        return ()


def _members(solutions):
    """The members of a solution set; a periodic family gives its members for k in ``PERIODS``."""
    if isinstance(solutions, sp.FiniteSet):
        return list(solutions)
    if isinstance(solutions, sp.Union):
        found = []
        for part in solutions.args:
            members = _members(part)
            if members is None:
                return None
            found += members
        return found
    if isinstance(solutions, sp.ImageSet) and solutions.base_sets == (sp.Integers,) \
            and len(solutions.lamda.variables) == 1:
        return [solutions.lamda(k) for k in PERIODS]
    if solutions == sp.S.EmptySet:
        return []
    return None  # an interval, a condition set: not a list of zeros


def _rational(zero) -> tuple[Fraction, bool]:
    if isinstance(zero, sp.Rational):
        return Fraction(int(zero.p), int(zero.q)), True
    value = sp.N(zero, DIGITS)
    if not (value.is_Float and value.is_finite):
        raise ValueError("not a real zero")
    exact = sp.Rational(value)
    return Fraction(int(exact.p), int(exact.q)), False


MAX_VARIABLES = 3
MAX_DEGREE = 4


def critical_points(g, variables) -> list[dict]:
    """Where a polynomial switch of two or three variables has a flat point (``1 - 10^{6}((x-3)^2 +
    (y-2)^2)`` peaks at (3, 2) only, and moving one variable at a time never finds it): each real
    solution of ∇g = 0, as symbol → rational (exact, or to ``DIGITS`` digits)."""
    variables = tuple(sorted(variables, key=sp.default_sort_key))
    if not 2 <= len(variables) <= MAX_VARIABLES or g.free_symbols != set(variables):
        return []
    try:
        if not g.is_polynomial(*variables) or sp.Poly(g, *variables).total_degree() > MAX_DEGREE:
            return []
    except (sp.PolynomialError, TypeError, ValueError):
        return []
    return _critical(g, variables)


@lru_cache(maxsize=256)
def _critical(g, variables):
    try:
        with time_budget(SECONDS):
            solutions = sp.solve([sp.diff(g, v) for v in variables], variables, dict=True)
            found = []
            for solution in solutions[:MAX_ZEROS]:
                if set(solution) != set(variables):
                    continue  # a line or a plane of flat points: no single point to try
                found.append({v: _rational(solution[v])[0] for v in variables})
            return found
    except (_OutOfTime, Exception):  # noqa: BLE001 - SymPy raises many kinds; no flat point is then tried
        return []
