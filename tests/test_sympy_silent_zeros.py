"""SymPy 1.14 returns a silent zero for some matrix derivatives; symdl's cross-check must catch each.

Each case feeds SymPy's own answer to the same Gradient check symdl runs on every step, and
checks that it fails while the right answer passes.
"""

import pytest
import sympy as sp

from symdl import Derivation, Gradient, Step, verify

A = sp.MatrixSymbol("A", 3, 3)
B = sp.MatrixSymbol("B", 3, 3)
U = sp.MatrixSymbol("U", 3, 2)
V = sp.MatrixSymbol("V", 2, 3)


def _norm2(e):
    return sp.Trace(e.T * e)


CASES = [
    # sympy #27406: a sum of traces, one free of the variable
    pytest.param(_norm2(A) + _norm2(B), A, 2 * A, id="sympy-27406-sum-of-traces"),
    # sympy #30527: the square of a trace of I - A
    pytest.param(sp.trace(sp.Identity(3) - A) ** 2, A, -2 * sp.trace(sp.Identity(3) - A) * sp.Identity(3),
                 id="sympy-30527-square-of-trace"),
    # sympy #24725 family (#23492, #26585): a sum of matrix norms of products
    pytest.param(_norm2(A - U * V) / 2 + _norm2(U) / 2, U, -(A - U * V) * V.T + U, id="sympy-24725-sum-of-norms"),
]


def _single_step(scalar, wrt, claim) -> Derivation:
    step = Step(sp.Symbol("claim"), claim, "claimed gradient", check=Gradient(scalar, wrt))
    return Derivation(name="case", title="case", summary="", statement="", steps=(step,))


@pytest.mark.parametrize("scalar, wrt, correct", CASES)
def test_sympy_silent_zero_is_caught(scalar, wrt, correct):
    sympy_answer = sp.diff(scalar, wrt)
    assert sympy_answer == 0 or sympy_answer.is_ZeroMatrix, "SymPy fixed this case; keep the test as a regression"
    claimed = sp.ZeroMatrix(*wrt.shape)
    results = verify(_single_step(scalar, wrt, claimed))
    assert results and all(not r.passed for r in results)
    assert all("seed" in r.detail and "point" in r.detail for r in results)


@pytest.mark.parametrize("scalar, wrt, correct", CASES)
def test_right_gradient_passes_the_same_check(scalar, wrt, correct):
    results = verify(_single_step(scalar, wrt, correct))
    assert results and all(r.passed and r.max_error <= 1e-6 for r in results)
