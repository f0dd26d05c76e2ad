r"""Decimal literals: ``0.659``, ``75{,}000``, ``1.2e-3``, ``3.78\times10^{9}``, ``12\%``.

A written decimal carries its rounding: :func:`plain_number` returns the tolerance of half a unit
in its last written digit.
"""

from __future__ import annotations

import re

import sympy as sp

from symdl.errors import UnsupportedError
from symdl.parse.groups import Group, digit_follows, is_digit, is_token, next_is
from symdl.parse.names import canonical_tex

MAX_DIGITS = 1000
MAX_EXPONENT = 1000

PLAIN_NUMBER = re.compile(
    r"(?P<sign>[+-]?)(?P<int>0(?=\{,\}\d)|\d+(?:(?:\{,\}|,)\d{3})*|(?=\.\d))(?:(?:\.|\{,\})(?P<frac>\d+))?"
    r"(?:(?:\\times|\\cdot)10\^\{(?P<exp1>[+-]?\d+)\}|[eE](?P<exp2>-?\d+))?\Z")

def read_number(nodes: list, index: int) -> tuple[sp.Rational, int]:
    """A decimal literal at ``nodes[index]``: digits, {,} groups, a fraction, e-notation, %."""
    digits, following = read_digits(nodes, index, allow_groups=True)
    fraction = ""
    if (next_is(nodes, following, ".") and digit_follows(nodes, following)) or is_decimal_comma(nodes, following, digits):
        fraction, following = read_digits(nodes, following + 1, allow_groups=False)
    if len(digits) + len(fraction) > MAX_DIGITS:
        raise UnsupportedError(f"numbers longer than {MAX_DIGITS} digits are not supported")
    value = sp.Rational(int(digits or "0") * 10 ** len(fraction) + int(fraction or "0"),
                        10 ** len(fraction))
    exponent, following = read_e_notation(nodes, following)
    if exponent:
        value *= sp.Rational(10) ** exponent
    if next_is(nodes, following, "%"):
        value, following = value / 100, following + 1
    return value, following


def read_digits(nodes: list, index: int, allow_groups: bool) -> tuple[str, int]:
    digits = ""
    while index < len(nodes):
        node = nodes[index]
        if is_digit(node) and (not digits or not node.space_before):
            digits, index = digits + node.value, index + 1
        elif allow_groups and digits and digits != "0" and is_digit_group_separator(nodes, index):
            index += 1  # 75{,}000: TeX's thousands separator
        else:
            break
    return digits, index


def _braced_comma(nodes: list, index: int) -> bool:
    node = nodes[index] if index < len(nodes) else None
    return isinstance(node, Group) and node.kind == "brace" and len(node.children) == 1 \
        and is_token(node.children[0], ",")


def is_digit_group_separator(nodes: list, index: int) -> bool:
    """75{,}000: a thousands separator before exactly three digits (never after a lone 0)."""
    if not _braced_comma(nodes, index):
        return False
    following = nodes[index + 1:index + 5]
    return len(following) >= 3 and all(is_digit(item) for item in following[:3]) \
        and not (len(following) > 3 and is_digit(following[3]) and not following[3].space_before)


def is_decimal_comma(nodes: list, index: int, digits: str) -> bool:
    """0{,}659 and 3{,}14: the decimal comma, where {,} cannot be a thousands separator."""
    return _braced_comma(nodes, index) and index + 1 < len(nodes) and is_digit(nodes[index + 1]) \
        and (digits == "0" or not is_digit_group_separator(nodes, index))


def read_e_notation(nodes: list, index: int) -> tuple[int, int]:
    # 1.2e-3 is a number when e follows the digits directly and digits follow the e
    if index < len(nodes) and getattr(nodes[index], "value", None) in ("e", "E") \
            and getattr(nodes[index], "kind", "char") != "char":
        return 0, index  # \mathrm{e} is Euler's number, upright as ISO writes it
    if not (next_is(nodes, index, "e", "E") and not nodes[index].space_before):
        return 0, index
    if any(getattr(node, "space_before", False) for node in nodes[index + 1:index + 3]):
        return 0, index  # 2e - 1: spaced like an expression, not like 1e-3
    cursor, sign = index + 1, 1
    if next_is(nodes, cursor, "+"):
        return 0, index  # 2e+1 is 2e + 1 with Euler's e; a DL course writes 1e-3 and 1e3, not 1e+3
    if next_is(nodes, cursor, "-"):
        sign, cursor = -1, cursor + 1
    digits, following = read_digits(nodes, cursor, allow_groups=False)
    if not digits or len(digits) > 6:
        return 0, index
    exponent = sign * int(digits)
    if abs(exponent) > MAX_EXPONENT:
        raise UnsupportedError(f"exponents above {MAX_EXPONENT} are not supported")
    return exponent, following


def in_e_notation(nodes: list, index: int) -> bool:
    """Is the sign at ``index`` the exponent sign of a number like 1.2e-3?"""
    return (index >= 2 and is_token(nodes[index - 1], "e", "E") and is_digit(nodes[index - 2])
            and getattr(nodes[index - 1], "kind", "char") == "char"
            and is_token(nodes[index], "-") and not nodes[index - 1].space_before and index + 1 < len(nodes)
            and is_digit(nodes[index + 1]) and not nodes[index].space_before)

def plain_number(nodes: list):
    """(value, tolerance) when the nodes are one decimal number, else None."""
    for place, node in enumerate(nodes):
        if getattr(node, "value", None) in ("e", "E") and (getattr(node, "kind", "char") != "char"
                                         or any(getattr(n, "space_before", False) for n in nodes[place + 1:place + 3])):
            return None  # 2\mathrm{e}-1 and 2e - 1 are Euler's number, not 2 × 10^{-1}
    match = PLAIN_NUMBER.match(canonical_tex(nodes))
    if match is None:
        return None
    integer = re.sub(r"\D", "", match["int"])
    fraction = match["frac"] or ""
    exponent_text = match["exp1"] or match["exp2"] or "0"
    if len(integer) + len(fraction) > MAX_DIGITS or len(exponent_text.lstrip("+-")) > 6:
        raise UnsupportedError(f"numbers longer than {MAX_DIGITS} digits are not supported")
    exponent = int(exponent_text)
    if abs(exponent) > MAX_EXPONENT:
        raise UnsupportedError(f"exponents above {MAX_EXPONENT} are not supported")
    scale = sp.Rational(10) ** exponent
    mantissa = sp.Rational(int(integer or "0") * 10 ** len(fraction) + int(fraction or "0"),
                           10 ** len(fraction))
    value = mantissa * scale * (-1 if match["sign"] == "-" else 1)
    tolerance = sp.Rational(1, 2) * scale / 10 ** len(fraction) if match["frac"] else None
    return value, tolerance
