r"""A read expression as a :class:`~symdl.graph.Graph`: one node per operation on the variables.

Subexpressions free of every variable are constants inside their consumer's definition, not
nodes; a transpose is a view of its operand (the operand receives the transposed gradient), not a
node. ``tr(B^{T} B)`` (a squared norm, as the reader writes ``\|B\|^{2}``) and ``\log\det A`` are
one node each, with their own rules.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from symdl import ops
from symdl.calculus import DiagonalOf
from symdl.errors import UnsupportedError
from symdl.expr.textbook import canonical_function, key, transpose
from symdl.functions import scalar
from symdl.graph import Graph, Node, Softmax, is_matrix

#: What an unsupported construct is called in the error (by SymPy class name).
CONSTRUCTS = {
    "Sum": r"a sum over an index (\sum)", "Product": r"a product over an index (\prod)",
    "MatrixElement": "an entry of a matrix (a subscript on a matrix)", "Indexed": "an indexed name (x_i)",
    "Piecewise": r"cases (\begin{cases})", "Max": r"\max", "Min": r"\min", "Derivative": "a derivative",
    "KroneckerDelta": r"the Kronecker delta", "floor": r"\lfloor\rfloor", "ceiling": r"\lceil\rceil",
    "MatPow": "a matrix power", "AppliedUndef": "an undefined function", "Abs": "an absolute value |x|",
}


class Builder:
    """Adds the nodes of an expression to ``graph``; ``variables`` are its inputs (leaves)."""

    def __init__(self, graph: Graph, variables, letter: str = "u"):
        self.g = graph
        self.variables = list(variables)
        self.letter = letter
        self.nodes: dict = {}  # symbol -> node
        self.memo: dict = {}  # expression -> node symbol
        for v in self.variables:
            self.nodes[v] = graph.leaf(v)

    def dependent(self, e) -> bool:
        return isinstance(e, sp.Basic) and any(e.has(v) for v in self.variables)

    def output(self, e, name: str) -> Node:
        """The node of the whole expression, named ``name``."""
        operand = self.operand(e, name=name)
        node = self.nodes.get(operand)
        if node is None or node.expr is None or operand != node.symbol:  # the expression is a variable
            node = ops.combination(self.g, name, [(sp.S.One, operand)], self._parents([operand]))
            self.nodes[node.symbol] = node
        return node

    # --- operands ------------------------------------------------------------------------------
    def operand(self, e, name: str | None = None):
        """``e`` as an operand: itself if constant, else a node's symbol (or its transpose)."""
        if not self.dependent(e):
            return e
        if e in self.nodes:
            return e
        if isinstance(e, sp.Transpose):
            return transpose(self.operand(e.arg))
        known = key(e)
        if known in self.memo:
            return self.memo[known]
        if is_matrix(e):
            flipped = key(transpose(e))
            if flipped in self.memo:
                return transpose(self.memo[flipped])
        node = self.make(e, name)
        self.nodes[node.symbol] = node
        self.memo[known] = node.symbol
        return node.symbol

    def _name(self) -> str:
        count = sum(1 for n in self.g.nodes if n.expr is not None) + 1
        return f"{self.letter}_{{{count}}}"

    def _parents(self, operands) -> dict:
        found = {}
        for o in operands:
            for symbol in (o, getattr(o, "arg", None)):
                if symbol in self.nodes:
                    found[symbol] = self.nodes[symbol]
            if not is_matrix(o) and isinstance(o, sp.Basic):
                for s in o.free_symbols:
                    if s in self.nodes:
                        found[s] = self.nodes[s]
        return found

    def _split(self, factors):
        """(constant coefficient, dependent factors) of a product's factors."""
        constant = [f for f in factors if not self.dependent(f)]
        return sp.Mul(*constant), [f for f in factors if self.dependent(f)]

    # --- one node per operation ---------------------------------------------------------------
    def make(self, e, name: str | None) -> Node:  # noqa: C901 - one branch per operation, read as a table
        g = self.g
        if isinstance(e, (sp.Add, sp.MatAdd)):
            terms = []
            for term in e.args:
                if isinstance(term, (sp.Mul, sp.MatMul)):
                    scalars = [a for a in term.args if not is_matrix(a)]
                    coefficient = sp.Mul(*[a for a in scalars if not self.dependent(a)])
                    rest = [a for a in term.args if is_matrix(a) or self.dependent(a)]
                    inner = rest[0] if len(rest) == 1 else (sp.MatMul(*rest) if is_matrix(term) else sp.Mul(*rest)) \
                        if rest else sp.S.One
                    terms.append((coefficient, self.operand(inner)))
                else:
                    terms.append((sp.S.One, self.operand(term)))
            return ops.combination(g, name or self._name(), terms, self._parents([t for _, t in terms]))
        lse = _log_sum_exp(e)
        if lse is not None:
            operand = self.operand(lse)
            return ops.log_sum_exp(g, name or self._name(), operand, self._parents([operand]))
        if isinstance(e, Softmax):
            operand = self.operand(e.arg)
            return ops.softmax(g, name or self._name(), operand, self._parents([operand]))
        if isinstance(e, sp.log) and isinstance(e.args[0], sp.Determinant):
            operand = self.operand(e.args[0].arg)
            return ops.log_determinant(g, name or self._name(), operand, self._parents([operand]))
        if isinstance(e, (sp.Pow, sp.exp, sp.log)) or (isinstance(e, sp.Function) and type(e).__name__ in _SCALAR_FUNCTIONS):
            operands = [self.operand(a) for a in e.args]
            expr = e.func(*operands)
            return ops.scalar_function(g, name or self._name(), expr, self._parents(operands), _scalar_rule(e))
        if isinstance(e, scalar):
            return self._product(e.args[0], name, as_scalar=True)
        if isinstance(e, sp.MatPow) and e.exp.is_Integer and 1 <= e.exp <= 8:  # X^2 = X X
            return self.make(sp.MatMul(*[e.base] * int(e.exp)), name)
        if isinstance(e, sp.MatMul):  # before Mul: SymPy's MatMul is a Mul
            return self._product(e, name)
        if isinstance(e, sp.Mul):
            coefficient, factors = self._split(e.args)
            operands = [self.operand(f) for f in factors]
            expr = coefficient * sp.Mul(*operands)
            rule = ("constant multiple: the coefficient times the upstream gradient" if len(operands) == 1
                    else "product rule: the other factors times the upstream gradient")
            return ops.scalar_function(g, name or self._name(), expr, self._parents(operands), rule)
        if isinstance(e, sp.Trace):
            norm = self._norm_operand(e.arg)
            if norm is not None:
                operand = self.operand(norm)
                return ops.squared_norm(g, name or self._name(), operand, self._parents([operand]))
            operand = self.operand(e.arg)
            return ops.trace(g, name or self._name(), operand, self._parents([operand]))
        unary = {sp.Determinant: ops.determinant, sp.Inverse: ops.inverse, sp.DiagMatrix: ops.diag,
                 DiagonalOf: ops.diagonal, sp.DiagonalOf: ops.diagonal}
        for kind, op in unary.items():
            if isinstance(e, kind):
                operand = self.operand(e.args[0])
                return op(g, name or self._name(), operand, self._parents([operand]))
        if isinstance(e, sp.HadamardProduct):
            operands = [self.operand(a) for a in e.args]
            return ops.hadamard(g, name or self._name(), operands, self._parents(operands))
        if isinstance(e, ElementwiseApplyFunction):
            operand = self.operand(e.expr)
            return ops.apply_elementwise(g, name or self._name(), e.function, operand, self._parents([operand]))
        if isinstance(e, sp.HadamardPower):
            d = sp.Dummy("d", real=True)
            operand = self.operand(e.base)
            return ops.apply_elementwise(g, name or self._name(), sp.Lambda(d, d ** e.exp), operand, self._parents([operand]))
        raise UnsupportedError(f"cannot differentiate {describe(e)} yet; write it with the operations "
                               r"symdl derives (products, sums, \odot, elementwise functions, \operatorname{tr}, "
                               r"\det, \log\det, inverses, norms, \operatorname{diag})")

    def _product(self, e, name: str | None, as_scalar: bool = False) -> Node:
        scalars = [a for a in e.args if not is_matrix(a)] if isinstance(e, sp.MatMul) else []
        matrices = [a for a in e.args if is_matrix(a)] if isinstance(e, sp.MatMul) else [e]
        coefficient = sp.Mul(*[self.operand(s) for s in scalars])
        operands = [self.operand(m) for m in matrices]
        parents = self._parents(operands + [coefficient])
        return ops.product(self.g, name or self._name(), coefficient, operands, parents, as_scalar=as_scalar)

    def _norm_operand(self, e):
        """B when ``e`` is ``B^{T} B`` (so its trace is ``\\|B\\|^2``), else None."""
        if not isinstance(e, sp.MatMul) or any(not is_matrix(a) for a in e.args):
            return None
        factors = list(e.args)
        for cut in range(1, len(factors)):
            left, right = factors[:cut], factors[cut:]
            first = left[0] if len(left) == 1 else sp.MatMul(*left)
            second = right[0] if len(right) == 1 else sp.MatMul(*right)
            if key(first) == key(transpose(second)):
                return second
        return None


def _log_sum_exp(e):
    """z when ``e`` is ``log(1^T e^{z})``, else None."""
    if not (isinstance(e, sp.log) and isinstance(e.args[0], scalar)):
        return None
    inner = e.args[0].args[0]
    if not (isinstance(inner, sp.MatMul) and len(inner.args) == 2 and isinstance(inner.args[0], sp.OneMatrix)):
        return None
    mapped = inner.args[1]
    if isinstance(mapped, ElementwiseApplyFunction) and mapped.expr.shape[1] == 1:
        function = canonical_function(mapped.function)
        if function.expr == sp.exp(function.variables[0]):
            return mapped.expr
    return None


_SCALAR_FUNCTIONS = {"sigmoid", "tanh", "relu", "sinh", "cosh", "sin", "cos", "atanh", "sigmoid_prime"}


def _scalar_rule(e) -> str:
    if isinstance(e, sp.Pow):
        if e.exp == sp.Rational(1, 2):
            return "square root: one over twice the root, times the upstream gradient"
        return "power rule: the exponent times the base to one less, times the upstream gradient"
    name = {"log": "ln", "exp": "exp", "sigmoid": r"$\sigma$ ($\sigma' = \sigma (1 - \sigma)$)",
            "tanh": r"tanh ($1 - \tanh^{2}$)"}.get(
        type(e).__name__, type(e).__name__)
    return f"chain rule through {name}: its derivative times the upstream gradient"


def describe(e) -> str:
    name = type(e).__name__
    if isinstance(e, sp.core.function.AppliedUndef):
        return f"the undefined function {name}"
    for kind in type(e).__mro__:
        if kind.__name__ in CONSTRUCTS:
            return CONSTRUCTS[kind.__name__]
    return f"the construct {name}"
