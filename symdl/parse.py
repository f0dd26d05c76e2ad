r"""The deep-learning LaTeX dialect (``../shared/NOTATION.md``) read into SymPy.

``parse(text, context)`` returns a :class:`Parsed`: the value, the left side of an equation (a
:class:`DerivativeTarget` for ``\frac{\partial L}{\partial W^{(1)}} = ...``), and the rounding
tolerance a bare decimal number implies.

How it reads
------------
1. ``_latex_quirks`` tokenizes (with columns), refuses control characters and over-long or
   over-deep input, and nests delimiters.
2. A rewriting pass reads the dialect: names with their layer indices, hats and subscripts,
   function applications (``\sigma(a)``, ``\operatorname{ReLU}'(h)``, ``f(x_n; w)``), derivative
   fractions, indicators, literal matrices, numbers and every bracketed group. Each becomes a
   placeholder ``\variable{Zk}`` bound to the SymPy object it stands for.
3. latex2sympy2_extended parses what is left, one additive term at a time: an expression of
   placeholders and operators (precedence, juxtaposition, ``\frac``, ``\sqrt``, ``\sum``,
   paren-less ``\log x``, ``e^{x}``, ``n!``), built unevaluated.
4. Binding walks that tree bottom-up and rebuilds it with matrix-aware, size-checked
   constructors: products keep their order (``MatMul``), ``\odot`` becomes ``HadamardProduct``,
   huge powers, factorials and sums are refused before SymPy evaluates them.

Naming convention (other modules build symbols with the same names)
-------------------------------------------------------------------
- A scalar is ``Symbol(name, real=True)``; ``name`` is canonical LaTeX: case kept (``W`` is not
  ``w``), Greek as commands (``\epsilon``; ``\varepsilon`` reads as ``\epsilon``), fonts dropped
  (``\mathbf{W}`` and ``\boldsymbol{W}`` are ``W``, ``\mathcal{L}`` is ``L``), accents kept and
  normalised (``\hat{m}``, ``\bar{y}``; ``\overline`` is ``\bar``, ``\widehat`` is ``\hat``).
- Decorations follow the base in this order: layer index ``^{(1)}``/``^{[2]}`` (bracket style as
  written), star ``^{*}``, primes ``'``, then the subscript, always braced:
  ``W^{(1)}``, ``w^{*}``, ``\hat{m}_{t}``, ``\lambda_{i}``, ``v_{t-1}``, ``w^{[1]}_{12}``.
  A superscript that is none of these is a power: ``\beta_1^{t}`` is ``\beta_{1}`` to the ``t``.
- ``\frac{\partial A}{\partial B}`` with a single name ``A`` is the symbol named
  ``\frac{\partial A}{\partial B}`` (``\frac{dA}{dB}`` gets the same name).
- Names listed in ``Context.matrices`` are ``MatrixSymbol(name, rows, cols)``; a subscript on such
  a matrix reads one entry (1-based in LaTeX, so ``W_{12}`` is ``W[0, 1]``, ``x_i`` of a column
  vector is ``x[i - 1, 0]``).
- Indexed names: ``x_i`` is ``Indexed(IndexedBase("x"), i)`` when ``x`` is in
  ``Context.indexed``, or when some subscript of ``x`` in the same input uses the index of a
  ``\sum``/``\prod`` (so ``\frac{e^{z_i}}{\sum_j e^{z_j}}`` indexes ``z`` throughout). Letters used
  as such indices, and summation indices, are ``Symbol(letter, integer=True)`` everywhere in
  that input. Digits index one by one when the base takes that many indices.
- A sum without bounds, ``\sum_i``, runs from 1 to ``unknown_bound(i)`` =
  ``Symbol("n_i", integer=True, positive=True)`` (unbraced, so it never collides with a name a
  student writes), or to the length of the declared vector it indexes.
- ``e`` is Euler's number (``e_i`` is a name), ``\pi`` is π, ``\log`` and ``\ln`` are natural.
- Undefined functions are ``Function(name)`` applied to the arguments. A letter followed by a
  parenthesis is a function application only for the conventional function letters
  ``f``, ``E``, ``L``, ``J``, ``\ell`` (any decoration), plain ``g``, declared step functions,
  and any name whose parentheses hold a comma or semicolon; otherwise it is a product
  (``y(1-y)``, ``h^{(1)}(1-h^{(1)})``). Multi-letter ``\operatorname``/``\mathrm``/``\text`` words
  followed by parentheses are functions named by the word.

Refused (``UnsupportedError``): numeric exponents above 1000 in size or numbers over 100,000
bits, factorials of numbers over 1000, sums and products of more than 10,000 numeric terms,
literal matrices over 50×50, integrals, limits, set notation, and mismatched matrix shapes.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy as sp
from sympy.matrices.exceptions import ShapeError
from sympy.matrices.expressions.matexpr import MatrixElement

from symdl import _latex_quirks as quirks
from symdl._latex_quirks import (
    MAX_DIGITS, MAX_EXPONENT, Emitter, Group, Tok, argument_of, digit_follows, first_col, first_top,
    has_top_level, in_e_notation, is_digit, is_token, math_span, next_group, next_is, node_lists,
    read_number, split_top,
)
from symdl.calculus import deferred_derivative, needs_deferral
from symdl.errors import ParseError, UnsupportedError
from symdl.functions import derivative_of, elementwise, relu, sigmoid, sigmoid_prime, step

MAX_NUMBER_BITS = 100_000
MAX_FACTORIAL = 1000
MAX_SUM_TERMS = 10_000
MAX_MATRIX_SIDE = 50
MAX_DERIVATIVES = 10
MAX_DERIVATIVE_NODES = 5_000
MAX_TERMS = 2_000
MAX_TERM_NODES = 600  # the library recurses once per factor of a product
MAX_LITERAL_POWER_SIDE = 10
MAX_LITERAL_POWER = 16


# ---------------------------------------------------------------------------------------------
# public types


@dataclass(frozen=True)
class Context:
    """What the caller knows about names: matrix shapes, indexed bases, step functions."""

    matrices: Mapping[str, tuple] = field(default_factory=dict)
    indexed: Mapping[str, int] = field(default_factory=dict)
    step_functions: frozenset[str] = frozenset()
    # Names bound to given objects (a derivation's ``K`` is a positive integer, ``E(w)`` a quantity).
    symbols: Mapping[str, sp.Basic] = field(default_factory=dict)
    # False: undeclared capital letters read as non-commuting symbols (the probe for ``AB`` vs ``BA``).
    commuting: bool = True

    def __hash__(self):
        return hash((frozenset(self.matrices.items()), frozenset(self.indexed.items()),
                     frozenset(self.step_functions), frozenset(self.symbols.items()), self.commuting))


@dataclass(frozen=True)
class DerivativeTarget:
    r"""The left side of ``\frac{\partial L}{\partial W^{(1)}} = ...``."""

    of: str
    wrt: sp.Basic

    def latex(self) -> str:
        return rf"\frac{{\partial {self.of}}}{{\partial {canonical_name(self.wrt)}}}"


@dataclass(frozen=True)
class Side:
    r"""One side of an equation or chain ``s0 = s1 = ...``.

    ``target`` is the :class:`DerivativeTarget` a side like ``\frac{\partial L}{\partial W}``
    names (its ``value`` is then the symbol of that quantity); ``tolerance`` is the rounding a bare
    decimal implies (half a unit in its last written digit), None for anything else.
    """

    value: sp.Basic
    tolerance: sp.Rational | None
    text: str
    target: DerivativeTarget | None = None


@dataclass(frozen=True)
class Parsed:
    """``expr``/``tolerance`` are the last side's, ``lhs`` the first side's reading when there are
    several; ``sides`` holds every side in order and ``relations`` the relation written between
    each pair (``=``, ``\approx``, ...)."""

    expr: sp.Basic
    lhs: DerivativeTarget | sp.Basic | None
    tolerance: sp.Rational | None
    source: str
    sides: tuple = ()
    relations: tuple = ()


def parse(text: str, context: Context | None = None) -> Parsed:
    """Read one answer in the DL dialect; raise ParseError or UnsupportedError, nothing else."""
    quirks.check_text(text)
    context = context or Context()
    try:
        hash(context)
    except TypeError:  # shapes given as lists: correct, just not cacheable
        return _parse_uncached(text, context)
    return _parse_cached(text, context)


def unknown_bound(index: sp.Symbol) -> sp.Symbol:
    r"""The upper bound of ``\sum_i`` written without bounds."""
    return sp.Symbol(f"n_{index.name}", integer=True, positive=True)


def canonical_name(obj) -> str:
    """The canonical LaTeX name of a symbol, matrix symbol, Indexed or derivative target."""
    if isinstance(obj, DerivativeTarget):
        return obj.latex()
    if isinstance(obj, sp.Indexed):
        return _subscripted(obj.base.label.name, obj.indices)
    if isinstance(obj, (sp.Symbol, sp.MatrixSymbol)):
        return obj.name
    if isinstance(obj, MatrixElement):  # LaTeX counts from 1
        rows, cols = obj.parent.shape
        indices = [obj.i + 1] if cols == 1 else [obj.j + 1] if rows == 1 else [obj.i + 1, obj.j + 1]
        return _subscripted(canonical_name(obj.parent), indices)
    return sp.latex(obj)


def _subscripted(base: str, indices) -> str:
    texts = [index.name if isinstance(index, sp.Symbol) else sp.latex(index).replace(" ", "")
             for index in indices]
    joiner = "" if all(len(text) == 1 for text in texts) else ","
    return f"{base}_{{{joiner.join(texts)}}}"


@functools.lru_cache(maxsize=1024)
def _parse_cached(text: str, context: Context) -> Parsed:
    return _parse_uncached(text, context)


def _parse_uncached(text: str, context: Context) -> Parsed:
    reader = _Reader(context)
    try:
        with _recursion_headroom():
            sides, relations = reader.read(text)
    except (ParseError, UnsupportedError):
        raise
    except RecursionError:
        raise ParseError("the expression is nested too deeply", reader.column) from None
    except ShapeError as error:
        raise UnsupportedError(f"shape mismatch: {error}") from None
    except MemoryError:
        raise UnsupportedError("the expression is too large") from None
    except Exception as error:  # never let a library's exception escape as a traceback
        raise ParseError(f"could not read this ({type(error).__name__}: {error})",
                         reader.column) from None
    lhs = None
    if len(sides) > 1:
        lhs = sides[0].target if sides[0].target is not None else sides[0].value
    return Parsed(expr=sides[-1].value, lhs=lhs, tolerance=sides[-1].tolerance, source=text,
                  sides=tuple(sides), relations=tuple(relations))


class _recursion_headroom:
    """Room for 100 nested groups: each costs a few frames here and in the ANTLR runtime."""

    def __enter__(self):
        self.previous = sys.getrecursionlimit()
        sys.setrecursionlimit(max(self.previous, 4000))

    def __exit__(self, *exc):
        sys.setrecursionlimit(self.previous)


# ---------------------------------------------------------------------------------------------
# vocabulary

GREEK = frozenset(r"""\alpha \beta \gamma \delta \epsilon \zeta \eta \theta \iota \kappa \lambda
\mu \nu \xi \omicron \pi \rho \sigma \tau \upsilon \phi \chi \psi \omega \Gamma \Delta \Theta
\Lambda \Xi \Pi \Sigma \Upsilon \Phi \Psi \Omega \vartheta \varphi \varrho \varsigma \varpi
\ell""".split())
NAME_ALIASES = {r"\varepsilon": r"\epsilon"}
ACCENTS = {r"\hat": r"\hat", r"\widehat": r"\hat", r"\bar": r"\bar", r"\overline": r"\bar",
           r"\tilde": r"\tilde", r"\widetilde": r"\tilde", r"\dot": r"\dot", r"\ddot": r"\ddot",
           r"\check": r"\check", r"\breve": r"\breve", r"\acute": r"\acute",
           r"\grave": r"\grave", r"\mathring": r"\mathring"}
FONT_COMMANDS = frozenset({r"\mathbf", r"\boldsymbol", r"\bm", r"\mathit", r"\mathsf",
                           r"\mathtt", r"\mathnormal", r"\mathcal", r"\mathscr", r"\mathfrak",
                           r"\vec", r"\pmb"})
WORD_COMMANDS = frozenset({r"\text", r"\textrm", r"\textit", r"\textbf", r"\textsf", r"\texttt",
                           r"\textnormal", r"\mbox", r"\mathrm", r"\operatorname"})
WORD_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# Conventional function letters: f(x), E(w), L(w), J(w), \ell(y, t); plain g(a) only.
FUNCTION_LETTERS = frozenset({"f", "E", "L", "J", r"\ell"})
PLAIN_FUNCTION_LETTERS = frozenset({"g"})

# Words naming a function, in \operatorname{...}, \mathrm{...}, \text{...} or as plain letters.
FUNCTION_WORDS = {
    "relu": relu, "sigmoid": sigmoid, "softmax": "softmax", "tanh": sp.tanh, "sinh": sp.sinh,
    "cosh": sp.cosh, "sech": sp.sech, "csch": sp.csch, "coth": sp.coth, "exp": sp.exp,
    "log": sp.log, "ln": sp.log, "max": "max", "min": "min", "sgn": sp.sign, "sign": sp.sign,
    "step": step, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
}
PLAIN_FUNCTION_WORDS = frozenset({"ReLU", "relu", "Relu", "sigmoid", "softmax", "tanh", "sech",
                                  "exp", "log", "ln", "max", "min"})
# Function commands latex2sympy2_extended knows; with parentheses we apply them ourselves.
LIBRARY_FUNCTIONS = {
    r"\exp": sp.exp, r"\log": sp.log, r"\ln": sp.log, r"\sin": sp.sin, r"\cos": sp.cos,
    r"\tan": sp.tan, r"\sec": sp.sec, r"\csc": sp.csc, r"\cot": sp.cot, r"\sinh": sp.sinh,
    r"\cosh": sp.cosh, r"\tanh": sp.tanh, r"\arcsin": sp.asin, r"\arccos": sp.acos,
    r"\arctan": sp.atan,
}
BINARY_OPERATORS = {"+": "+", "-": "-", "*": r"\cdot", "/": "/", r"\cdot": r"\cdot",
                    r"\times": r"\times", r"\div": r"\div"}
HADAMARD_COMMANDS = frozenset({r"\odot", r"\circ"})
FRACTIONS = frozenset({r"\frac", r"\dfrac", r"\tfrac", r"\cfrac"})
RELATIONS = {">": ">", "<": "<", r"\gt": ">", r"\lt": "<", r"\geq": ">=", r"\ge": ">=",
             r"\geqslant": ">=", r"\leq": "<=", r"\le": "<=", r"\leqslant": "<="}
EQUALS = frozenset({"=", r"\approx", r"\coloneqq", r"\equiv"})
UNSUPPORTED_COMMANDS = {
    r"\int": "integrals", r"\oint": "integrals", r"\iint": "integrals", r"\lim": "limits",
    r"\nabla": r"\nabla (write the partial derivative)", r"\otimes": "Kronecker products",
    r"\oplus": "direct sums", r"\binom": "binomial coefficients", r"\det": "determinants",
    r"\cdots": "elided terms", r"\ldots": "elided terms", r"\dots": "elided terms",
    r"\vdots": "elided terms", r"\ddots": "elided terms", r"\mod": "modular arithmetic",
    r"\bmod": "modular arithmetic", r"\pmod": "modular arithmetic", r"\pm": r"\pm",
    r"\mp": r"\mp", r"\in": "set membership", r"\notin": "set membership",
    r"\forall": "quantifiers", r"\exists": "quantifiers", r"\to": "arrows",
    r"\rightarrow": "arrows", r"\Rightarrow": "arrows", r"\mapsto": "arrows",
    r"\neq": "inequations", r"\ne": "inequations", r"\sim": "distributions",
    r"\propto": "proportionality", r"\choose": "binomial coefficients", r"\arg": "arg",
    r"\argmax": "arg max", r"\argmin": "arg min", r"\operatorname*": "arg max/min",
    r"\sup": "suprema", r"\inf": "infima", r"\gcd": "gcd", r"\lcm": "lcm",
}
# After these a + or - is a sign, not the start of a new term.
SIGN_CONTEXT = frozenset({"+", "-", "*", "/", "^", "_", "=", r"\cdot", r"\times", r"\div",
                          r"\odot", r"\circ"}) | frozenset(LIBRARY_FUNCTIONS)
PLAIN_NUMBER = re.compile(
    r"(?P<sign>[+-]?)(?P<int>\d+(?:(?:\{,\}|,)\d{3})*|(?=\.\d))(?:\.(?P<frac>\d+))?"
    r"(?:(?:\\times|\\cdot)10\^\{(?P<exp1>[+-]?\d+)\}|[eE](?P<exp2>[+-]?\d+))?\Z")
MATRIX_ENVIRONMENTS = frozenset({"bmatrix", "pmatrix", "matrix", "Bmatrix", "smallmatrix"})


# ---------------------------------------------------------------------------------------------
# names


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
    found = _read_base(nodes, index)
    if found is None:
        return None
    name, following = found
    return _read_decorations(nodes, following, name)


def _read_base(nodes: list, index: int):
    node = nodes[index]
    if isinstance(node, Group):
        return None
    if node.kind == "char" and node.value in quirks.ASCII_LETTERS:
        return NameRead(node.value, node.col, index + 1), index + 1
    if node.kind == "cmd" and (node.value in GREEK or node.value in NAME_ALIASES):
        return NameRead(NAME_ALIASES.get(node.value, node.value), node.col, index + 1), index + 1
    if node.kind == "cmd" and node.value in ACCENTS:
        return _read_accent(nodes, index)
    if node.kind == "text" and (node.command in FONT_COMMANDS or node.command in WORD_COMMANDS):
        return _read_text_name(node), index + 1
    return None


def _read_accent(nodes: list, index: int):
    accent = nodes[index]
    argument = argument_of(nodes, index + 1, accent)
    inner = _whole_name(argument, accent.col)
    name = NameRead(f"{ACCENTS[accent.value]}{{{inner.base}}}", accent.col, index + 2,
                    layer=inner.layer, star=inner.star, primes=inner.primes, sub=inner.sub)
    return name, index + 2


def _read_text_name(token: Tok) -> NameRead:
    r"""A name written in a font or text command: \mathbf{W}, \mathrm{d}, \text{lr}."""
    content = token.value.strip()
    if not content:
        raise ParseError(f"empty {token.command}{{}}", token.col)
    if WORD_PATTERN.match(content) and len(content) > 1:
        return NameRead(rf"\mathrm{{{content}}}", token.col, 0, word=content)
    if token.command in WORD_COMMANDS and any(char.isspace() for char in content):
        raise ParseError(f"text is not mathematics: {content!r}", token.col)
    nodes = quirks.group(quirks.tokenize(content, token.col - 1))
    return _whole_name(nodes, token.col)


def _whole_name(nodes: list, col: int) -> NameRead:
    name = read_name(nodes, 0) if nodes else None
    if name is None or name.end != len(nodes) or name.power is not None:
        raise ParseError("expected a single name here", col)
    return name


def _read_decorations(nodes: list, index: int, name: NameRead) -> NameRead:
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
            kind, extra = _superscript_kind(argument_of(nodes, index + 1, node))
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


def _superscript_kind(argument: list):
    """How a superscript reads on a name: layer, layer+T, star, prime, transpose or power."""
    if len(argument) == 1 and isinstance(argument[0], Group) and argument[0].kind == "brace":
        return _superscript_kind(argument[0].children)
    if argument and isinstance(argument[0], Group) and argument[0].kind in ("paren", "bracket"):
        rest = argument[1:]
        if not rest:
            return "layer", argument[:1]
        if _is_transpose(rest):
            return "layer+T", argument[:1]
        return "power", None
    if len(argument) == 1 and is_token(argument[0], "*", r"\star", r"\ast"):
        return "star", None
    if argument and all(is_token(node, r"\prime") for node in argument):
        return "prime", len(argument)
    if _is_transpose(argument):
        return "transpose", None
    return "power", None


def _is_transpose(argument: list) -> bool:
    if len(argument) == 1 and isinstance(argument[0], Group) and argument[0].kind == "brace":
        return _is_transpose(argument[0].children)
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
        text = _node_tex(node)
        if parts and parts[-1][-1:].isalpha() and parts[-1].startswith("\\") and text[:1].isalpha():
            text = " " + text
        parts.append(text)
        if is_token(node, "_", "^") and isinstance(_at(nodes, index + 1), Tok):
            parts.append("{" + _node_tex(nodes[index + 1]) + "}")
            index += 1
        index += 1
    return "".join(parts)


def _node_tex(node) -> str:
    if isinstance(node, Group):
        if node.kind == "env":
            return rf"\begin{{{node.env}}}{canonical_tex(node.children)}\end{{{node.env}}}"
        opening = {"brace": "{", "paren": "(", "bracket": "[", "abs": "|", "norm": r"\|",
                   "floor": r"\lfloor ", "ceil": r"\lceil ", "setbrace": r"\{",
                   "angle": r"\langle "}.get(node.kind, "(")
        closing = quirks.CLOSING_TEXT.get(node.kind, ")")
        return opening + canonical_tex(node.children) + closing
    if node.kind == "text":
        try:
            return _read_text_name(node).canonical()
        except ParseError:
            return f"{node.command}{{{node.value.strip()}}}"
    return NAME_ALIASES.get(node.value, node.value)


# ---------------------------------------------------------------------------------------------
# the reader


class _Marker(sp.Symbol):
    """A placeholder meaning an operation rather than a value (transpose, Hadamard)."""


TRANSPOSE = _Marker("TRANSPOSE")
HADAMARD = _Marker("HADAMARD")


class _Reader:
    """One parse: the context, the placeholder table and what is known about indices."""

    def __init__(self, context: Context):
        self.context = context
        self.table: dict[str, object] = {}
        self.sum_indices: set[str] = set()
        self.index_letters: set[str] = set()
        self.auto_indexed: dict[str, int] = {}
        self.derivatives = 0
        self.column = 1

    # -- the whole input

    def read(self, text: str):
        start, end = math_span(text)
        nodes = quirks.group(quirks.tokenize(text[start:end], start))
        if not nodes:
            raise ParseError("empty input", start + 1)
        self._collect_index_facts(nodes)
        parts, separators = _split_equation(nodes)
        texts = _side_texts(text, (start, end), separators)
        sides = []
        for number, (part, source) in enumerate(zip(parts, texts)):
            target = self._left_side(part) if number == 0 and len(parts) > 1 else None
            if target is not None:
                value, tolerance = self._named_derivative_value(target), None
            else:
                value, tolerance = self._side_value(part)
            sides.append(Side(value, tolerance, source, target))
        return sides, [_relation_name(node) for node in separators]

    def _side_value(self, nodes: list):
        # A number in braces or parentheses, {0.73} or \left(0.73\right), is still a written decimal.
        while len(nodes) == 1 and isinstance(nodes[0], Group) and nodes[0].kind in ("brace", "paren"):
            nodes = nodes[0].children
        number = _plain_number(nodes)
        if number is not None:
            return number
        return self.value(nodes), None

    def _left_side(self, nodes: list) -> DerivativeTarget | None:
        r"""The derivative a left side like ``\frac{\partial L}{\partial W}`` names, or None."""
        if len(nodes) == 3 and is_token(nodes[0], *FRACTIONS):
            derivative = self._derivative_parts(nodes, 0)
            if derivative and derivative.named and derivative.order == 1:  # one wrt, once
                wrt = self.name_object(derivative.wrt[0][0])
                return DerivativeTarget(of=derivative.named.canonical(), wrt=wrt)
        return None

    def _named_derivative_value(self, target: DerivativeTarget):
        name = target.latex()
        if name in self.context.symbols:
            return self.context.symbols[name]
        if name in self.context.matrices:
            return sp.MatrixSymbol(name, *self.context.matrices[name])
        return sp.Symbol(name, real=True)

    # -- index facts, gathered before reading so that every occurrence of a name agrees

    def _collect_index_facts(self, nodes: list) -> None:
        for node_list in node_lists(nodes):
            for index, node in enumerate(node_list):
                if is_token(node, r"\sum", r"\prod"):
                    try:
                        names = self._sum_parts(node_list, index).indices
                    except (ParseError, UnsupportedError):
                        continue
                    self.sum_indices.update(name.canonical() for name in names)
        self.index_letters |= self.sum_indices
        for node_list in node_lists(nodes):
            index = 0
            while index < len(node_list):
                try:
                    name = read_name(node_list, index)
                except (ParseError, UnsupportedError):
                    name = None
                if name is None:
                    index += 1
                    continue
                if name.sub is not None:
                    self._note_subscript(name)
                index = max(name.end, index + 1)

    def _note_subscript(self, name: NameRead) -> None:
        letters = _letters_in(name.sub)
        head = name.head
        full = name.canonical()
        if head in self.context.indexed:
            self.index_letters |= letters
        elif head in self.context.matrices and full not in self.context.matrices:
            self.index_letters |= letters
        elif letters & self.sum_indices:
            self.auto_indexed.setdefault(head, _arity_of(name.sub))
            self.index_letters |= letters

    # -- values

    def value(self, nodes: list):
        """The value of a list of nodes: its terms, each read by the library, added."""
        if not nodes:
            raise ParseError("something is missing here", self.column)
        split = _split_terms(nodes)
        if len(split) > MAX_TERMS:
            raise UnsupportedError(f"more than {MAX_TERMS} terms in one sum")
        terms = [self._term(term) for term in split]
        return _add(terms) if len(terms) > 1 else terms[0]

    def _term(self, nodes: list):
        out = Emitter(self.table)
        self.column = first_col(nodes, self.column)
        if len(nodes) > MAX_TERM_NODES:
            raise UnsupportedError(f"more than {MAX_TERM_NODES} symbols in one term "
                                   f"(column {self.column})")
        atom = self._atom(nodes)
        if atom is not None:
            return atom
        self._rewrite(nodes, out)
        if not out.pieces:
            raise ParseError("something is missing here", self.column)
        try:
            raw = quirks.run_library(out.text)
        except quirks._SyntaxAt as error:
            raise ParseError("could not read the expression here",
                             out.column_at(error.position)) from None
        return self.bind(raw)

    def _atom(self, nodes: list):
        """A lone number or plain name, read without the library (most groups are one)."""
        if all(is_digit(node) for node in nodes) and not any(n.space_before for n in nodes[1:]):
            return read_number(nodes, 0)[0]
        first = nodes[0]
        if not (isinstance(first, Tok) and (first.is_char() and first.value in quirks.ASCII_LETTERS
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
            elif node.kind == "cmd":
                index = self._command_at(nodes, index, out)
            else:
                index = self._char_at(nodes, index, out)

    # -- characters

    def _char_at(self, nodes: list, index: int, out: Emitter) -> int:
        token = nodes[index]
        char = token.value
        if char in quirks.DIGITS or (char == "." and digit_follows(nodes, index)):
            value, following = read_number(nodes, index)
            out.value(value, token.col)
            return following
        if char in quirks.ASCII_LETTERS:
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
        word = _plain_word(nodes, index)
        if word:
            function = FUNCTION_WORDS[word.lower()]
            return self._function_call(function, word, nodes, index + len(word), out,
                                       nodes[index].col)
        _refuse_prose(nodes, index)
        token = nodes[index]
        if token.value == "e" and not next_is(nodes, index + 1, "_", "'"):
            out.add("e", token.col)  # Euler's number; the library reads e^{x} as exp(x)
            return index + 1
        return self._name_at(nodes, index, out)

    # -- commands

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
        if content == "1" or (content == "I" and token.command in (r"\mathbb", r"\mathds")):
            if token.command in (r"\mathbb", r"\mathds", r"\mathbf", r"\boldsymbol", r"\bm"):
                return self._indicator_at(nodes, index, out)
        if content == "e" and token.command in WORD_COMMANDS and not next_is(nodes, index + 1, "_"):
            out.add("e", token.col)  # \mathrm{e}: Euler's number
            return index + 1
        if token.command in (r"\mathbb", r"\mathds"):
            raise UnsupportedError(rf"sets like \mathbb{{{content}}} are not values")
        if content.lower().replace(" ", "") in ("argmin", "argmax", "arg\\,min", "arg\\,max"):
            raise UnsupportedError(f"not supported: {content} (column {token.col})")
        if token.command in WORD_COMMANDS and content.lower() in FUNCTION_WORDS:
            function = FUNCTION_WORDS[content.lower()]
            return self._function_call(function, content, nodes, index + 1, out, token.col)
        return self._name_at(nodes, index, out)

    # -- names and function applications

    def _name_at(self, nodes: list, index: int, out: Emitter) -> int:
        name = read_name(nodes, index)
        if name is None:
            raise ParseError("expected a name", nodes[index].col)
        following = name.end
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
                function = sp.Lambda(_POINT, sp.log(_POINT, self.value(base)))
            return self._apply_at(function, token.value, primes, power, nodes, following, out,
                                  token.col)
        # No parentheses: the library reads the argument (\log x, \tanh^2 a).
        command = token.value
        if command == r"\log" and base is None:
            command = r"\ln"  # natural, as in every ML text; the library makes \log base 10
        out.add(command, token.col)
        if base is not None:
            out.add("_{", token.col)
            out.value(self.value(base), token.col)
            out.add("}", token.col)
        if power is not None:
            self._emit_power(self._function_power(power, token.value), token.col, out)
        return following

    def _function_suffix(self, nodes: list, index: int):
        primes, power, base = 0, None, None
        while index < len(nodes):
            node = nodes[index]
            if is_token(node, "'"):
                primes, index = primes + 1, index + 1
            elif is_token(node, "^") and power is None:
                argument = argument_of(nodes, index + 1, node)
                kind, extra = _superscript_kind(argument)
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

    def _apply_at(self, function, label: str, primes: int, power, nodes: list, index: int,
                  out: Emitter, col: int) -> int:
        arguments = self._arguments(nodes[index])
        index += 1
        if function == "softmax":
            if not next_is(nodes, index, "_"):
                raise UnsupportedError("softmax needs an index: softmax(z)_i")
            entry = self._index_value(argument_of(nodes, index + 1, nodes[index]))
            value, index = _softmax(arguments, entry, col), index + 2
        else:
            value = _apply_function(function, label, primes, arguments, col)
        out.value(value, col)
        if power is not None:
            self._emit_power(self._function_power(power, label), col, out)
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

    def name_object(self, name: NameRead):
        """The SymPy object a name stands for, by the naming convention."""
        full = name.canonical()
        matrices = self.context.matrices
        if full in matrices:
            return sp.MatrixSymbol(full, *matrices[full])  # shapes: ints or SymPy symbols
        if full in self.sum_indices:
            return sp.Symbol(full, integer=True)
        bound = self.context.symbols.get(full)
        if bound is not None and not isinstance(bound, sp.IndexedBase):
            return bound
        if name.sub is not None:
            head = name.head
            arity = self.context.indexed.get(head) or self.auto_indexed.get(head)
            if arity:
                indices = self._indices(name.sub, arity, head, name.col)
                base = self.context.symbols.get(head)
                base = base if isinstance(base, sp.IndexedBase) else sp.IndexedBase(head)
                return sp.Indexed(base, *indices)
            if head in matrices:
                return self._matrix_entry(head, name, name.col)
        if full in self.index_letters:
            return sp.Symbol(full, integer=True)
        if full == r"\pi":
            return sp.pi
        if not self.context.commuting and _is_capital(name.base):
            return sp.Symbol(full, commutative=False)
        return sp.Symbol(full, real=True)

    def _indices(self, sub: list, arity: int, head: str, col: int) -> list:
        parts = split_top(sub, ",")
        if len(parts) == 1 and arity > 1:
            if len(sub) == arity and all(_is_simple(node) for node in sub):
                parts = [[node] for node in sub]
            else:
                raise ParseError(f"{head} takes {arity} indices", col)
        if len(parts) != arity:
            raise ParseError(f"{head} takes {arity} indices, not {len(parts)}", col)
        return [self._index_value(part) for part in parts]

    def _index_value(self, nodes: list):
        if len(nodes) == 1 and _is_simple(nodes[0]) and not is_digit(nodes[0]):
            name = read_name(nodes, 0)
            return sp.Symbol(name.canonical(), integer=True)
        return self.value(nodes)

    def _matrix_entry(self, head: str, name: NameRead, col: int):
        rows, cols = self.context.matrices[head]
        matrix = sp.MatrixSymbol(head, rows, cols)
        vector = cols == 1 or rows == 1
        indices = self._indices(name.sub, 1 if vector else 2, head, col)
        if vector:
            indices = [indices[0], 1] if cols == 1 else [1, indices[0]]
        try:
            return matrix[indices[0] - 1, indices[1] - 1]  # LaTeX counts from 1
        except (IndexError, ValueError):
            raise ParseError(f"{head} has no entry {name.canonical()}", col) from None

    # -- groups

    def _group_at(self, nodes: list, index: int, out: Emitter) -> int:
        group = nodes[index]
        if group.kind == "brace" and not group.children:
            return index + 1
        if group.kind == "env":
            out.value(self._matrix(group), group.col)
            return index + 1
        if group.env == "left-dot":
            raise UnsupportedError(r"evaluation bars \left. ... \right| are not supported")
        if group.kind == "angle":
            raise UnsupportedError(f"inner products are not supported (column {group.col})")
        comma = first_top(group.children, ",", ";")
        if comma is not None:
            raise ParseError("a comma-separated list is not an expression", comma.col)
        inner = self.value(group.children)
        wrappers = {"abs": sp.Abs, "floor": sp.floor, "ceil": sp.ceiling}
        if group.kind in wrappers:
            inner = _apply(wrappers[group.kind], inner)
        elif group.kind == "norm":
            inner = _norm(inner)
        out.value(inner, group.col)
        following = index + 1
        if next_is(nodes, following, "'"):
            raise ParseError("a prime after a bracket: write the derivative explicitly",
                             nodes[following].col)
        return following

    def _matrix(self, group: Group):
        if group.env in ("vmatrix", "Vmatrix"):
            raise UnsupportedError("determinants are not supported")
        if group.env not in MATRIX_ENVIRONMENTS:
            raise UnsupportedError(rf"the {group.env} environment is not supported")
        rows = split_top(group.children, r"\\")
        if rows and not rows[-1]:
            rows.pop()
        cells = [split_top(row, "&") for row in rows]
        if not cells:
            raise ParseError("an empty matrix", group.col)
        width = len(cells[0])
        if len(cells) > MAX_MATRIX_SIDE or width > MAX_MATRIX_SIDE:
            raise UnsupportedError(f"literal matrices larger than {MAX_MATRIX_SIDE}x"
                                   f"{MAX_MATRIX_SIDE} are not supported")
        if any(len(row) != width for row in cells):
            raise ParseError("matrix rows of different lengths", group.col)
        values = [[self._cell(cell, group) for cell in row] for row in cells]
        matrix = sp.ImmutableMatrix(values)
        return matrix[0, 0] if matrix.shape == (1, 1) else matrix

    def _cell(self, nodes: list, group: Group):
        if not nodes:
            raise ParseError("an empty matrix entry", group.col)
        value = self.value(nodes)
        if _is_matrix(value):
            raise UnsupportedError("matrices inside matrices are not supported")
        return value

    # -- superscripts after something that is not a name

    def _superscript_at(self, nodes: list, index: int, out: Emitter) -> int:
        caret = nodes[index]
        if index == 0:
            raise ParseError("a superscript needs something before it", caret.col)
        argument = argument_of(nodes, index + 1, caret)
        if is_token(argument[0], "-") and len(argument) == 1:
            # x^-1: TeX reads a one-character superscript; accept the common slip.
            value, following = self._loose_negative_power(nodes, index + 2, caret)
            self._emit_power(value, caret.col, out)
            return following
        self._superscript_value(argument, caret.col, out)
        return index + 2

    def _superscript_value(self, argument: list, col: int, out: Emitter) -> None:
        kind, _ = _superscript_kind(argument)
        if kind == "transpose":
            value = TRANSPOSE
        elif kind in ("star", "prime"):
            raise ParseError("a star or prime belongs on a name", col)
        elif len(argument) == 1 and isinstance(argument[0], Tok) and is_digit(argument[0]):
            value = sp.Integer(int(argument[0].value))  # TeX: x^23 is x^{2}3
        else:
            value = self.value(argument)
        self._emit_power(value, col, out)

    def _loose_negative_power(self, nodes: list, index: int, caret: Tok):
        if index < len(nodes) and isinstance(nodes[index], Tok) and is_digit(nodes[index]):
            value, following = read_number(nodes, index)
            return -value, following
        raise ParseError("write the exponent in braces: x^{-1}", caret.col)

    # -- \frac, \sqrt, \sum

    def _fraction_at(self, nodes: list, index: int, out: Emitter) -> int:
        token = nodes[index]
        derivative = self._derivative_parts(nodes, index)
        if derivative is None:
            numerator = self.value(argument_of(nodes, index + 1, token))
            denominator = self.value(argument_of(nodes, index + 2, token))
            out.add(r"\frac{", token.col)
            out.value(numerator, token.col)
            out.add("}{", token.col)
            out.value(denominator, token.col)
            out.add("}", token.col)
            return index + 3
        following = index + 3
        if derivative.named:
            out.value(self._named_derivative(derivative), token.col)
            return following
        operand = derivative.operand
        if operand is None:  # \frac{d}{dx} applies to the rest of the term
            operand, following = nodes[following:], len(nodes)
            if not operand:
                raise ParseError("a derivative operator with nothing to differentiate",
                                 token.col)
        out.value(self._differentiate(self.value(operand), derivative, token.col), token.col)
        return following

    def _derivative_parts(self, nodes: list, index: int):
        token = nodes[index]
        numerator = argument_of(nodes, index + 1, token)
        denominator = argument_of(nodes, index + 2, token)
        return _read_derivative(numerator, denominator)

    def _named_derivative(self, derivative):
        name = derivative.canonical_name()
        if name in self.context.matrices:
            return sp.MatrixSymbol(name, *self.context.matrices[name])
        return sp.Symbol(name, real=True)

    def _differentiate(self, value, derivative, col: int):
        self.derivatives += 1
        if self.derivatives > MAX_DERIVATIVES:
            raise UnsupportedError(f"more than {MAX_DERIVATIVES} derivative operators")
        variables = []
        for name, times in derivative.wrt:
            variable = self.name_object(name)
            variables.extend([_transpose(variable) if name.transposed else variable] * times)
        result = value
        for variable in variables:
            if needs_deferral(result, variable):
                # Never SymPy's matrix calculus (silent zeros): taken entry by entry once concrete.
                result = deferred_derivative(result, variable)
                continue
            try:
                result = sp.diff(result, variable)
            except Exception as error:  # noqa: BLE001 - SymPy fails in many ways on odd input
                raise UnsupportedError(f"cannot differentiate this with respect to "
                                       f"{canonical_name(variable)} (column {col})") from error
            _check_size(result, "the derivative is too large")
        return result

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

    def _sum_at(self, nodes: list, index: int, out: Emitter) -> int:
        token = nodes[index]
        parts = self._sum_parts(nodes, index)
        for name in parts.indices:
            variable = sp.Symbol(name.canonical(), integer=True)
            start = self.value(parts.start) if parts.start else sp.Integer(1)
            end = self.value(parts.end) if parts.end else unknown_bound(variable)
            out.add(token.value + "_{", token.col)
            out.value(variable, name.col)
            out.add("=", token.col)
            out.value(start, token.col)
            out.add("}^{", token.col)
            out.value(end, token.col)
            out.add("}", token.col)
        if parts.following >= len(nodes):
            raise ParseError(f"{token.value} has nothing to add up", token.col)
        return parts.following

    def _sum_parts(self, nodes: list, index: int):
        token = nodes[index]
        following, sub, sup = index + 1, None, None
        for _ in range(2):
            if next_is(nodes, following, "_") and sub is None:
                sub, following = argument_of(nodes, following + 1, nodes[following]), following + 2
            elif next_is(nodes, following, "^") and sup is None:
                sup, following = argument_of(nodes, following + 1, nodes[following]), following + 2
        if sub is None:
            raise UnsupportedError(rf"{token.value} needs an index, as in {token.value}_{{i=1}}")
        start = None
        equals = first_top(sub, "=")
        if equals is not None:
            cut = sub.index(equals)
            variables, start = [sub[:cut]], sub[cut + 1:]
            if not start:
                raise ParseError("the sum has no start value", equals.col)
        else:
            relation = next((node for node in sub if is_token(node, *RELATIONS, r"\neq", r"\ne",
                                                         r"\in", "<", ">")), None)
            if relation is not None:
                raise UnsupportedError(f"sums over a condition are not supported "
                                       f"(column {relation.col})")
            variables = split_top(sub, ",")
            if len(variables) > 1 and sup is not None:
                raise ParseError("several indices share one upper bound", token.col)
        names = [_whole_name(part, token.col) for part in variables]
        return _SumParts(names, start, sup, following)

    # -- indicators

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

    def _indicator(self, condition: list, col: int):
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
            left_value = _add([left_value, _mul(sp.Integer(-1), right_value)])
        return _indicator_value(relation, left_value)

    # -- binding the library's tree

    def bind(self, raw):
        if isinstance(raw, sp.Symbol):
            if raw.name not in self.table:
                raise ParseError(f"could not read {raw.name!r}", self.column)
            return self.table[raw.name]
        if isinstance(raw, sp.Number) or raw in (sp.E, sp.pi):
            return raw
        if isinstance(raw, sp.Add):
            return _add([self.bind(arg) for arg in raw.args])
        if isinstance(raw, sp.Mul):
            return _product([self._factor(arg) for arg in raw.args], self.column)
        if isinstance(raw, sp.Pow):
            return _power(self.bind(raw.base), self.bind(raw.exp))
        if isinstance(raw, (sp.Sum, sp.Product)):
            return self._bind_sum(raw)
        if isinstance(raw, sp.factorial):
            return _factorial(self.bind(raw.args[0]))
        if isinstance(raw, sp.log):
            arguments = [self.bind(arg) for arg in raw.args]
            return _apply(sp.log, arguments[0]) if len(arguments) == 1 else sp.log(*arguments)
        if isinstance(raw, sp.Function) and len(raw.args) == 1:
            return _apply(type(raw), self.bind(raw.args[0]))
        raise UnsupportedError(f"{type(raw).__name__} is not supported (column {self.column})")

    def _factor(self, raw) -> tuple[str, object]:
        # The library writes a/b as a * b**-1 with a literal -1; a written b^{-1} arrives as a
        # placeholder exponent, so the two stay apart: division by a vector is elementwise.
        if isinstance(raw, sp.Pow) and raw.exp is sp.S.NegativeOne:
            return "divide", self.bind(raw.base)
        return "multiply", self.bind(raw)

    def _bind_sum(self, raw):
        # SymPy folds a sum of a sum into one Sum with several limits, innermost first.
        result = self.bind(raw.function)
        kind = sp.Sum if isinstance(raw, sp.Sum) else sp.Product
        for limit in raw.limits:
            variable, start, end = (self.bind(item) for item in limit)
            if _is_matrix(result) or _is_matrix(start) or _is_matrix(end):
                raise UnsupportedError("sums of matrices are not supported")
            end = _bound_from_shapes(result, variable, end)
            result = kind(result, (variable, start, end))
            if _numeric_terms(result) > MAX_SUM_TERMS:
                raise UnsupportedError(f"sums and products of more than {MAX_SUM_TERMS} terms "
                                       "are not supported")
        return result


@dataclass
class _SumParts:
    indices: list
    start: list | None
    end: list | None
    following: int


@dataclass
class _Derivative:
    order: int
    wrt: list  # [(NameRead, times)]
    named: NameRead | None  # \frac{\partial L}{\partial y}: a quantity, not an operation
    operand: list | None  # \frac{\partial f(x)}{\partial x}: what to differentiate

    def canonical_name(self) -> str:
        order = f"^{{{self.order}}}" if self.order > 1 else ""
        below = " ".join(rf"\partial {name.canonical()}" + (f"^{{{times}}}" if times > 1 else "")
                         for name, times in self.wrt)
        return rf"\frac{{\partial{order} {self.named.canonical()}}}{{{below}}}"


# ---------------------------------------------------------------------------------------------
# reading helpers (pure)


def _is_capital(base: str) -> bool:
    """A capital Latin or Greek letter: what may stand for a matrix when no shape is declared."""
    return (len(base) == 1 and base.isupper()) or (base.startswith("\\") and base[1:2].isupper())


def _letters_in(nodes: list) -> set[str]:
    letters = set()
    for node_list in node_lists(nodes):
        for node in node_list:
            if _is_simple(node) and not is_digit(node):
                letters.add(NAME_ALIASES.get(node.value, node.value))
    return letters


def _arity_of(sub: list) -> int:
    parts = split_top(sub, ",")
    if len(parts) > 1:
        return len(parts)
    if all(_is_simple(node) for node in sub):
        return len(sub)
    return 1


def _is_simple(node) -> bool:
    """A one-token index: a letter, a digit or a Greek letter."""
    return _is_letter(node) or is_digit(node) or (
        isinstance(node, Tok) and node.kind == "cmd"
        and (node.value in GREEK or node.value in NAME_ALIASES))


def _is_letter(node) -> bool:
    return isinstance(node, Tok) and node.kind == "char" and node.value in quirks.ASCII_LETTERS


def _at(nodes: list, index: int):
    return nodes[index] if index < len(nodes) else None


def _split_equation(nodes: list) -> list[list]:
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
    return sides, _top_level(nodes, separators)


def _top_level(nodes: list, candidates: list) -> list:
    """The candidates that stand at the top level of ``nodes`` (not inside a group)."""
    ids = {id(node) for node in nodes}
    return [node for node in candidates if id(node) in ids]


def _relation_name(node) -> str:
    return "=" if node.value in ("=", r"\coloneqq") else node.value


def _side_texts(text: str, span: tuple, separators: list) -> list[str]:
    """The source text of each side, cut at the relation tokens (columns are 1-based)."""
    cuts, start = [], span[0]
    for node in separators:
        cuts.append(text[start:node.col - 1].strip())
        start = node.col - 1 + len(node.value)
    cuts.append(text[start:span[1]].strip())
    return cuts


def _split_terms(nodes: list) -> list[list]:
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


def _plain_word(nodes: list, index: int) -> str:
    """A function word spelled with plain letters (ReLU(x), softmax(z)_i), else ''."""
    letters = []
    for node in nodes[index:index + 8]:
        if not _is_letter(node):
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


def _refuse_prose(nodes: list, index: int) -> None:
    if index > 0 and _is_letter(nodes[index - 1]) and not nodes[index].space_before:
        return  # not the start of a run of letters
    run = 0
    for node in nodes[index:]:
        if not _is_letter(node):
            break
        if run and node.space_before:
            break
        run += 1
    if run >= 4:
        word = "".join(node.value for node in nodes[index:index + run])
        raise ParseError(f"{word!r} reads as a word, not mathematics; separate the symbols "
                         r"or use \operatorname{...}", nodes[index].col)


def _plain_number(nodes: list):
    """(value, tolerance) when the nodes are one decimal number, else None."""
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


def _read_derivative(numerator: list, denominator: list) -> _Derivative | None:
    r"""The parts of \frac{\partial ...}{\partial ...} or \frac{d ...}{d ...}, else None."""
    if not numerator or not denominator:
        return None
    if not (_is_differential(numerator, 0) and _is_differential(denominator, 0)):
        return None
    if len(denominator) < 2 or next_is(denominator, 1, "_", "^", "'"):
        return None
    position, order = 1, 1
    if next_is(numerator, 1, "^"):
        order = _small_order(argument_of(numerator, 2, numerator[1]), numerator[1].col)
        position = 3
    wrt = _read_denominator(denominator)
    total = sum(times for _, times in wrt)
    if order == 1 and total > 1 and len(wrt) == 1:
        return None  # \frac{d}{dx^2}: not a derivative we know how to read
    if total != order:
        raise ParseError(f"the derivative's order {order} does not match its denominator",
                         denominator[0].col)
    rest = numerator[position:]
    if not rest:
        return _Derivative(order, wrt, None, None)
    name = read_name(rest, 0)
    if name is not None and name.end == len(rest):
        return _Derivative(order, wrt, name, None)
    return _Derivative(order, wrt, None, rest)


def _is_differential(nodes: list, index: int) -> bool:
    node = nodes[index]
    if is_token(node, r"\partial"):
        return True
    is_d = is_token(node, "d") or (isinstance(node, Tok) and node.kind == "text"
                              and node.value.strip() == "d")
    return is_d and not next_is(nodes, index + 1, "_", "'")  # d_1 is a name


def _read_denominator(nodes: list) -> list:
    wrt, index = [], 0
    while index < len(nodes):
        if not _is_differential(nodes, index):
            raise ParseError("expected \\partial or d in the derivative's denominator",
                             first_col(nodes[index:], 1))
        name = read_name(nodes, index + 1) if index + 1 < len(nodes) else None
        if name is None:
            raise ParseError("expected a variable after \\partial", nodes[index].col)
        index, times = name.end, 1
        if next_is(nodes, index, "^"):
            times = _small_order(argument_of(nodes, index + 1, nodes[index]), nodes[index].col)
            index += 2
        wrt.append((name, times))
    return wrt


def _small_order(argument: list, col: int) -> int:
    if len(argument) == 1 and is_digit(argument[0]) and 1 <= int(argument[0].value) <= 4:
        return int(argument[0].value)
    raise UnsupportedError(f"derivative orders other than 1 to 4 are not supported (column {col})")


# ---------------------------------------------------------------------------------------------
# building values: matrix-aware, size-checked


def _is_matrix(value) -> bool:
    return bool(getattr(value, "is_Matrix", False))


def _scalar_of(matrix):
    """A 1x1 matrix is the scalar it holds."""
    return matrix[0, 0]


def _provably_different(a, b) -> bool:
    return bool(sp.Add(a, -b).is_nonzero)


def _shape_text(value) -> str:
    rows, cols = value.shape
    return f"{rows}x{cols}"


def _add(values: list):
    matrices = [value for value in values if _is_matrix(value)]
    scalars = [value for value in values if not _is_matrix(value)]
    if not matrices:
        return sp.Add(*scalars)
    if scalars and all(matrix.shape == (1, 1) for matrix in matrices):
        return sp.Add(*scalars, *map(_scalar_of, matrices))
    for matrix in matrices[1:]:
        if any(_provably_different(a, b) for a, b in zip(matrices[0].shape, matrix.shape)):
            raise UnsupportedError(f"shape mismatch: cannot add a {_shape_text(matrices[0])} "
                                   f"and a {_shape_text(matrix)} matrix")
    scalar = sp.Add(*scalars)
    explicit = [matrix for matrix in matrices if isinstance(matrix, sp.MatrixBase)]
    symbolic = [matrix for matrix in matrices if not isinstance(matrix, sp.MatrixBase)]
    total = functools.reduce(operator.add, explicit) if explicit else None
    if scalar != 0:  # broadcasting, as DL formulas do: \sqrt{v} + \epsilon
        if symbolic:
            symbolic.append(_matmul(scalar, sp.OneMatrix(*matrices[0].shape)))
        else:
            total = total.applyfunc(lambda entry: entry + scalar)
    if not symbolic:
        return total
    terms = ([total] if total is not None else []) + symbolic
    if len(terms) == 1:
        return terms[0]
    # Unevaluated MatAdd, not +: MatrixExpr.__add__ and MatAdd's canonical form call doit(),
    # which evaluates every sum inside (slowly, and past the size checks).
    return sp.MatAdd(*_flattened(terms, sp.MatAdd))


def _product(factors: list, col: int):
    r"""An ordered product of ("multiply" | "divide", value) factors; HADAMARD markers split it
    into the operands of an elementwise product (\odot binds loosest, as DL texts read it)."""
    groups, current = [], []
    for operation, value in factors:
        if value is HADAMARD:
            groups.append(current)
            current = []
        else:
            current.append((operation, value))
    groups.append(current)
    if any(not group for group in groups):
        raise ParseError(r"\odot needs a factor on each side", col)
    return functools.reduce(_hadamard, [_ordered_product(group) for group in groups])


def _ordered_product(factors: list):
    operation, result = factors[0]
    if operation == "divide":
        result = _divide(sp.Integer(1), result)
    for operation, value in factors[1:]:
        result = _divide(result, value) if operation == "divide" else _mul(result, value)
    return result


def _divide(numerator, denominator):
    """numerator / denominator; by a matrix (a vector) that is elementwise, as in Adam."""
    if not _is_matrix(denominator):
        return _mul(numerator, _power(denominator, sp.Integer(-1)))
    if denominator.shape == (1, 1):
        return _divide(numerator, _scalar_of(denominator))
    reciprocal = _elementwise_power(denominator, sp.Integer(-1))
    return _hadamard(numerator, reciprocal)


def _mul(a, b):
    if not (_is_matrix(a) or _is_matrix(b)):
        return a * b
    if _is_matrix(a) and _is_matrix(b):
        if a.shape == (1, 1) and b.shape[0] != 1:
            return _matmul(_scalar_of(a), b)
        if b.shape == (1, 1) and a.shape[1] != 1:
            return _matmul(a, _scalar_of(b))
        if _provably_different(a.shape[1], b.shape[0]):
            raise UnsupportedError(f"shape mismatch: cannot multiply a {_shape_text(a)} by a "
                                   f"{_shape_text(b)} matrix")
    return _matmul(a, b)


def _is_literal_or_scalar(value) -> bool:
    return isinstance(value, sp.MatrixBase) or not _is_matrix(value)


def _matmul(a, b):
    """An order-preserving product with a matrix, never evaluated with doit()."""
    if not _is_matrix(b):
        a, b = b, a  # a scalar factor commutes to the front
    if a == 1:
        return b
    if _is_literal_or_scalar(a) and _is_literal_or_scalar(b):
        return a * b  # entries of a literal matrix multiply out
    # Unevaluated MatMul, not *: MatrixExpr.__mul__ calls doit() (see _add).
    return sp.MatMul(*_flattened([a, b], sp.MatMul))


def _flattened(args: list, kind) -> list:
    return [part for arg in args for part in (arg.args if isinstance(arg, kind) else (arg,))]


def _hadamard(a, b):
    if not (_is_matrix(a) and _is_matrix(b)):
        return _mul(a, b)
    if any(_provably_different(x, y) for x, y in zip(a.shape, b.shape)):
        raise UnsupportedError(f"shape mismatch: elementwise product of a {_shape_text(a)} and "
                               f"a {_shape_text(b)} matrix")
    if isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase):
        return a.multiply_elementwise(b)
    return sp.HadamardProduct(a, b)


def _transpose(value):
    return value.T if _is_matrix(value) else value


def _power(base, exponent):
    if exponent is TRANSPOSE:
        return _transpose(base)
    if _is_matrix(exponent):
        raise UnsupportedError("a matrix exponent is not supported")
    _check_exponent(exponent)
    if _is_matrix(base):
        return _matrix_power(base, exponent)
    if base.is_Rational and exponent.is_Rational:
        _check_number_size(base, exponent)
    return sp.Pow(base, exponent)


def _check_exponent(exponent) -> None:
    if exponent.is_Rational and abs(exponent) > MAX_EXPONENT:
        raise UnsupportedError(f"exponents above {MAX_EXPONENT} are not supported")


def _check_number_size(base, exponent) -> None:
    bits = max(abs(base.p).bit_length(), base.q.bit_length())
    if bits * abs(exponent) > MAX_NUMBER_BITS:
        raise UnsupportedError(f"numbers above {MAX_NUMBER_BITS} bits are not supported")


def _matrix_power(base, exponent):
    rows, cols = base.shape
    if (rows, cols) == (1, 1):
        return _power(_scalar_of(base), exponent)
    square = bool(sp.Add(rows, -cols).is_zero)
    if square and exponent.is_Integer:
        if isinstance(base, sp.MatrixBase):
            if abs(exponent) > MAX_LITERAL_POWER or rows > MAX_LITERAL_POWER_SIDE:
                raise UnsupportedError("only small powers of small literal matrices are supported")
            try:
                return base ** exponent
            except ValueError as error:  # a singular matrix to a negative power
                raise UnsupportedError(f"cannot invert this matrix: {error}") from None
        return sp.Inverse(base) if exponent == -1 else sp.MatPow(base, exponent)
    return _elementwise_power(base, exponent)  # a vector to a power: g_t^2 in Adam


def _elementwise_power(base, exponent):
    if isinstance(base, sp.MatrixBase):
        return base.applyfunc(lambda entry: _power(entry, exponent))
    return sp.HadamardPower(base, exponent)


def _apply(function, argument):
    """``function`` applied to ``argument``, entry by entry on matrices, size-checked."""
    if _is_matrix(argument):
        return elementwise(function, argument)
    if function is sp.exp and argument.is_Rational and abs(argument) > MAX_EXPONENT:
        raise UnsupportedError(f"exponents above {MAX_EXPONENT} are not supported")
    return function(argument)


def _factorial(argument):
    if argument.is_number and argument.is_Rational and abs(argument) > MAX_FACTORIAL:
        raise UnsupportedError(f"factorials above {MAX_FACTORIAL} are not supported")
    if _is_matrix(argument):
        raise UnsupportedError("the factorial of a matrix is not supported")
    return sp.factorial(argument)


def _norm(value):
    if not _is_matrix(value):
        return sp.Abs(value)
    return sp.sqrt(sp.Trace(value.T * value)) if not isinstance(value, sp.MatrixBase) \
        else sp.sqrt(sum(entry ** 2 for entry in value))


def _apply_function(function, label: str, primes: int, arguments: list, col: int):
    if function == "undefined":
        return _undefined(label, primes, arguments)
    if function in ("max", "min"):
        if primes:
            raise UnsupportedError(f"the derivative of {label} is not supported")
        return _max_min(function, arguments, col)
    if len(arguments) != 1:
        raise ParseError(f"{label} takes one argument, not {len(arguments)}", col)
    if primes > 1:
        raise UnsupportedError(f"derivatives of order {primes} of {label} are not supported")
    if primes == 1:
        function = sigmoid_prime if function is sigmoid else derivative_of(function)
    return _apply(function, arguments[0])


def _undefined(label: str, primes: int, arguments: list):
    if any(_is_matrix(argument) for argument in arguments):
        raise UnsupportedError(f"{label} applied to a matrix is not supported")
    function = sp.Function(label)
    if primes == 0:
        return function(*arguments)
    if len(arguments) != 1 or primes > 2:
        raise UnsupportedError(f"{label} with {primes} primes is not supported")
    point = sp.Dummy("t")
    return sp.diff(function(point), point, primes).subs(point, arguments[0])


def _max_min(which: str, arguments: list, col: int):
    if len(arguments) < 2:
        raise ParseError(rf"\{which} needs at least two arguments", col)
    if which == "max" and len(arguments) == 2 and sp.S.Zero in arguments:
        other = arguments[1] if arguments[0] == 0 else arguments[0]
        return _apply(relu, other)  # \max(0, x) is ReLU, elementwise on vectors
    if any(_is_matrix(argument) for argument in arguments):
        raise UnsupportedError(rf"\{which} of matrices is not supported")
    return (sp.Max if which == "max" else sp.Min)(*arguments)


def _softmax(arguments: list, entry, col: int):
    if len(arguments) != 1:
        raise ParseError("softmax takes one argument", col)
    (vector,) = arguments
    index = sp.Symbol("k" if getattr(entry, "name", "") == "j" else "j", integer=True)
    if isinstance(vector, sp.MatrixSymbol) and 1 in vector.shape:
        length = vector.shape[0] if vector.shape[1] == 1 else vector.shape[1]

        def element(i):
            return vector[i - 1, 0] if vector.shape[1] == 1 else vector[0, i - 1]

        return sp.exp(element(entry)) / sp.Sum(sp.exp(element(index)), (index, 1, length))
    if isinstance(vector, sp.Symbol):
        base = sp.IndexedBase(vector.name)
        return sp.exp(base[entry]) / sp.Sum(sp.exp(base[index]), (index, 1, unknown_bound(index)))
    raise UnsupportedError("softmax of an expression is not supported; name the vector")


def _indicator_value(relation: str, difference):
    """𝟙[difference relation 0] from step, which is 0 at 0 (the convention of DL libraries)."""
    if relation == ">":
        function = step
    elif relation == "<":
        function = sp.Lambda(_POINT, step(-_POINT))
    elif relation == ">=":
        function = sp.Lambda(_POINT, 1 - step(-_POINT))
    else:
        function = sp.Lambda(_POINT, 1 - step(_POINT))
    return _apply(function, difference)


_POINT = sp.Dummy("a", real=True)


def _bound_from_shapes(body, variable, end):
    """\\sum_i over a declared vector runs to its length when no bound was written."""
    if not (isinstance(end, sp.Symbol) and end == unknown_bound(variable)):
        return end
    for element in body.atoms(MatrixElement):
        rows, cols = element.parent.shape
        if element.i == variable - 1 and cols == 1:
            return rows
        if element.j == variable - 1 and rows == 1:
            return cols
    return end


def _numeric_terms(expr) -> int:
    """How many terms a sum or product would have if expanded, nested ones multiplied."""
    if not isinstance(expr, (sp.Sum, sp.Product)):
        inner = [_numeric_terms(arg) for arg in expr.args if isinstance(arg, sp.Basic)]
        return max(inner, default=1)
    count = 1
    for _, start, end in expr.limits:
        if start.is_number and end.is_number:
            count *= max(int(sp.floor(end - start)) + 1, 0)
    return count * _numeric_terms(expr.function)


def _check_size(expr, message: str) -> None:
    count = 0
    for _ in sp.preorder_traversal(expr):
        count += 1
        if count > MAX_DERIVATIVE_NODES:
            raise UnsupportedError(message)
