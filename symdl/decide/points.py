"""Where a claim is tried: sizes for every size symbol, and points spread over the domain.

Every value is an exact rational: a dyadic one (exact in binary, so the exact and the high-precision
evaluations see the same point) at even-numbered points, one with a power of 3 for denominator at
odd-numbered ones (so no claim can hide in the binary fractions) drawn from a seeded hash of its name, so both sides of a claim, and every
process, draw the same value for the same symbol. Magnitudes spread over several decades with both
signs; symbols declared positive or integer get such values.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

import sympy as sp

#: Decades of spread for successive points: the first points near 1, later ones far out.
DECADES = (0.3, 1.0, 2.0, 0.6, 3.0, 1.5, 4.0, 0.2, 2.5, 5.0, 1.0, 3.5)
#: Values every size symbol takes across the size sets: three distinct values, one ≥ 6.
#: Where the sizes of each set are drawn: small, middle, large (≥ 6); with ``many`` (cheap problems,
#: no matrices) three more, one of them large enough for a switch like min(n, 12).
SIZE_RANGES = ((2, 4), (4, 7), (6, 11))
MORE_SIZE_RANGES = ((3, 9), (5, 13))
LARGE_SIZE = (12, 24)  # one symbol at a time, the others small: the cost stays that of one large size


class Bound(NamedTuple):
    """Where a fact puts a value: between ``low`` and ``high`` (either may be None); a closed end
    (``x \\geq 0``) may be taken, and is: at point 1 (and 3) of every set of sizes."""

    low: Fraction | None
    high: Fraction | None
    low_closed: bool = False
    high_closed: bool = False


EDGE_POINTS = (1, 3)  # point numbers where a value with a closed bound sits on its end


def size_sets(size_symbols, given: dict, many: bool = False, seed: object = 0) -> list[dict]:
    """Concrete sizes to try: the given ones first, then sets where every size symbol takes a new
    value drawn (by a hash of ``seed``, the problem) from a range, distinct within a set, and no value
    repeated for a symbol across sets: three sets (one ≥ 6); with ``many`` two more, and one set per
    symbol (up to three) where it alone is large (12 to 24). A difference that is a polynomial in a
    size must vanish at values it cannot know in advance to go unseen."""
    symbols = sorted(size_symbols, key=str)
    if not symbols:
        return [dict(given)]
    sets = []
    if all(s in given for s in symbols):
        sets.append({s: int(given[s]) for s in symbols})
    used = {s: {v[s] for v in sets} for s in symbols}
    for number, (low, high) in enumerate(SIZE_RANGES + (MORE_SIZE_RANGES if many else ())):
        rng = _rng("sizes", seed, number)
        candidate = {}
        for s in symbols:
            choices = [v for v in range(low, high + 1 + len(symbols))
                       if v not in candidate.values() and v not in used[s]] or \
                [v for v in range(low, high + 1 + len(symbols)) if v not in candidate.values()]
            candidate[s] = rng.choice(choices)
            used[s].add(candidate[s])
        sets.append(candidate)
    if many:
        for number, large in enumerate(symbols[:3]):
            rng = _rng("large size", seed, number)
            candidate = {s: rng.randint(2, 4) for s in symbols}
            candidate[large] = rng.randint(*LARGE_SIZE)
            sets.append(candidate)
    return sets


def _rng(*parts) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "little"))


def dyadic(value: float) -> Fraction:
    """A float as the exact binary rational it is."""
    return Fraction(value)


def triadic(value: float) -> Fraction:
    """A float as a nearby rational with a power of 3 for denominator (about 15 significant digits).

    Every other point is drawn this way: at binary fractions alone, 2^{200}x is a whole number and
    \\sin(2^{200}\\pi x) vanishes at every point drawn."""
    if value == 0:
        return Fraction(0)
    power = max(1, int((35 - math.log2(abs(value))) / math.log2(3)) + 1)  # value * 3^power ≈ 2^35 or more
    return Fraction(round(value * 3 ** power), 3 ** power)


def _kind(symbol) -> str:
    assumptions = symbol.assumptions0 if hasattr(symbol, "assumptions0") else {}
    if assumptions.get("integer"):
        if assumptions.get("positive") or assumptions.get("nonnegative"):
            return "positive integer"
        return "integer"
    if assumptions.get("positive") or assumptions.get("nonnegative"):
        return "positive"
    if assumptions.get("negative") or assumptions.get("nonpositive"):
        return "negative"
    return "real"


@dataclass
class Point:
    """One point: lazily drawn values for every scalar, indexed entry and matrix entry it is asked for."""

    seed: int
    number: int
    decades: float
    sizes: dict = field(default_factory=dict)
    fixed: dict = field(default_factory=dict)  # values set on purpose: (kind, name) keys
    spd: frozenset = frozenset()
    symmetric: frozenset = frozenset()  # matrices drawn symmetric
    bounds: dict = field(default_factory=dict)  # name (or indexed base) -> (low, high), either may be None
    _drawn: dict = field(default_factory=dict)
    on_edge: bool = False  # a value was drawn on the closed end of its bound

    def scalar(self, symbol: sp.Symbol, name: str | None = None) -> Fraction:
        """The value of a scalar symbol (``name``, when given, is the name it is drawn under)."""
        if symbol in self.sizes:
            return Fraction(int(self.sizes[symbol]))
        return self._value(("s", name or symbol.name), _kind(symbol))

    def named(self, name: str, kind: str) -> Fraction:
        """The value of a scalar known by name only (an indexed entry such as ``x_{2}``)."""
        return self._value(("s", name), kind)

    def matrix(self, name: str, rows: int, cols: int) -> list[list[Fraction]]:
        key = ("m", name, rows, cols)
        if key not in self._drawn:
            entries = [[self._value(("e", name, i, j), "real") for j in range(cols)] for i in range(rows)]
            if name in self.spd and rows == cols:
                entries = _spd(entries)
            elif name in self.symmetric and rows == cols:
                entries = [[entries[min(i, j)][max(i, j)] for j in range(cols)] for i in range(rows)]
            self._drawn[key] = entries
        return self._drawn[key]

    def _bound(self, key: tuple):
        if not self.bounds or key[0] != "s":
            return None
        name = key[1]
        return self.bounds.get(name) or self.bounds.get(name.split("_{")[0] if "_{" in name else None)

    def _value(self, key: tuple, kind: str) -> Fraction:
        if key in self.fixed:
            return self.fixed[key]
        if key not in self._drawn:
            self._drawn[key] = self._draw(key, kind)
        return self._drawn[key]

    def _draw(self, key: tuple, kind: str) -> Fraction:
        rng = _rng(self.seed, self.number, *key)
        bound = self._bound(key)
        if bound is not None:
            bound = Bound(*bound)
            edge = _edge(bound, self.number, _rng("edge", self.seed, *sorted(map(str, self.sizes.items())), *key))
            if edge is not None:
                self.on_edge = True
                return edge
            return _within(rng, bound.low, bound.high, self.decades)
        if kind.endswith("integer"):
            top = max(3, int(round(10 ** min(self.decades, 3.0) * 3)))
            value = rng.randint(1, top)
            return Fraction(value if kind == "positive integer" or rng.random() < 0.5 else -value)
        magnitude = rng.uniform(0.5, 1.0) * 10 ** rng.uniform(-self.decades, self.decades)
        exact = dyadic if self.number % 2 == 0 else triadic
        if kind == "positive":
            return exact(magnitude)
        if kind == "negative":
            return exact(-magnitude)
        return exact(magnitude if rng.random() < 0.5 else -magnitude)


def _edge(bound: Bound, number: int, rng) -> Fraction | None:
    """The closed end a value takes at this point, if any: at point 1 the low end (the high one when
    only it is closed, either by lot when both are), at point 3 the other."""
    ends = [end for end, closed in ((bound.low, bound.low_closed), (bound.high, bound.high_closed)) if closed]
    if not ends or number not in EDGE_POINTS:
        return None
    if len(ends) == 2 and rng.random() < 0.5:
        ends.reverse()
    return ends[EDGE_POINTS.index(number) % len(ends)]


def _within(rng, low, high, decades: float) -> Fraction:
    """A value strictly between the bounds (either may be None), spread like the others."""
    spread = 10 ** rng.uniform(-decades, decades) * rng.uniform(0.5, 1.0)
    if low is not None and high is not None:
        return low + (high - low) * dyadic(rng.uniform(0.001, 0.999))
    if low is not None:
        return low + dyadic(spread)
    if high is not None:
        return high - dyadic(spread)
    return dyadic(spread)


def _spd(entries):
    """A Aᵀ + n I: symmetric positive definite, from the drawn entries."""
    n = len(entries)
    return [[sum(entries[i][k] * entries[j][k] for k in range(n)) + (n if i == j else 0) for j in range(n)]
            for i in range(n)]


def points(seed: int, sizes: dict, count: int, spd=frozenset(), symmetric=frozenset(), bounds=None) -> list[Point]:
    return [Point(seed, k, DECADES[k % len(DECADES)], dict(sizes), spd=frozenset(spd),
                  symmetric=frozenset(symmetric), bounds=dict(bounds or {})) for k in range(count)]
