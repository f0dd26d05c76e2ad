"""Small dense matrices over any number system (fractions, mpmath numbers, duals).

Plain lists of rows: the sizes a checker tries are small, and one generic implementation serves
exact rational points, high-precision points and derivatives alike.
"""

from __future__ import annotations

from symdl.decide.arith import Undefined, primal


class ShapeMismatch(ArithmeticError):
    """Two matrices that cannot be added or multiplied at the sizes tried."""


class Mat:
    __slots__ = ("rows",)

    def __init__(self, rows: list[list]):
        self.rows = rows

    @classmethod
    def build(cls, n_rows: int, n_cols: int, entry):
        return cls([[entry(i, j) for j in range(n_cols)] for i in range(n_rows)])

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows), len(self.rows[0]) if self.rows else 0

    def entries(self) -> list:
        return [value for row in self.rows for value in row]

    def map(self, function) -> "Mat":
        return Mat([[function(value) for value in row] for row in self.rows])

    def transpose(self) -> "Mat":
        return Mat([list(column) for column in zip(*self.rows)])

    def add(self, other: "Mat") -> "Mat":
        if self.shape != other.shape:
            raise ShapeMismatch(f"cannot add a {_text(self.shape)} and a {_text(other.shape)} matrix")
        return Mat([[a + b for a, b in zip(r, s)] for r, s in zip(self.rows, other.rows)])

    def hadamard(self, other: "Mat") -> "Mat":
        if self.shape != other.shape:
            raise ShapeMismatch(f"elementwise product of a {_text(self.shape)} and a {_text(other.shape)} matrix")
        return Mat([[a * b for a, b in zip(r, s)] for r, s in zip(self.rows, other.rows)])

    def scale(self, factor) -> "Mat":
        return self.map(lambda value: factor * value)

    def matmul(self, other: "Mat") -> "Mat":
        k, k2 = self.shape[1], other.shape[0]
        if k != k2:
            raise ShapeMismatch(f"cannot multiply a {_text(self.shape)} by a {_text(other.shape)} matrix")
        columns = list(zip(*other.rows))
        return Mat([[_dot(row, column) for column in columns] for row in self.rows])

    def trace(self):
        self._require_square("trace")
        return _sum(self.rows[i][i] for i in range(len(self.rows)))

    def det(self):
        self._require_square("determinant")
        rows = [list(row) for row in self.rows]
        n, result = len(rows), 1
        for column in range(n):
            pivot = _pivot(rows, column)
            if pivot is None:
                return 0 * rows[0][0]
            if pivot != column:
                rows[column], rows[pivot] = rows[pivot], rows[column]
                result = -result
            head = rows[column][column]
            result = result * head
            for r in range(column + 1, n):
                factor = rows[r][column] / head
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[column])]
        return result

    def inverse(self) -> "Mat":
        self._require_square("inverse")
        n = len(self.rows)
        rows = [list(row) + [1 if i == j else 0 for j in range(n)] for i, row in enumerate(self.rows)]
        for column in range(n):
            pivot = _pivot(rows, column)
            if pivot is None:
                raise Undefined("the matrix is singular")
            rows[column], rows[pivot] = rows[pivot], rows[column]
            head = rows[column][column]
            rows[column] = [value / head for value in rows[column]]
            for r in range(n):
                if r != column:
                    factor = rows[r][column]
                    rows[r] = [a - factor * b for a, b in zip(rows[r], rows[column])]
        return Mat([row[n:] for row in rows])

    def power(self, n: int) -> "Mat":
        self._require_square("power")
        base = self.inverse() if n < 0 else self
        result = identity(len(self.rows))
        for _ in range(abs(n)):
            result = result.matmul(base)
        return result

    def _require_square(self, what: str) -> None:
        if self.shape[0] != self.shape[1]:
            raise ShapeMismatch(f"the {what} of a {_text(self.shape)} matrix")


def identity(n: int) -> Mat:
    return Mat.build(n, n, lambda i, j: 1 if i == j else 0)


def _dot(row, column):
    return _sum(a * b for a, b in zip(row, column))


def _sum(values):
    total = 0
    for value in values:
        total = total + value
    return total


def _pivot(rows, column):
    """The row at or below ``column`` with the largest entry there, or None when all are zero."""
    best, size = None, 0
    for r in range(column, len(rows)):
        magnitude = abs(primal(rows[r][column]))
        if magnitude > size:
            best, size = r, magnitude
    return best


def _text(shape) -> str:
    return f"{shape[0]}x{shape[1]}"
