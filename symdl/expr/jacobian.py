r"""Jacobians (numerator layout) and Hessians from reverse mode.

Reverse mode through a vector function ``f(x)`` with an upstream vector ``\delta`` gives
``J^{T} \delta``, linear in ``\delta``: :func:`coefficient_of` reads the matrix ``M`` of
``M \delta`` off the tidied expression (``\delta \odot v`` is ``diag(v) \delta``; a scalar
``tr(\delta^{T} a)`` times ``b`` is ``b a^{T} \delta``), and ``J = M^{T}``. A Hessian is the
Jacobian of the gradient, and is checked symmetric.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symdl.errors import UnsupportedError
from symdl.expr.textbook import is_matrix, textbook, transpose
from symdl.functions import scalar
from symdl.verify import Gradient


def coefficient_of(expr, delta):
    """``M`` with ``expr = M delta`` (``expr`` linear in the column ``delta``)."""
    expr = textbook(expr)
    size = delta.shape[0]
    if expr == delta:
        return sp.Identity(size)
    if isinstance(expr, sp.MatAdd):
        return textbook(sp.MatAdd(*[coefficient_of(t, delta) for t in expr.args]))
    if isinstance(expr, sp.HadamardProduct) and sum(a.has(delta) for a in expr.args) == 1:
        linear = next(a for a in expr.args if a.has(delta))
        others = [a for a in expr.args if a is not linear]
        rest = others[0] if len(others) == 1 else sp.HadamardProduct(*others)
        return textbook(sp.MatMul(sp.DiagMatrix(rest), coefficient_of(linear, delta)))
    if isinstance(expr, sp.MatMul):
        scalars = [a for a in expr.args if not is_matrix(a)]
        matrices = [a for a in expr.args if is_matrix(a)]
        coefficient = sp.Mul(*scalars)
        if matrices and matrices[-1].has(delta) and not coefficient.has(delta) \
                and not any(m.has(delta) for m in matrices[:-1]):
            inner = coefficient_of(matrices[-1], delta)
            return textbook(sp.MatMul(coefficient, *matrices[:-1], inner))
        if coefficient.has(delta) and not any(m.has(delta) for m in matrices):
            factor, row = _scalar_linear(coefficient, delta)
            return textbook(sp.MatMul(factor, *matrices, row))
    if not is_matrix(expr) and expr.has(delta):  # a scalar variable: a 1x1 Jacobian row
        factor, row = _scalar_linear(expr, delta)
        return textbook(sp.MatMul(factor, row))
    raise UnsupportedError("the Jacobian could not be written in closed form (a term is not a matrix "
                           "times the upstream vector)")


def _scalar_linear(coefficient, delta):
    """(c, a^T) with ``coefficient = c tr(a^T delta)``: the linear scalar factor made a row."""
    for atom in coefficient.atoms(sp.Trace, scalar):
        if not atom.has(delta):
            continue
        rest = sp.factor_terms(sp.together(coefficient / atom))
        if rest.has(delta):
            break
        inner = textbook(atom.args[0])
        factors = list(inner.args) if isinstance(inner, sp.MatMul) else [inner]
        scalars = sp.Mul(*[f for f in factors if not is_matrix(f)])
        matrices = [f for f in factors if is_matrix(f)]
        if matrices[-1] == delta and not any(m.has(delta) for m in matrices[:-1]):
            row = matrices[0] if len(matrices) == 2 else sp.MatMul(*matrices[:-1])
        elif matrices[0] == sp.Transpose(delta) and not any(m.has(delta) for m in matrices[1:]):
            column = matrices[1] if len(matrices) == 2 else sp.MatMul(*matrices[1:])
            row = transpose(column)
        else:
            break
        return rest * scalars, row
    raise UnsupportedError("the Jacobian could not be written in closed form (a scalar factor is not linear "
                           "in the upstream vector)")


@dataclass(frozen=True)
class JacobianCheck:
    """The claim ``J`` checked as ``J^{T} delta = ∂<delta, f>/∂x`` at random ``delta`` and points
    (complex step through ``<delta, f>``)."""

    scalar: sp.Basic
    wrt: sp.Basic
    delta: sp.Basic

    def run(self, label, lhs, rhs, derivation, seed):
        claim = sp.MatMul(sp.Transpose(rhs), self.delta) if is_matrix(self.wrt) else \
            sp.MatMul(sp.Transpose(rhs), self.delta)
        if not is_matrix(self.wrt):
            claim = scalar(claim)
        return Gradient(self.scalar, self.wrt, use_definitions=False).run(label, lhs, claim, derivation, seed)
