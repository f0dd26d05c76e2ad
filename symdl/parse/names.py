r"""Stage 3, names: a symbol as written, with its layer index, star, primes and subscript.

:func:`read_name` reads ``W^{(1)}``, ``w^{*}``, ``\hat{m}_t``, ``w^{[1]}_{12}``, ``\lambda_i``;
:meth:`NameRead.canonical` is the name the naming convention gives it (see :mod:`symdl.parse`).
:func:`canonical_tex` is the whitespace-free LaTeX two spellings of one thing share.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from symdl.errors import ParseError
from symdl.parse.groups import (
    CLOSING_TEXT, Group, argument_of, group, is_digit, is_token, next_is, node_lists, split_top,
)
from symdl.parse.tokens import ASCII_LETTERS, Tok, tokenize
from symdl.parse.vocabulary import (
    ACCENTS, FONT_COMMANDS, GREEK, NAME_ALIASES, WORD_COMMANDS, WORD_PATTERN,
)


@dataclass
class NameRead:
    """A name as written: base, decorations, subscript nodes, and where it ends."""

    base: str
    col: int
    end: int
    word: str = ""
    layer: str = ""
    star: bool = False
    primes: int = 0
    sub: list | None = None
    transposed: bool = False
    power: list | None = None  # x^2_i: a power written before the subscript, applied after

    @property
    def head(self) -> str:
        """The name without its subscript: what an IndexedBase or matrix is called."""
        return self.base + self.layer + ("^{*}" if self.star else "") + "'" * self.primes

    def canonical(self) -> str:
        if self.sub is None:
            return self.head
        return f"{self.head}_{{{canonical_tex(self.sub)}}}"

    def without_primes(self) -> "NameRead":
        return dataclasses.replace(self, primes=0)

    @property
    def decorated(self) -> bool:
        return bool(self.layer or self.star or self.sub is not None)


def read_name(nodes: list, index: int) -> NameRead | None:
    """The name starting at ``nodes[index]`` with its decorations, or None if none starts there."""
    found = read_base(nodes, index)
    if found is None:
        return None
    name, following = found
    return read_decorations(nodes, following, name)


def read_base(nodes: list, index: int):
    node = nodes[index]
    if isinstance(node, Group):
        return None
    if node.kind == "char" and node.value in ASCII_LETTERS:
        return NameRead(node.value, node.col, index + 1), index + 1
    if node.kind == "cmd" and (node.value in GREEK or node.value in NAME_ALIASES):
        return NameRead(NAME_ALIASES.get(node.value, node.value), node.col, index + 1), index + 1
    if node.kind == "cmd" and node.value in ACCENTS:
        return read_accent(nodes, index)
    if node.kind == "text" and (node.command in FONT_COMMANDS or node.command in WORD_COMMANDS):
        return read_text_name(node), index + 1
    return None


def read_accent(nodes: list, index: int):
    accent = nodes[index]
    argument = argument_of(nodes, index + 1, accent)
    inner = whole_name(argument, accent.col)
    name = NameRead(f"{ACCENTS[accent.value]}{{{inner.base}}}", accent.col, index + 2,
                    layer=inner.layer, star=inner.star, primes=inner.primes, sub=inner.sub)
    return name, index + 2


def read_text_name(token: Tok) -> NameRead:
    r"""A name written in a font or text command: \mathbf{W}, \mathrm{d}, \text{lr}."""
    content = token.value.strip()
    if not content:
        raise ParseError(f"empty {token.command}{{}}", token.col)
    if WORD_PATTERN.match(content) and len(content) > 1:
        return NameRead(rf"\mathrm{{{content}}}", token.col, 0, word=content)
    if token.command in WORD_COMMANDS and any(char.isspace() for char in content):
        raise ParseError(f"text is not mathematics: {content!r}", token.col)
    nodes = group(tokenize(content, token.col - 1))
    return whole_name(nodes, token.col)


def whole_name(nodes: list, col: int) -> NameRead:
    name = read_name(nodes, 0) if nodes else None
    if name is None or name.end != len(nodes) or name.power is not None:
        raise ParseError("expected a single name here", col)
    return name


def read_decorations(nodes: list, index: int, name: NameRead) -> NameRead:
    while index < len(nodes):
        node = nodes[index]
        if is_token(node, "'"):
            name.primes, index = name.primes + 1, index + 1
        elif is_token(node, "_") and name.sub is None:
            argument = argument_of(nodes, index + 1, node)
            name.sub, index = argument, index + 2
            if not argument:
                raise ParseError("empty subscript", node.col)
        elif is_token(node, "^"):
            kind, extra = superscript_kind(argument_of(nodes, index + 1, node))
            if kind == "layer" and not name.layer:
                name.layer = "^{" + canonical_tex(extra) + "}"
            elif kind == "layer+T" and not name.layer:
                name.layer, name.transposed = "^{" + canonical_tex(extra) + "}", True
            elif kind == "star" and not name.star:
                name.star = True
            elif kind == "prime":
                name.primes += extra
            elif name.sub is None and next_is(nodes, index + 2, "_"):
                name.power = argument_of(nodes, index + 1, node)
                name.sub = argument_of(nodes, index + 3, nodes[index + 2])
                index += 4
                break
            else:
                break
            index += 2
            if name.transposed:
                break
        else:
            break
    name.end = index
    return name


def superscript_kind(argument: list):
    """How a superscript reads on a name: layer, layer+T, star, prime, transpose,
    inverse-transpose (``^{-T}``) or power."""
    if len(argument) == 1 and isinstance(argument[0], Group) and argument[0].kind == "brace":
        return superscript_kind(argument[0].children)
    if argument and isinstance(argument[0], Group) and argument[0].kind in ("paren", "bracket"):
        rest = argument[1:]
        if not rest:
            return "layer", argument[:1]
        if is_transpose(rest):
            return "layer+T", argument[:1]
        return "power", None
    if len(argument) == 1 and is_token(argument[0], "*", r"\star", r"\ast"):
        return "star", None
    if argument and all(is_token(node, r"\prime") for node in argument):
        return "prime", len(argument)
    if is_transpose(argument):
        return "transpose", None
    if len(argument) == 2 and is_token(argument[0], "-") and is_transpose(argument[1:]):
        return "inverse-transpose", None
    return "power", None


def is_transpose(argument: list) -> bool:
    if len(argument) == 1 and isinstance(argument[0], Group) and argument[0].kind == "brace":
        return is_transpose(argument[0].children)
    if len(argument) != 1 or isinstance(argument[0], Group):
        return False
    node = argument[0]
    return (is_token(node, "T", r"\top", r"\intercal")
            or (node.kind == "text" and node.value.strip() == "T"))


def canonical_tex(nodes: list) -> str:
    """Whitespace-free LaTeX of ``nodes`` with single-token sub/superscripts braced."""
    parts: list[str] = []
    index = 0
    while index < len(nodes):
        node = nodes[index]
        text = node_tex(node)
        if parts and parts[-1][-1:].isalpha() and parts[-1].startswith("\\") and text[:1].isalpha():
            text = " " + text
        parts.append(text)
        if is_token(node, "_", "^") and isinstance(node_at(nodes, index + 1), Tok):
            parts.append("{" + node_tex(nodes[index + 1]) + "}")
            index += 1
        index += 1
    return "".join(parts)


def node_tex(node) -> str:
    if isinstance(node, Group):
        if node.kind == "env":
            return rf"\begin{{{node.env}}}{canonical_tex(node.children)}\end{{{node.env}}}"
        opening = {"brace": "{", "paren": "(", "bracket": "[", "abs": "|", "norm": r"\|",
                   "floor": r"\lfloor ", "ceil": r"\lceil ", "setbrace": r"\{",
                   "angle": r"\langle "}.get(node.kind, "(")
        closing = CLOSING_TEXT.get(node.kind, ")")
        return opening + canonical_tex(node.children) + closing
    if node.kind == "text":
        try:
            return read_text_name(node).canonical()
        except ParseError:
            return f"{node.command}{{{node.value.strip()}}}"
    return NAME_ALIASES.get(node.value, node.value)



def is_capital(base: str) -> bool:
    """A capital Latin or Greek letter: what may stand for a matrix when no shape is declared."""
    return (len(base) == 1 and base.isupper()) or (base.startswith("\\") and base[1:2].isupper())


def letters_in(nodes: list) -> set[str]:
    letters = set()
    for node_list in node_lists(nodes):
        for node in node_list:
            if is_simple(node) and not is_digit(node):
                letters.add(NAME_ALIASES.get(node.value, node.value))
    return letters


def arity_of(sub: list) -> int:
    parts = split_top(sub, ",")
    if len(parts) > 1:
        return len(parts)
    if all(is_simple(node) for node in sub):
        return len(sub)
    return 1


def is_simple(node) -> bool:
    """A one-token index: a letter, a digit or a Greek letter."""
    return is_letter(node) or is_digit(node) or (
        isinstance(node, Tok) and node.kind == "cmd"
        and (node.value in GREEK or node.value in NAME_ALIASES))


def is_letter(node) -> bool:
    return isinstance(node, Tok) and node.kind == "char" and node.value in ASCII_LETTERS


def node_at(nodes: list, index: int):
    return nodes[index] if index < len(nodes) else None
