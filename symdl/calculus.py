r"""Derivatives, sums and diagonals of matrices, left unevaluated until the matrices are concrete.

SymPy's matrix calculus returns silent zeros (sympy #27406, #30527, #24725, ...), so symdl never
asks it for ``\frac{\partial}{\partial W}(\ldots)``. The parser builds a :class:`MatrixDerivative`
or :class:`ScalarDerivative` instead; once every matrix is an explicit matrix of scalar symbols
(``numeric.Instantiation``), ``doit`` differentiates entry by entry with SymPy's scalar ``diff``.

Layout (``../shared/NOTATION.md``): the derivative of a scalar by a vector or matrix has that
vector's or matrix's shape (a row for ``\partial x^{T}``); the derivative of a vector by a vector is
the Jacobian in numerator layout; a vector or matrix by a scalar is taken entry by entry.

SymPy's ``Sum`` is a scalar expression: it cannot stand in a matrix product or sum. A sum whose
terms are matrices (``\sum_{n} (f_{n} - y_{n})(f_{n} - y_{n})^{T}``) is a :class:`MatrixSum`
while the parser builds on it; a side that is such a sum, or a number times one, ends as SymPy's
``Sum`` of a matrix body (``MatrixSum.as_sum``), as the derivations write it.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from symdl.errors import UnsupportedError


def _shape(value):
    return tuple(value.shape) if getattr(value, "is_Matrix", False) else (1, 1)


def _is_vector(shape) -> bool:
    return 1 in shape


def derivative_shape(of, wrt):
    """The shape of ∂of/∂wrt, or UnsupportedError for a matrix by a matrix."""
    f, v = _shape(of), _shape(wrt)
    if f == (1, 1):
        return v
    if v == (1, 1):
        return f
    if _is_vector(f) and _is_vector(v):
        return (max(f), max(v))  # Jacobian, numerator layout
    raise UnsupportedError("the derivative of a matrix by a matrix is not supported")


def needs_deferral(value, variable) -> bool:
    """Whether ∂value/∂variable involves matrices, so SymPy's calculus must not take it."""
    if getattr(value, "is_Matrix", False) or getattr(variable, "is_Matrix", False):
        return True
    if isinstance(variable, MatrixElement):
        return True
    return bool(value.atoms(sp.MatrixSymbol, MatrixElement)) if isinstance(value, sp.Basic) else False


def deferred_derivative(value, variable):
    """∂value/∂variable as an unevaluated node of the right kind and shape."""
    shape = derivative_shape(value, variable)
    if shape == (1, 1) and not getattr(variable, "is_Matrix", False):
        return ScalarDerivative(value, variable)
    return MatrixDerivative(value, variable)


def _explicit(value) -> bool:
    """No matrix symbol is left: the value is ready to differentiate entry by entry."""
    if isinstance(value, sp.MatrixBase):
        return not any(entry.atoms(sp.MatrixSymbol, MatrixElement) for entry in value)
    if getattr(value, "is_Matrix", False):
        return False
    return not value.atoms(sp.MatrixSymbol, MatrixElement, MatrixDerivative, ScalarDerivative)


def _entries_by_entries(of, wrt):
    """The explicit derivative of explicit ``of`` by explicit ``wrt`` (symbols or matrices of them)."""
    f, v = _shape(of), _shape(wrt)
    if f == (1, 1):
        scalar = of[0, 0] if isinstance(of, sp.MatrixBase) else of
        if v == (1, 1):
            variable = wrt[0, 0] if isinstance(wrt, sp.MatrixBase) else wrt
            return sp.diff(scalar, variable)
        return sp.ImmutableMatrix(v[0], v[1], lambda i, j: sp.diff(scalar, wrt[i, j]))
    if v == (1, 1):
        variable = wrt[0, 0] if isinstance(wrt, sp.MatrixBase) else wrt
        return sp.ImmutableMatrix(of.applyfunc(lambda entry: sp.diff(entry, variable)))
    outputs, inputs = list(of), list(wrt)
    return sp.ImmutableMatrix(len(outputs), len(inputs), lambda a, b: sp.diff(outputs[a], inputs[b]))


class _Deferred:
    """Shared behaviour: differentiate once both arguments are explicit."""

    def doit(self, **hints):
        of, wrt = self.args
        if hints.get("deep", True):
            of = of.doit(**hints) if isinstance(of, sp.Basic) else of
            wrt = wrt.doit(**hints) if isinstance(wrt, sp.Basic) else wrt
        if _explicit(of) and _explicit(wrt):
            return _entries_by_entries(of, wrt)
        return self.func(of, wrt)

    def _latex(self, printer):
        of, wrt = self.args
        return rf"\frac{{\partial}}{{\partial {printer._print(wrt)}}}\left({printer._print(of)}\right)"


class ScalarDerivative(_Deferred, sp.Expr):
    """∂of/∂wrt with a scalar value, where ``of`` or ``wrt`` involves matrices."""

    def __new__(cls, of, wrt):
        return sp.Expr.__new__(cls, of, wrt)

    is_commutative = True


class MatrixDerivative(_Deferred, sp.MatrixExpr):
    """∂of/∂wrt with a vector or matrix value (a gradient, a Jacobian, an entrywise derivative)."""

    def __new__(cls, of, wrt):
        derivative_shape(of, wrt)  # refuse a matrix by a matrix at once
        return sp.MatrixExpr.__new__(cls, of, wrt)

    @property
    def shape(self):
        return derivative_shape(*self.args)

    def _entry(self, i, j, **kwargs):
        raise UnsupportedError("an entry of an unevaluated matrix derivative")


class MatrixSum(sp.MatrixExpr):
    """A sum of matrices over one or more indices, with limits ``(index, start, end)`` as in
    ``Sum`` (innermost first); its shape is the body's."""

    def __new__(cls, body, *limits):
        return sp.MatrixExpr.__new__(cls, body, *(sp.Tuple(*limit) for limit in limits))

    @property
    def function(self):
        return self.args[0]

    @property
    def limits(self):
        return self.args[1:]

    @property
    def shape(self):
        return self.function.shape

    @property
    def free_symbols(self):
        found = set(self.function.free_symbols)
        for index, start, end in reversed(self.limits):
            found.discard(index)
            found |= start.free_symbols | end.free_symbols
        return found

    def as_sum(self) -> sp.Sum:
        """SymPy's scalar ``Sum`` of the matrix body, the form derivations write."""
        return sp.Sum(self.function, *self.limits)

    def doit(self, **hints):
        body = self.function.doit(**hints) if hints.get("deep", True) else self.function
        (index, start, end), rest = self.limits[0], self.limits[1:]
        if not (start.is_Integer and end.is_Integer):
            return self.func(body, *self.limits)
        inner = self.func(body, *rest).doit(**hints) if rest else body
        terms = [inner.xreplace({index: sp.Integer(value)}) for value in range(int(start), int(end) + 1)]
        if not terms:
            return sp.ZeroMatrix(*self.shape)
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total.doit(**hints) if hints.get("deep", True) else total

    def _entry(self, i, j, **kwargs):
        return sp.Sum(self.function._entry(i, j, **kwargs), *self.limits)

    def _latex(self, printer):
        bounds = "".join(rf"\sum_{{{printer._print(index)}={printer._print(start)}}}^{{{printer._print(end)}}}"
                         for index, start, end in reversed(self.limits))
        return rf"{bounds} {printer.parenthesize(self.function, 0)}"


class DiagonalOf(sp.DiagonalOf):
    """The column of a square matrix's diagonal; of an explicit matrix, that explicit column
    (SymPy leaves ``DiagonalOf`` of an explicit matrix unevaluated, even by ``doit``)."""

    def __new__(cls, arg):
        if isinstance(arg, sp.MatrixBase):
            return sp.ImmutableMatrix([arg[k, k] for k in range(min(arg.shape))])
        return sp.MatrixExpr.__new__(cls, arg)

    def doit(self, **hints):
        arg = self.arg.doit(**hints) if hints.get("deep", True) else self.arg
        return self.func(arg)
