r"""Elided terms: ``x_1 + \cdots + x_n`` is a sum and ``x_1 \cdots x_n`` a product over the
pattern's index.

The first and last terms (or factors) around the ellipsis must differ only in one index: the
same tokens everywhere except where the first has its start value and the last its end value
(``x_1``/``x_n``, ``w_1 x_1``/``w_n x_n``, ``x_0``/``x_{N-1}``, ``2^1``/``2^n``). Terms written
before the ellipsis that fit the pattern (``x_1 + x_2 + \cdots``) must count up by one. Anything
else is refused with a sentence saying so, never guessed.
"""

from __future__ import annotations

import dataclasses

import sympy as sp

from symdl.errors import UnsupportedError
from symdl.parse.groups import Group, group, is_token, next_group, next_is
from symdl.parse.names import canonical_tex, read_name
from symdl.parse.tokens import Tok, tokenize
from symdl.parse.vocabulary import ELLIPSES, FRACTIONS

INDEX_LETTERS = "ijklmpqrstuv"
FACTOR_SEPARATORS = (r"\cdot", r"\times", "*")


def is_ellipsis_term(term: list) -> bool:
    nodes = term[1:] if term and is_token(term[0], "+", "-") else term
    return len(nodes) == 1 and is_token(nodes[0], *ELLIPSES)


def template(first: list, last: list, index: Tok, in_script: bool = False):
    r"""``last`` with the places where it differs from ``first`` replaced by ``index``, and the
    set of (first, last) texts of those places; None where the two differ in structure.

    A place is a whole sub- or superscript, a token in one, or a number (``1 + 2 + \cdots + n``);
    never a name (``x_1 + \cdots + y_1`` has no pattern)."""
    if len(first) != len(last):
        return None
    out, pairs, position = [], set(), 0
    while position < len(first):
        a, b = first[position], last[position]
        if is_token(a, "_", "^") and is_token(b, a.value) and position + 1 < len(first):
            argument = _argument_template(first[position + 1], last[position + 1], index)
            if argument is None:
                return None
            node, found = argument
            out += [b, node]
            pairs |= found
            position += 2
            continue
        if isinstance(a, Group) and isinstance(b, Group):
            if (a.kind, a.env) != (b.kind, b.env):
                return None
            inner = template(a.children, b.children, index, in_script)
            if inner is None:
                return None
            out.append(dataclasses.replace(b, children=inner[0]))
            pairs |= inner[1]
        elif isinstance(a, Tok) and isinstance(b, Tok):
            if (a.kind, a.value) == (b.kind, b.value):
                out.append(b)
            elif (a.kind == b.kind == "char" and a.value.isalnum() and b.value.isalnum()
                  and (in_script or a.value.isdigit())):
                out.append(index)
                pairs.add((a.value, b.value))
            else:
                return None
        else:
            return None
        position += 1
    return out, pairs


def _argument_template(a, b, index: Tok):
    """A sub- or superscript argument: compared inside, or as one unit where its length differs."""
    first = a.children if isinstance(a, Group) and a.kind == "brace" else [a]
    last = b.children if isinstance(b, Group) and b.kind == "brace" else [b]
    inner = template(first, last, index, in_script=True)
    if inner is not None:
        nodes, pairs = inner
    else:
        nodes, pairs = [index], {(canonical_tex(first), canonical_tex(last))}
    return Group("brace", getattr(b, "col", index.col), nodes), pairs


def factor_spans(nodes: list) -> list[tuple[int, int]]:
    """Where each factor of a product starts and ends, separators (\\cdot, \\times) skipped."""
    spans, position = [], 0
    while position < len(nodes):
        if is_token(nodes[position], *FACTOR_SEPARATORS):
            position += 1
            continue
        end = _factor_end(nodes, position)
        spans.append((position, end))
        position = end
    return spans


def _factor_end(nodes: list, position: int) -> int:
    node = nodes[position]
    name = read_name(nodes, position) if not isinstance(node, Group) else None
    if name is not None:
        end = name.end
    elif is_token(node, *FRACTIONS):
        end = position + 3
    else:
        end = position + 1
    if (name is not None or (isinstance(node, Tok) and node.kind in ("cmd", "text"))) \
            and next_group(nodes, end, "paren"):
        end += 1  # a function applied: \sigma(z_1)
    while next_is(nodes, end, "_", "^"):
        end += 2
    return min(end, len(nodes))


class Elisions:
    """Reading elided sums and products (a part of the Reader)."""

    def _elided_sum(self, terms: list):
        """The value of terms with an ellipsis term among them."""
        values, position = [], 0
        while position < len(terms):
            if position + 1 < len(terms) and is_ellipsis_term(terms[position + 1]):
                ellipsis = terms[position + 1]
                if position + 2 >= len(terms):
                    raise UnsupportedError(_message(ellipsis, "needs a last term after it"))
                if not (is_token(ellipsis[0], "+") and is_token(terms[position + 2][0], "+")):
                    raise UnsupportedError(_message(ellipsis, "is read between + signs only: "
                                                    r"x_1 + \cdots + x_n"))
                run = [_unsigned(term) for term in terms[:position + 1]]
                count, value = self._elided(sp.Sum, run, _unsigned(terms[position + 2]),
                                            ellipsis[-1])
                values = values[:len(values) - count + 1] + [value]
                position += 3
                continue
            if is_ellipsis_term(terms[position]):
                raise UnsupportedError(_message(terms[position], "needs a first and a last term"))
            values.append(self._term(terms[position]))
            position += 1
        return values

    def _elided_product(self, nodes: list) -> list:
        r"""A term's nodes with ``x_1 x_2 \cdots x_n`` replaced by a placeholder of the product."""
        cut = next(position for position, node in enumerate(nodes) if is_token(node, *ELLIPSES))
        after = cut + 1
        while next_is(nodes, after, *FACTOR_SEPARATORS):
            after += 1
        before = factor_spans(nodes[:cut])
        if not before or after >= len(nodes):
            raise UnsupportedError(_message([nodes[cut]], "needs a first and a last factor"))
        end = _factor_end(nodes, after)
        run = [nodes[start:stop] for start, stop in before]
        count, value = self._elided(sp.Product, run, nodes[after:end], nodes[cut])
        start = before[len(before) - count][0]
        return nodes[:start] + [self._placeholder(value, nodes[cut].col)] + nodes[end:]

    def _elided(self, kind, run: list, last: list, ellipsis: Tok):
        """(how many of ``run``'s last items the pattern covers, the Sum or Product)."""
        index = Tok("char", self._fresh_index(), ellipsis.col)
        found = template(run[-1], last, index)
        if found is None or len(found[1]) != 1:
            raise UnsupportedError(_message([ellipsis], "needs first and last terms that differ "
                                            r"in one index, as in x_1 + \cdots + x_n"))
        body, pairs = found
        (start_text, end_text), = pairs
        first_values = [self._index_bound(start_text, ellipsis)]
        for item in reversed(run[:-1]):
            earlier = template(item, last, index)
            if (earlier is None or len(earlier[1]) != 1
                    or canonical_tex(earlier[0]) != canonical_tex(body)):
                break
            (text, _), = earlier[1]
            value = self._index_bound(text, ellipsis)
            if sp.expand(first_values[0] - value - 1) != 0:
                raise UnsupportedError(_message([ellipsis], "needs the terms before it to count "
                                                "up by one, as in x_1 + x_2 + \\cdots + x_n"))
            first_values.insert(0, value)
        start, end = first_values[0], self._index_bound(end_text, ellipsis)
        if (end - start).is_negative or (end.is_number and not start.is_number):
            start, end = end, start  # x_n + \cdots + x_1: the same terms, written downwards
        variable = sp.Symbol(index.value, integer=True)
        self.sum_indices.add(index.value)
        self.index_letters.add(index.value)
        self._collect_index_facts(body)
        return len(first_values), self._summed(kind, self.value(body), variable, start, end)

    def _index_bound(self, text: str, ellipsis: Tok):
        """The value of a start or end index, from its canonical LaTeX."""
        return self.value(group(tokenize(text, ellipsis.col - 1)))

    def _fresh_index(self) -> str:
        for letter in INDEX_LETTERS:
            if letter not in self.letters_used:
                self.letters_used.add(letter)
                return letter
        raise UnsupportedError(r"no letter is free to index the terms elided by \cdots")


def _unsigned(term: list) -> list:
    return term[1:] if term and is_token(term[0], "+") else term


def _message(nodes: list, problem: str) -> str:
    ellipsis = next((node for node in nodes if is_token(node, *ELLIPSES)), nodes[-1])
    return f"{ellipsis.value} {problem} (column {ellipsis.col})"
