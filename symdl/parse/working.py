r"""A multi-line working read into lines and the relations they claim.

Accepted forms: ``aligned``, ``align``, ``align*``, ``eqnarray``, ``gathered`` (and their
starred forms, ``split``, ``gather``, ``multline``); lines separated by ``\\``; ``&=`` alignment
points; a line that starts with a relation continues the previous expression; chains ``a = b = c``
on one line; several math blocks (``$$…$$``, ``\[…\]``), where a block that starts with ``=``
continues the previous one. ``\text{…}`` remarks, ``\quad (3)`` tags, ``\tag{…}``, ``\label{…}``
and ``\nonumber`` are ignored.

Relations: ``=`` (and ``:=``, ``\coloneqq``, ``\equiv``), ``\approx``, ``\Rightarrow``,
``\implies``, ``\iff``, and the inequalities. Only the text is cut here; each side is read by
:func:`symdl.parse.parse` when it is checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from symdl.errors import ParseError
from symdl.parse.groups import Group, group
from symdl.parse.tokens import Tok, check_text, tokenize

WORKING_ENVIRONMENTS = frozenset({"aligned", "align", "align*", "eqnarray", "eqnarray*", "gathered", "gather",
                                  "gather*", "split", "multline", "multline*", "alignedat", "equation",
                                  "equation*", "array"})
RELATIONS = {"=": "=", r"\coloneqq": "=", r"\equiv": "=", r"\approx": r"\approx", r"\simeq": r"\approx",
             r"\Rightarrow": r"\Rightarrow", r"\implies": r"\Rightarrow", r"\Longrightarrow": r"\Rightarrow",
             r"\iff": r"\iff", r"\Leftrightarrow": r"\iff", r"\Longleftrightarrow": r"\iff",
             "<": "<", ">": ">", r"\lt": "<", r"\gt": ">", r"\le": r"\le", r"\leq": r"\le", r"\leqslant": r"\le",
             r"\ge": r"\ge", r"\geq": r"\ge", r"\geqslant": r"\ge", r"\neq": r"\neq", r"\ne": r"\neq"}
IGNORED_COMMANDS = frozenset({r"\nonumber", r"\notag", r"\displaystyle", r"\textstyle"})
COMMANDS_WITH_ARGUMENT = frozenset({r"\tag", r"\label", r"\tag*"})
_BLOCK = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|\$(.+?)\$", re.S)
MAX_LINES = 200


@dataclass(frozen=True)
class Side:
    """One side of a relation as written: its text and where it starts (1-based column in its block)."""

    text: str
    relation: str | None  # the relation written before it (None for a line's first side)


@dataclass(frozen=True)
class Line:
    index: int
    text: str
    sides: tuple


def read_working(text: str) -> list[Line]:
    """The lines of a working, each cut into its sides; raises ParseError on text that is no working."""
    check_text(text)
    lines: list[Line] = []
    for block in _blocks(text):
        for nodes, source in _raw_lines(block):
            sides = _sides(nodes, block)
            if sides:
                lines.append(Line(len(lines), source.strip(), tuple(sides)))
            if len(lines) > MAX_LINES:
                raise ParseError(f"a working of more than {MAX_LINES} lines", 1)
    if not lines:
        raise ParseError("no mathematics to check", 1)
    return lines


def is_working(text: str) -> bool:
    """Whether an answer is a multi-line working rather than one expression or equation."""
    if not isinstance(text, str):
        return False
    try:
        lines = read_working(text)
    except ParseError:
        return False
    return len(lines) > 1


def _blocks(text: str) -> list[str]:
    found = [next(g for g in match.groups() if g is not None) for match in _BLOCK.finditer(text)]
    return found or [text]


def _raw_lines(block: str):
    """Node lists of each line of a block, with the source text of the line."""
    nodes = group(tokenize(block))
    while len(nodes) == 1 and isinstance(nodes[0], Group) and nodes[0].kind == "env" \
            and nodes[0].env in WORKING_ENVIRONMENTS:
        nodes = nodes[0].children
    line, start = [], None
    for node in nodes:
        if isinstance(node, Tok) and node.kind == "cmd" and node.value == r"\\":
            yield line, _source(block, line)
            line = []
        else:
            line.append(node)
    yield line, _source(block, line)


def _source(block: str, nodes: list) -> str:
    if not nodes:
        return ""
    return block[_start(block, nodes[0]):_end(block, nodes[-1])]


_CLOSING = re.compile(r"\\end\{[^}]*\}|\\right\s*(?:\\[A-Za-z]+|\\.|.)|\\[A-Za-z]+|\\.|.", re.S)


def _start(block: str, node) -> int:
    """The 0-based offset where ``node`` starts in ``block`` (a text command's name included)."""
    if isinstance(node, Tok) and node.kind == "text" and node.command:
        found = block.rfind(node.command, 0, node.col)
        return found if found >= 0 else node.col - 1
    return node.col - 1


def _end(block: str, node) -> int:
    """The 0-based offset just after ``node`` in ``block``."""
    if isinstance(node, Group):
        if not node.end_col:
            return len(block)
        closing = _CLOSING.match(block, node.end_col - 1)
        return closing.end() if closing else node.end_col
    if node.kind == "text":
        return node.col - 1 + len(node.value) + 1
    return node.col - 1 + len(node.value)


def _sides(nodes: list, block: str) -> list[Side]:
    """The sides of one line, at its top-level relations; remarks, tags and '&' dropped."""
    kept = [(node, (_start(block, node), _end(block, node))) for node, _ in _without_remarks(nodes)]
    if not kept:
        return []
    sides, current, relation = [], [], None
    for node, span in kept:
        name = _relation_of(node)
        if name is not None:
            if current:
                sides.append(Side(_joined(block, current), relation))
            elif sides or relation is not None:
                raise ParseError("two relations with nothing between them", node.col)
            current, relation = [], name
            continue
        current.append(span)
    if current:
        sides.append(Side(_joined(block, current), relation))
    elif relation is not None:
        raise ParseError("a relation with nothing after it", kept[-1][0].col)
    return sides


def _relation_of(node):
    if isinstance(node, Tok) and node.kind in ("char", "cmd") and node.value in RELATIONS:
        return RELATIONS[node.value]
    return None


def _joined(block: str, spans: list[tuple]) -> str:
    """The source of the spans, with the original spacing where nothing was dropped between them."""
    text = block[spans[0][0]:spans[0][1]]
    for (_, end), (start, stop) in zip(spans, spans[1:]):
        gap = block[end:start]
        text += (gap if not gap.strip() else " ") + block[start:stop]
    return text.strip()


def _without_remarks(nodes: list) -> list[tuple]:
    """(node, its source text) for the nodes that carry mathematics, ':=' read as '='."""
    kept = []
    skip = 0
    for index, node in enumerate(nodes):
        if skip:
            skip -= 1
            continue
        if isinstance(node, Tok) and node.kind == "cmd" and node.value in COMMANDS_WITH_ARGUMENT:
            skip = 1
            continue
        if isinstance(node, Tok) and (node.kind == "cmd" and node.value in IGNORED_COMMANDS or node.value == "&"):
            continue
        if isinstance(node, Tok) and node.kind == "char" and node.value == ":" and index + 1 < len(nodes) \
                and isinstance(nodes[index + 1], Tok) and nodes[index + 1].value == "=":
            continue
        if _is_remark(node, nodes, index):
            continue
        if _is_tag(node, nodes, index):
            continue
        kept.append((node, None))
    return kept


def _is_remark(node, nodes, index) -> bool:
    r"""``\text{since …}``: words, not a function name (``\text{softmax}(z)`` is mathematics)."""
    if not (isinstance(node, Tok) and node.kind == "text"):
        return False
    content = node.value.strip()
    followed_by_paren = index + 1 < len(nodes) and isinstance(nodes[index + 1], Group) \
        and nodes[index + 1].kind == "paren"
    if followed_by_paren and re.fullmatch(r"[A-Za-z]+", content):
        return False
    return bool(re.search(r"\s", content)) or node.command.startswith(r"\text") and len(content) > 1 \
        and not followed_by_paren or not content


def _is_tag(node, nodes, index) -> bool:
    """A trailing ``(3)`` or ``(3.1)``: an equation number, not a factor."""
    if not (isinstance(node, Group) and node.kind == "paren" and index == len(nodes) - 1 and index > 0):
        return False
    inner = node.children
    return bool(inner) and all(isinstance(n, Tok) and (n.value.isdigit() or n.value in ".a-z") for n in inner) \
        and getattr(node, "space_before", False)
