r"""Sums and products: ``\sum_{i=1}^{n}``, ``\sum_i``, ``\prod``, their bounds and size limits."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from symdl.calculus import MatrixSum
from symdl.errors import ParseError, UnsupportedError
from symdl.parse.bind import is_matrix, scalar_of
from symdl.parse.groups import argument_of, first_top, is_token, next_is, split_top
from symdl.parse.library import Emitter
from symdl.parse.model import unknown_bound
from symdl.parse.names import whole_name
from symdl.parse.vocabulary import RELATIONS

MAX_SUM_TERMS = 10_000


@dataclass
class SumParts:
    indices: list
    start: list | None
    end: list | None
    following: int


class Sums:
    """Reading sums and products (a part of the Reader)."""

    def _sum_at(self, nodes: list, index: int, out: Emitter) -> int:
        token = nodes[index]
        parts = self._sum_parts(nodes, index)
        for name in parts.indices:
            variable = sp.Symbol(name.canonical(), integer=True)
            start = self.value(parts.start) if parts.start else sp.Integer(1)
            end = self.value(parts.end) if parts.end else unknown_bound(variable)
            out.add(token.value + "_{", token.col)
            out.value(variable, name.col)
            out.add("=", token.col)
            out.value(start, token.col)
            out.add("}^{", token.col)
            out.value(end, token.col)
            out.add("}", token.col)
        if parts.following >= len(nodes):
            raise ParseError(f"{token.value} has nothing to add up", token.col)
        return parts.following

    def _sum_parts(self, nodes: list, index: int):
        token = nodes[index]
        following, sub, sup = index + 1, None, None
        for _ in range(2):
            if next_is(nodes, following, "_") and sub is None:
                sub, following = argument_of(nodes, following + 1, nodes[following]), following + 2
            elif next_is(nodes, following, "^") and sup is None:
                sup, following = argument_of(nodes, following + 1, nodes[following]), following + 2
        if sub is None:
            raise UnsupportedError(rf"{token.value} needs an index, as in {token.value}_{{i=1}}")
        start = None
        equals = first_top(sub, "=")
        if equals is not None:
            cut = sub.index(equals)
            variables, start = [sub[:cut]], sub[cut + 1:]
            if not start:
                raise ParseError("the sum has no start value", equals.col)
        else:
            relation = next((node for node in sub if is_token(node, *RELATIONS, r"\neq", r"\ne",
                                                         r"\in", "<", ">")), None)
            if relation is not None:
                raise UnsupportedError(f"sums over a condition are not supported "
                                       f"(column {relation.col})")
            variables = split_top(sub, ",")
            if len(variables) > 1 and sup is not None:
                raise ParseError("several indices share one upper bound", token.col)
        names = [whole_name(part, token.col) for part in variables]
        return SumParts(names, start, sup, following)

    def _bind_sum(self, raw):
        # SymPy folds a sum of a sum into one Sum with several limits, innermost first.
        result = self.bind(raw.function)
        kind = sp.Sum if isinstance(raw, sp.Sum) else sp.Product
        for limit in raw.limits:
            result = self._summed(kind, result, *(self.bind(item) for item in limit))
        return result

    def _summed(self, kind, body, variable, start, end):
        """The Sum or Product of ``body`` over ``variable``; of matrices, a MatrixSum."""
        if is_matrix(start) or is_matrix(end):
            raise UnsupportedError("a matrix cannot be the bound of a sum")
        if is_matrix(body) and body.shape == (1, 1):
            body = scalar_of(body)  # a quadratic form: a number
        end = bound_from_shapes(body, variable, end)
        if is_matrix(body):
            if kind is sp.Product:
                raise UnsupportedError("products of matrices over an index are not supported")
            result = matrix_sum(body, (variable, start, end))
        else:
            result = kind(body, (variable, start, end))
        if numeric_terms(result) > MAX_SUM_TERMS:
            raise UnsupportedError(f"sums and products of more than {MAX_SUM_TERMS} terms "
                                   "are not supported")
        return result


def bound_from_shapes(body, variable, end):
    """\\sum_i with no bound written runs over the declared rows or columns its index picks (a vector's
    length, ``\\sum_i A_{ii}`` over A's rows), when every matrix it indexes agrees on that size."""
    if not (isinstance(end, sp.Symbol) and end == unknown_bound(variable)):
        return end
    sizes = set()
    for element in body.atoms(MatrixElement):
        rows, cols = element.parent.shape
        if element.i == variable - 1:
            sizes.add(rows)
        if element.j == variable - 1:
            sizes.add(cols)
    return sizes.pop() if len(sizes) == 1 else end


def plain_sum(value):
    """A sum of matrices, or a number times one, as SymPy's Sum of the matrix body."""
    if isinstance(value, MatrixSum):
        return value.as_sum()
    if isinstance(value, sp.MatMul):
        sums = [arg for arg in value.args if isinstance(arg, MatrixSum)]
        if len(sums) == 1 and all(not is_matrix(arg) for arg in value.args if arg is not sums[0]):
            return sp.Mul(*(arg for arg in value.args if arg is not sums[0])) * sums[0].as_sum()
    return value


def matrix_sum(body, limit):
    """The sum of matrices ``body`` over ``limit``, nested sums merged into one."""
    if isinstance(body, MatrixSum):
        return MatrixSum(body.function, *body.limits, limit)
    return MatrixSum(body, limit)


def numeric_terms(expr) -> int:
    """How many terms a sum or product would have if expanded, nested ones multiplied."""
    if not isinstance(expr, (sp.Sum, sp.Product, MatrixSum)):
        inner = [numeric_terms(arg) for arg in expr.args if isinstance(arg, sp.Basic)]
        return max(inner, default=1)
    count = 1
    for _, start, end in expr.limits:
        if start.is_number and end.is_number:
            count *= max(int(sp.floor(end - start)) + 1, 0)
    return count * numeric_terms(expr.function)
