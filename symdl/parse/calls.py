r"""Names and function applications: ``\sigma(a)``, ``\operatorname{ReLU}'(h)``, ``\tanh^2 a``,
``f(x_n; w)``, ``\operatorname{softmax}(z)_i`` and indicators ``\mathbb{1}[h>0]``."""

from __future__ import annotations

import sympy as sp

from symdl.errors import ParseError, UnsupportedError
from symdl.functions import sigmoid, step
from symdl.parse.apply import POINT, apply, apply_function, indicator_value, softmax, whole_softmax
from symdl.parse.bind import TRANSPOSE, add, is_matrix, mul
from symdl.parse.groups import (
    Group, Tok, argument_of, has_top_level, is_token, next_group, next_is, split_top,
)
from symdl.parse.library import Emitter
from symdl.parse.linalg import at_column, determinant_of, diagonal_of, trace_of
from symdl.parse.names import NameRead, canonical_tex, read_name, superscript_kind
from symdl.parse.vocabulary import (
    BINARY_OPERATORS, EQUALS, FUNCTION_LETTERS, HADAMARD_COMMANDS, INVERSE_FUNCTIONS,
    FUNCTION_WORDS, LIBRARY_FUNCTIONS, MATRIX_FUNCTION_WORDS, PLAIN_FUNCTION_LETTERS, RELATIONS,
)

MATRIX_FUNCTIONS = {"trace": trace_of, "determinant": determinant_of, "diagonal": diagonal_of}
# Where a function's argument written without parentheses ends.
ARGUMENT_ENDS = (frozenset(BINARY_OPERATORS) | HADAMARD_COMMANDS | frozenset(RELATIONS) | EQUALS
                 | frozenset({",", ";", "&", "<", ">", "!", r"\\"}))


def _starts_function(node) -> bool:
    r"""A node that opens another function (``\det A \det B``: the first argument ends there)."""
    if not isinstance(node, Tok):
        return False
    if node.kind == "cmd":
        return node.value in LIBRARY_FUNCTIONS or node.value in (r"\det", r"\max", r"\min")
    if node.kind == "text":
        word = node.value.strip()
        return word in MATRIX_FUNCTION_WORDS or word.lower() in FUNCTION_WORDS
    return False


class Calls:
    """Reading names and function applications (a part of the Reader)."""

    def _name_at(self, nodes: list, index: int, out: Emitter) -> int:
        name = read_name(nodes, index)
        if name is None:
            raise ParseError("expected a name", nodes[index].col)
        following = name.end
        if next_group(nodes, following, "brace") and len(nodes[following].children) == 1 \
                and next_group(nodes[following].children, 0, "paren"):
            # f{\left(x, w\right)}, as SymPy's printer writes an application
            nodes = nodes[:following] + nodes[following].children + nodes[following + 1:]
        quantity = self._named_quantity(name, nodes, following)
        if quantity is not None:
            out.value(quantity, name.col)
            return following + 1
        function = self._called_function(name, nodes, following)
        if function is not None:
            label = name.word or name.without_primes().canonical()
            return self._apply_at(function, label, name.primes, None, nodes, following, out,
                                  name.col)
        out.value(self.name_object(name), name.col)
        if name.transposed:
            self._emit_power(TRANSPOSE, name.col, out)
        if name.power is not None:
            self._superscript_value(name.power, name.col, out)
        return following

    def _named_quantity(self, name: NameRead, nodes: list, following: int):
        r"""The object a context binds to an application like ``E(w^{*})`` or
        ``p(\mathbf{y} \mid \mathbf{X}, w)``, compared in canonical form; else None."""
        if not (self.symbols and next_group(nodes, following, "paren")):
            return None
        return self.symbols.get(name.canonical() + canonical_tex(nodes[following:following + 1]))

    def _called_function(self, name: NameRead, nodes: list, following: int):
        """The function a name applies when parentheses follow it, or None for a product."""
        if not next_group(nodes, following, "paren"):
            return None
        full = name.without_primes().canonical()
        if full in self.context.matrices or name.head in self.context.matrices:
            return None
        if full in self.context.step_functions or name.base in self.context.step_functions:
            return step
        if name.base == r"\sigma" and not name.decorated and name.primes <= 1:
            return sigmoid
        if name.word:
            return "undefined"
        if name.base in FUNCTION_LETTERS or (name.base in PLAIN_FUNCTION_LETTERS
                                             and not name.decorated):
            return "undefined"
        if has_top_level(nodes[following].children, ",", ";"):
            return "undefined"
        return None

    def _function_call(self, function, label: str, nodes: list, index: int, out: Emitter,
                       col: int) -> int:
        r"""A named function (\operatorname{ReLU}, \max, ReLU): primes, power, then arguments."""
        primes, power, base, following = self._function_suffix(nodes, index)
        if base is not None:
            raise ParseError(f"{label} does not take a subscript here", col)
        if not next_group(nodes, following, "paren"):
            raise ParseError(f"{label} needs a parenthesised argument", col)
        return self._apply_at(function, label, primes, power, nodes, following, out, col)

    def _library_function_at(self, nodes: list, index: int, out: Emitter) -> int:
        token = nodes[index]
        function = LIBRARY_FUNCTIONS[token.value]
        primes, power, base, following = self._function_suffix(nodes, index + 1)
        if base is not None and token.value != r"\log":
            raise ParseError(f"{token.value} does not take a subscript", token.col)
        if primes and not next_group(nodes, following, "paren"):
            raise ParseError(f"{token.value}' needs a parenthesised argument", token.col)
        if next_group(nodes, following, "paren"):
            if base is not None:
                function = sp.Lambda(POINT, sp.log(POINT, self.value(base)))
            return self._apply_at(function, token.value, primes, power, nodes, following, out,
                                  token.col)
        function, power_value = self._inverse_or_power(function, power, token.value)
        if power is not None and power_value is None:  # \tanh^{-1} x: the inverse function
            argument, following = self._loose_argument(nodes, following, token)
            out.value(apply(function, self.value(argument)), token.col)
            return following
        # No parentheses: the library reads the argument (\log x, \tanh^2 a).
        command = token.value
        if command == r"\log" and base is None:
            command = r"\ln"  # natural, as in every ML text; the library makes \log base 10
        out.add(command, token.col)
        if base is not None:
            out.add("_{", token.col)
            out.value(self.value(base), token.col)
            out.add("}", token.col)
        if power_value is not None:
            self._emit_power(power_value, token.col, out)
        return following

    def _function_suffix(self, nodes: list, index: int):
        primes, power, base = 0, None, None
        while index < len(nodes):
            node = nodes[index]
            if is_token(node, "'"):
                primes, index = primes + 1, index + 1
            elif is_token(node, "^") and power is None:
                argument = argument_of(nodes, index + 1, node)
                kind, extra = superscript_kind(argument)
                if kind == "prime":
                    primes += extra
                else:
                    power = argument
                index += 2
            elif is_token(node, "_") and base is None:
                base, index = argument_of(nodes, index + 1, node), index + 2
            else:
                break
        return primes, power, base, index

    def _function_power(self, power_nodes: list, label: str):
        value = self.value(power_nodes)
        if value == -1:
            raise UnsupportedError(f"{label}^{{-1}} is ambiguous: write the inverse function "
                                   f"or 1/{label}(...)")
        return value

    def _inverse_or_power(self, function, power_nodes, label: str):
        """(function, power): f^{-1} is the inverse function where f has a named one."""
        if power_nodes is None:
            return function, None
        if function in INVERSE_FUNCTIONS and self.value(power_nodes) == -1:
            return INVERSE_FUNCTIONS[function], None
        return function, self._function_power(power_nodes, label)

    def _loose_argument(self, nodes: list, index: int, token) -> tuple[list, int]:
        r"""The argument of a function written without parentheses (``\det A``,
        ``\operatorname{tr} A B``, ``\tanh^{-1} x``): the factors up to the next operator."""
        end = index
        while end < len(nodes) and not is_token(nodes[end], *ARGUMENT_ENDS) \
                and not (end > index and _starts_function(nodes[end])):
            end += 1
        if end == index:
            raise ParseError(f"{getattr(token, 'command', '') or token.value} needs an argument",
                             token.col)
        return nodes[index:end], end

    def _matrix_function_at(self, word: str, nodes: list, index: int, out: Emitter,
                            token) -> int:
        r"""``\operatorname{tr}(A)``, ``\det A``, ``\operatorname{diag}(v)``, with or without
        parentheses, and a power after the function (``\det^{2} A``)."""
        function = MATRIX_FUNCTIONS[word]
        primes, power, base, following = self._function_suffix(nodes, index)
        if primes or base is not None:
            raise ParseError(f"{word} takes no prime or subscript", token.col)
        if next_group(nodes, following, "paren"):
            arguments = self._arguments(nodes[following])
            if len(arguments) != 1:
                raise ParseError(f"{word} takes one argument, not {len(arguments)}", token.col)
            value, following = at_column(function, arguments[0], token.col), following + 1
        else:
            argument, following = self._loose_argument(nodes, following, token)
            value = at_column(function, self.value(argument), token.col)
        out.value(value, token.col)
        if power is not None:
            self._emit_power(self.value(power), token.col, out)
        return following

    def _kronecker(self, condition: list, sign):
        r"""``\mathbb{1}[i=j]`` is the Kronecker delta (``[i \neq j]`` its complement)."""
        cut = condition.index(sign)
        left, right = condition[:cut], condition[cut + 1:]
        if not left or not right:
            raise ParseError("an indicator needs a value on each side of its comparison", sign.col)
        indices = [self._index_value(left), self._index_value(right)]
        if any(is_matrix(index) for index in indices):
            raise UnsupportedError(r"\mathbb{1}[a=b] compares numbers or indices, not matrices")
        delta = sp.KroneckerDelta(*indices)
        return delta if sign.value == "=" else 1 - delta

    def _apply_at(self, function, label: str, primes: int, power, nodes: list, index: int,
                  out: Emitter, col: int) -> int:
        function, power = self._inverse_or_power(function, power, label)
        arguments = self._arguments(nodes[index])
        index += 1
        if function == "softmax":
            if not next_is(nodes, index, "_"):  # the whole vector: softmax(z)
                value = whole_softmax(arguments, col)
            else:
                entry = self._index_value(argument_of(nodes, index + 1, nodes[index]))
                value, index = softmax(arguments, entry, col), index + 2
        else:
            value = apply_function(function, label, primes, arguments, col)
        out.value(value, col)
        if power is not None:
            self._emit_power(power, col, out)
        return index

    def _emit_power(self, value, col: int, out: Emitter) -> None:
        out.add("^{", col)
        out.value(value, col)
        out.add("}", col)

    def _arguments(self, group: Group) -> list:
        parts = split_top(group.children, ",", ";")
        if any(not part for part in parts):
            raise ParseError("an empty function argument", group.col)
        return [self.value(part) for part in parts]

    def _indicator_at(self, nodes: list, index: int, out: Emitter) -> int:
        token = nodes[index]
        following = index + 1
        if next_is(nodes, following, "_"):
            condition = argument_of(nodes, following + 1, nodes[following])
            following += 2
        elif next_group(nodes, following, "bracket", "paren", "setbrace"):
            condition, following = nodes[following].children, following + 1
        else:
            raise UnsupportedError(rf"{token.command}{{1}} needs a condition, as in "
                                   r"\mathbb{1}[h>0]")
        out.value(self._indicator(condition, token.col), token.col)
        return following

    def _condition_follows(self, nodes: list, index: int) -> bool:
        r"""Does a condition (``[h>0]``, ``_{i=j}``) follow ``\mathbb{I}``? Else it is the
        identity."""
        if next_is(nodes, index, "_"):
            condition = argument_of(nodes, index + 1, nodes[index])
        elif next_group(nodes, index, "bracket", "paren", "setbrace"):
            condition = nodes[index].children
        else:
            return False
        return any(is_token(node, *RELATIONS, "=", r"\neq", r"\ne") for node in condition)

    def _indicator(self, condition: list, col: int):
        equality = [node for node in condition if is_token(node, "=", r"\neq", r"\ne")]
        if len(equality) == 1 and not any(is_token(node, *RELATIONS) for node in condition):
            return self._kronecker(condition, equality[0])
        relations = [node for node in condition
                     if is_token(node, *RELATIONS)]
        if len(relations) != 1:
            raise ParseError("an indicator needs one comparison, as in [h>0]", col)
        cut = condition.index(relations[0])
        left, right = condition[:cut], condition[cut + 1:]
        relation = RELATIONS[relations[0].value]
        if right and is_token(right[0], "=") and relation in "<>":
            relation, right = relation + "=", right[1:]
        left_value, right_value = self.value(left), self.value(right)
        if right_value != 0:
            left_value = add([left_value, mul(sp.Integer(-1), right_value)])
        return indicator_value(relation, left_value)
