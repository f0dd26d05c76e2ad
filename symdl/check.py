"""Checking a LaTeX answer: against an expected LaTeX result, or against a derivation's result.

This is the library entry point of the checker: parse both sides in the course dialect, bind
the answer's symbols to what they mean, and hand the expressions to :mod:`symdl.equivalence`.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from functools import lru_cache

import sympy as sp

from symdl import registry
from symdl.equivalence import (
    DEFAULT_SEED,
    Problem,
    Verdict,
    compare,
    compare_numbers,
    compare_objective,
    error,
)
from symdl.errors import ParameterError, ParseError, SymdlError, UnsupportedError
from symdl.parse import Context, DerivativeTarget, parse, unknown_bound

_SHAPE_ITEM = re.compile(r"^\s*([^=]+?)\s*=\s*(\d+)\s*[x×]\s*(\d+)\s*$")


def parse_shapes(shapes) -> dict:
    """``["W=3x4", "x=4x1"]``, ``"W=3x4; x=4x1"`` or ``{"W": [3, 4]}`` → ``{"W": (3, 4)}``."""
    if not shapes:
        return {}
    if isinstance(shapes, dict):
        return {str(k): tuple(int(d) for d in v) for k, v in shapes.items()}
    items = re.split(r"[;,]\s*(?=[^=;,]+=)", shapes) if isinstance(shapes, str) else list(shapes)
    found = {}
    for item in items:
        match = _SHAPE_ITEM.match(item)
        if not match:
            raise ParameterError(f"shape {item!r}: expected NAME=ROWSxCOLS, e.g. W=3x4")
        found[match.group(1)] = (int(match.group(2)), int(match.group(3)))
    return found


def _read(text, context, which: str):
    """Parse one side; a shape error is an answer's mistake, not an unreadable input."""
    try:
        return parse(text, context), None
    except sp.ShapeError as exc:
        return None, Verdict("not_equivalent", f"{which}: shape mismatch: {exc}", "shape mismatch", None, "shapes")
    except ParseError as exc:
        return None, error(f"{which}: {exc}")
    except UnsupportedError as exc:
        if str(exc).startswith("shape mismatch"):
            return None, Verdict("not_equivalent", f"{which}: {exc}", "shape mismatch", None, "shapes")
        return None, error(f"{which}: unsupported: {exc}")
    except RecursionError:
        return None, error(f"{which}: parse_error: nested too deeply")


def check(expected: str, answer: str, *, mode: str = "value", wrt=None, shapes=None, rtol: float | None = None,
          seed: int = DEFAULT_SEED) -> Verdict:
    """Is ``answer`` (LaTeX) equal to ``expected`` (LaTeX)?

    ``mode="objective"`` accepts a positive multiple plus a term constant in ``wrt``.
    ``shapes`` declares matrices (``{"W": (3, 4)}`` or ``["W=3x4"]``); ``rtol`` overrides the
    rounding rule for decimal answers.
    """
    try:
        context = Context(matrices=parse_shapes(shapes))
    except ParameterError as exc:
        return error(str(exc))
    exp, failed = _read(expected, context, "expected")
    if failed:
        return failed if failed.verdict == "error" else error(failed.detail)
    ans, failed = _read(answer, context, "answer")
    if failed:
        return failed
    return decide(Problem(exp.expr, ans.expr), tolerance=ans.tolerance, mode=mode, wrt=wrt, rtol=rtol, seed=seed)


def decide(problem: Problem, *, tolerance=None, mode="value", wrt=None, rtol=None, seed=DEFAULT_SEED) -> Verdict:
    if mode == "objective":
        names = [wrt] if isinstance(wrt, str) else list(wrt or [])
        if not names:
            return error("objective mode needs --wrt: the variables the objective is minimised over")
        return compare_objective(problem, names, seed=seed)
    if mode != "value":
        return error(f"unknown mode {mode!r}; use value or objective")
    try:
        number = compare_numbers(problem.expected, problem.answer, tolerance, rtol)
        if number is not None:
            return number
        return compare(problem, rtol=rtol, seed=seed)
    except SymdlError as exc:
        return error(str(exc))
    except (ValueError, TypeError, AttributeError, NotImplementedError, IndexError, KeyError, sp.ShapeError) as exc:
        # SymPy raises these on expressions it cannot instantiate; the caller gets a verdict, not a traceback.
        return error(f"could not check: {type(exc).__name__}: {exc}")


# --- answers to a derivation -----------------------------------------------------------------
def _frozen(value):
    """A parameter value as a hashable key: lists (shapes ``[3,3]``, matrices) become tuples."""
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


def _thawed(value):
    """The inverse of :func:`_frozen` for sequences: derivations get lists back, as parse_value gives them."""
    return [_thawed(v) for v in value] if isinstance(value, tuple) else value


@lru_cache(maxsize=64)
def _derivation(name: str, params: tuple):
    derivation = registry.build(name, **{k: _thawed(v) for k, v in params})
    context = Context(matrices=dict(derivation.matrices), indexed=dict(derivation.indexed))
    targets = {}
    for key in derivation.results:
        try:
            targets[key] = parse(f"{key} = 0", context).lhs
        except SymdlError:
            continue  # a result the dialect cannot name cannot be asked for; the others still can
    return derivation, context, targets


def _name(expr) -> str:
    if isinstance(expr, sp.Indexed):
        return str(expr.base.label)
    return getattr(expr, "name", str(expr))


def _bind(target, lhs) -> dict | None:
    """Index values that make the result's target the answer's left side, or None if it is another."""
    if isinstance(target, DerivativeTarget) != isinstance(lhs, DerivativeTarget):
        return None
    if not isinstance(target, DerivativeTarget):
        return {} if target == lhs else None
    if target.of != lhs.of:
        return None
    t, a = target.wrt, lhs.wrt
    if _name(t) != _name(a):
        return None
    if isinstance(t, sp.Indexed) and isinstance(a, sp.Indexed):
        if len(t.indices) != len(a.indices):
            return None
        return {ti: ai for ti, ai in zip(t.indices, a.indices) if ti != ai}
    return {} if type(t) is type(a) else None


def check_derivation(name: str, answer: str, *, params: dict | None = None, rtol: float | None = None,
                     seed: int = DEFAULT_SEED) -> Verdict:
    """Check an equation ``target = …`` against the named derivation's result for that target.

    The answer may use the derivation's intermediate quantities (``z^{(1)}``, ``h^{[2]}_k``,
    ``\\frac{\\partial L}{\\partial y}``); they stand for their definitions.
    """
    try:
        derivation, context, targets = _derivation(name, tuple(sorted((k, _frozen(v)) for k, v in (params or {}).items())))
    except SymdlError as exc:
        return error(str(exc))
    parsed, failed = _read(answer, context, "answer")
    if failed:
        return failed
    if parsed.lhs is None:
        if not derivation.results:
            return error(f"{name} has no result to check against")
        # A bare answer (``64``) answers the derivation's first result, its headline answer.
        key = next(iter(derivation.results))
        problem = _problem(derivation, key, derivation.results[key], parsed.expr)
        return decide(problem, tolerance=parsed.tolerance, rtol=rtol, seed=seed)
    for key, target in targets.items():
        assignment = _bind(target, parsed.lhs)
        if assignment is None:
            continue
        expected = derivation.results[key]
        # \sum_j without bounds runs over the derivation's range of j.
        bounds = {unknown_bound(i): end for i, end in derivation.index_ranges.items()}
        parsed = dataclasses.replace(parsed, expr=parsed.expr.xreplace(bounds))
        problem = _problem(derivation, key, expected.xreplace(assignment), parsed.expr)
        verdict = decide(problem, tolerance=parsed.tolerance, rtol=rtol, seed=seed)
        if verdict.verdict == "not_equivalent" and isinstance(target, DerivativeTarget):
            verdict = _wrong_index(derivation, key, target, assignment, parsed, verdict, seed) or verdict
        return verdict
    lhs = parsed.lhs.latex() if isinstance(parsed.lhs, DerivativeTarget) else str(parsed.lhs)
    return error(f"{lhs} is not a result of {name}; it has: {'; '.join(derivation.results)}")


def _problem(derivation, key, expected, answer) -> Problem:
    # Earlier results may be used by name (∂L/∂h^{(3)} inside ∂L/∂W^{(2)}), but not the target itself.
    results_by_name = {sp.MatrixSymbol(k, *derivation.matrices[k]): v for k, v in derivation.results.items()
                       if k in derivation.matrices and k != key}
    return Problem(expected, answer, dict(derivation.definitions), dict(derivation.sizes),
                   dict(derivation.index_ranges), aliases=results_by_name)


def _wrong_index(derivation, key, target, assignment, parsed, verdict, seed) -> Verdict | None:
    """When the answer is the result for other index values, say which."""
    if not isinstance(target.wrt, sp.Indexed) or not all(getattr(v, "is_Integer", False) for v in assignment.values()):
        return None
    indices = list(target.wrt.indices)
    values = [assignment.get(i, i) for i in indices]
    for permuted in itertools.permutations(values):
        if list(permuted) == values:
            continue
        other = dict(zip(indices, permuted))
        problem = _problem(derivation, key, derivation.results[key].xreplace(other), parsed.expr)
        if decide(problem, tolerance=parsed.tolerance, seed=seed).equivalent:
            from symdl.latex import to_latex

            where = to_latex(target.wrt.xreplace(other))
            return Verdict("not_equivalent", f"the answer is the result for {where}, not for "
                           f"{to_latex(target.wrt.xreplace(assignment))}", "wrong index", verdict.counterexample,
                           verdict.method)
    return None
