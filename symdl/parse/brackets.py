r"""Bracketed groups (``(...)``, ``|x|``, ``\|x\|``, ``\lfloor x\rfloor``), literal matrices
(``bmatrix``, ``pmatrix``, ``matrix``) and superscripts after something that is not a name."""

from __future__ import annotations

import sympy as sp

from symdl.errors import ParseError, UnsupportedError
from symdl.parse.apply import apply, norm
from symdl.parse.bind import TRANSPOSE, is_matrix
from symdl.parse.groups import (
    Group, Tok, argument_of, first_top, is_digit, is_token, next_is, split_top,
)
from symdl.parse.library import Emitter
from symdl.parse.names import superscript_kind
from symdl.parse.numbers import read_number
from symdl.parse.vocabulary import MATRIX_ENVIRONMENTS

MAX_MATRIX_SIDE = 50


class Brackets:
    """Reading bracketed groups, literal matrices and superscripts (a part of the Reader)."""

    def _group_at(self, nodes: list, index: int, out: Emitter) -> int:
        group = nodes[index]
        if group.kind == "brace" and not group.children:
            return index + 1
        if group.kind == "env":
            out.value(self._matrix(group), group.col)
            return index + 1
        if group.env == "left-dot":
            raise UnsupportedError(r"evaluation bars \left. ... \right| are not supported")
        if group.kind == "angle":
            raise UnsupportedError(f"inner products are not supported (column {group.col})")
        comma = first_top(group.children, ",", ";")
        if comma is not None:
            raise ParseError("a comma-separated list is not an expression", comma.col)
        inner = self.value(group.children)
        wrappers = {"abs": sp.Abs, "floor": sp.floor, "ceil": sp.ceiling}
        if group.kind in wrappers:
            inner = apply(wrappers[group.kind], inner)
        elif group.kind == "norm":
            inner = norm(inner)
        out.value(inner, group.col)
        following = index + 1
        if next_is(nodes, following, "'"):
            raise ParseError("a prime after a bracket: write the derivative explicitly",
                             nodes[following].col)
        return following

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
