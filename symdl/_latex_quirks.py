r"""Low-level LaTeX handling for :mod:`symdl.parse`, and every quirk of latex2sympy2_extended.

1. :func:`tokenize` turns the source into tokens carrying their 1-based column. It refuses control
   characters and stray Unicode, maps the common Unicode math characters onto their commands, and
   reads the argument of text-like commands (``\text``, ``\mathrm``, ``\mathbf``...) raw, so that
   whatever a student writes inside ``\text{...}`` never reaches a parser as mathematics.
2. :func:`group` nests the tokens into delimiter groups (braces, parentheses, ``\left...\right``,
   ``|...|``, environments) iteratively, with a depth cap, so unbalanced or absurdly deep input
   fails here with a column and no recursion.
3. Small readers over node lists: delimiters, arguments, decimal literals (``75{,}000``,
   ``1.2e-3``), and the :class:`Emitter` that writes the text handed to the library.
4. :func:`run_library` hands one small, flat expression to latex2sympy2_extended and returns its
   unevaluated SymPy tree. :mod:`symdl.parse` only ever gives it placeholders (``\variable{Z3}``)
   for names, numbers and groups, so the library contributes the operator grammar (precedence,
   juxtaposition, ``\frac``, ``\sqrt``, ``\sum``, paren-less ``\log x``, ``e^{x}``, ``n!``) and
   none of its guesses about symbols. On that path it never sympifies or evaluates text: numbers
   never reach it, and the two methods that would re-parse text fail closed (see _Converter).
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass, field

import sympy as sp
from antlr4 import Token
from antlr4.atn.PredictionMode import PredictionMode
from antlr4.error.ErrorListener import ErrorListener
from latex2sympy2_extended.latex2sympy2 import ConversionConfig, _Latex2Sympy

from symdl.errors import ParseError, UnsupportedError

MAX_LENGTH = 10_000
MAX_DEPTH = 100
MAX_DIGITS = 1000
MAX_EXPONENT = 1000

ASCII_LETTERS = frozenset(string.ascii_letters)
DIGITS = frozenset(string.digits)

# Commands whose braced argument is read raw: it is text or a font, never parsed as mathematics.
TEXT_COMMANDS = frozenset({
    r"\text", r"\textrm", r"\textit", r"\textbf", r"\textsf", r"\texttt", r"\textnormal", r"\mbox",
    r"\mathrm", r"\operatorname", r"\mathbf", r"\boldsymbol", r"\bm", r"\mathit", r"\mathsf",
    r"\mathtt", r"\mathnormal", r"\mathcal", r"\mathscr", r"\mathfrak", r"\mathbb", r"\mathds",
    r"\vec", r"\pmb",
})

# Commands that only change spacing or delimiter size: dropped.
IGNORED_COMMANDS = frozenset({
    r"\,", r"\;", r"\:", r"\!", r"\ ", r"\quad", r"\qquad", r"\displaystyle", r"\textstyle",
    r"\limits", r"\nolimits", r"\big", r"\Big", r"\bigg", r"\Bigg", r"\bigl", r"\bigr", r"\Bigl",
    r"\Bigr", r"\biggl", r"\biggr", r"\Biggl", r"\Biggr", r"\bigm", r"\Bigm", r"\mathstrut",
    r"\thinspace", r"\medspace", r"\thickspace", r"\negthinspace", r"\enspace", r"\hspace*",
})

# Unicode that students paste from other tools, mapped onto the LaTeX it stands for.
UNICODE_COMMANDS = {
    "−": "-", "–": "-", "·": r"\cdot", "⋅": r"\cdot", "×": r"\times", "÷": r"\div",
    "⊙": r"\odot", "∘": r"\circ", "∑": r"\sum", "∏": r"\prod", "√": r"\sqrt", "∂": r"\partial",
    "∞": r"\infty", "′": "'", "≈": r"\approx", "≤": r"\leq", "≥": r"\geq", "≠": r"\neq",
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\epsilon",
    "ϵ": r"\epsilon", "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ι": r"\iota", "κ": r"\kappa",
    "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu", "ξ": r"\xi", "π": r"\pi", "ρ": r"\rho",
    "σ": r"\sigma", "τ": r"\tau", "υ": r"\upsilon", "φ": r"\phi", "ϕ": r"\phi", "χ": r"\chi",
    "ψ": r"\psi", "ω": r"\omega", "Γ": r"\Gamma", "Δ": r"\Delta", "Θ": r"\Theta", "Λ": r"\Lambda",
    "Ξ": r"\Xi", "Π": r"\Pi", "Σ": r"\Sigma", "Φ": r"\Phi", "Ψ": r"\Psi", "Ω": r"\Omega",
    "\u00a0": " ",
}


@dataclass(frozen=True)
class Tok:
    r"""One token. ``kind`` is ``cmd`` (``\frac``), ``char`` (``x``, ``+``), ``text`` (the raw
    argument of a text-like command, with the command in ``command``), ``begin`` or ``end``."""

    kind: str
    value: str
    col: int
    space_before: bool = False
    command: str = ""

    def is_char(self, *values: str) -> bool:
        return self.kind == "char" and (not values or self.value in values)

    def is_cmd(self, *values: str) -> bool:
        return self.kind == "cmd" and (not values or self.value in values)


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


# ---------------------------------------------------------------------------------------------
# 1. tokens


def check_text(text: str) -> None:
    """Refuse what must never reach a parser: non-strings, empty or huge input, control chars."""
    if not isinstance(text, str):
        raise ParseError(f"expected LaTeX text, got {type(text).__name__}", 1)
    if len(text) > MAX_LENGTH:
        raise ParseError(f"input longer than {MAX_LENGTH} characters", MAX_LENGTH + 1)
    for index, char in enumerate(text):
        if char in "\t\n\r":
            continue
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            raise ParseError(f"control character U+{ord(char):04X}", index + 1)
    if not text.strip():
        raise ParseError("empty input", 1)


def tokenize(text: str, offset: int = 0) -> list[Tok]:
    """Tokens of ``text``; ``offset`` is added to columns (for re-tokenized command arguments)."""
    tokens: list[Tok] = []
    index, space = 0, False
    while index < len(text):
        char, col = text[index], index + 1 + offset
        if char in " \t\n\r~" or char == "\u00a0":
            space, index = True, index + 1
            continue
        if char == "\\":
            token, index = _read_command(text, index, offset, space)
        elif char in UNICODE_COMMANDS:
            token, index = _mapped_unicode(char, col, space), index + 1
        elif ord(char) < 128:
            token, index = Tok("char", char, col, space), index + 1
        else:
            raise ParseError(f"unexpected character {char!r}", col)
        if token is None:  # an ignored command works as a space
            space = True
            continue
        tokens.append(token)
        space = False
    return tokens


def _mapped_unicode(char: str, col: int, space: bool) -> Tok | None:
    mapped = UNICODE_COMMANDS[char]
    if mapped == " ":
        return None
    kind = "cmd" if mapped.startswith("\\") else "char"
    return Tok(kind, mapped, col, space)


def _read_command(text: str, index: int, offset: int, space: bool) -> tuple[Tok | None, int]:
    col = index + 1 + offset
    end = index + 1
    while end < len(text) and text[end] in ASCII_LETTERS:
        end += 1
    if end == index + 1:  # a one-character command: \\ \, \{ \| \%
        if end >= len(text):
            raise ParseError("a lone backslash ends the input", col)
        name = "\\" + text[end]
        end += 1
    else:
        name = text[index:end]
        if end < len(text) and text[end] == "*" and name in (r"\operatorname", r"\hspace"):
            name, end = name + "*", end + 1
    if name in IGNORED_COMMANDS:
        return None, end
    if name == r"\hspace" or name == r"\hspace*":
        _, end = _read_raw_argument(text, end, offset, col)
        return None, end
    if name == r"\%":
        return Tok("char", "%", col, space), end
    if name.rstrip("*") in TEXT_COMMANDS:
        (content, content_col), end = _read_raw_argument(text, end, offset, col)
        return Tok("text", content, content_col, space, command=name.rstrip("*")), end
    if name in (r"\begin", r"\end"):
        (content, _), end = _read_raw_argument(text, end, offset, col)
        return Tok(name[1:], content.strip(), col, space), end
    return Tok("cmd", name, col, space), end


def _read_raw_argument(text: str, index: int, offset: int, command_col: int):
    """The raw text of a command's argument: a balanced ``{...}`` or a single token."""
    while index < len(text) and text[index] in " \t\n\r":
        index += 1
    if index >= len(text):
        raise ParseError("a command is missing its argument", command_col)
    if text[index] != "{":
        if text[index] == "\\":
            end = index + 1
            while end < len(text) and text[end] in ASCII_LETTERS:
                end += 1
            end = max(end, index + 2)
        else:
            end = index + 1
        return (text[index:end], index + 1 + offset), end
    depth, end = 0, index
    while end < len(text):
        char = text[end]
        if char == "\\":
            end += 2
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0:
            return (text[index + 1:end], index + 2 + offset), end + 1
        end += 1
    raise ParseError("'{' is never closed", index + 1 + offset)


# ---------------------------------------------------------------------------------------------
# 2. groups

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


# ---------------------------------------------------------------------------------------------
# 3. reading node lists: small helpers, numbers, and the text handed to the library


def math_span(text: str) -> tuple[int, int]:
    """Where the mathematics is: inside $...$, \\[...\\] or \\(...\\), without end punctuation."""
    start, end = 0, len(text)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    for opening, closing in (("$$", "$$"), ("$", "$"), (r"\[", r"\]"), (r"\(", r"\)")):
        if text.startswith(opening, start) and text.endswith(closing, 0, end) \
                and end - start >= len(opening) + len(closing):
            start, end = start + len(opening), end - len(closing)
            break
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start and text[end - 1] in ".," and not text[end - 2:end - 1].isdigit():
        end -= 1
    return start, end


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


def read_number(nodes: list, index: int) -> tuple[sp.Rational, int]:
    """A decimal literal at ``nodes[index]``: digits, {,} groups, a fraction, e-notation, %."""
    digits, following = read_digits(nodes, index, allow_groups=True)
    fraction = ""
    if next_is(nodes, following, ".") and digit_follows(nodes, following):
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
        elif allow_groups and digits and is_digit_group_separator(nodes, index):
            index += 1  # 75{,}000: TeX's thousands separator
        else:
            break
    return digits, index


def is_digit_group_separator(nodes: list, index: int) -> bool:
    node = nodes[index]
    if not (isinstance(node, Group) and node.kind == "brace" and len(node.children) == 1
            and is_token(node.children[0], ",")):
        return False
    following = nodes[index + 1:index + 4]
    return len(following) == 3 and all(is_digit(item) for item in following)


def read_e_notation(nodes: list, index: int) -> tuple[int, int]:
    # 1.2e-3 is a number when e follows the digits directly and digits follow the e
    if not (next_is(nodes, index, "e", "E") and not nodes[index].space_before):
        return 0, index
    cursor, sign = index + 1, 1
    if next_is(nodes, cursor, "-", "+"):
        sign, cursor = (-1 if nodes[cursor].value == "-" else 1), cursor + 1
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
            and not nodes[index - 1].space_before and index + 1 < len(nodes)
            and is_digit(nodes[index + 1]) and not nodes[index].space_before)


class Emitter:
    r"""The flat text handed to the library, with the source column of every piece."""

    def __init__(self, table: dict):
        self.pieces: list[tuple[str, int]] = []
        self.table = table

    def add(self, text: str, col: int) -> None:
        self.pieces.append((text, col))

    def value(self, obj, col: int) -> None:
        name = f"Z{len(self.table)}"
        self.table[name] = obj
        self.add(rf"\variable{{{name}}}", col)

    @property
    def text(self) -> str:
        return " ".join(text for text, _ in self.pieces)

    def column_at(self, position: int) -> int:
        offset = 0
        for text, col in self.pieces:
            offset += len(text) + 1
            if position < offset:
                return col
        return self.pieces[-1][1] if self.pieces else 1


# ---------------------------------------------------------------------------------------------
# 4. the library


class _SyntaxAt(Exception):
    def __init__(self, position: int, message: str):
        super().__init__(message)
        self.position = position


class _RaisingListener(ErrorListener):
    """Report the first syntax error with its position instead of the library's prose."""

    def syntaxError(self, recognizer, offendingSymbol, line, column, msg, e):
        raise _SyntaxAt(column, msg)


class _Converter(_Latex2Sympy):
    """latex2sympy2_extended's converter, fenced in.

    - lowercase_symbols=False: the stock converter lowercases ``W`` into ``w``.
    - interpret_as_mixed_fractions=False: ``2\frac{1}{2}`` is a product in our dialect.
    - parse_number is never reached (numbers arrive as placeholders), and fails closed if it is:
      the stock one builds numbers with ``sympy.Number(text)``, which sympifies the text.
    """

    def __init__(self):
        super().__init__(config=ConversionConfig(lowercase_symbols=False,
                                                 interpret_as_mixed_fractions=False))

    def parse_number(self, text):
        raise UnsupportedError("internal: a raw number reached the LaTeX library")

    def parse(self, latex_str):
        # The stock parse() re-reads argument text for f(a,b) and \max(a,b); we never emit those.
        raise UnsupportedError("internal: the LaTeX library tried to re-parse a fragment")


def run_library(text: str):
    """The unevaluated SymPy tree latex2sympy2_extended builds for ``text`` (one expression).

    Raises _SyntaxAt with the 0-based position of the first syntax error.
    """
    converter = _Converter()
    try:
        tree = _parse_tree(text, PredictionMode.SLL)
    except _SyntaxAt:
        # SLL prediction can report spurious errors on an ambiguous grammar; LL is exact.
        tree = _parse_tree(text, PredictionMode.LL)
    return converter.convert_expr(tree)


def _parse_tree(text: str, mode):
    # The top rule `math` (sets, intervals, relations) makes prediction scan the whole input and
    # costs seconds on nested parentheses; the `expr` rule is all an expression needs.
    from antlr4 import CommonTokenStream, InputStream
    from latex2sympy2_extended.antlr_parser import PSLexer, PSParser

    lexer = PSLexer(InputStream(text))
    lexer.removeErrorListeners()
    lexer.addErrorListener(_RaisingListener())
    parser = PSParser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(_RaisingListener())
    parser._interp.predictionMode = mode
    tree = parser.expr()
    trailing = parser.getCurrentToken()
    if trailing.type != Token.EOF:
        raise _SyntaxAt(trailing.column, "unexpected input after the expression")
    return tree
