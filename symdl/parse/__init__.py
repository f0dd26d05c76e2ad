r"""The deep-learning LaTeX dialect (``../shared/NOTATION.md``) read into SymPy.

``parse(text, context)`` returns a :class:`Parsed`: the value, the left side of an equation (a
:class:`DerivativeTarget` for ``\frac{\partial L}{\partial W^{(1)}} = ...``), and the rounding
tolerance a bare decimal number implies.

How it reads (one module per stage)
-----------------------------------
1. ``tokens``: tokens with their columns; control characters, over-long input and stray Unicode
   are refused, text-like command arguments read raw.
2. ``groups``: delimiters nested iteratively with a depth cap (``numbers`` reads decimals).
3. ``names``: a name with its layer index, star, primes and subscript, and its canonical LaTeX.
4. ``reader`` (with ``objects``, ``calls``, ``derivatives``, ``sums``, ``elision``,
   ``brackets``): the grammar. Each side of an equation (``split``) is cut into additive terms;
   in each, the dialect (names, function applications, derivative fractions, sums, indicators,
   literal matrices, numbers, every bracketed group) becomes placeholders ``\variable{Zk}`` bound
   to SymPy objects, and ``library`` (the fence around latex2sympy2_extended) parses the
   operators between them: precedence, juxtaposition, ``\frac``, ``\sqrt``, ``\sum``, paren-less
   ``\log x``, ``e^{x}``, ``n!``, built unevaluated.
5. ``bind``, ``apply`` and ``linalg``: that tree rebuilt bottom-up with matrix-aware,
   size-checked constructors: products keep their order (``MatMul``), ``\odot`` becomes
   ``HadamardProduct``, huge powers, factorials and sums are refused before SymPy evaluates them.

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
  ``\frac{\partial A}{\partial B}`` (``\frac{dA}{dB}`` gets the same name); mixed partials
  list their variables sorted (``\partial x \partial y`` either way); ``\partial B^{T}`` is the
  transpose of the same quantity (a row).
- ``Context.symbols`` binds names, and applications like ``E(w^{*})`` or
  ``p(\mathbf{y} \mid \mathbf{X}, w)``, to given objects; keys are compared in canonical form
  (spaces, braces and fonts do not matter).
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
- ``e`` is Euler's number (``e_i`` is a name) unless declared, ``\pi`` is π, ``\log`` and ``\ln``
  are natural.
- ``I``, ``I_n``, ``\mathbf{I}``, ``\mathbb{I}`` (undeclared) are ``Identity(n)`` of the size a
  neighbouring matrix needs (added, multiplied, or across ``=``), else ``Symbol("I")``.
- ``\delta_{ij}`` (undeclared, two index letters, no layer index) and ``\mathbb{1}[i=j]`` are
  ``KroneckerDelta(i, j)``; ``\delta_j`` and ``\delta^{(3)}_j`` are names.
- A word as subscript (``\Sigma_{\mathrm{ML}}``) names a new symbol, never an entry.
- Matrix functions (``linalg``): ``Trace``, ``Determinant`` (``|A|`` of a square matrix),
  ``DiagMatrix``/``DiagonalOf``, norms from ``Trace``, transposes and ``Abs``; ``A^{-T}`` is
  ``Inverse(A).T``. ``cases`` is a ``Piecewise``; ``x_1 + \cdots + x_n`` a ``Sum`` (``elision``).
- A sum whose terms are matrices is a ``MatrixSum`` (:mod:`symdl.calculus`) inside an expression
  and SymPy's ``Sum`` of the matrix body when it (or a number times it) is a whole side.
- Undefined functions are ``Function(name)`` applied to the arguments. A letter followed by a
  parenthesis is a function application only for the conventional function letters
  ``f``, ``E``, ``L``, ``J``, ``\ell`` (any decoration), plain ``g``, declared step functions,
  and any name whose parentheses hold a comma or semicolon; otherwise it is a product
  (``y(1-y)``, ``h^{(1)}(1-h^{(1)})``). Multi-letter ``\operatorname``/``\mathrm``/``\text`` words
  followed by parentheses are functions named by the word.

Refused (``UnsupportedError``): numeric exponents above 1000 in size or numbers over 100,000
bits, factorials of numbers over 1000, sums and products (written or elided) of more than 10,000
numeric terms, literal matrices over 50×50, determinants and inverses of literal matrices over
4×4 with symbols (10×10 numbers), integrals, limits, set notation, ambiguous ellipses, and
mismatched matrix shapes.
"""

from __future__ import annotations

import functools
import sys

from sympy.matrices.exceptions import ShapeError

from symdl.errors import ParseError, UnsupportedError
from symdl.parse.model import Context, DerivativeTarget, Parsed, Side, canonical_name, unknown_bound
from symdl.parse.reader import Reader
from symdl.parse.tokens import check_text

__all__ = ["Context", "DerivativeTarget", "Parsed", "Side", "canonical_name", "parse",
           "unknown_bound"]


def parse(text: str, context: Context | None = None) -> Parsed:
    """Read one answer in the DL dialect; raise ParseError or UnsupportedError, nothing else."""
    check_text(text)
    context = context or Context()
    try:
        hash(context)
    except TypeError:  # shapes given as lists: correct, just not cacheable
        return _parse_uncached(text, context)
    return _parse_cached(text, context)

@functools.lru_cache(maxsize=1024)
def _parse_cached(text: str, context: Context) -> Parsed:
    return _parse_uncached(text, context)


def _parse_uncached(text: str, context: Context) -> Parsed:
    reader = Reader(context)
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
