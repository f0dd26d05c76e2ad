r"""Matrix functions: trace, determinant, diagonal, norms, each size-checked.

Norms are built from ``Trace``, transposes and ``Abs`` (never SymPy's norm calculus), so that a
matrix expression evaluates entry by entry once its matrices are concrete: the Euclidean and
Frobenius norm is ``sqrt(tr(X^T X))``, the 1-norm of a vector the sum of its entries' absolute
values.
"""

from __future__ import annotations

import sympy as sp

from symdl.calculus import DiagonalOf
from symdl.errors import UnsupportedError
from symdl.functions import elementwise
from symdl.parse.bind import check_literal, is_matrix, matmul, scalar_of, shape_text, transpose


def at_column(function, value, col: int, *args):
    """``function(value, *args)``, its refusal naming the column of the construct."""
    try:
        return function(value, *args)
    except UnsupportedError as error:
        raise UnsupportedError(f"{error} (column {col})") from None


def is_square(value) -> bool:
    rows, cols = value.shape
    return bool(sp.Add(rows, -cols).is_zero)


def _require_square(value, what: str) -> None:
    if not is_square(value):
        raise UnsupportedError(f"shape mismatch: the {what} of a {shape_text(value)} matrix, "
                               "which is not square")


def trace_of(value):
    if not is_matrix(value):
        return value  # a number is its own 1x1 trace
    if value.shape == (1, 1):
        return scalar_of(value)
    _require_square(value, "trace")
    if isinstance(value, sp.MatrixBase):
        return value.trace()
    return sp.Trace(value)


def determinant_of(value):
    if not is_matrix(value):
        return value
    if value.shape == (1, 1):
        return scalar_of(value)
    _require_square(value, "determinant")
    if isinstance(value, sp.MatrixBase):
        check_literal(value, "determinant")
        return value.det(method="berkowitz")
    return sp.Determinant(value)


def bars_of(value):
    """``|A|``: the determinant of a square matrix, else the absolute value (entry by entry)."""
    if is_matrix(value) and value.shape != (1, 1) and is_square(value):
        return determinant_of(value)
    if is_matrix(value) and value.shape == (1, 1):
        return sp.Abs(scalar_of(value))
    return elementwise(sp.Abs, value) if is_matrix(value) else sp.Abs(value)


def diagonal_of(value):
    r"""``\operatorname{diag}``: the diagonal matrix of a vector, or the column of a square
    matrix's diagonal."""
    if not is_matrix(value) or value.shape == (1, 1):
        return scalar_of(value) if is_matrix(value) else value
    rows, cols = value.shape
    if cols == 1 or rows == 1:
        if isinstance(value, sp.MatrixBase):
            return sp.ImmutableMatrix(sp.diag(*value))
        return sp.DiagMatrix(value if cols == 1 else value.T)
    if is_square(value):
        if isinstance(value, sp.MatrixBase):
            return sp.ImmutableMatrix([value[k, k] for k in range(value.rows)])
        return DiagonalOf(value)
    raise UnsupportedError(rf"\operatorname{{diag}} of a {shape_text(value)} matrix: give a vector "
                           "or a square matrix")


NORMS = {"": "2", "2": "2", "F": "2", "fro": "2", "1": "1"}


def norm_of(value, which: str):
    """``\\|value\\|_which``: ``which`` is "" (plain bars), "2", "F" or "1"."""
    kind = NORMS.get(which)
    if kind is None:
        raise UnsupportedError(rf"the norm \|\cdot\|_{{{which}}} is not supported; write "
                               r"\|x\|_2, \|x\|_1 or \|X\|_F")
    if not is_matrix(value) and getattr(value, "is_commutative", True) is False:  # the probe: a vector's norm
        from symdl.parse.bind import noncommuting_transpose

        return sp.sqrt(noncommuting_transpose(value) * value)
    if not is_matrix(value) or value.shape == (1, 1):
        return sp.Abs(scalar_of(value) if is_matrix(value) else value)
    rows, cols = value.shape
    vector = rows == 1 or cols == 1
    if which == "2" and not vector:
        raise UnsupportedError(r"the spectral norm \|X\|_2 of a matrix is not supported; write "
                               r"\|X\|_F for the Frobenius norm")
    if kind == "1":
        if not vector:
            raise UnsupportedError(r"the 1-norm of a matrix is ambiguous; write it as a sum")
        return _sum_of_entries(elementwise(sp.Abs, value))
    if isinstance(value, sp.MatrixBase):
        return sp.sqrt(sp.Add(*(entry ** 2 for entry in value)))
    return sp.sqrt(sp.Trace(matmul(transpose(value), value)))


def _sum_of_entries(vector):
    """The sum of a vector's entries: the trace of (1 ... 1) times it."""
    if isinstance(vector, sp.MatrixBase):
        return sp.Add(*vector)
    rows, cols = vector.shape
    length = rows if cols == 1 else cols
    # Explicit ones where the length is a number: a product with OneMatrix never evaluates.
    ones = sp.ImmutableMatrix.ones(1, length) if sp.sympify(length).is_Integer \
        else sp.OneMatrix(1, length)
    column = vector if cols == 1 else transpose(vector)
    return sp.Trace(sp.MatMul(ones, column))
