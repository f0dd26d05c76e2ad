"""Symbolic computation graphs of small networks, differentiated in reverse mode.

Like micrograd, each node knows its parents and a local backward rule; back-propagation visits
nodes in reverse topological order. Here values are SymPy matrix symbols, and every rule
application is recorded as a :class:`~symdl.derivation.Step` in matrix notation, with a
numeric check of that local rule attached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import sympy as sp

from symdl.derivation import Step
from symdl.functions import derivative_of, elementwise, relu, sigmoid
from symdl.latex import to_latex
from symdl.verify import Gradient

_ACTIVATION_NAMES = {relu: "ReLU", sigmoid: "the sigmoid", sp.tanh: "tanh"}


def adjoint_name(loss: str, symbol) -> str:
    """Canonical LaTeX name of ∂loss/∂symbol, the name the parser gives the same quantity."""
    return rf"\frac{{\partial {loss}}}{{\partial {to_latex(symbol)}}}"


@dataclass(frozen=True)
class Contribution:
    """What one consumer passes back to one parent: an expression of its adjoint, and why."""

    expr: sp.Basic
    rule: str
    skip: bool = False


@dataclass(eq=False)
class Node:
    symbol: sp.MatrixSymbol
    expr: sp.Basic | None  # definition in terms of the parents' symbols; None for inputs
    parents: tuple["Node", ...] = ()
    op: str = "input"
    backward: Callable[[sp.Basic], list[tuple["Node", Contribution]]] | None = None
    skip: bool = False
    rule: str = ""  # the forward rule's words, where the op's own (_FORWARD_RULES) would not say it

    @property
    def shape(self):
        return self.symbol.shape if is_matrix(self.symbol) else (1, 1)

    @property
    def is_scalar(self) -> bool:
        return not is_matrix(self.symbol)


def is_matrix(value) -> bool:
    return bool(getattr(value, "is_Matrix", False))


def pairing(adjoint, expr):
    """<adjoint, expr>: the product of two scalars, or the trace of adjointᵀ expr for matrices."""
    if not is_matrix(adjoint):
        return adjoint * (expr if not is_matrix(expr) else sp.Trace(expr))
    return sp.Trace(adjoint.T * expr)


@dataclass
class Graph:
    """A network as a DAG of named matrix values ending in one output with a given upstream gradient."""

    loss: str = "L"
    nodes: list[Node] = field(default_factory=list)

    # --- building -------------------------------------------------------------------------
    def input(self, name: str, rows, cols=1) -> Node:
        return self._add(Node(sp.MatrixSymbol(name, rows, cols), None))

    def matmul(self, name: str, a: Node, b: Node) -> Node:
        _require(a.shape[1] == b.shape[0], f"{name}: cannot multiply {a.shape} by {b.shape}")

        def backward(delta):
            return [
                (a, Contribution(delta * b.symbol.T, "matrix product: upstream gradient times the input transposed")),
                (b, Contribution(a.symbol.T * delta, "matrix product: weights transposed times the upstream gradient")),
            ]

        return self._define(name, a.symbol * b.symbol, (a, b), "matmul", backward)

    def add(self, name: str, a: Node, b: Node, skip: bool = False) -> Node:
        """``a + b``; ``skip=True`` marks ``b`` as a skip connection (the identity path)."""
        _require(a.shape == b.shape, f"{name}: cannot add {a.shape} and {b.shape}")

        def backward(delta):
            return [
                (a, Contribution(delta, "addition passes the upstream gradient unchanged")),
                (b, Contribution(delta, "skip connection adds the upstream gradient" if skip
                                 else "addition passes the upstream gradient unchanged", skip=skip)),
            ]

        return self._define(name, a.symbol + b.symbol, (a, b), "add", backward)

    def hadamard(self, name: str, a: Node, b: Node) -> Node:
        _require(a.shape == b.shape, f"{name}: cannot multiply {a.shape} and {b.shape} elementwise")

        def backward(delta):
            return [
                (a, Contribution(sp.HadamardProduct(delta, b.symbol), "Hadamard product: times the other factor")),
                (b, Contribution(sp.HadamardProduct(delta, a.symbol), "Hadamard product: times the other factor")),
            ]

        return self._define(name, sp.HadamardProduct(a.symbol, b.symbol), (a, b), "hadamard", backward)

    def activation(self, name: str, function, a: Node) -> Node:
        label = _ACTIVATION_NAMES.get(function, str(function))
        local = derivative_of(function)

        def backward(delta):
            return [(a, Contribution(sp.HadamardProduct(delta, elementwise(local, a.symbol)),
                                     f"chain rule through {label}, elementwise"))]

        return self._define(name, elementwise(function, a.symbol), (a,), "activation", backward)

    def softmax(self, name: str, a: Node) -> Node:
        _require(a.shape[1] == 1, f"{name}: softmax takes a column vector, not {a.shape}")
        node_symbol = sp.MatrixSymbol(name, *a.shape)

        def backward(delta):
            p = node_symbol
            return [(a, Contribution(sp.HadamardProduct(p, delta) - p * p.T * delta,
                                     "softmax Jacobian (diag(p) - p p^T) times upstream"))]

        return self._define(name, Softmax(a.symbol), (a,), "softmax", backward)

    def sum(self, name: str, a: Node) -> Node:
        """The sum of every entry of ``a``, a 1×1 value."""
        rows, cols = a.shape

        def backward(delta):
            return [(a, Contribution(sp.OneMatrix(rows, 1) * delta * sp.OneMatrix(1, cols),
                                     "sum: every entry receives the upstream gradient"))]

        return self._define(name, sp.OneMatrix(1, rows) * a.symbol * sp.OneMatrix(cols, 1), (a,), "sum", backward)

    def squared_error(self, name: str, y: Node, target: Node) -> Node:
        """The scalar loss ``½ (y − t)ᵀ (y − t)``."""
        _require(y.shape == target.shape, f"{name}: prediction {y.shape} and target {target.shape} differ in shape")
        residual = y.symbol - target.symbol

        def backward(delta):
            return [(y, Contribution(residual * delta, "squared error: the residual y - t")),
                    (target, Contribution(-residual * delta, "squared error: minus the residual"))]

        return self._define(name, sp.Rational(1, 2) * residual.T * residual, (y, target), "loss", backward)

    def cross_entropy(self, name: str, p: Node, target: Node) -> Node:
        """The scalar loss ``−tᵀ log p`` of probabilities ``p`` against a target distribution ``t``."""
        _require(p.shape == target.shape, f"{name}: probabilities {p.shape} and target {target.shape} differ in shape")
        u = sp.Dummy("u")
        log_p = elementwise(sp.Lambda(u, sp.log(u)), p.symbol)
        inverse_p = elementwise(sp.Lambda(u, 1 / u), p.symbol)

        def backward(delta):
            return [(p, Contribution(-sp.HadamardProduct(target.symbol, inverse_p) * delta,
                                     "cross-entropy: minus the target divided by the probabilities")),
                    (target, Contribution(-log_p * delta, "cross-entropy: minus the log-probabilities"))]

        return self._define(name, -target.symbol.T * log_p, (p, target), "loss", backward)

    def _define(self, name, expr, parents, op, backward) -> Node:
        return self._add(Node(sp.MatrixSymbol(name, *expr.shape), expr, parents, op, backward))

    def define(self, name: str, expr, parents, op: str, backward, rule: str = "") -> Node:
        """A value named ``name`` defined by ``expr`` (a scalar gets a real Symbol, a matrix a
        MatrixSymbol), with its local ``backward`` rule: the way :mod:`symdl.ops` adds operations."""
        symbol = sp.MatrixSymbol(name, *expr.shape) if is_matrix(expr) else sp.Symbol(name, real=True)
        return self._add(Node(symbol, expr, tuple(parents), op, backward, rule=rule))

    def leaf(self, symbol) -> Node:
        """An input given as its own symbol (a MatrixSymbol, or a scalar Symbol)."""
        return self._add(Node(symbol, None))

    def _add(self, node: Node) -> Node:
        _require(all(n.symbol.name != node.symbol.name for n in self.nodes), f"duplicate name {node.symbol.name}")
        self.nodes.append(node)
        return node

    # --- meaning ----------------------------------------------------------------------------
    def adjoint(self, node: Node):
        if node.is_scalar:
            return sp.Symbol(adjoint_name(self.loss, node.symbol), real=True)
        return sp.MatrixSymbol(adjoint_name(self.loss, node.symbol), *node.shape)

    def definitions(self) -> dict:
        """Each computed value's symbol mapped to its one-step definition."""
        return {n.symbol: n.expr for n in self.nodes if n.expr is not None}

    def forward_steps(self) -> list[Step]:
        return [Step(n.symbol, n.expr, f"forward: {n.rule or _FORWARD_RULES[n.op]}")
                for n in self.nodes if n.expr is not None]

    def consumers(self) -> dict[Node, list[tuple[Node, Contribution]]]:
        """For each node, the contributions its consumers pass back (in terms of their adjoints)."""
        found: dict[Node, list] = {n: [] for n in self.nodes}
        for consumer in self.nodes:
            if consumer.backward is None:
                continue
            for parent, contribution in consumer.backward(self.adjoint(consumer)):
                found[parent].append((consumer, contribution))
        return found

    # --- back-propagation -------------------------------------------------------------------
    def backprop(self, output: Node) -> tuple[list[Step], dict[Node, sp.Basic]]:
        """Steps of reverse-mode differentiation from ``output``, whose adjoint is given.

        Returns the steps (each with a local numeric check) and, for every node, its adjoint
        expression in terms of its consumers' adjoint symbols.
        """
        passed_back = self.consumers()
        steps, local = [], {}
        for node in reversed(self.nodes):
            if node is output or not passed_back[node]:
                continue
            contributions = passed_back[node]
            terms = [c.expr for _, c in contributions]
            rhs = terms[0] if len(terms) == 1 else sp.MatAdd(*terms) if is_matrix(node.symbol) else sp.Add(*terms)
            local[node] = rhs
            # Local chain rule: ∂/∂v of Σ_c <∂L/∂c, c(v)>, each consumer c taken one level deep.
            consumers = list(dict.fromkeys(c for c, _ in contributions))  # one consumer may use a value twice
            scalar = sp.Add(*(pairing(self.adjoint(c), c.expr) for c in consumers))
            steps.append(Step(self.adjoint(node), rhs, _rule(contributions),
                              check=Gradient(scalar, node.symbol, definitions=_own_outputs(contributions))))
        return steps, local

    def expand(self, output: Node, local: dict[Node, sp.Basic]) -> dict[Node, sp.Basic]:
        """Adjoints in terms of the output's adjoint and forward values, no other adjoint left."""
        expanded = {}
        for node in reversed(self.nodes):
            if node in local:
                replace = {self.adjoint(c): expanded[c] for c in expanded}
                expanded[node] = local[node].xreplace(replace)
            elif node is output:
                expanded[node] = self.adjoint(node)
        return expanded

    def result_check(self, output: Node, node: Node) -> Gradient:
        """End-to-end check: ∂/∂node of <∂L/∂y, y>, through every path, with the real definitions."""
        return Gradient(pairing(self.adjoint(output), output.symbol), node.symbol, use_definitions=True)


_FORWARD_RULES = {
    "matmul": "matrix product",
    "add": "sum",
    "hadamard": "elementwise product",
    "activation": "elementwise activation",
    "softmax": "softmax",
    "sum": "sum of the entries",
    "loss": "scalar loss",
}


def _own_outputs(contributions) -> dict:
    """Consumers whose rule is written with their own output (softmax's p), mapped to its definition.

    Every other symbol in a local rule is held fixed: the local check differentiates one level deep.
    """
    return {c.symbol: c.expr for c, contribution in contributions if contribution.expr.has(c.symbol)}


def _rule(contributions) -> str:
    rules = []
    for _, c in contributions:
        if c.rule not in rules:
            rules.append(c.rule)
    if len(contributions) > 1:
        if any(c.skip for _, c in contributions):
            return "sum over both paths; the skip connection adds the upstream gradient"
        return "sum over consumers: " + "; ".join(rules)
    return rules[0]


def _require(condition: bool, message: str) -> None:
    if not condition:
        from symdl.errors import ParameterError

        raise ParameterError(message)


class Softmax(sp.MatrixExpr):
    r"""``softmax(z)`` of a column vector, as a matrix expression: :math:`e^{z_i} / \sum_j e^{z_j}`."""

    def __new__(cls, arg):
        return super().__new__(cls, arg)

    @property
    def arg(self):
        return self.args[0]

    @property
    def shape(self):
        return self.arg.shape

    def doit(self, **hints):
        arg = self.arg.doit(**hints)
        if isinstance(arg, sp.MatrixBase):  # each column its own softmax (a vector: the one column)
            exps = arg.applyfunc(sp.exp)
            totals = [sum(exps[:, j]) for j in range(exps.cols)]
            return sp.ImmutableMatrix(exps.rows, exps.cols, lambda i, j: exps[i, j] / totals[j])
        return Softmax(arg)

    def _entry(self, i, j, **kwargs):
        rows = self.arg.shape[0]
        return sp.exp(self.arg[i, j]) / sum(sp.exp(self.arg[k, j]) for k in range(rows))
