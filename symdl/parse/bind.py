r"""Stage 5, bind: SymPy values built with matrix-aware, size-checked constructors.

Products keep their order (``MatMul``), ``\odot`` becomes ``HadamardProduct``, a 1x1 matrix is
its scalar, a scalar added to a vector broadcasts, division by a vector is elementwise (Adam),
and huge powers are refused before SymPy evaluates them. Matrix expressions are built
unevaluated: ``MatrixExpr.__add__``/``__mul__`` call ``doit()``, which would evaluate every sum
inside (slowly, and past the size checks).
"""

from __future__ import annotations

import functools
import operator

import sympy as sp

from symdl.errors import ParseError, UnsupportedError
from symdl.functions import scalar
from symdl.parse.numbers import MAX_EXPONENT

MAX_NUMBER_BITS = 100_000
MAX_LITERAL_POWER_SIDE = 10
MAX_LITERAL_POWER = 16

# Determinants and inverses of literal matrices with symbols in them grow factorially.
MAX_SYMBOLIC_LITERAL_SIDE = 4
MAX_NUMERIC_LITERAL_SIDE = 10


class Marker(sp.Symbol):
    """A placeholder meaning an operation rather than a value (transpose, Hadamard)."""


TRANSPOSE = Marker("TRANSPOSE")
INVERSE_TRANSPOSE = Marker("INVERSE_TRANSPOSE")
HADAMARD = Marker("HADAMARD")


class IdentityName(sp.Symbol):
    r"""An undeclared ``I``, ``I_n``, ``\mathbf{I}`` or ``\mathbb{I}``: the identity matrix of the
    size its neighbours need when it is added to, multiplied with or compared with a matrix;
    the reader turns those left among scalars into plain symbols of the same name."""


def identity_coefficient(value):
    """c when ``value`` is c times an identity name (c free of it), else None."""
    if isinstance(value, IdentityName):
        return sp.S.One
    if isinstance(value, sp.Mul):
        names = [arg for arg in value.args if isinstance(arg, IdentityName)]
        rest = [arg for arg in value.args if not isinstance(arg, IdentityName)]
        if len(names) == 1 and not any(arg.has(IdentityName) for arg in rest):
            return sp.Mul(*rest)
    return None


def identity_beside(value, size):
    """``value`` as c times the size x size identity matrix when it is c·I, else ``value``."""
    coefficient = identity_coefficient(value)
    if coefficient is None:
        return value
    return matmul(coefficient, sp.Identity(size))


def square_side(matrix, what: str):
    rows, cols = matrix.shape
    if provably_different(rows, cols):
        raise UnsupportedError(f"shape mismatch: {what} a {shape_text(matrix)} matrix, which is "
                               "not square")
    return rows


def is_matrix(value) -> bool:
    return bool(getattr(value, "is_Matrix", False))


def scalar_of(matrix):
    """A 1x1 matrix is the scalar it holds (a product, x^T A x, as symdl.functions.scalar)."""
    if isinstance(matrix, (sp.MatrixBase, sp.MatrixSymbol)):
        return matrix[0, 0]
    return scalar(matrix)


def provably_different(a, b) -> bool:
    return bool(sp.Add(a, -b).is_nonzero)


def shape_text(value) -> str:
    rows, cols = value.shape
    return f"{rows}x{cols}"


def check_literal(matrix, what: str) -> None:
    """Refuse the determinant or inverse of a literal matrix too large to expand."""
    if not isinstance(matrix, sp.MatrixBase):
        return
    numeric = all(entry.is_number for entry in matrix)
    limit = MAX_NUMERIC_LITERAL_SIDE if numeric else MAX_SYMBOLIC_LITERAL_SIDE
    if matrix.rows > limit:
        raise UnsupportedError(f"the {what} of a literal matrix larger than {limit}x{limit} "
                               "is not supported")


def add(values: list):
    matrices = [value for value in values if is_matrix(value)]
    if matrices and matrices[0].shape != (1, 1):
        size = None
        for index, value in enumerate(values):
            if identity_coefficient(value) is not None:
                size = size or square_side(matrices[0], "the identity added to")
                values[index] = identity_beside(value, size)
        matrices = [value for value in values if is_matrix(value)]
    scalars = [value for value in values if not is_matrix(value)]
    if not matrices:
        return sp.Add(*scalars)
    if scalars and all(matrix.shape == (1, 1) for matrix in matrices):
        return sp.Add(*scalars, *map(scalar_of, matrices))
    for matrix in matrices[1:]:
        if any(provably_different(a, b) for a, b in zip(matrices[0].shape, matrix.shape)):
            raise UnsupportedError(f"shape mismatch: cannot add a {shape_text(matrices[0])} "
                                   f"and a {shape_text(matrix)} matrix")
    scalar = sp.Add(*scalars)
    explicit = [matrix for matrix in matrices if isinstance(matrix, sp.MatrixBase)]
    symbolic = [matrix for matrix in matrices if not isinstance(matrix, sp.MatrixBase)]
    total = functools.reduce(operator.add, explicit) if explicit else None
    if scalar != 0:  # broadcasting, as DL formulas do: \sqrt{v} + \epsilon
        if symbolic:
            symbolic.append(matmul(scalar, sp.OneMatrix(*matrices[0].shape)))
        else:
            total = total.applyfunc(lambda entry: entry + scalar)
    if not symbolic:
        return total
    terms = ([total] if total is not None else []) + symbolic
    if len(terms) == 1:
        return terms[0]
    # Unevaluated MatAdd, not +: MatrixExpr.__add__ and MatAdd's canonical form call doit(),
    # which evaluates every sum inside (slowly, and past the size checks).
    return sp.MatAdd(*flattened(terms, sp.MatAdd))


def product(factors: list, col: int):
    r"""An ordered product of ("multiply" | "divide", value) factors; HADAMARD markers split it
    into the operands of an elementwise product (\odot binds loosest, as DL texts read it)."""
    groups, current = [], []
    for operation, value in factors:
        if value is HADAMARD:
            groups.append(current)
            current = []
        else:
            current.append((operation, value))
    groups.append(current)
    if any(not group for group in groups):
        raise ParseError(r"\odot needs a factor on each side", col)
    return functools.reduce(hadamard, [ordered_product(group) for group in groups])


def ordered_product(factors: list):
    operation, result = factors[0]
    if operation == "divide":
        result = divide(sp.Integer(1), result)
    for operation, value in factors[1:]:
        result = divide(result, value) if operation == "divide" else mul(result, value)
    return result


def divide(numerator, denominator):
    """numerator / denominator; by a matrix (a vector) that is elementwise, as in Adam."""
    if not is_matrix(denominator):
        return mul(numerator, power(denominator, sp.Integer(-1)))
    if denominator.shape == (1, 1):
        return divide(numerator, scalar_of(denominator))
    reciprocal = elementwise_power(denominator, sp.Integer(-1))
    return hadamard(numerator, reciprocal)


def mul(a, b):
    if not (is_matrix(a) or is_matrix(b)):
        return a * b
    if not is_matrix(a):
        a = identity_beside(a, b.shape[0])
    if not is_matrix(b):
        b = identity_beside(b, a.shape[1])
    if is_matrix(a) and is_matrix(b):
        if a.shape == (1, 1) and b.shape[0] != 1:
            return matmul(scalar_of(a), b)
        if b.shape == (1, 1) and a.shape[1] != 1:
            return matmul(a, scalar_of(b))
        if provably_different(a.shape[1], b.shape[0]):
            raise UnsupportedError(f"shape mismatch: cannot multiply a {shape_text(a)} by a "
                                   f"{shape_text(b)} matrix")
    return matmul(a, b)


def is_literal_or_scalar(value) -> bool:
    return isinstance(value, sp.MatrixBase) or not is_matrix(value)


def matmul(a, b):
    """An order-preserving product with a matrix, never evaluated with doit()."""
    if not is_matrix(b):
        a, b = b, a  # a scalar factor commutes to the front
    if a == 1:
        return b
    if is_literal_or_scalar(a) and is_literal_or_scalar(b):
        return a * b  # entries of a literal matrix multiply out
    # Unevaluated MatMul, not *: MatrixExpr.__mul__ calls doit() (see add).
    return sp.MatMul(*flattened([a, b], sp.MatMul))


def flattened(args: list, kind) -> list:
    return [part for arg in args for part in (arg.args if isinstance(arg, kind) else (arg,))]


def hadamard(a, b):
    what = "the identity multiplied elementwise with"
    if is_matrix(a) and identity_coefficient(b) is not None:
        b = identity_beside(b, square_side(a, what))
    if is_matrix(b) and identity_coefficient(a) is not None:
        a = identity_beside(a, square_side(b, what))
    if not (is_matrix(a) and is_matrix(b)):
        return mul(a, b)
    if any(provably_different(x, y) for x, y in zip(a.shape, b.shape)):
        raise UnsupportedError(f"shape mismatch: elementwise product of a {shape_text(a)} and "
                               f"a {shape_text(b)} matrix")
    if isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase):
        return a.multiply_elementwise(b)
    return sp.HadamardProduct(a, b)


def transpose(value):
    if is_matrix(value):
        return value.T
    if getattr(value, "is_commutative", True) is False:
        return noncommuting_transpose(value)
    return value


TRANSPOSED = "^{T}"


def noncommuting_transpose(expr):
    """The transpose in the non-commuting probe: a symbol's transpose is a symbol of its own,
    ``(AB)^T = B^T A^T``, sums and integer powers go through; what commutes is its own transpose."""
    if getattr(expr, "is_commutative", True):
        return expr
    if isinstance(expr, sp.Symbol):
        name = expr.name
        return sp.Symbol(name[:-len(TRANSPOSED)] if name.endswith(TRANSPOSED) else name + TRANSPOSED,
                         commutative=False)
    if isinstance(expr, sp.Mul):
        return sp.Mul(*[noncommuting_transpose(arg) for arg in reversed(expr.args)])
    if isinstance(expr, sp.Add):
        return sp.Add(*[noncommuting_transpose(arg) for arg in expr.args])
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer:
        return sp.Pow(noncommuting_transpose(expr.base), expr.exp)
    return expr


def power(base, exponent):
    if exponent is TRANSPOSE:
        return transpose(base)
    if exponent is INVERSE_TRANSPOSE:  # A^{-T} = (A^{-1})^T
        return transpose(power(base, sp.Integer(-1)))
    if is_matrix(exponent):
        raise UnsupportedError("a matrix exponent is not supported")
    check_exponent(exponent)
    if is_matrix(base):
        return matrix_power(base, exponent)
    if base.is_Rational and exponent.is_Rational:
        check_number_size(base, exponent)
    return sp.Pow(base, exponent)


def check_exponent(exponent) -> None:
    if exponent.is_Rational and abs(exponent) > MAX_EXPONENT:
        raise UnsupportedError(f"exponents above {MAX_EXPONENT} are not supported")


def check_number_size(base, exponent) -> None:
    bits = max(abs(base.p).bit_length(), base.q.bit_length())
    if bits * abs(exponent) > MAX_NUMBER_BITS:
        raise UnsupportedError(f"numbers above {MAX_NUMBER_BITS} bits are not supported")


def matrix_power(base, exponent):
    rows, cols = base.shape
    if (rows, cols) == (1, 1):
        return power(scalar_of(base), exponent)
    square = bool(sp.Add(rows, -cols).is_zero)
    if square and exponent.is_Integer:
        if isinstance(base, sp.MatrixBase):
            if abs(exponent) > MAX_LITERAL_POWER or rows > MAX_LITERAL_POWER_SIDE:
                raise UnsupportedError("only small powers of small literal matrices are supported")
            if exponent < 0:
                check_literal(base, "inverse")
            try:
                return base ** exponent
            except ValueError as error:  # a singular matrix to a negative power
                raise UnsupportedError(f"cannot invert this matrix: {error}") from None
        return sp.Inverse(base) if exponent == -1 else sp.MatPow(base, exponent)
    return elementwise_power(base, exponent)  # a vector to a power: g_t^2 in Adam


def elementwise_power(base, exponent):
    if isinstance(base, sp.MatrixBase):
        return base.applyfunc(lambda entry: power(entry, exponent))
    return sp.HadamardPower(base, exponent)
