r"""The SymPy object a name stands for: a context's binding or matrix, an Indexed, an entry of a
declared matrix, an index letter, or a real symbol; and the index facts gathered first so that
every occurrence of a name in one input agrees."""

from __future__ import annotations

import functools
from collections.abc import Mapping

import sympy as sp

from symdl.errors import ParseError, SymdlError, UnsupportedError
from symdl.parse.bind import IdentityName
from symdl.parse.groups import group, is_digit, is_token, next_group, node_lists, split_top
from symdl.parse.names import (
    NameRead, arity_of, canonical_tex, is_capital, is_letter, is_simple, letters_in, read_name,
)
from symdl.parse.tokens import Tok, tokenize


def symbol_table(symbols: Mapping) -> dict:
    r"""``Context.symbols`` keyed by canonical LaTeX, so that spellings differing in spaces, braces
    or fonts (``E(w^*)``, ``E(w^{*})``; ``p(\mathbf{y} \mid X)``, ``p(y\mid X)``) find one entry."""
    if not symbols:
        return {}
    try:
        return _symbol_table(frozenset(symbols.items()))
    except TypeError:  # unhashable values: correct, just not cacheable
        return {canonical_key(key): value for key, value in symbols.items()}


@functools.lru_cache(maxsize=64)
def _symbol_table(items: frozenset) -> dict:
    return {canonical_key(key): value for key, value in items}


def names_a_variant(sub: list) -> bool:
    r"""A word as subscript (``\Sigma_{\mathrm{ML}}``, ``w_{\text{new}}``) names another
    quantity; it is never an index or a matrix entry."""
    return len(sub) == 1 and isinstance(sub[0], Tok) and sub[0].kind == "text" \
        and len(sub[0].value.strip()) > 1


def canonical_key(text: str) -> str:
    """The canonical form of a name (as NameRead writes it) or of a name applied to arguments."""
    try:
        nodes = group(tokenize(text))
        name = read_name(nodes, 0) if nodes else None
    except SymdlError:
        return text
    if name is not None and name.power is None and not name.transposed:
        if name.end == len(nodes):
            return name.canonical()
        if name.end == len(nodes) - 1 and next_group(nodes, name.end, "paren"):
            return name.canonical() + canonical_tex(nodes[name.end:])
    return canonical_tex(nodes)


class NameObjects:
    """The objects names stand for (a part of the Reader)."""

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
        letters = letters_in(name.sub)
        head = name.head
        full = name.canonical()
        if head in self.context.indexed or self._kronecker_indices(name):
            self.index_letters |= letters
        elif head in self.context.matrices and full not in self.context.matrices:
            self.index_letters |= letters
        elif letters & self.sum_indices:
            self.auto_indexed.setdefault(head, arity_of(name.sub))
            self.index_letters |= letters

    def declared(self, full: str) -> bool:
        """Is ``full`` a name the context gives a shape or an object?"""
        return full in self.context.matrices or full in self.symbols

    def name_object(self, name: NameRead):
        """The SymPy object a name stands for, by the naming convention."""
        full = name.canonical()
        matrices = self.context.matrices
        if full in matrices:
            return sp.MatrixSymbol(full, *matrices[full])  # shapes: ints or SymPy symbols
        family = _family_shape(name, matrices)
        if family is not None:  # u_i declared: u_j, u_k and u_2 are vectors of the same family
            return sp.MatrixSymbol(full, *family)
        if full in self.sum_indices:
            return sp.Symbol(full, integer=True)
        bound = self.symbols.get(full)
        if bound is not None and not isinstance(bound, sp.IndexedBase):
            return bound
        kronecker = self._kronecker_indices(name)
        if kronecker:
            return sp.KroneckerDelta(*(sp.Symbol(letter, integer=True) for letter in kronecker))
        if self._names_identity(name):
            return IdentityName(full, real=True)
        if name.sub is not None and not names_a_variant(name.sub):
            head = name.head
            arity = self.context.indexed.get(head) or self.auto_indexed.get(head)
            if arity:
                indices = self._indices(name.sub, arity, head, name.col)
                base = self.symbols.get(head)
                base = base if isinstance(base, sp.IndexedBase) else sp.IndexedBase(head)
                return sp.Indexed(base, *indices)
            if head in matrices:
                return self._matrix_entry(head, name, name.col)
        if full in self.index_letters:
            return sp.Symbol(full, integer=True)
        if full == r"\pi":
            return sp.pi
        return self.plain_symbol(full, name.base)

    def plain_symbol(self, full: str, base: str) -> sp.Symbol:
        if not self.context.commuting and (is_capital(base) or full in self.context.noncommuting):
            return sp.Symbol(full, commutative=False)
        return sp.Symbol(full, real=True)

    def _undeclared_head(self, name: NameRead) -> bool:
        head = name.head
        return not (head in self.context.indexed or head in self.context.matrices
                    or head in self.symbols or name.layer or name.star or name.primes)

    def _kronecker_indices(self, name: NameRead) -> tuple:
        r"""The two index letters of a Kronecker delta ``\delta_{ij}`` (an undeclared
        \delta without a layer index), else ()."""
        if name.base != r"\delta" or name.sub is None or not self._undeclared_head(name):
            return ()
        parts = split_top(name.sub, ",")
        if len(parts) == 1:
            parts = [[node] for node in name.sub]
        if len(parts) == 2 and all(len(part) == 1 and is_letter(part[0]) for part in parts):
            return tuple(part[0].value for part in parts)
        return ()

    def _names_identity(self, name: NameRead) -> bool:
        """``I`` or ``I_n`` (any font), not declared: the identity where a matrix needs it."""
        if name.base != "I" or not self._undeclared_head(name):
            return False
        return name.sub is None or all(is_simple(node) for node in name.sub)

    def _indices(self, sub: list, arity: int, head: str, col: int) -> list:
        parts = split_top(sub, ",")
        if len(parts) == 1 and arity > 1:
            if len(sub) == arity and all(is_simple(node) for node in sub):
                parts = [[node] for node in sub]
            else:
                raise ParseError(f"{head} takes {arity} indices", col)
        if len(parts) != arity:
            raise ParseError(f"{head} takes {arity} indices, not {len(parts)}", col)
        return [self._index_value(part) for part in parts]

    def _index_value(self, nodes: list):
        if len(nodes) == 1 and is_simple(nodes[0]) and not is_digit(nodes[0]):
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


def _family_shape(name: NameRead, matrices) -> tuple | None:
    """The shape of a declared family member ``u_{i}`` when ``name`` is another member (``u_k``)."""
    if name.sub is None or len(name.sub) != 1 or not getattr(name.sub[0], "value", "").isalnum():
        return None
    prefix = name.head + "_{"
    for declared, shape in matrices.items():
        if declared.startswith(prefix) and declared.endswith("}") and len(declared) - len(prefix) == 2 \
                and declared[-2].isalpha():
            return shape
    return None
