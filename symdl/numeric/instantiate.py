"""The scalar path: matrices instantiated as matrices of SymPy symbols, sums written out, lambdify.

Needed where a claim is written in index form, and by ``symdl verify --deep`` (element-wise
``sympy.diff``). Before ``lambdify`` every symbol is renamed to ``v0, v1, …`` and every undefined
function is replaced by a fixed smooth function, so no name from the input ever reaches generated code.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from symdl.functions import NUMPY_IMPLEMENTATIONS, scalar


def substitute_definitions(expr, definitions, max_rounds: int = 64):
    """Replace intermediate symbols by their definitions until none is left.

    ``definitions`` maps a Symbol or MatrixSymbol to an expression, and an IndexedBase to a
    ``Lambda`` of its indices (``z^{[1]}_j ↦ Σ_i w^{[1]}_{ij} x_i``). The same expression with the
    same definitions is substituted once (a check run again, the results that repeat steps).
    """
    if not definitions:
        return expr
    try:
        return _substituted(expr, frozenset(definitions.items()), max_rounds)
    except TypeError:  # something unhashable: substitute without keeping the result
        return _substituted.__wrapped__(expr, definitions.items(), max_rounds)


@lru_cache(maxsize=4096)
def _substituted(expr, definitions, max_rounds: int):
    definitions = dict(definitions)
    plain = {k: v for k, v in definitions.items() if not isinstance(k, sp.IndexedBase)}
    indexed = {k: v for k, v in definitions.items() if isinstance(k, sp.IndexedBase)}
    for _ in range(max_rounds):
        new = expr.xreplace(plain) if plain else expr
        if indexed:
            new = new.replace(
                lambda e: isinstance(e, sp.Indexed) and e.base in indexed,
                lambda e: indexed[e.base](*e.indices),
            )
        if new == expr:
            return new
        expr = new
    raise RecursionError("definitions refer to each other in a cycle")


def stable_seed(*parts) -> int:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "little")


@lru_cache(maxsize=256)
def smooth_function(name: str, nargs: int, seed: int) -> sp.Lambda:
    """A fixed random smooth function standing in for an undefined ``f(x_n, w)``.

    It is the same for the same name and seed, so both sides of a comparison get the same ``f``.
    """
    rng = np.random.default_rng(stable_seed("undefined", name, nargs, seed))
    xs = sp.symbols(f"a0:{nargs}", real=True)
    c = [sp.Rational(int(v * 1000), 1000) for v in rng.uniform(0.3, 1.2, size=3 * nargs + 2)]
    linear = sum(c[i] * x for i, x in enumerate(xs))
    square = sum(c[nargs + i] * x**2 for i, x in enumerate(xs)) / 4
    wave = sp.sin(sum(c[2 * nargs + i] * x for i, x in enumerate(xs)) + c[-1])
    return sp.Lambda(xs, linear + square + wave + c[-2])


@dataclass
class Instantiation:
    """Turns matrix symbols, indexed symbols, symbolic sums and undefined functions concrete.

    One instance keeps the element symbols it made, so the two sides of a claim share them.
    """

    sizes: dict = field(default_factory=dict)
    seed: int = 0
    spd: frozenset = frozenset()  # names of matrix symbols to instantiate symmetric positive definite
    _elements: dict = field(default_factory=dict)

    def matrix(self, symbol: sp.MatrixSymbol) -> sp.ImmutableMatrix:
        rows, cols = (int(sp.sympify(d).xreplace(self.sizes)) for d in symbol.shape)
        key = (symbol.name, rows, cols)
        if key not in self._elements:
            if symbol.name in self.spd:
                a = sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{symbol.name}[{i},{j}]", real=True))
                value = sp.ImmutableMatrix(a * a.T + sp.eye(rows) * rows)
            else:
                value = sp.ImmutableMatrix(
                    rows, cols, lambda i, j: sp.Symbol(f"{symbol.name}[{i},{j}]", real=True)
                )
            self._elements[key] = value
        return self._elements[key]

    def explicit(self, expr):
        """``expr`` with every size, matrix, sum, index and undefined function made concrete."""
        if self.sizes:
            expr = expr.xreplace(self.sizes)
        symbols = expr.atoms(sp.MatrixSymbol)
        if symbols:
            expr = expr.xreplace({m: self.matrix(m) for m in symbols})
        constants = expr.atoms(sp.OneMatrix, sp.Identity, sp.ZeroMatrix)
        if constants:  # 1, I and 0 of concrete size as explicit matrices, so products of them evaluate
            expr = expr.xreplace({c: sp.ImmutableMatrix(c.as_explicit()) for c in constants})
        # Undefined functions first: a Derivative of f(x_n, w) can only be evaluated once f is known.
        undefined = expr.atoms(AppliedUndef)
        if undefined:
            expr = expr.xreplace(
                {f: smooth_function(f.func.__name__, len(f.args), self.seed)(*f.args) for f in undefined}
            )
        expr = expand_sums(expr).doit()
        if getattr(expr, "is_Matrix", False) and not isinstance(expr, sp.MatrixBase):
            expr = expr.as_explicit()
        return entries_as_symbols(expr)


def entries_as_symbols(expr):
    """Each indexed entry at numeric indices (``x_2``) as the symbol ``x[2]``, so that it draws the
    same value as an ``x[2]`` written out elsewhere (one name for both)."""
    if not expr.has(sp.Indexed):
        return expr
    return expr.replace(lambda e: isinstance(e, sp.Indexed) and all(i.is_Integer for i in e.indices), entry_symbol)


def entry_symbol(entry: sp.Indexed) -> sp.Symbol:
    """The symbol ``x[2]`` that stands for the indexed entry ``x_2``."""
    return sp.Symbol(f"{entry.base.label}[{','.join(map(str, entry.indices))}]", real=True)


def evaluate_matrices(expr, leaf):
    """A matrix expression evaluated bottom-up to explicit matrices, each subexpression once.

    ``leaf(e)`` gives the explicit value of a leaf it knows (a matrix symbol, a constant) or
    None. Inverses and determinants go by the adjugate and Berkowitz; SymPy's ``doit`` would
    rebuild the tree several times and simplify inside every product.
    """
    import operator
    from functools import reduce

    done = {}

    def value(e):
        if e in done:
            return done[e]
        result = leaf(e)
        if result is None:
            if not e.args or isinstance(e, (sp.Symbol, sp.Indexed, sp.Number)):
                result = e
            else:
                args = [value(a) for a in e.args]
                if isinstance(e, sp.Transpose):
                    result = args[0].T
                elif isinstance(e, sp.Inverse):
                    result = args[0].adjugate() / args[0].det(method="berkowitz")
                elif isinstance(e, sp.Determinant):
                    result = args[0].det(method="berkowitz")
                elif isinstance(e, sp.MatMul):
                    result = reduce(operator.mul, args)
                elif isinstance(e, sp.MatAdd):
                    result = reduce(operator.add, args)
                elif isinstance(e, scalar):
                    result = args[0][0, 0]
                else:
                    result = e.func(*args)
        result = sp.ImmutableMatrix(result) if isinstance(result, sp.MatrixBase) else result
        done[e] = result
        return result

    return value(expr)


def expand_sums(expr):
    """Write out sums and products with concrete bounds term by term (much faster than ``doit``)."""
    if not isinstance(expr, sp.Basic) or not expr.has(sp.Sum, sp.Product):
        return expr
    if isinstance(expr, (sp.Sum, sp.Product)) and len(expr.limits) == 1:
        (index, low, high), body = expr.limits[0], expr.function
        if low.is_Integer and high.is_Integer:
            body = expand_sums(body)  # inner sums first: they may reuse the index name
            if body.has(sp.Sum, sp.Product):
                return expr.doit()
            terms = [body.xreplace({index: sp.Integer(v)}) for v in range(int(low), int(high) + 1)]
            return sp.Add(*terms) if isinstance(expr, sp.Sum) else sp.Mul(*terms)
    return expr.func(*(expand_sums(a) for a in expr.args)) if expr.args else expr


def free_symbols_of(*exprs) -> list[sp.Symbol]:
    found = set()
    for e in exprs:
        found |= e.free_symbols
    return sorted(found, key=sp.default_sort_key)


def compile_numeric(exprs, symbols):
    """A NumPy function of ``symbols`` (in order) returning the values of ``exprs``.

    Symbols are renamed ``v0…`` first: lambdify prints names into Python source.
    """
    safe = [sp.Symbol(f"v{i}", real=True) for i in range(len(symbols))]
    renamed = [sp.sympify(e).xreplace(dict(zip(symbols, safe))) for e in exprs]
    leftover = set().union(*(e.free_symbols for e in renamed)) - set(safe)
    if leftover:
        raise ValueError(f"unbound symbols {sorted(map(str, leftover))}")
    # docstring_limit=0: printing the expression for the docstring is a third of the build time.
    return sp.lambdify(safe, renamed, modules=[NUMPY_IMPLEMENTATIONS, "numpy"], cse=True, docstring_limit=0)
