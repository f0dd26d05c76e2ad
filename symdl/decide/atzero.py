"""Both sides at the exact zero of a switch, in SymPy's exact arithmetic.

Points are rationals, so ``\\mathbb{1}[x^2-2>0] + \\mathbb{1}[x^2-2<0]`` is 1 at every point and 0
only at ±√2. For a claim of plain scalars that the points found equal, each irrational zero SymPy
solves a discontinuous switch for (indicator, step, sign, cases, floor) is put into both sides exactly;
where SymPy reduces both to numbers that certainly differ, that zero is the counterexample.
"""

from __future__ import annotations

import sympy as sp

from symdl.decide.breakpoints import _plain_variable, switches
from symdl.decide.prove import _OutOfTime, time_budget
from symdl.decide.roots import exact_zeros
from symdl.decide.verdict import Verdict
from symdl.functions import relu, step

SECONDS = 1.0
DISCONTINUOUS = (step, sp.Heaviside, sp.sign, sp.Piecewise, sp.floor, sp.ceiling)


def differs_at_zero(problem, values: dict) -> Verdict | None:
    """A "not equivalent" verdict at an exact irrational zero of a switch, or None. ``values`` gives
    the other plain symbols (symbol → Fraction)."""
    sides = (problem.expected, problem.answer)
    if not all(isinstance(s, sp.Basic) for s in sides) or problem.meanings or any(
            s.has(sp.Indexed, sp.MatrixSymbol, sp.Sum, sp.Product, sp.Derivative) for s in sides):
        return None
    if not any(s.has(*DISCONTINUOUS) for s in sides):
        return None
    for side in sides:
        for g in switches(side):
            variable = _plain_variable(g)
            if variable is None:
                continue
            others = {s: sp.Rational(values[s].numerator, values[s].denominator)
                      for s in g.free_symbols | sides[0].free_symbols | sides[1].free_symbols
                      if s != variable and s in values}
            for zero in exact_zeros(g.xreplace(others), variable):
                if zero.is_Rational:
                    continue  # rational zeros are points already
                verdict = _compare_at(sides, {**others, variable: zero}, variable, zero)
                if verdict is not None:
                    return verdict
    return None


def _compare_at(sides, substitution, variable, zero):
    try:
        with time_budget(SECONDS):
            e, a = (_number(s.xreplace(substitution)) for s in sides)
            if e is None or a is None:
                return None
            difference = sp.nsimplify(a - e) if not (a - e).is_Rational else a - e
            if difference.is_zero is not False:
                return None
            if not difference.is_Rational and abs(sp.N(difference, 60)) < sp.Rational(1, 10 ** 30):
                return None
    except (_OutOfTime, Exception):  # noqa: BLE001 - what SymPy cannot reduce proves nothing
        return None
    return Verdict("not_equivalent", f"at {variable} = {zero} exactly (where a switch turns), the expected result is "
                   f"{e} and the answer {a}", counterexample={"point": {str(variable): float(zero)},
                                                              "expected": [float(e)], "answer": [float(a)]},
                   method="exact point")


def _number(expr):
    expr = expr.replace(lambda n: isinstance(n, step), lambda n: sp.Piecewise((1, n.args[0] > 0), (0, True)))
    expr = expr.replace(lambda n: isinstance(n, relu), lambda n: sp.Piecewise((n.args[0], n.args[0] > 0), (0, True)))
    expr = expr.doit()
    return expr if expr.is_number and expr.is_real else None
