r"""Sizes and index values where a claim switches: the whole numbers it compares them with.

Random sizes stay within 2..24 and an undeclared index within 1..7, so ``\mathbb{1}[K > 30]``,
``\sum_{i=1}^{\min(n,30)}``, ``\max(n, 2)`` (a batch of one) and ``\mathbb{1}[i = 8]`` are never
switched. Every comparison of a size or a free index with a number (indicators, ``\min``/``\max``,
cases, ``\delta_{i8}``) gives the whole numbers on both sides of its threshold, and a size that is
raised to a high degree (``\prod_{k=2}^{24}(n-k)``) is also tried just above every whole number the
claim writes: a polynomial vanishing at every size tried hides nowhere else than among its roots,
and those of a polynomial written with whole numbers lie below the largest of them.
"""

from __future__ import annotations

import math

import sympy as sp

from symdl.decide.breakpoints import switches

CAP = 64  # no threshold size or index beyond this is tried (a sum over 64 terms stays cheap)
MATRIX_CAP = 16  # ... nor a matrix dimension beyond this
MAX_WINDOW_SETS = 6


def thresholds(exprs, symbol) -> set[int]:
    """Whole numbers on both sides of every threshold ``symbol`` is compared with (comparisons of
    polynomials of degree up to 4 in it alone)."""
    found = set()
    for expr in exprs:
        if not isinstance(expr, sp.Basic) or symbol not in expr.free_symbols:
            continue
        quantities = list(switches(expr))
        for node in sp.preorder_traversal(expr):
            if isinstance(node, sp.KroneckerDelta):
                quantities.append(node.args[0] - node.args[1])
            elif isinstance(node, sp.core.relational.Relational):
                quantities.append(node.lhs - node.rhs)
        for g in quantities:
            for threshold in _real_zeros(g, symbol):
                if abs(threshold) > 10 * CAP:
                    continue
                below, above = math.floor(threshold), math.ceil(threshold)
                found |= {below - 1 if below == above else below, below, above, above + 1 if below == above else above}
    return found


def _real_zeros(g, symbol) -> list:
    if not isinstance(g, sp.Basic) or symbol not in g.free_symbols or g.free_symbols != {symbol}:
        return []
    try:
        polynomial = sp.Poly(g, symbol)
        if not 1 <= polynomial.degree() <= 4 or not all(c.is_Rational for c in polynomial.all_coeffs()):
            return []
        return [sp.Rational(r) if r.is_Rational else r.evalf(30) for r in polynomial.real_roots()]
    except (sp.PolynomialError, sp.GeneratorsNeeded, TypeError, ValueError, NotImplementedError):
        return []


def degree(expr, symbol) -> int:
    """How high a power of ``symbol`` the expression reaches, as written (functions count 0)."""
    if not isinstance(expr, sp.Basic) or symbol not in expr.free_symbols:
        return 0
    if expr == symbol:
        return 1
    if isinstance(expr, sp.Add):
        return max(degree(a, symbol) for a in expr.args)
    if isinstance(expr, sp.Mul):
        return sum(degree(a, symbol) for a in expr.args)
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer and expr.exp > 0:
        return degree(expr.base, symbol) * int(expr.exp)
    if isinstance(expr, (sp.Product, sp.Sum)):
        body = degree(expr.function, symbol)
        (_, low, high), *rest = expr.limits
        if isinstance(expr, sp.Product) and low.is_Integer and high.is_Integer and not rest:
            return body * max(0, int(high - low) + 1)
        return body + 1
    return 0


def largest_whole_number(exprs) -> int:
    found = 0
    for expr in exprs:
        if isinstance(expr, sp.Basic):
            found = max([found] + [abs(int(n)) for n in expr.atoms(sp.Integer)])
    return found


def window_sets(sides, size_symbols, index_windows: dict, index_ranges: dict, sets: list, given: dict,
                cheap: bool, seed: object) -> list[dict]:
    """Sets of sizes where one size symbol sits at a threshold (or is large enough for an index
    threshold, or above every whole number of a claim of high degree in it), the others small."""
    from symdl.decide.points import _rng

    cap = CAP if cheap else MATRIX_CAP
    wanted = []
    for symbol in sorted(size_symbols, key=str):
        tried = {s[symbol] for s in sets if symbol in s}
        values = thresholds(sides, symbol)
        for index, window in index_windows.items():
            top = index_ranges.get(index)
            if window and isinstance(top, sp.Basic) and top.free_symbols == {symbol}:
                values.add(max(v for v in window if v <= cap) if any(v <= cap for v in window) else 0)
        if max(degree(side, symbol) for side in sides) >= len(tried):
            values.add(largest_whole_number(sides) + 1)
        wanted += [(symbol, v) for v in sorted(values) if 1 <= v <= cap and v not in tried]
    made = []
    for number, (symbol, value) in enumerate(wanted[:MAX_WINDOW_SETS]):
        rng = _rng("window size", seed, number)
        candidate = {s: int(given[s]) if s in given else rng.randint(2, 4) for s in size_symbols}
        candidate[symbol] = value
        made.append(candidate)
    return made


def unreached(sides, size_symbols, index_windows: dict, index_ranges: dict, cheap: bool) -> list[str]:
    """Thresholds of a size or free index beyond what is tried (``\\mathbb{1}[N \\geq 100]``): the
    points cannot speak for the claim there."""
    cap = CAP if cheap else MATRIX_CAP
    found = []
    for symbol in sorted(size_symbols, key=str):
        far = sorted(v for v in thresholds(sides, symbol) if v > cap)
        if far:
            found.append(f"{symbol} with {far[len(far) // 2]}")
        else:
            beyond = _switch_beyond(sides, symbol, cap)
            if beyond:
                found.append(f"{symbol} with a switch near {beyond}")
    for index, window in sorted(index_windows.items(), key=lambda item: str(item[0])):
        limit = CAP if index_ranges.get(index) is None else cap
        far = sorted(v for v in window if v > limit)
        if far:
            found.append(f"{index} with {far[len(far) // 2]}")
    return found


#: Sizes where a switch in one size alone is looked at beyond the sizes tried.
FAR_SIZES = tuple(sorted({2 * CAP, 4 * CAP} | {10 ** k for k in range(2, 41)}
                         | {3 * 10 ** k + 7 for k in range(2, 13)} | {7 * 10 ** k + 3 for k in range(2, 13)}))


def _switch_beyond(sides, symbol, cap: int) -> int | None:
    """A size past ``cap`` where a switch that depends on ``symbol`` alone turns (max(0, n - 10^6),
    2^n > 10^30, floor(n/1000)); a sum over i = 1..n counts its switches in i as switches in n."""
    for expr in sides:
        if not isinstance(expr, sp.Basic) or symbol not in expr.free_symbols:
            continue
        quantities = list(switches(expr))
        for node in sp.preorder_traversal(expr):
            if isinstance(node, (sp.Sum, sp.Product)):
                for variable, _, end in node.limits:
                    if end == symbol:
                        quantities += [g.xreplace({variable: symbol}) for g in switches(node.function)
                                       if isinstance(g, sp.Basic) and variable in g.free_symbols]
        for g in quantities:
            if not isinstance(g, sp.Basic) or g.free_symbols != {symbol}:
                continue
            try:
                start = _sign(g, cap)
                for size in FAR_SIZES:
                    if size > cap and _sign(g, size) not in (start, 0):
                        return size
            except (TypeError, ValueError, ArithmeticError, RecursionError):
                continue
    return None


def _sign(g, value) -> int:
    number = sp.N(g.xreplace({next(iter(g.free_symbols)): sp.Integer(value)}), 30)
    if not number.is_real:
        raise ValueError("not real")
    return int(bool(number > 0)) - int(bool(number < 0))
