r"""The SymPy object a name stands for: a context's binding or matrix, an Indexed, an entry of a
declared matrix, an index letter, or a real symbol; and the index facts gathered first so that
every occurrence of a name in one input agrees."""

from __future__ import annotations

import sympy as sp

from symdl.errors import ParseError, UnsupportedError
from symdl.parse.groups import is_digit, is_token, node_lists, split_top
from symdl.parse.names import NameRead, arity_of, is_capital, is_simple, letters_in, read_name


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
        if head in self.context.indexed:
            self.index_letters |= letters
        elif head in self.context.matrices and full not in self.context.matrices:
            self.index_letters |= letters
        elif letters & self.sum_indices:
            self.auto_indexed.setdefault(head, arity_of(name.sub))
            self.index_letters |= letters

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
        if not self.context.commuting and is_capital(name.base):
            return sp.Symbol(full, commutative=False)
        return sp.Symbol(full, real=True)

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
