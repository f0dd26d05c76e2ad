"""Compiled checks kept by structure: a check shaped like one planned before, up to the names of its
symbols, reuses that plan (its programs, hazards and the positions of its variables).

The 448 local checks of a depth-64 residual stack are 7 plans.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp
from sympy.core.function import AppliedUndef

from symdl.calculus import MatrixSum
from symdl.numeric.compile import Program, Unsupported, is_leaf
from symdl.numeric.points import Guarded


@dataclass(frozen=True)
class Plan:
    """What a check evaluates: its outputs with their hazards (``guarded``); for a gradient, the
    scalar alone (``forward``) and its variables' entries as ``(argument, entry)`` pairs."""

    guarded: Guarded
    forward: Program | None = None
    positions: tuple = ()


_PLANS: dict = {}


def planned(kind: str, exprs, sizes: dict, spd, build) -> tuple[Plan, list | None]:
    """The plan of a check of ``exprs`` (as written, before :func:`~symdl.numeric.compile.prepare`),
    and the check's own leaves in the plan's argument order (to name a failing point), or None
    for the plan's own. ``build()`` makes the plan when none of this structure is kept; a structure
    that raised :class:`Unsupported` once raises it again at once.
    """
    shape, leaves = structure(exprs, spd)
    if shape is None:
        return build(), None
    # The sizes are part of the structure, and so is where one stands as a leaf: a leaf as written,
    # it is a number once prepared.
    key = (kind, shape, tuple(sorted(sizes.items(), key=str)), tuple(k for k, leaf in enumerate(leaves) if leaf in sizes))
    if key not in _PLANS:
        try:
            plan = build()
        except Unsupported as exc:
            _PLANS[key] = exc
            raise
        order = _order(plan.guarded.leaves, leaves, sizes)
        if order is None:
            return plan, None
        _PLANS[key] = (plan, order)
    kept = _PLANS[key]
    if isinstance(kept, Unsupported):
        raise kept
    plan, order = kept
    return plan, [leaves[k] for k in order]


def kept() -> int:
    """How many plans are kept (each a distinct structure)."""
    return len(_PLANS)


def _order(arguments, leaves, sizes) -> list[int] | None:
    """For each argument of a plan (a prepared leaf), the index of the leaf it was written as; None
    when two leaves as written became one (``W`` of size n and ``W`` of size 3, with n = 3): a check
    of the same structure may hold two matrices there, and must not share the plan."""
    written = {(leaf.xreplace(sizes) if sizes else leaf): k for k, leaf in enumerate(leaves)}
    if len(written) != len(leaves):
        return None
    try:
        return [written[argument] for argument in arguments]
    except KeyError:
        return None


#: Nodes whose preparation changes the leaves (sums written out, entries renamed, undefined
#: functions replaced, matrices written out): a check that has one is planned afresh.
_RESHAPED = (sp.Sum, sp.Product, sp.Indexed, AppliedUndef, sp.Derivative, MatrixSum, sp.MatrixBase)


def structure(exprs, spd=frozenset()) -> tuple:
    """See :func:`_structure`; the same expressions are walked once."""
    try:
        return _structure(tuple(exprs), frozenset(spd))
    except TypeError:  # something unhashable
        return _structure.__wrapped__(tuple(exprs), spd)


@lru_cache(maxsize=4096)
def _structure(exprs, spd) -> tuple:
    """``(key, leaves)``: ``exprs`` with each leaf replaced by its number in order of first appearance
    (with its shape and its assumptions, which decide how it is drawn), so that two checks that
    differ only in names share a key; the leaves in that order. The key is None where preparation
    would change the leaves (:data:`_RESHAPED`): such a check is compiled afresh.
    """
    leaves: dict = {}
    dummies: dict = {}
    memo: dict = {}
    reusable = True

    def key(e):
        nonlocal reusable
        if e in memo:
            return memo[e]
        if is_leaf(e):
            if isinstance(e, sp.MatrixSymbol):
                mark = (e.shape, e.name in spd)
            elif isinstance(e, sp.Symbol) and "[" not in e.name:  # "W[0,1]": an entry written out
                mark = tuple(sorted(e.assumptions0.items()))
            else:
                reusable, mark = False, None
            found = ("leaf", leaves.setdefault(e, len(leaves)), mark)
        elif isinstance(e, sp.Dummy):
            found = ("dummy", dummies.setdefault(e, len(dummies)))
        else:
            if isinstance(e, _RESHAPED):
                reusable = False
            found = (e.func, *map(key, e.args)) if e.args else e
        memo[e] = found
        return found

    shape = tuple(key(sp.sympify(e)) for e in exprs)
    return (shape if reusable else None), list(leaves)
