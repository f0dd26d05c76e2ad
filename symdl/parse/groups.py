r"""Stage 2, groups: tokens nested into delimiter groups, and small readers over node lists.

:func:`group` nests braces, parentheses, ``\left...\right``, ``|...|``, norms and environments
iteratively, with a depth cap, so unbalanced or absurdly deep input fails here with a column and
no recursion.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from symdl.errors import ParseError, UnsupportedError
from symdl.parse.tokens import DIGITS, Tok

MAX_DEPTH = 100

@dataclass
class Group:
    r"""Tokens between two delimiters. ``kind`` is brace, paren, bracket, abs, norm, floor, ceil,
    setbrace, angle or env; ``env`` names the environment; ``sized`` marks ``\left...\right``."""

    kind: str
    col: int
    children: list = field(default_factory=list)
    env: str = ""
    sized: bool = False
    end_col: int = 0
    space_before: bool = False


OPENERS = {
    "{": "brace", "(": "paren", "[": "bracket", r"\{": "setbrace", r"\lbrace": "setbrace",
    r"\lfloor": "floor", r"\lceil": "ceil", r"\langle": "angle", r"\lvert": "abs",
    r"\lVert": "norm", r"\lbrack": "bracket", r"\lgroup": "paren",
}
CLOSERS = {
    "}": "brace", ")": "paren", "]": "bracket", r"\}": "setbrace", r"\rbrace": "setbrace",
    r"\rfloor": "floor", r"\rceil": "ceil", r"\rangle": "angle", r"\rvert": "abs",
    r"\rVert": "norm", r"\rbrack": "bracket", r"\rgroup": "paren",
}
BARS = {"|": "abs", r"\vert": "abs", r"\|": "norm", r"\Vert": "norm"}
CLOSING_TEXT = {"brace": "}", "paren": ")", "bracket": "]", "abs": "|", "norm": r"\|",
                "floor": r"\rfloor", "ceil": r"\rceil", "setbrace": r"\}", "angle": r"\rangle"}
# After one of these a bar opens an absolute value rather than closing one.
OPERATOR_VALUES = frozenset({"+", "-", "*", "/", "=", "<", ">", ",", ";", "&", "^", "_",
                             r"\cdot", r"\times", r"\div", r"\odot", r"\circ", r"\\"})


def group(tokens: list[Tok]) -> list:
    """Nest tokens into :class:`Group` s; raise ParseError on imbalance or excessive depth."""
    root = Group("root", 0)
    stack = [root]
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.is_cmd(r"\left", r"\right", r"\middle"):
            if index >= len(tokens):
                raise ParseError(f"'{token.value}' needs a delimiter", token.col)
            delimiter = tokens[index]
            index += 1
            if token.value == r"\left":
                _open(stack, _delimiter_kind(delimiter, OPENERS, token), token, sized=True)
            elif token.value == r"\right":
                _close(stack, _delimiter_kind(delimiter, CLOSERS, token), token, sized=True)
            else:
                raise UnsupportedError(r"\middle delimiters are not supported")
        elif token.kind == "begin":
            _open(stack, "env", token, env=token.value)
        elif token.kind == "end":
            _close(stack, "env", token, env=token.value)
        elif token.kind in ("char", "cmd") and token.value in OPENERS:
            _open(stack, OPENERS[token.value], token)
        elif token.kind in ("char", "cmd") and token.value in CLOSERS:
            _close(stack, CLOSERS[token.value], token)
        elif token.kind in ("char", "cmd") and token.value in BARS:
            _bar(stack, BARS[token.value], token)
        else:
            stack[-1].children.append(token)
    if len(stack) > 1:
        unclosed = stack[-1]
        what = f"\\begin{{{unclosed.env}}}" if unclosed.kind == "env" else "this delimiter"
        raise ParseError(f"{what} is never closed", unclosed.col)
    return root.children


def _delimiter_kind(delimiter: Tok, table: dict, sizer: Tok) -> str:
    if delimiter.value == ".":
        return "dot"
    if delimiter.value in table:
        return table[delimiter.value]
    if delimiter.value in BARS:
        return BARS[delimiter.value]
    raise ParseError(f"'{delimiter.value}' is not a delimiter for {sizer.value}", delimiter.col)


def _open(stack: list, kind: str, token: Tok, sized: bool = False, env: str = "") -> None:
    if len(stack) > MAX_DEPTH:
        raise ParseError(f"nested more than {MAX_DEPTH} levels deep", token.col)
    new = Group(kind, token.col, env=env, sized=sized, space_before=token.space_before)
    stack[-1].children.append(new)
    stack.append(new)


def _close(stack: list, kind: str, token: Tok, sized: bool = False, env: str = "") -> None:
    current = stack[-1]
    if current.kind == "root":
        raise ParseError(f"'{_shown(token)}' closes nothing", token.col)
    if current.sized != sized:
        raise ParseError(f"'{_shown(token)}' does not match the delimiter at column {current.col}",
                         token.col)
    kinds_match = current.kind == kind or (sized and "dot" in (current.kind, kind))
    if not kinds_match or current.env != env:
        raise ParseError(f"'{_shown(token)}' does not match the delimiter at column {current.col}",
                         token.col)
    if sized and current.kind == "dot":
        current.kind = kind  # \left. ... \right| : an evaluation bar, refused later
        current.env = "left-dot"
    current.end_col = token.col
    stack.pop()


def _bar(stack: list, kind: str, token: Tok) -> None:
    current = stack[-1]
    previous = current.children[-1] if current.children else None
    closes = (current.kind == kind and not current.sized and previous is not None
              and not (isinstance(previous, Tok) and previous.value in OPERATOR_VALUES))
    if closes:
        _close(stack, kind, token)
    else:
        _open(stack, kind, token)


def _shown(token: Tok) -> str:
    return rf"\end{{{token.value}}}" if token.kind == "end" else token.value

def node_lists(nodes: list):
    """Every node list in the tree, iteratively (the tree is at most MAX_DEPTH deep anyway)."""
    pending = [nodes]
    while pending:
        current = pending.pop()
        yield current
        pending.extend(node.children for node in current if isinstance(node, Group))


def is_token(node, *values: str) -> bool:
    return isinstance(node, Tok) and node.kind in ("char", "cmd") and node.value in values


def is_digit(node) -> bool:
    return isinstance(node, Tok) and node.kind == "char" and node.value in DIGITS


def argument_of(nodes: list, index: int, owner: Tok) -> list:
    """The argument of ``^``, ``_``, an accent: a brace group's contents or one token."""
    if index >= len(nodes):
        raise ParseError(f"'{owner.value}' is missing its argument", owner.col)
    node = nodes[index]
    if isinstance(node, Group) and node.kind == "brace":
        return node.children
    return [node]


def next_is(nodes: list, index: int, *values: str) -> bool:
    return index < len(nodes) and is_token(nodes[index], *values)


def next_group(nodes: list, index: int, *kinds: str) -> bool:
    return (index < len(nodes) and isinstance(nodes[index], Group) and nodes[index].kind in kinds
            and nodes[index].env != "left-dot")


def digit_follows(nodes: list, index: int) -> bool:
    return index + 1 < len(nodes) and is_digit(nodes[index + 1])


def split_top(nodes: list, *separators: str) -> list[list]:
    parts, current = [], []
    for node in nodes:
        if is_token(node, *separators):
            parts.append(current)
            current = []
        else:
            current.append(node)
    parts.append(current)
    return parts


def first_top(nodes: list, *values: str):
    return next((node for node in nodes if is_token(node, *values)), None)


def has_top_level(nodes: list, *values: str) -> bool:
    return first_top(nodes, *values) is not None


def first_col(nodes: list, default: int) -> int:
    for node in nodes:
        return node.col
    return default
