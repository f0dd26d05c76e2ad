"""Deciding "equal" or "different" from values computed at rising precision, with no tolerance.

At one point both sides are computed at ``P`` and at ``2P`` significant digits. A difference that
is real does not depend on the precision: it stays the same. Rounding noise shrinks as the
precision grows. So:

- *different* when the difference is nonzero and the same at two precisions (to 6 digits);
- *equal* when it is as small as each precision allows at both (relative to the values, 10 digits
  spared for rounding), or shrinks by at least half the digits added (noise after cancellation);
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
MAX_DIGITS = 2400
NOISE_DIGITS = 10  # digits of a precision that rounding may eat in a long computation
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
    if d1 > 0 and abs(d1 - d0) <= d1 / 10 ** 6:
        return DIFFERENT  # the same difference at both precisions: it is real
    if _at_noise(d0, e0, a0, digits_before) and _at_noise(d1, e1, a1, digits_now):
        return EQUAL  # as small as each precision allows, at both
    if d0 > 0 and d1 <= d0 / 10 ** ((digits_now - digits_before) // 2):
        return EQUAL  # shrinks with the precision: rounding noise (after cancellation)
    return UNSURE


def _at_noise(difference, e, a, digits: int) -> bool:
    return difference * 10 ** (digits - NOISE_DIGITS) <= max(abs(e), abs(a))


def needed_digits(evaluate, start: int) -> int:
    """``start``, raised by the spread of magnitudes a first evaluation meets (``evaluate(kind)``
    computes both sides)."""
    from symdl.decide.arith import Magnitudes

    kind = Magnitudes(30)
    try:
        evaluate(kind)
    except Exception:  # noqa: BLE001 - the real evaluation will raise the same, with its own verdict
        return start
    return min(max(start, BASE_DIGITS + kind.spread_digits()), MAX_DIGITS)


def judge(evaluate, start: int, first=None) -> tuple[str, int | None, list]:
    """Compare entry by entry; ``evaluate(kind)`` gives the lists (expected, answer) at that precision
    (``first``, when given, is what it gives at ``start``). An entry, once shown equal, stays so.

    Returns (outcome, index of the first differing entry or None, the values at the last precision).
    """
    digits = start
    before = first if first is not None else evaluate(precise(digits))
    settled = [False] * len(before[0])
    while digits < MAX_DIGITS or digits == start:
        after_digits = digits * 2
        after = evaluate(precise(after_digits))
        pairs = list(zip(zip(*before), zip(*after)))
        for index, (b, a) in enumerate(pairs):
            if settled[index]:
                continue
            outcome = relation(b, a, digits, after_digits)
            if outcome == DIFFERENT:
                return DIFFERENT, index, after
            settled[index] = outcome == EQUAL
        if all(settled):
            return EQUAL, None, after
        before, digits = after, after_digits
    return UNSURE, None, before
