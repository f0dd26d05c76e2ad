r"""Derivative fractions: ``\frac{\partial L}{\partial W}`` (a named quantity, or the target an
equation's left side names) and ``\frac{d}{dx}(...)``, ``\frac{\partial f(x)}{\partial x}``
(operators, applied at once to scalars and deferred to :mod:`symdl.calculus` where a matrix is
involved: SymPy's matrix calculus returns silent zeros)."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symdl.calculus import deferred_derivative, needs_deferral
from symdl.errors import ParseError, UnsupportedError
from symdl.parse.bind import transpose
from symdl.parse.groups import Tok, argument_of, first_col, is_digit, is_token, next_is
from symdl.parse.library import Emitter
from symdl.parse.model import DerivativeTarget, canonical_name
from symdl.parse.names import NameRead, is_transpose, read_name
from symdl.parse.vocabulary import FRACTIONS

MAX_DERIVATIVES = 10
MAX_DERIVATIVE_NODES = 5_000


@dataclass
class DerivativeParts:
    order: int
    wrt: list  # [(NameRead, times)]
    named: NameRead | None  # \frac{\partial L}{\partial y}: a quantity, not an operation
    operand: list | None  # \frac{\partial f(x)}{\partial x}: what to differentiate

    def canonical_name(self) -> str:
        r"""The name of the quantity; mixed partials in a canonical order (equal for smooth f):
        ``\partial y \partial x`` and ``\partial x \partial y`` name one symbol."""
        order = f"^{{{self.order}}}" if self.order > 1 else ""
        counts: dict[str, int] = {}
        for name, times in self.wrt:
            counts[name.canonical()] = counts.get(name.canonical(), 0) + times
        below = " ".join(rf"\partial {name}" + (f"^{{{times}}}" if times > 1 else "")
                         for name, times in sorted(counts.items()))
        return rf"\frac{{\partial{order} {self.named.canonical()}}}{{{below}}}"

    @property
    def transposed(self) -> bool:
        r"""``\frac{\partial L}{\partial x^{T}}``: the derivative laid out as a row."""
        return len(self.wrt) == 1 and self.wrt[0][0].transposed


def read_derivative(numerator: list, denominator: list) -> DerivativeParts | None:
    r"""The parts of \frac{\partial ...}{\partial ...} or \frac{d ...}{d ...}, else None."""
    if not numerator or not denominator:
        return None
    if not (is_differential(numerator, 0) and is_differential(denominator, 0)):
        return None
    if len(denominator) < 2 or next_is(denominator, 1, "_", "^", "'"):
        return None
    position, order = 1, 1
    if next_is(numerator, 1, "^"):
        order = small_order(argument_of(numerator, 2, numerator[1]), numerator[1].col)
        position = 3
    wrt = read_denominator(denominator)
    total = sum(times for _, times in wrt)
    if order == 1 and total > 1 and len(wrt) == 1:
        return None  # \frac{d}{dx^2}: not a derivative we know how to read
    if total != order:
        raise ParseError(f"the derivative's order {order} does not match its denominator",
                         denominator[0].col)
    rest = numerator[position:]
    if not rest:
        return DerivativeParts(order, wrt, None, None)
    name = read_name(rest, 0)
    if name is not None and name.end == len(rest):
        return DerivativeParts(order, wrt, name, None)
    return DerivativeParts(order, wrt, None, rest)


def is_differential(nodes: list, index: int) -> bool:
    node = nodes[index]
    if is_token(node, r"\partial"):
        return True
    is_d = is_token(node, "d") or (isinstance(node, Tok) and node.kind == "text"
                              and node.value.strip() == "d")
    return is_d and not next_is(nodes, index + 1, "_", "'")  # d_1 is a name


def read_denominator(nodes: list) -> list:
    wrt, index = [], 0
    while index < len(nodes):
        if not is_differential(nodes, index):
            raise ParseError("expected \\partial or d in the derivative's denominator",
                             first_col(nodes[index:], 1))
        name = read_name(nodes, index + 1) if index + 1 < len(nodes) else None
        if name is None:
            raise ParseError("expected a variable after \\partial", nodes[index].col)
        index, times = name.end, 1
        if next_is(nodes, index, "^"):
            exponent = argument_of(nodes, index + 1, nodes[index])
            if is_transpose(exponent):  # \partial x^{T}: the derivative as a row
                name.transposed = True
            else:
                times = small_order(exponent, nodes[index].col)
            index += 2
        wrt.append((name, times))
    return wrt


def small_order(argument: list, col: int) -> int:
    if len(argument) == 1 and is_digit(argument[0]) and 1 <= int(argument[0].value) <= 4:
        return int(argument[0].value)
    raise UnsupportedError(f"derivative orders other than 1 to 4 are not supported (column {col})")


class Derivatives:
    """Reading derivative fractions (a part of the Reader)."""

    def _left_side(self, nodes: list) -> DerivativeTarget | None:
        r"""The derivative a left side like ``\frac{\partial L}{\partial W}`` names, or None."""
        if len(nodes) == 3 and is_token(nodes[0], *FRACTIONS):
            derivative = self._derivative_parts(nodes, 0)
            if derivative and derivative.named and derivative.order == 1:  # one wrt, once
                name = derivative.wrt[0][0]
                wrt = self.name_object(name)
                wrt = transpose(wrt) if name.transposed else wrt
                return DerivativeTarget(of=derivative.named.canonical(), wrt=wrt)
        return None

    def _named_derivative_value(self, target: DerivativeTarget):
        if isinstance(target.wrt, sp.Transpose):
            return transpose(self._named_derivative_value(DerivativeTarget(target.of,
                                                                           target.wrt.arg)))
        return self._quantity(target.latex())

    def _quantity(self, name: str):
        """The object of a derivative quantity named ``name``: bound, a matrix, or a symbol."""
        if name in self.symbols:
            return self.symbols[name]
        if name in self.context.matrices:
            return sp.MatrixSymbol(name, *self.context.matrices[name])
        return sp.Symbol(name, real=True)

    def _fraction_at(self, nodes: list, index: int, out: Emitter) -> int:
        token = nodes[index]
        derivative = self._derivative_parts(nodes, index)
        if derivative is None:
            numerator = self.value(argument_of(nodes, index + 1, token))
            denominator = self.value(argument_of(nodes, index + 2, token))
            out.add(r"\frac{", token.col)
            out.value(numerator, token.col)
            out.add("}{", token.col)
            out.value(denominator, token.col)
            out.add("}", token.col)
            return index + 3
        following = index + 3
        if derivative.named:
            out.value(self._named_derivative(derivative), token.col)
            return following
        operand = derivative.operand
        if operand is None:  # \frac{d}{dx} applies to the rest of the term
            operand, following = nodes[following:], len(nodes)
            if not operand:
                raise ParseError("a derivative operator with nothing to differentiate",
                                 token.col)
        out.value(self._differentiate(self.value(operand), derivative, token.col), token.col)
        return following

    def _derivative_parts(self, nodes: list, index: int):
        token = nodes[index]
        numerator = argument_of(nodes, index + 1, token)
        denominator = argument_of(nodes, index + 2, token)
        return read_derivative(numerator, denominator)

    def _named_derivative(self, derivative):
        value = self._quantity(derivative.canonical_name())
        return transpose(value) if derivative.transposed else value

    def _differentiate(self, value, derivative, col: int):
        self.derivatives += 1
        if self.derivatives > MAX_DERIVATIVES:
            raise UnsupportedError(f"more than {MAX_DERIVATIVES} derivative operators")
        variables = []
        for name, times in derivative.wrt:
            variable = self.name_object(name)
            variables.extend([transpose(variable) if name.transposed else variable] * times)
        result = value
        for variable in variables:
            if needs_deferral(result, variable):
                # Never SymPy's matrix calculus (silent zeros): taken entry by entry once concrete.
                result = deferred_derivative(result, variable)
                continue
            try:
                result = sp.diff(result, variable)
            except Exception as error:  # noqa: BLE001 - SymPy fails in many ways on odd input
                raise UnsupportedError(f"cannot differentiate this with respect to "
                                       f"{canonical_name(variable)} (column {col})") from error
            check_size(result, "the derivative is too large")
        return result


def check_size(expr, message: str) -> None:
    count = 0
    for _ in sp.preorder_traversal(expr):
        count += 1
        if count > MAX_DERIVATIVE_NODES:
            raise UnsupportedError(message)
