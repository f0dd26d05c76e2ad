"""Verdicts on answers: proof first, then exact or high-precision evidence, never a tolerance guess.

Stages: :mod:`~symdl.decide.prove` (symbolic steps under a budget) · :mod:`~symdl.decide.points`
(sizes and points spread over the domain) · :mod:`~symdl.decide.evaluate` (exact rationals,
mpmath, dual numbers) · :mod:`~symdl.decide.precision` (equal or different without tolerance) ·
:mod:`~symdl.decide.numbers` · :mod:`~symdl.decide.compare` · :mod:`~symdl.decide.diagnose` ·
:mod:`~symdl.decide.objective` · :mod:`~symdl.decide.verdict` (the types).
"""

from symdl.decide.verdict import DEFAULT_SEED, VERDICTS, Problem, Verdict, error, undecided

__all__ = ["DEFAULT_SEED", "VERDICTS", "Problem", "Verdict", "error", "undecided"]
