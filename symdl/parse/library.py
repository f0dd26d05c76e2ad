r"""The fence around latex2sympy2_extended: it only ever reads a small, flat expression.

The reader hands it placeholders (``\variable{Z3}``) for names, numbers and groups, so the
library contributes the operator grammar (precedence, juxtaposition, ``\frac``, ``\sqrt``,
``\sum``, paren-less ``\log x``, ``e^{x}``, ``n!``) and none of its guesses about symbols. On
that path it never sympifies or evaluates text: numbers never reach it, and the two methods that
would re-parse text fail closed (see _Converter).
"""

from __future__ import annotations

from antlr4 import Token
from antlr4.atn.PredictionMode import PredictionMode
from antlr4.error.ErrorListener import ErrorListener
from latex2sympy2_extended.latex2sympy2 import ConversionConfig, _Latex2Sympy

from symdl.errors import UnsupportedError


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


class SyntaxAt(Exception):
    def __init__(self, position: int, message: str):
        super().__init__(message)
        self.position = position


class _RaisingListener(ErrorListener):
    """Report the first syntax error with its position instead of the library's prose."""

    def syntaxError(self, recognizer, offendingSymbol, line, column, msg, e):
        raise SyntaxAt(column, msg)


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

    Raises SyntaxAt with the 0-based position of the first syntax error.
    """
    converter = _Converter()
    try:
        tree = _parse_tree(text, PredictionMode.SLL)
    except SyntaxAt:
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
        raise SyntaxAt(trailing.column, "unexpected input after the expression")
    return tree
