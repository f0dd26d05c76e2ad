"""The size budget of a derivation: parameters whose work would exceed it are refused before any.

A derivation module may define ``work(params) -> [(amount, limit, names, what), ...]``: how much
of something (matrix entries, blocks, ...) its merged parameters ask for, the most it allows, and
the parameters that decide it. :func:`check` refuses the first amount over its limit with a
message naming the parameters, their values and the limit (``derive``, ``verify``, ``export`` and
``check --derivation`` all build through :func:`symdl.registry.build`, which calls it).
"""

from __future__ import annotations

from symdl.errors import ParameterError


def check(name: str, module, params: dict) -> None:
    """Refuse ``params`` of derivation ``name`` whose work would exceed the module's budget."""
    work = getattr(module, "work", None)
    if work is None:
        return
    merged = {**getattr(module, "PARAMS", {}), **params}
    try:
        amounts = list(work(merged))
    except (TypeError, ValueError, OverflowError):
        return  # malformed values: the derivation's own checks name them
    for amount, limit, names, what in amounts:
        if isinstance(amount, int) and amount > limit:
            given = ", ".join(f"{key}={merged.get(key)}" for key in names)
            raise ParameterError(f"{name} with {given} asks for {amount} {what}; the budget is {limit}: "
                                 f"lower {' or '.join(names)}")
