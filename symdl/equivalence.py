"""Deciding whether an answer equals the expected result, and saying what is wrong when it does not.

Cheap symbolic steps come first (``expand``, ``rewrite(exp)``); the decision is then made by
seeded random points, at several concrete sizes, because a symbolic "no" proves nothing and a
symbolic "yes" can hide a domain mismatch. Everything works on SymPy expressions that the
parser or a derivation built; nothing here evaluates user text.
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings
from functools import lru_cache
from dataclasses import asdict, dataclass, field

import numpy as np
import sympy as sp

from symdl.errors import SymdlError, UnsupportedError
from symdl.numeric import (
    Instantiation,
    PointSampler,
    compile_numeric,
    free_symbols_of,
    substitute_definitions,
)

DEFAULT_SEED = 1729
#: Values agree when |answer − expected| ≤ VALUE_RTOL · max(1, |expected|).
VALUE_RTOL = 1e-8
POINTS_PER_SIZE = 6
MAX_ENTRIES = 4096


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check: ``equivalent``, ``not_equivalent`` or ``error``."""

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


@dataclass
class Problem:
    """What to compare: two expressions, and what their symbols mean."""

    expected: sp.Basic
    answer: sp.Basic
    definitions: dict = field(default_factory=dict)
    sizes: dict = field(default_factory=dict)
    index_ranges: dict = field(default_factory=dict)
    spd: frozenset = frozenset()
    aliases: dict = field(default_factory=dict)  # names an answer may use for other results

    def sides(self, expand_definitions: bool = True):
        """Both sides with aliases (and, unless asked not to, definitions) written out."""
        expected = substitute_definitions(self.expected, self.aliases) if self.aliases else self.expected
        answer = substitute_definitions(self.answer, self.aliases) if self.aliases else self.answer
        if expand_definitions and self.definitions:
            expected = substitute_definitions(expected, self.definitions)
            answer = substitute_definitions(answer, self.definitions)
        return expected, answer


# --- numbers ---------------------------------------------------------------------------------
def _as_number(expr):
    """The exact value of an expression without symbols, or None."""
    if isinstance(expr, sp.MatrixBase) or getattr(expr, "is_Matrix", False):
        return None
    if expr.free_symbols or expr.has(sp.Sum, sp.Product, sp.Derivative, sp.Integral):
        return None
    return expr


def compare_numbers(expected, answer, tolerance, rtol) -> Verdict | None:
    """Rounded-decimal and exact-number answers; None when either side is not a plain number."""
    exact, given = _as_number(expected), _as_number(answer)
    if exact is None or given is None:
        return None
    try:
        want = sp.N(exact, 30)
        got = sp.N(given, 30)
    except (TypeError, ValueError, ArithmeticError):
        return None
    if not (want.is_real and got.is_real and want.is_finite and got.is_finite):
        return None
    gap = abs(got - want)
    if rtol is not None:
        ok, rule = gap <= rtol * max(abs(want), 1e-300), f"relative tolerance {rtol:g}"
    elif tolerance is not None:
        ok, rule = gap <= tolerance * (1 + 1e-12), f"rounded to the digits written (±{float(tolerance):g})"
    else:
        ok, rule = gap <= 1e-12 * max(1, abs(want)), "exact value"
    counterexample = {"point": {}, "expected": _short(want), "answer": _short(got)}
    if ok:
        return Verdict("equivalent", f"{_short(got)} equals {_short(want)} ({rule})", method="number")
    diagnosis = _number_diagnosis(float(want), float(got), tolerance)
    return Verdict("not_equivalent", f"{_short(got)} is not {_short(want)} ({rule})", diagnosis, counterexample,
                   method="number")


def _number_diagnosis(want: float, got: float, tolerance) -> str | None:
    if want != 0 and abs(got + want) <= 1e-9 * abs(want):
        return "sign flipped"
    if want != 0 and got != 0:
        ratio = got / want
        named = _name_constant(ratio)
        if named is not None and named not in (1, -1):
            return f"off by a constant factor {named}"
    if tolerance is not None and abs(got - want) < 10 * float(tolerance) * 2:
        return "rounding: the value is close but not correctly rounded"
    return None


def _short(value) -> float | str:
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def _name_constant(value: float):
    """A small rational or a simple surd for a float (2, 1/2, -3/4), or None."""
    if not np.isfinite(value):
        return None
    for denominator in (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 100):
        numerator = round(value * denominator)
        if numerator and abs(numerator / denominator - value) <= 1e-9 * max(1, abs(value)):
            return sp.Rational(numerator, denominator)
    return None


# --- expressions -----------------------------------------------------------------------------
def _symbolic_zero(difference, thorough: bool = False) -> str | None:
    """Symbolic attempts at proving ``difference == 0``; the name of the one that worked.

    The cheap ones (``expand``, ``rewrite(exp)``) always run; ``simplify`` only when
    ``thorough``, as a fallback where no numeric point could be evaluated: it costs more than
    all the numeric work of a typical check, and a symbolic "no" proves nothing.
    """
    if getattr(difference, "is_Matrix", False):
        try:
            difference = difference.doit()
        except Exception:  # noqa: BLE001 - SymPy raises many kinds on odd matrix expressions
            return None
        return "matrix algebra" if difference.is_ZeroMatrix or difference == sp.ZeroMatrix(*difference.shape) else None
    attempts = [("expand", sp.expand), ("rewrite(exp)", lambda e: sp.expand(e.rewrite(sp.exp)))]
    for name, attempt in attempts:
        try:
            if attempt(difference) == 0:
                return name
        except Exception:  # noqa: BLE001
            return None
    if thorough and sp.count_ops(difference) <= 40:
        try:
            if sp.simplify(difference) == 0:
                return "simplify"
        except Exception:  # noqa: BLE001
            return None
    return None


def _size_symbols(*exprs) -> set:
    """Integer sizes: sum bounds and matrix dimensions that are symbols."""
    found = set()
    for e in exprs:
        for s in e.atoms(sp.Sum, sp.Product):
            for limit in s.limits:
                for bound in limit[1:]:
                    found |= bound.free_symbols
        for m in e.atoms(sp.MatrixSymbol):
            for dim in m.shape:
                found |= sp.sympify(dim).free_symbols
    return found


def _free_indices(*exprs) -> set:
    found = set()
    for e in exprs:
        bound = set()
        for s in e.atoms(sp.Sum, sp.Product):
            bound |= {limit[0] for limit in s.limits}
        for indexed in e.atoms(sp.Indexed):
            found |= {i for i in indexed.indices if isinstance(i, sp.Symbol)} - bound
    return found


def _size_sets(problem: Problem, size_symbols) -> list[dict]:
    """Concrete sizes to try: the given ones, then a few others for sizes left free."""
    given = {k: v for k, v in problem.sizes.items()}
    free = sorted(set(size_symbols) - set(given), key=str)
    if not free:
        alternative = {k: v + 1 for k, v in given.items()}
        return [given] + ([alternative] if given else [])
    return [{**given, **{s: v for s in free}} for v in (1, 2, 3)] + [{**given, **{s: 4 + n for n, s in enumerate(free)}}]


def _entries(value) -> list:
    if isinstance(value, sp.MatrixBase):
        return list(value)
    return [value]


def _shape(value):
    return value.shape if isinstance(value, sp.MatrixBase) else (1, 1)


@dataclass
class Evidence:
    """Values of both sides at the points tried, to decide and to diagnose from."""

    expected: list = field(default_factory=list)  # one float array per point
    answer: list = field(default_factory=list)
    points: list = field(default_factory=list)  # (symbols, values) per point
    shape_expected: tuple | None = None
    shape_answer: tuple | None = None
    transposed_equal: bool = False
    undefined_answer: list = field(default_factory=list)


def gather(problem: Problem, seed: int, rtol: float) -> Evidence:
    expected, answer = problem.sides()
    evidence = Evidence()
    indices = _free_indices(expected, answer)
    for sizes in _size_sets(problem, _size_symbols(expected, answer)):
        ranges = [range(1, int(sp.sympify(problem.index_ranges.get(i, 3)).xreplace(sizes)) + 1) for i in indices]
        assignments = [dict(zip(indices, combo)) for combo in itertools.product(*ranges)] if indices else [{}]
        inst = Instantiation(sizes=sizes, seed=seed, spd=problem.spd)
        left, right = [], []
        sizes_key = tuple(sorted(sizes.items(), key=str))
        for assignment in assignments:
            e = _explicit_expected(expected.xreplace(assignment), sizes_key, seed, problem.spd)
            a = inst.explicit(answer.xreplace(assignment))
            if _shape(e) != _shape(a):
                if evidence.shape_expected is None:  # the first sizes tried: those of the counterexample
                    evidence.shape_expected, evidence.shape_answer = _shape(e), _shape(a)
                if isinstance(a, sp.MatrixBase) and _shape(e) == a.T.shape:
                    a = a.T
                    evidence.transposed_equal = True  # provisional: confirmed by values below
                else:
                    return evidence
            left += _entries(e)
            right += _entries(a)
        if len(left) > MAX_ENTRIES:
            raise UnsupportedError(f"the comparison has {len(left)} entries, more than {MAX_ENTRIES}")
        _evaluate(left, right, seed, evidence)
    return evidence


@lru_cache(maxsize=256)
def _explicit_expected(expr, sizes_key: tuple, seed: int, spd: frozenset):
    """The expected side made concrete; element names are fixed, so answers instantiated later match."""
    return Instantiation(sizes=dict(sizes_key), seed=seed, spd=spd).explicit(expr)


@lru_cache(maxsize=256)
def _expected_function(left: tuple, symbols: tuple):
    """The compiled expected side and its hazard guards; the same for every answer to one question."""
    guards = PointSampler(list(symbols), list(left), 0)
    return compile_numeric(list(left) + guards.guards, list(symbols)), guards


def _evaluate(left, right, seed, evidence: Evidence) -> None:
    expected_symbols = tuple(free_symbols_of(*left))
    expected_function, guards = _expected_function(tuple(left), expected_symbols)
    symbols = free_symbols_of(*left, *right)
    answer_function = compile_numeric(right, symbols)
    positions = [symbols.index(s) for s in expected_symbols]
    sampler = PointSampler(symbols, [], seed)
    n = len(left)
    for _ in range(POINTS_PER_SIZE):
        # Points keep clear of the expected side's singularities only: an answer undefined there is evidence.
        for _ in range(sampler.max_tries):
            point = sampler.random_point()
            if guards.is_safe(expected_function, n, n, point[positions]):
                break
        else:
            raise ArithmeticError(f"no point clear of singularities found (seed {seed})")
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            e = np.asarray(expected_function(*point[positions]), dtype=float).ravel()[:n]
            try:
                a = np.broadcast_to(np.asarray(answer_function(*point), dtype=complex).ravel(), (n,))
            except (ZeroDivisionError, OverflowError, ValueError):
                a = np.full(n, np.nan, dtype=complex)
        undefined = not np.all(np.isfinite(a)) or bool(np.any(np.abs(a.imag) > 1e-12 * np.maximum(1, np.abs(a.real))))
        if undefined:
            evidence.undefined_answer.append((symbols, point, e, a))
        evidence.expected.append(e)
        evidence.answer.append(a if undefined else a.real)
        evidence.points.append((symbols, point))


def _close(a, e, rtol) -> bool:
    a, e = np.asarray(a), np.asarray(e)
    if np.iscomplexobj(a) or not np.all(np.isfinite(a)):
        return False
    return bool(np.all(np.abs(a - e) <= rtol * np.maximum(1.0, np.abs(e))))


def compare(problem: Problem, *, rtol: float | None = None, seed: int = DEFAULT_SEED) -> Verdict:
    """The verdict on one (expected, answer) pair of expressions."""
    tol = VALUE_RTOL if rtol is None else rtol
    proof = None
    if not isinstance(problem.expected, sp.MatrixBase):
        try:
            expected, answer = problem.sides()
            proof = _symbolic_zero(answer - expected)
        except (TypeError, ValueError, SymdlError, sp.ShapeError, AttributeError):
            proof = None
    try:
        evidence = gather(problem, seed, tol)
    except sp.ShapeError as exc:
        return Verdict("not_equivalent", f"shape mismatch: {exc}", "shape mismatch", None, "shapes")
    except ArithmeticError as exc:
        if proof is None:
            try:
                expected, answer = problem.sides()
                proof = _symbolic_zero(answer - expected, thorough=True)
            except (TypeError, ValueError, SymdlError, sp.ShapeError, AttributeError):
                proof = None
        if proof:
            return Verdict("equivalent", f"proved by {proof}; no numeric point could be evaluated ({exc})",
                           method=f"symbolic ({proof})")
        return error(f"could not evaluate: {exc}")
    if evidence.shape_answer is not None and not evidence.transposed_equal:
        return Verdict("not_equivalent", f"shape mismatch: expected {_fmt_shape(evidence.shape_expected)}, "
                       f"the answer is {_fmt_shape(evidence.shape_answer)}", "shape mismatch", None, "shapes")
    agree = [_close(a, e, tol) for a, e in zip(evidence.answer, evidence.expected)]
    method = f"numeric: {len(agree)} random points (seed {seed})" + (f"; symbolic ({proof})" if proof else "")
    if all(agree) and agree:
        if evidence.transposed_equal:
            example = _counterexample(evidence, 0)
            if example and evidence.shape_expected and len(evidence.answer[0]) == np.prod(evidence.shape_expected):
                # Show the answer as written, not as transposed for the comparison.
                written = np.asarray(evidence.answer[0]).reshape(evidence.shape_expected).T.ravel()
                example["answer"] = _values(written)
                example["answer_shape"] = list(evidence.shape_answer)
                example["expected_shape"] = list(evidence.shape_expected)
            return Verdict("not_equivalent", "the answer is the transpose of the expected result", "transposed",
                           example, method)
        return Verdict("equivalent", "equal at every point tried", method=method)
    first = agree.index(False) if agree else 0
    diagnosis, detail = diagnose(problem, evidence, tol)
    return Verdict("not_equivalent", detail, diagnosis, _counterexample(evidence, first), method)


def _fmt_shape(shape) -> str:
    return "x".join(map(str, shape)) if shape else "?"


def diagnose(problem: Problem, evidence: Evidence, tol: float) -> tuple[str | None, str]:
    """The most specific reason the values differ that the evidence supports."""
    if evidence.undefined_answer:
        return "domain mismatch", "the answer is undefined (or not real) at a point where the expected result is defined"
    e = np.concatenate(evidence.expected)
    a = np.concatenate([np.real(x) for x in evidence.answer])
    if _close(-a, e, tol) and np.max(np.abs(e)) > 1e-9:
        return "sign flipped", "the answer is the negative of the expected result"
    is_matrix = bool(getattr(problem.expected, "is_Matrix", False))
    square = is_matrix and problem.expected.shape[0] == problem.expected.shape[1]
    if square and _transpose_matches(problem, evidence, tol):
        return "transposed", "the answer is the transpose of the expected result"
    mask = np.abs(e) > 1e-9
    if mask.any():
        ratios = a[mask] / e[mask]
        if np.all(np.abs(ratios - ratios[0]) <= tol * max(1, abs(ratios[0]))) and np.all(np.abs(a[~mask]) <= 1e-9):
            name = _name_constant(float(ratios[0]))
            label = str(name) if name is not None else f"{ratios[0]:.6g}"
            return f"off by a constant factor {label}", f"the answer is {label} times the expected result"
    gaps = a - e
    if np.all(np.abs(gaps - gaps[0]) <= tol * max(1, abs(gaps[0]))):
        name = _name_constant(float(gaps[0]))
        label = str(name) if name is not None else f"{gaps[0]:.6g}"
        return "equal only up to a constant", f"the answer exceeds the expected result by the constant {label}"
    term = additive_term(problem)
    if term is not None:
        return "differs by an additive term", f"answer − expected = {term}"
    return None, "the values differ"


def _transpose_matches(problem, evidence, tol) -> bool:
    transposed = dataclasses.replace(problem, answer=problem.answer.T)
    try:
        again = gather(transposed, DEFAULT_SEED + 1, tol)
    except Exception:  # noqa: BLE001 - a failed extra probe only means no such diagnosis
        return False
    return bool(again.answer) and all(_close(a, e, tol) for a, e in zip(again.answer, again.expected))


def additive_term(problem: Problem) -> str | None:
    """LaTeX of ``answer − expected`` when it comes out shorter than the expected result."""
    from symdl.latex import to_latex

    try:
        expected, answer = problem.sides(expand_definitions=False)
        difference = answer - expected
        difference = difference.doit() if getattr(difference, "is_Matrix", False) else sp.expand(difference)
    except Exception:  # noqa: BLE001
        return None
    # Only a difference simpler than both sides reads as "a term": otherwise it merely restates them.
    size = sp.count_ops(difference)
    if difference == 0 or (size > 2 and size >= min(sp.count_ops(expected), sp.count_ops(answer))):
        return None
    return to_latex(difference)


def _counterexample(evidence: Evidence, k: int) -> dict | None:
    if not evidence.points:
        return None
    symbols, point = evidence.points[k]
    names = {str(s): float(v) for s, v in list(zip(symbols, point))[:24]}
    return {"point": names, "expected": _values(evidence.expected[k]), "answer": _values(evidence.answer[k])}


def _values(array):
    array = np.asarray(array)
    if np.iscomplexobj(array):
        out = [str(complex(v)) if abs(complex(v).imag) > 0 or not np.isfinite(v) else float(np.real(v)) for v in array]
    else:
        out = [float(v) if np.isfinite(v) else str(v) for v in array]
    out = out[:16]
    return out[0] if len(out) == 1 else out


# --- objective mode --------------------------------------------------------------------------
def compare_objective(problem: Problem, wrt: list, *, seed: int = DEFAULT_SEED) -> Verdict:
    """Right when the answer is c · expected + k with c > 0 and c, k constant in ``wrt``.

    Checked through gradients in ``wrt``: at every point, ∇answer = c ∇expected with one c > 0
    for all values of ``wrt`` (c may depend on the other symbols, like 1/N).
    """
    expected, answer = problem.sides()
    method = f"objective: gradients in {', '.join(map(str, wrt))} at random points (seed {seed})"
    for sizes in _size_sets(problem, _size_symbols(expected, answer)):
        inst = Instantiation(sizes=sizes, seed=seed)
        e, a = inst.explicit(expected), inst.explicit(answer)
        if isinstance(e, sp.MatrixBase) or isinstance(a, sp.MatrixBase):
            e, a = (sum(_entries(v)) if isinstance(v, sp.MatrixBase) and v.shape == (1, 1) else v for v in (e, a))
            if isinstance(e, sp.MatrixBase) or isinstance(a, sp.MatrixBase):
                return error("objective mode needs scalar objectives")
        variables = [v for v in free_symbols_of(e, a) if v.name in {str(w) for w in wrt} or
                     v.name.split("[")[0] in {str(w) for w in wrt}]
        if not variables:
            return error(f"the objective does not depend on {', '.join(map(str, wrt))}")
        symbols = free_symbols_of(e, a)
        grads = [sp.diff(e, v) for v in variables] + [sp.diff(a, v) for v in variables]
        sampler = PointSampler(symbols, [e, a], seed)
        function = compile_numeric(grads + sampler.guards, symbols)
        positions = [symbols.index(v) for v in variables]
        n = len(variables)
        for _ in range(3):  # other symbols fixed ...
            base = sampler.draw(function, 2 * n)
            ratio = None
            for _ in range(4):  # ... while wrt moves
                point = base.copy()
                point[positions] = sampler.rng.normal(0, 1.5, size=n)
                with np.errstate(all="ignore"):
                    values = np.asarray(function(*point), dtype=float).ravel()[: 2 * n]
                ge, ga = values[:n], values[n:]
                if not (np.all(np.isfinite(ge)) and np.all(np.isfinite(ga))) or np.max(np.abs(ge)) < 1e-9:
                    continue
                k = int(np.argmax(np.abs(ge)))
                c = ga[k] / ge[k]
                names = {str(s): float(v) for s, v in zip(symbols, point)}
                if c <= 0 or not _close(ga, c * ge, VALUE_RTOL) or (ratio is not None and abs(c - ratio) > 1e-7 * abs(ratio)):
                    why = ("the answer decreases where the expected objective increases" if c <= 0
                           else "the answer is not a positive multiple of the expected objective plus a constant")
                    diagnosis = "sign flipped" if _close(ga, -ge, VALUE_RTOL) else None
                    return Verdict("not_equivalent", why, diagnosis,
                                   {"point": names, "expected": _values(ge), "answer": _values(ga)}, method)
                ratio = c
    return Verdict("equivalent", "a positive multiple of the expected objective plus a term constant in "
                   + ", ".join(map(str, wrt)), method=method)
