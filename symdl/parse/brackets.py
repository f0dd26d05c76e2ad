r"""Bracketed groups (``(...)``, ``|x|``, ``\|x\|``, ``\lfloor x\rfloor``), literal matrices
(``bmatrix``, ``pmatrix``, ``matrix``) and superscripts after something that is not a name."""

from __future__ import annotations

import sympy as sp

from symdl.errors import ParseError, UnsupportedError
from symdl.parse.apply import apply
from symdl.parse.bind import INVERSE_TRANSPOSE, TRANSPOSE, is_matrix
from symdl.parse.groups import (
    Group, Tok, argument_of, first_col, first_top, is_digit, is_token, next_is, split_top,
)
from symdl.parse.library import Emitter
from symdl.parse.linalg import at_column, bars_of, norm_of
from symdl.parse.names import canonical_tex, superscript_kind
from symdl.parse.numbers import read_number
from symdl.parse.vocabulary import CASES_ENVIRONMENTS, MATRIX_ENVIRONMENTS, RELATIONS

MAX_MATRIX_SIDE = 50

COMPARISONS = {**RELATIONS, "=": "==", r"\neq": "!=", r"\ne": "!="}
RELATIONALS = {">": sp.Gt, ">=": sp.Ge, "<": sp.Lt, "<=": sp.Le, "==": sp.Eq, "!=": sp.Ne}
AND_WORDS = frozenset({"and", r"\land", r"\wedge"})
OR_WORDS = frozenset({"or", r"\lor", r"\vee"})
OTHERWISE = frozenset({"otherwise", "else", "o.w.", "elsewhere", "otherwise."})
FILLERS = frozenset({"if", "for", "when", "where", ",", "if,"})


def is_cases_array(group: Group) -> bool:
    children = group.children
    return (group.sized and len(children) == 1 and isinstance(children[0], Group)
            and children[0].kind == "env" and children[0].env in ("array", "matrix"))


def _word(node) -> str:
    if isinstance(node, Tok) and node.kind == "text":
        return node.value.strip().lower()
    if isinstance(node, Tok) and node.kind == "cmd":
        return node.value
    return ""


def is_filler(node) -> bool:
    return _word(node) in FILLERS


def is_otherwise(node) -> bool:
    return _word(node) in OTHERWISE


def split_at(nodes: list, words: frozenset) -> list:
    parts, current = [], []
    for node in nodes:
        if _word(node) in words:
            parts.append(current)
            current = []
        else:
            current.append(node)
    return parts + [current]


def without_punctuation(nodes: list) -> list:
    """A case's cell without the comma or full stop that ends it in prose."""
    while nodes and (is_token(nodes[-1], ",", ".", ";") or _word(nodes[-1]) in (",", ".")):
        nodes = nodes[:-1]
    return nodes


class Brackets:
    """Reading bracketed groups, literal matrices and superscripts (a part of the Reader)."""

    def _group_at(self, nodes: list, index: int, out: Emitter) -> int:
        group = nodes[index]
        if group.kind == "brace" and not group.children:
            return index + 1
        if group.kind == "env":
            cases = group.env in CASES_ENVIRONMENTS
            out.value(self._cases(group) if cases else self._matrix(group), group.col)
            return index + 1
        if group.kind == "setbrace" and is_cases_array(group):  # \left\{\begin{array}...\right.
            out.value(self._cases(group.children[0]), group.col)
            return index + 1
        if group.env == "left-dot":
            raise UnsupportedError(r"evaluation bars \left. ... \right| are not supported")
        if group.kind == "angle":
            raise UnsupportedError(f"inner products are not supported (column {group.col})")
        comma = first_top(group.children, ",", ";")
        if comma is not None:
            raise ParseError("a comma-separated list is not an expression", comma.col)
        inner = self.value(group.children)
        following = index + 1
        power = None
        if group.kind in ("floor", "ceil"):
            inner = apply(sp.floor if group.kind == "floor" else sp.ceiling, inner)
        elif group.kind == "abs":
            inner = bars_of(inner)  # |A| of a square matrix is its determinant
        elif group.kind == "norm":
            which, power, following = self._norm_subscript(nodes, following)
            inner = at_column(norm_of, inner, group.col, which)
        out.value(inner, group.col)
        if power is not None:
            self._superscript_value(power, group.col, out)
        if next_is(nodes, following, "'"):
            raise ParseError("a prime after a bracket: write the derivative explicitly",
                             nodes[following].col)
        return following

    def _norm_subscript(self, nodes: list, index: int):
        r"""Which norm (``\|x\|_2``, ``_1``, ``_F``; "" for none) and a power written before the
        subscript (``\|x\|^2_2``), with where they end."""
        power = None
        if next_is(nodes, index, "^") and next_is(nodes, index + 2, "_"):
            power, index = argument_of(nodes, index + 1, nodes[index]), index + 2
        if not next_is(nodes, index, "_"):
            return "", power, index
        which = canonical_tex(argument_of(nodes, index + 1, nodes[index]))
        return which.replace(r"\mathrm{fro}", "fro"), power, index + 2

    def _cases(self, group: Group):
        r"""``\begin{cases} a & x>0 \\ b & \text{otherwise} \end{cases}`` as a Piecewise."""
        children = group.children
        if group.env == "array" and children and isinstance(children[0], Group):
            children = children[1:]  # the column specification {ll}
        rows = split_top(children, r"\\")
        if rows and not rows[-1]:
            rows.pop()
        if not rows or len(rows) > MAX_MATRIX_SIDE:
            raise UnsupportedError(f"cases need 1 to {MAX_MATRIX_SIDE} rows")
        pieces = []
        for row in rows:
            cells = split_top(row, "&")
            if len(cells) != 2 or not cells[0]:
                raise ParseError("each case needs a value, '&' and a condition", group.col)
            value = self.value(without_punctuation(cells[0]))
            if is_matrix(value):
                raise UnsupportedError("cases whose values are matrices are not supported")
            pieces.append((value, self._condition(cells[1], group.col)))
        return sp.Piecewise(*pieces)

    def _condition(self, nodes: list, col: int):
        """A case's condition: comparisons, joined by 'and'/'or', after an optional 'if'."""
        nodes = without_punctuation([node for node in nodes if not is_filler(node)])
        if not nodes or (len(nodes) == 1 and is_otherwise(nodes[0])):
            return sp.true
        for joiner, combine in ((OR_WORDS, sp.Or), (AND_WORDS, sp.And)):
            parts = split_at(nodes, joiner)
            if len(parts) > 1:
                return combine(*(self._condition(part, col) for part in parts))
        return self._comparison(nodes, col)

    def _comparison(self, nodes: list, col: int):
        r"""``x > 0``, ``x \ge 0``, ``0 < x \le 1``, ``i = j``: a relation or a chain of them."""
        cuts = [position for position, node in enumerate(nodes)
                if is_token(node, *COMPARISONS)]
        if not cuts:
            raise ParseError("a case's condition needs a comparison, as in x > 0",
                             first_col(nodes, col))
        operands, relations, start = [], [], 0
        for position in cuts:
            if (position == start and relations and relations[-1] in ("<", ">")
                    and is_token(nodes[position], "=")):
                relations[-1] += "="  # x < = 0
                start = position + 1
                continue
            operands.append(nodes[start:position])
            relations.append(COMPARISONS[nodes[position].value])
            start = position + 1
        operands.append(nodes[start:])
        values = [self.value(operand) for operand in operands]
        if any(is_matrix(value) for value in values):
            raise UnsupportedError("a condition on a matrix is not supported")
        return sp.And(*(RELATIONALS[relation](left, right)
                        for relation, left, right in zip(relations, values, values[1:])))

    def _matrix(self, group: Group):
        if group.env in ("vmatrix", "Vmatrix"):
            raise UnsupportedError("determinants are not supported")
        if group.env not in MATRIX_ENVIRONMENTS:
            raise UnsupportedError(rf"the {group.env} environment is not supported")
        rows = split_top(group.children, r"\\")
        if rows and not rows[-1]:
            rows.pop()
        cells = [split_top(row, "&") for row in rows]
        if not cells:
            raise ParseError("an empty matrix", group.col)
        width = len(cells[0])
        if len(cells) > MAX_MATRIX_SIDE or width > MAX_MATRIX_SIDE:
            raise UnsupportedError(f"literal matrices larger than {MAX_MATRIX_SIDE}x"
                                   f"{MAX_MATRIX_SIDE} are not supported")
        if any(len(row) != width for row in cells):
            raise ParseError("matrix rows of different lengths", group.col)
        values = [[self._cell(cell, group) for cell in row] for row in cells]
        matrix = sp.ImmutableMatrix(values)
        return matrix[0, 0] if matrix.shape == (1, 1) else matrix

    def _cell(self, nodes: list, group: Group):
        if not nodes:
            raise ParseError("an empty matrix entry", group.col)
        value = self.value(nodes)
        if is_matrix(value):
            raise UnsupportedError("matrices inside matrices are not supported")
        return value

    def _superscript_at(self, nodes: list, index: int, out: Emitter) -> int:
        caret = nodes[index]
        if index == 0:
            raise ParseError("a superscript needs something before it", caret.col)
        argument = argument_of(nodes, index + 1, caret)
        if is_token(argument[0], "-") and len(argument) == 1:
            # x^-1: TeX reads a one-character superscript; accept the common slip.
            value, following = self._loose_negative_power(nodes, index + 2, caret)
            self._emit_power(value, caret.col, out)
            return following
        self._superscript_value(argument, caret.col, out)
        return index + 2

    def _superscript_value(self, argument: list, col: int, out: Emitter) -> None:
        kind, _ = superscript_kind(argument)
        if kind == "transpose":
            value = TRANSPOSE
        elif kind == "inverse-transpose":
            value = INVERSE_TRANSPOSE
        elif kind in ("star", "prime"):
            raise ParseError("a star or prime belongs on a name", col)
        elif len(argument) == 1 and isinstance(argument[0], Tok) and is_digit(argument[0]):
            value = sp.Integer(int(argument[0].value))  # TeX: x^23 is x^{2}3
        else:
            value = self.value(argument)
        self._emit_power(value, col, out)

    def _loose_negative_power(self, nodes: list, index: int, caret: Tok):
        if index < len(nodes) and isinstance(nodes[index], Tok) and is_digit(nodes[index]):
            value, following = read_number(nodes, index)
            return -value, following
        raise ParseError("write the exponent in braces: x^{-1}", caret.col)
