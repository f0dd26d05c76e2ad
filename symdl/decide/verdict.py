"""What a check decides: the verdict, how it was reached, and what was compared.

A verdict is a claim symdl must be able to defend:

- ``equivalent``: proved symbolically (method ``proved``), or equal at exact rational points
  (``exact points``: for rational functions a proof with high probability), or equal at points
  spread over the domain at a precision the difference is shown not to depend on
  (``high-precision points``), or equal as numbers (``number``);
- ``not_equivalent``: a point or a number where the two provably differ, with a counterexample;
- ``undecided``: neither, with the reason (a construct symdl cannot evaluate, no point where the
  expected value exists, equality that holds only if capitals commute);
- ``error``: the input could not be used at all (unreadable LaTeX, an unknown derivation).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import sympy as sp

VERDICTS = ("equivalent", "not_equivalent", "undecided", "error")
DEFAULT_SEED = 1729


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check."""

    verdict: str
    detail: str = ""
    diagnosis: str | None = None
    counterexample: dict | None = None
    method: str = ""

    @property
    def equivalent(self) -> bool:
        return self.verdict == "equivalent"

    def to_dict(self) -> dict:
        return asdict(self)


def error(detail: str) -> Verdict:
    return Verdict("error", detail)


def undecided(detail: str, method: str = "") -> Verdict:
    return Verdict("undecided", detail, method=method)


@dataclass
class Problem:
    """What to compare: two expressions, and what their symbols mean.

    ``definitions`` map intermediate quantities to what they stand for (a Symbol or MatrixSymbol to
    an expression, an IndexedBase to a Lambda of its indices); ``aliases`` map other results an
    answer may name; ``sizes`` are the given sizes (others are tried too); ``index_ranges`` give the
    range of each free index; ``spd`` names matrices drawn symmetric positive definite.
    """

    expected: sp.Basic
    answer: sp.Basic
    definitions: dict = field(default_factory=dict)
    sizes: dict = field(default_factory=dict)
    index_ranges: dict = field(default_factory=dict)
    spd: frozenset = frozenset()
    aliases: dict = field(default_factory=dict)
    symmetric: frozenset = frozenset()
    bounds: dict = field(default_factory=dict)  # name -> (low, high): values drawn in between
    models: tuple = ()  # facts that fix values at each point (eigenpairs, orthonormal families)
    size_seed: str | None = None  # draw the sizes from this (one working: the same sizes every step)

    @property
    def meanings(self) -> dict:
        """Every name with a meaning of its own: aliases and definitions together."""
        return {**self.aliases, **self.definitions}
