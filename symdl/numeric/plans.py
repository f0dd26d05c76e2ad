"""Compiled checks kept by structure: a check shaped like one planned before, up to the names of its
symbols, reuses that plan (its programs, hazards and the positions of its variables).

The 448 local checks of a depth-64 residual stack are 7 plans.
"""

from __future__ import annotations

from dataclasses import dataclass

from symdl.numeric.compile import Program, Unsupported, structure
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
