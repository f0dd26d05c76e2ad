r"""Stage 4, the reader: the grammar of the dialect over grouped nodes.

Each side of an equation is cut into additive terms. In each term a rewriting pass reads the
dialect (names, function applications, derivative fractions, sums, indicators, literal
matrices, numbers, every bracketed group) and emits a placeholder ``\variable{Zk}`` bound to the
SymPy object it stands for; latex2sympy2_extended (:mod:`symdl.parse.library`) parses what is
left, an expression of placeholders and operators; :meth:`Reader.bind` rebuilds that tree with
the constructors of :mod:`symdl.parse.bind`.

The reader is one class assembled from its concerns: :class:`~symdl.parse.objects.NameObjects`,
:class:`~symdl.parse.calls.Calls`, :class:`~symdl.parse.derivatives.Derivatives`,
:class:`~symdl.parse.sums.Sums`, :class:`~symdl.parse.elision.Elisions` and
:class:`~symdl.parse.brackets.Brackets`.
"""

from __future__ import annotations

import dataclasses

import sympy as sp

from symdl.errors import ParseError, UnsupportedError
from symdl.parse.apply import POINT, apply, factorial
from symdl.parse.bind import HADAMARD, IdentityName, add, identity_beside, is_matrix, power, product
from symdl.parse.brackets import Brackets
from symdl.parse.calls import Calls
from symdl.parse.derivatives import Derivatives
from symdl.parse.elision import Elisions, is_ellipsis_term
from symdl.parse.groups import (
    Group, argument_of, digit_follows, first_col, group, is_digit, is_token, next_group, next_is,
    node_lists,
)
from symdl.parse.library import Emitter, SyntaxAt, run_library
from symdl.parse.linalg import is_square
from symdl.parse.model import Context, Side
from symdl.parse.names import NameRead, is_letter, read_decorations, read_name
from symdl.parse.numbers import plain_number, read_number
from symdl.parse.objects import NameObjects, symbol_table
from symdl.parse.split import (
    plain_word, refuse_prose, relation_name, side_texts, split_equation, split_terms,
)
from symdl.parse.sums import Sums, plain_sum
from symdl.parse.tokens import ASCII_LETTERS, DIGITS, Tok, math_span, tokenize
from symdl.parse.vocabulary import (
    ACCENTS, BINARY_OPERATORS, ELLIPSES, EQUALS, FRACTIONS, FUNCTION_WORDS, GREEK,
    HADAMARD_COMMANDS, LIBRARY_FUNCTIONS, MATRIX_FUNCTION_WORDS, NAME_ALIASES, RELATIONS,
    UNSUPPORTED_COMMANDS, WORD_COMMANDS,
)

MAX_TERMS = 2_000
MAX_TERM_NODES = 600  # the library recurses once per factor of a product


class Reader(NameObjects, Calls, Derivatives, Sums, Elisions, Brackets):
    """One parse: the context, the placeholder table and what is known about indices."""

    def __init__(self, context: Context):
        self.context = context
        self.symbols = symbol_table(context.symbols)
        self.table: dict[str, object] = {}
        self.sum_indices: set[str] = set()
        self.index_letters: set[str] = set()
        self.auto_indexed: dict[str, int] = {}
        self.derivatives = 0
        self.column = 1

    def read(self, text: str):
        start, end = math_span(text)
        nodes = group(tokenize(text[start:end], start))
        if not nodes:
            raise ParseError("empty input", start + 1)
        self.letters_used = {node.value for node_list in node_lists(nodes) for node in node_list
                             if is_letter(node)}
        self._collect_index_facts(nodes)
        parts, separators = split_equation(nodes)
        texts = side_texts(text, (start, end), separators)
        sides = []
        for number, (part, source) in enumerate(zip(parts, texts)):
            target = self._left_side(part) if number == 0 and len(parts) > 1 else None
            if target is not None:
                value, tolerance = self._named_derivative_value(target), None
            else:
                value, tolerance = self._side_value(part)
            sides.append(Side(value, tolerance, source, target))
        return self._finished(sides), [relation_name(node) for node in separators]

    def _finished(self, sides: list) -> list:
        r"""Sides in their final form: ``I`` compared with a square matrix is the identity, and
        otherwise a plain symbol; a sum of matrices is SymPy's Sum, as derivations write it."""
        size = next((side.value.shape[0] for side in sides
                     if is_matrix(side.value) and side.value.shape != (1, 1)
                     and is_square(side.value)), None)
        finished = []
        for side in sides:
            value = side.value
            if size is not None:
                value = identity_beside(value, size)
            names = value.atoms(IdentityName) if isinstance(value, sp.Basic) else ()
            if names:
                value = value.xreplace({name: self.plain_symbol(name.name, name.name[:1])
                                        for name in names})
            finished.append(dataclasses.replace(side, value=plain_sum(value)))
        return finished

    def _side_value(self, nodes: list):
        # A number in braces or parentheses, {0.73} or \left(0.73\right), is still a written decimal.
        while len(nodes) == 1 and isinstance(nodes[0], Group) and nodes[0].kind in ("brace", "paren"):
            nodes = nodes[0].children
        number = plain_number(nodes)
        if number is not None:
            return number
        return self.value(nodes), None

    def value(self, nodes: list):
        """The value of a list of nodes: its terms, each read by the library, added."""
        if not nodes:
            raise ParseError("something is missing here", self.column)
        split = split_terms(nodes)
        if len(split) > MAX_TERMS:
            raise UnsupportedError(f"more than {MAX_TERMS} terms in one sum")
        if any(is_ellipsis_term(term) for term in split):
            terms = self._elided_sum(split)
        else:
            terms = [self._term(term) for term in split]
        return add(terms) if len(terms) > 1 else terms[0]

    def _term(self, nodes: list):
        out = Emitter(self.table)
        self.column = first_col(nodes, self.column)
        if len(nodes) > MAX_TERM_NODES:
            raise UnsupportedError(f"more than {MAX_TERM_NODES} symbols in one term "
                                   f"(column {self.column})")
        atom = self._atom(nodes)
        if atom is not None:
            return atom
        if any(is_token(node, *ELLIPSES) for node in nodes):
            nodes = self._elided_product(nodes)
        self._rewrite(nodes, out)
        if not out.pieces:
            raise ParseError("something is missing here", self.column)
        try:
            raw = run_library(out.text)
        except SyntaxAt as error:
            raise ParseError("could not read the expression here",
                             out.column_at(error.position)) from None
        return self.bind(raw)

    def _atom(self, nodes: list):
        """A lone number or plain name, read without the library (most groups are one)."""
        if all(is_digit(node) for node in nodes) and not any(n.space_before for n in nodes[1:]):
            return read_number(nodes, 0)[0]
        first = nodes[0]
        if not (isinstance(first, Tok) and (first.is_char() and first.value in ASCII_LETTERS
                                            and first.value != "e" or first.value in GREEK)):
            return None
        name = read_name(nodes, 0)
        if name.end != len(nodes) or name.transposed or name.power is not None:
            return None
        return self.name_object(name)

    def _rewrite(self, nodes: list, out: Emitter) -> None:
        index = 0
        while index < len(nodes):
            node = nodes[index]
            if isinstance(node, Group):
                index = self._group_at(nodes, index, out)
            elif node.kind == "text":
                index = self._text_at(nodes, index, out)
            elif node.kind == "value":  # a value read already (an elided product)
                out.add(node.value, node.col)
                index += 1
            elif node.kind == "cmd":
                index = self._command_at(nodes, index, out)
            else:
                index = self._char_at(nodes, index, out)

    def _placeholder(self, value, col: int) -> Tok:
        """A node standing for ``value`` (the reader's own, never from the input)."""
        out = Emitter(self.table)
        out.value(value, col)
        return Tok("value", out.text, col)

    def _char_at(self, nodes: list, index: int, out: Emitter) -> int:
        token = nodes[index]
        char = token.value
        if char in DIGITS or (char == "." and digit_follows(nodes, index)):
            value, following = read_number(nodes, index)
            out.value(value, token.col)
            return following
        if char in ASCII_LETTERS:
            return self._letter_at(nodes, index, out)
        if char in BINARY_OPERATORS:
            out.add(BINARY_OPERATORS[char], token.col)
            return index + 1
        if char == "!":
            out.add("!", token.col)
            return index + 1
        if char == "^":
            return self._superscript_at(nodes, index, out)
        messages = {
            "_": "a subscript needs a name before it",
            "'": "a prime needs a function or a name before it",
            ",": "a comma-separated list is not an expression",
            ";": "a semicolon only separates function arguments",
            "&": "'&' outside a matrix",
            "=": "'=' inside an expression",
        }
        if char in "<>":
            raise UnsupportedError(f"an inequality is not a value (column {token.col})")
        raise ParseError(messages.get(char, f"unexpected {char!r}"), token.col)

    def _letter_at(self, nodes: list, index: int, out: Emitter) -> int:
        word = plain_word(nodes, index)
        if word in MATRIX_FUNCTION_WORDS:
            return self._matrix_function_at(MATRIX_FUNCTION_WORDS[word], nodes, index + len(word),
                                            out, nodes[index])
        if word:
            function = FUNCTION_WORDS[word.lower()]
            return self._function_call(function, word, nodes, index + len(word), out,
                                       nodes[index].col)
        refuse_prose(nodes, index, self.declared)
        token = nodes[index]
        euler = not (next_is(nodes, index + 1, "_", "'") or self.declared("e"))
        if token.value == "e" and euler:
            out.add("e", token.col)  # Euler's number; the library reads e^{x} as exp(x)
            return index + 1
        return self._name_at(nodes, index, out)

    def _command_at(self, nodes: list, index: int, out: Emitter) -> int:
        token = nodes[index]
        command = token.value
        if command in FRACTIONS:
            return self._fraction_at(nodes, index, out)
        if command == r"\sqrt":
            return self._sqrt_at(nodes, index, out)
        if command in (r"\sum", r"\prod"):
            return self._sum_at(nodes, index, out)
        if command in GREEK or command in NAME_ALIASES or command in ACCENTS:
            return self._name_at(nodes, index, out)
        if command in BINARY_OPERATORS:
            out.add(BINARY_OPERATORS[command], token.col)
            return index + 1
        if command in HADAMARD_COMMANDS:
            # One marker factor in the product; binding splits the product at it.
            out.add(r"\cdot", token.col)
            out.value(HADAMARD, token.col)
            out.add(r"\cdot", token.col)
            return index + 1
        if command in LIBRARY_FUNCTIONS:
            return self._library_function_at(nodes, index, out)
        if command in (r"\max", r"\min"):
            return self._function_call(command[1:], command, nodes, index + 1, out, token.col)
        if command == r"\det":
            return self._matrix_function_at("determinant", nodes, index + 1, out, token)
        if command[1:] in FUNCTION_WORDS:  # \arctanh(x), \softplus(x)
            return self._function_call(FUNCTION_WORDS[command[1:]], command, nodes, index + 1, out,
                                       token.col)
        if command == r"\infty":
            out.value(sp.oo, token.col)
            return index + 1
        if command in UNSUPPORTED_COMMANDS:
            raise UnsupportedError(f"not supported: {UNSUPPORTED_COMMANDS[command]} "
                                   f"(column {token.col})")
        if command in RELATIONS or command in EQUALS:
            raise UnsupportedError(f"a relation is not a value (column {token.col})")
        if command == r"\partial":
            raise UnsupportedError(rf"\partial outside a \frac is not supported "
                                   f"(column {token.col})")
        if command == r"\\":
            raise ParseError(r"'\\' outside a matrix", token.col)
        raise ParseError(f"unknown command {command}", token.col)

    def _text_at(self, nodes: list, index: int, out: Emitter) -> int:
        token = nodes[index]
        content = token.value.strip()
        blackboard = token.command in (r"\mathbb", r"\mathds")
        if content == "I" and blackboard and not self._condition_follows(nodes, index + 1):
            name = read_decorations(nodes, index + 1, NameRead("I", token.col, index + 1))
            out.value(self.name_object(name), token.col)  # \mathbb{I}: the identity
            return name.end
        if content == "1" or (content == "I" and blackboard):
            if token.command in (r"\mathbb", r"\mathds", r"\mathbf", r"\boldsymbol", r"\bm"):
                return self._indicator_at(nodes, index, out)
        if content == "e" and token.command in WORD_COMMANDS and not next_is(nodes, index + 1, "_"):
            out.add("e", token.col)  # \mathrm{e}: Euler's number
            return index + 1
        if token.command in (r"\mathbb", r"\mathds"):
            raise UnsupportedError(rf"sets like \mathbb{{{content}}} are not values")
        if content.lower().replace(" ", "") in ("argmin", "argmax", "arg\\,min", "arg\\,max"):
            raise UnsupportedError(f"not supported: {content} (column {token.col})")
        if token.command in WORD_COMMANDS and content in MATRIX_FUNCTION_WORDS:
            return self._matrix_function_at(MATRIX_FUNCTION_WORDS[content], nodes, index + 1, out,
                                            token)
        if token.command in WORD_COMMANDS and content.lower() in FUNCTION_WORDS:
            function = FUNCTION_WORDS[content.lower()]
            return self._function_call(function, content, nodes, index + 1, out, token.col)
        return self._name_at(nodes, index, out)

    def _sqrt_at(self, nodes: list, index: int, out: Emitter) -> int:
        token = nodes[index]
        following = index + 1
        root = None
        if next_group(nodes, following, "bracket"):
            root = self.value(nodes[following].children)
            following += 1
        radicand = self.value(argument_of(nodes, following, token))
        out.add(r"\sqrt", token.col)
        if root is not None:
            out.add("[", token.col)
            out.value(root, token.col)
            out.add("]", token.col)
        out.add("{", token.col)
        out.value(radicand, token.col)
        out.add("}", token.col)
        return following + 1

    def bind(self, raw):
        if isinstance(raw, sp.Symbol):
            if raw.name not in self.table:
                raise ParseError(f"could not read {raw.name!r}", self.column)
            return self.table[raw.name]
        if isinstance(raw, sp.Number) or raw in (sp.E, sp.pi):
            return raw
        if isinstance(raw, sp.Add):
            return add([self.bind(arg) for arg in raw.args])
        if isinstance(raw, sp.Mul):
            return product([self._factor(arg) for arg in raw.args], self.column)
        if isinstance(raw, sp.Pow):
            return power(self.bind(raw.base), self.bind(raw.exp))
        if isinstance(raw, (sp.Sum, sp.Product)):
            return self._bind_sum(raw)
        if isinstance(raw, sp.factorial):
            return factorial(self.bind(raw.args[0]))
        if isinstance(raw, sp.log):  # the library writes \ln x as log(x, E)
            argument, *base = [self.bind(arg) for arg in raw.args]
            if base and base[0] != sp.E:
                return apply(sp.Lambda(POINT, sp.log(POINT, base[0])), argument)
            return apply(sp.log, argument)
        if isinstance(raw, sp.Function) and len(raw.args) == 1:
            return apply(type(raw), self.bind(raw.args[0]))
        raise UnsupportedError(f"{type(raw).__name__} is not supported (column {self.column})")

    def _factor(self, raw) -> tuple[str, object]:
        # The library writes a/b as a * b**-1 with a literal -1; a written b^{-1} arrives as a
        # placeholder exponent, so the two stay apart: division by a vector is elementwise.
        if isinstance(raw, sp.Pow) and raw.exp is sp.S.NegativeOne:
            return "divide", self.bind(raw.base)
        return "multiply", self.bind(raw)
