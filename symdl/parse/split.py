r"""Cutting node lists: an equation into its sides at the relations, a side into its terms, and
runs of letters into function words or refused prose."""

from __future__ import annotations

from symdl.errors import ParseError, UnsupportedError
from symdl.parse.groups import is_token, next_group, next_is, split_top
from symdl.parse.names import is_letter
from symdl.parse.numbers import in_e_notation
from symdl.parse.vocabulary import EQUALS, PLAIN_FUNCTION_WORDS, RELATIONS, SIGN_CONTEXT


def split_equation(nodes: list) -> list[list]:
    nodes = [node for index, node in enumerate(nodes)  # := defines, as = does
             if not (is_token(node, ":") and next_is(nodes, index + 1, "="))]
    for node in nodes:
        if is_token(node, *RELATIONS, "<", ">"):
            raise UnsupportedError(f"an inequality is not a value (column {node.col})")
    sides = split_top(nodes, *EQUALS)
    separators = [n for n in nodes if is_token(n, *EQUALS)]
    for side, node in zip(sides, separators + [None]):
        if not side:
            col = node.col if node is not None else (nodes[-1].col if nodes else 1)
            raise ParseError("one side of the equation is empty", col)
    return sides, top_level(nodes, separators)


def top_level(nodes: list, candidates: list) -> list:
    """The candidates that stand at the top level of ``nodes`` (not inside a group)."""
    ids = {id(node) for node in nodes}
    return [node for node in candidates if id(node) in ids]


def relation_name(node) -> str:
    return "=" if node.value in ("=", r"\coloneqq") else node.value


def side_texts(text: str, span: tuple, separators: list) -> list[str]:
    """The source text of each side, cut at the relation tokens (columns are 1-based)."""
    cuts, start = [], span[0]
    for node in separators:
        cuts.append(text[start:node.col - 1].strip())
        start = node.col - 1 + len(node.value)
    cuts.append(text[start:span[1]].strip())
    return cuts


def split_terms(nodes: list) -> list[list]:
    """Split at top-level + and - that start a new term (not signs after an operator)."""
    terms, current = [], []
    for index, node in enumerate(nodes):
        starts_term = (is_token(node, "+", "-") and current
                       and not is_token(current[-1], *SIGN_CONTEXT)
                       and not in_e_notation(nodes, index))
        if starts_term:
            terms.append(current)
            current = []
        current.append(node)
    terms.append(current)
    return terms


def plain_word(nodes: list, index: int) -> str:
    """A function word spelled with plain letters (ReLU(x), softmax(z)_i), else ''."""
    letters = []
    for node in nodes[index:index + 8]:
        if not is_letter(node):
            break
        if letters and node.space_before:
            break
        letters.append(node.value)
    word = "".join(letters)
    following = index + len(word)
    if word in PLAIN_FUNCTION_WORDS:
        called = (next_group(nodes, following, "paren") or next_is(nodes, following, "'", "^"))
        if called:
            return word
    return ""


def refuse_prose(nodes: list, index: int, declared=lambda name: False) -> None:
    """Refuse a run of four or more letters as a word, unless every letter is a declared name
    (``ABCD`` of four declared matrices is their product)."""
    if index > 0 and is_letter(nodes[index - 1]) and not nodes[index].space_before:
        return  # not the start of a run of letters
    run = 0
    for node in nodes[index:]:
        if not is_letter(node):
            break
        if run and node.space_before:
            break
        run += 1
    if run >= 4 and not all(declared(node.value) for node in nodes[index:index + run]):
        word = "".join(node.value for node in nodes[index:index + run])
        raise ParseError(f"{word!r} reads as a word, not mathematics; separate the symbols "
                         r"or use \operatorname{...}", nodes[index].col)
