"""Deciding "equal" or "different" from values computed at rising precision, with no tolerance.

At one point both sides are computed at ``P`` and at ``2P`` significant digits. A difference that
is real does not depend on the precision: it stays the same. Rounding noise shrinks as the
precision grows. So:

- *different* when the difference is nonzero and the same at two precisions (to 6 digits);
- *equal* when it is zero at both, or shrinks by at least half the digits added;
- *unsure* otherwise, after the precision has doubled three times.

The first precision is 50 digits plus the digits of the longest number written in either side
(and of ``e^{c}`` for constants ``c``), so a perturbation like ``10^{-60}`` is resolved too.
"""

from __future__ import annotations

import math
from functools import lru_cache

import sympy as sp

from symdl.decide.arith import Precise

BASE_DIGITS = 50
MAX_DIGITS = 1200
EQUAL, DIFFERENT, UNSURE = "equal", "different", "unsure"


@lru_cache(maxsize=16)
def precise(dps: int) -> Precise:
    return Precise(dps)


def start_digits(*exprs) -> int:
    """50 digits plus what the written numbers need to show their smallest part."""
    extra = 0
    for expr in exprs:
        if not isinstance(expr, sp.Basic):
            continue
        for node in sp.preorder_traversal(expr):
            if isinstance(node, sp.Rational) and not node.is_Integer or isinstance(node, sp.Integer):
                extra = max(extra, len(str(abs(node.p))), len(str(node.q)))
            elif isinstance(node, sp.Float):
                extra = max(extra, node._prec // 3 + 1)
            elif isinstance(node, sp.exp) and node.args[0].is_number:
                extra = max(extra, _decades(node.args[0]))
            elif isinstance(node, sp.Pow) and node.base.is_number and node.exp.is_number:
                extra = max(extra, _decades(node.exp * sp.log(sp.Abs(node.base))))
    return min(BASE_DIGITS + extra, MAX_DIGITS)


def _decades(exponent) -> int:
    try:
        return int(abs(float(exponent)) / math.log(10)) + 1
    except (TypeError, ValueError, OverflowError):
        return MAX_DIGITS


def relation(before, now, digits_before: int, digits_now: int) -> str:
    """How one pair (expected, answer) compares, from its values at two precisions."""
    (e0, a0), (e1, a1) = before, now
    d0, d1 = abs(a0 - e0), abs(a1 - e1)
    if d0 == 0 and d1 == 0:
        return EQUAL
    if d1 > 0 and abs(d1 - d0) <= d1 / 10 ** 6:
        return DIFFERENT
    if d0 > 0 and d1 <= d0 / 10 ** ((digits_now - digits_before) // 2):
        return EQUAL
    return UNSURE


def judge(evaluate, start: int, first=None) -> tuple[str, int | None, list]:
    """Compare entry by entry; ``evaluate(kind)`` gives the lists (expected, answer) at that precision
    (``first``, when given, is what it gives at ``start``).

    Returns (outcome, index of the first differing entry or None, the values at the last precision).
    """
    digits = start
    before = first if first is not None else evaluate(precise(digits))
    while digits * 2 <= MAX_DIGITS * 2:
        after_digits = digits * 2
        after = evaluate(precise(after_digits))
        outcomes = [relation(b, a, digits, after_digits) for b, a in zip(zip(*before), zip(*after))]
        if DIFFERENT in outcomes:
            return DIFFERENT, outcomes.index(DIFFERENT), after
        if all(o == EQUAL for o in outcomes):
            return EQUAL, None, after
        before, digits = after, after_digits
        if digits > MAX_DIGITS:
            break
    return UNSURE, None, before
