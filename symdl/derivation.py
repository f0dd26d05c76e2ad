"""The core types: a Step of a derivation, a Derivation, and the rendering hooks for Jupyter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import sympy as sp


@dataclass(frozen=True)
class Step:
    """One line ``lhs = rhs`` of a derivation and the rule that licenses it.

    ``check`` says how :mod:`symdl.verify` confirms the line numerically; ``None`` marks a
    definition or an assumption, which is stated, not proved.
    """

    lhs: Any
    rhs: Any
    rule: str
    note: str = ""
    check: Any = None
    relation: str = "="


@dataclass(frozen=True)
class Derivation:
    """A worked derivation: its steps, the results they establish, and what symbols mean.

    ``results`` maps a target's canonical LaTeX (``\\frac{\\partial L}{\\partial W^{(1)}}``)
    to its expression; ``definitions`` maps intermediate symbols to what they stand for, so
    that an answer may use them; ``context`` tells the parser which names are matrices or
    indexed, and ``targets`` maps each result to the :class:`~symdl.parse.DerivativeTarget`
    fields (numerator name and denominator expression) it answers.
    """

    name: str
    title: str
    summary: str
    statement: str
    steps: tuple[Step, ...]
    results: Mapping[str, Any] = field(default_factory=dict)
    definitions: Mapping[Any, Any] = field(default_factory=dict)
    assumptions: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    matrices: Mapping[str, tuple] = field(default_factory=dict)
    indexed: Mapping[str, int] = field(default_factory=dict)
    sizes: Mapping[sp.Symbol, int] = field(default_factory=dict)
    index_ranges: Mapping[sp.Symbol, Any] = field(default_factory=dict)
    result_checks: Mapping[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"<Derivation {self.name}: {len(self.steps)} steps, {len(self.results)} results; "
                f"{self.title}>")

    def _repr_html_(self) -> str:
        from symdl.export.html import derivation_html

        return derivation_html(self)

    def _repr_latex_(self) -> str:
        from symdl.latex import derivation_to_latex

        return "$$" + derivation_to_latex(self, standalone_math=True) + "$$"

    def _repr_markdown_(self) -> str:
        from symdl.render import derivation_to_markdown

        return derivation_to_markdown(self)
