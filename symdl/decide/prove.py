"""Proof first: cheap symbolic steps that bring ``answer − expected`` to zero.

Only a zero counts. A symbolic step that fails proves nothing either way, so this module never
says "different". Definitions are written out with every bound index renamed first, so applying
``z_k ↦ Σ_j h_j w_{jk}`` at k = j cannot capture the j of the sum.
"""

from __future__ import annotations

import contextlib
import signal
import threading

import sympy as sp

from symdl.calculus import MatrixDerivative, ScalarDerivative

#: Expressions larger than this (in operations) are not expanded: expand can take seconds.
EXPAND_BUDGET = 400
SIMPLIFY_BUDGET = 60
QUICK_BUDGET = 20
STEP_SECONDS = 0.5  # for one symbolic step before any point is tried
THOROUGH_SECONDS = 2.0  # when the evidence could not decide


def written_out(expr, meanings: dict, rounds: int = 32):
    """``expr`` with every defined name replaced by its definition, capture-free."""
    plain = {k: v for k, v in meanings.items() if not isinstance(k, sp.IndexedBase)}
    indexed = {k: v for k, v in meanings.items() if isinstance(k, sp.IndexedBase)}
    for _ in range(rounds):
        new = expr.xreplace(plain) if plain else expr
        if indexed:
            new = new.replace(lambda e: isinstance(e, sp.Indexed) and e.base in indexed,
                              lambda e: apply_lambda(indexed[e.base], e.indices))
        if new == expr:
            return new
        expr = new
    raise RecursionError("definitions refer to each other in a cycle")


def apply_lambda(function: sp.Lambda, arguments):
    """``function(*arguments)`` without capturing the arguments' symbols in its bound indices."""
    body = fresh_bound(function.expr)
    return body.xreplace(dict(zip(function.variables, arguments)))


def fresh_bound(expr):
    """``expr`` with the index of every sum and product renamed to a new dummy."""
    if not isinstance(expr, sp.Basic) or not expr.has(sp.Sum, sp.Product):
        return expr
    if isinstance(expr, (sp.Sum, sp.Product)):
        body, limits = fresh_bound(expr.function), []
        for variable, *bounds in expr.limits:
            dummy = sp.Dummy(variable.name, integer=True)
            body = body.xreplace({variable: dummy})
            limits.append((dummy, *bounds))
        return expr.func(body, *limits)
    return expr.func(*(fresh_bound(arg) for arg in expr.args))


def prove_zero(difference, thorough: bool = False) -> str | None:
    """The name of a symbolic step that brings ``difference`` to 0, or None.

    ``simplify`` runs only when ``thorough``: it costs more than all the numeric evidence of a
    typical check, so it is kept for when that evidence cannot decide.
    """
    if difference == 0:
        return "identical"
    if difference.has(MatrixDerivative, ScalarDerivative, sp.Derivative, sp.Subs):
        return None
    size = sp.count_ops(difference)
    if size > EXPAND_BUDGET:
        return None
    # The quick pass (before any point is tried) keeps to steps that stay cheap at this size; the
    # costlier ones wait until the evidence cannot decide.
    quick = size <= QUICK_BUDGET and not difference.has(sp.Sum, sp.Product)
    attempts = [("expand", sp.expand)]
    if quick or thorough:
        attempts.append(("cancel", lambda e: sp.cancel(sp.together(e))))
        if difference.has(sp.exp, sp.tanh, sp.sinh, sp.cosh, sp.Function):
            attempts.append(("rewrite(exp)", lambda e: sp.cancel(sp.expand(e.rewrite(sp.exp)))))
    if thorough and size <= SIMPLIFY_BUDGET:
        attempts.append(("simplify", sp.simplify))
    for name, attempt in attempts:
        try:
            with time_budget(STEP_SECONDS if not thorough else THOROUGH_SECONDS):
                if attempt(difference) == 0:
                    return name
        except (_OutOfTime, Exception):  # noqa: BLE001 - SymPy raises many kinds; a failed step proves nothing
            continue
    return None


class _OutOfTime(BaseException):
    """A symbolic step ran past its budget: it proves nothing (a BaseException, so SymPy's own
    ``except Exception`` cannot swallow it)."""


@contextlib.contextmanager
def time_budget(seconds: float):
    """Stop the block after ``seconds`` of wall time (SIGALRM; where signals cannot be used, that
    is outside the main thread, the block runs unbounded and the caller's own timeout applies)."""
    usable = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer") \
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    if not usable:
        yield
        return

    def stop(signum, frame):
        raise _OutOfTime()

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def prove_equal(expected, answer, meanings: dict, thorough: bool = False) -> str | None:
    """A symbolic proof that ``answer`` equals ``expected``: the name of the step, or None."""
    try:
        left, right = written_out(expected, meanings), written_out(answer, meanings)
    except (RecursionError, NotImplementedError, TypeError, ValueError, AttributeError):
        return None  # a definition SymPy cannot substitute (a sum of matrices in a product): no proof
    if left == right:
        return "identical"
    if getattr(left, "is_Matrix", False) or getattr(right, "is_Matrix", False):
        return _prove_matrix(left, right)
    return prove_zero(right - left, thorough)


def _prove_matrix(left, right) -> str | None:
    """Matrix algebra at symbolic sizes: the canonical forms agree (``(AB)^T`` and ``B^T A^T``)."""
    if not (getattr(left, "is_Matrix", False) and getattr(right, "is_Matrix", False)):
        return None
    if left.has(MatrixDerivative, ScalarDerivative):
        return None
    try:
        if left.shape != right.shape:
            return None
        if left.doit() == right.doit():
            return "matrix algebra"
    except Exception:  # noqa: BLE001 - SymPy's matrix canonicalisation fails on odd input
        return None
    return None
