"""Back-propagation through a residual block, and through a stack of L of them."""

import sympy as sp

from symdl import Derivation, Graph, Step, relu, sigmoid
from symdl.params import positive_int

NAME = "residual-block"
SUMMARY = "Back-propagation through a residual block y = ReLU(W2 ReLU(W1 x) + x), and a depth-L stack"
PARAMS = {"n": 3, "m": 2, "L": 2}
PARAM_HELP = {  # symdl derive NAME --help, symdl list --params
    "n": "the size of the input x",
    "m": "the size of the hidden layer",
    "L": "the depth of the stack of blocks (0: the block alone)",
}

n, m = sp.symbols("n m", integer=True, positive=True)
MAX_ENTRIES, MAX_DEPTH = 1024, 64  # the size budget: n = m = 32 verifies in about a second


def work(params) -> list:
    """The size budget (symdl.budget): entries of W1 (m x n), and blocks in the stack."""
    if not all(type(params[key]) is int for key in ("n", "m", "L")):
        return []  # build names the malformed value
    size, depth = params["n"] * params["m"], params["L"]
    return [(size, MAX_ENTRIES, ("n", "m"), "weight entries (n x m)"), (depth, MAX_DEPTH, ("L",), "blocks")]


def build(**params) -> Derivation:
    params = {**PARAMS, **params}
    sizes = {n: positive_int(params, "n"), m: positive_int(params, "m")}
    depth = positive_int(params, "L", minimum=0)
    g = Graph(loss="L")
    x = g.input("x", n)
    w1 = g.input("W^{(1)}", m, n)
    w2 = g.input("W^{(2)}", n, m)
    h1 = g.matmul("h^{(1)}", w1, x)
    z1 = g.activation("z^{(1)}", relu, h1)
    h2 = g.matmul("h^{(2)}", w2, z1)
    h3 = g.add("h^{(3)}", h2, x, skip=True)
    y = g.activation("y", relu, h3)
    backward, local = g.backprop(y)
    expanded = g.expand(y, local)
    targets = [h3, w2, z1, h1, w1, x]
    results = {g.adjoint(t).name: expanded[t] for t in targets}
    checks = {g.adjoint(t).name: g.result_check(y, t) for t in targets}
    steps = g.forward_steps() + backward
    stack_steps, stack_results, stack_checks, stack_matrices = stack(depth) if depth else ([], {}, {}, {})
    note = (
        r"The skip connection contributes the term $\frac{\partial L}{\partial h^{(3)}}$ to "
        r"$\frac{\partial L}{\partial x}$ unchanged: even when $W^{(1)}$ and $W^{(2)}$ make the "
        r"residual path's gradient small, the gradient reaches earlier layers through the identity."
    )
    derivation = Derivation(
        name=NAME,
        title="Back-propagation through a residual block",
        summary=SUMMARY,
        statement=(
            r"A residual block with input $x \in \mathbb{R}^{n}$: $h^{(1)} = W^{(1)} x$, "
            r"$z^{(1)} = \operatorname{ReLU}(h^{(1)})$, $h^{(2)} = W^{(2)} z^{(1)}$, "
            r"$h^{(3)} = h^{(2)} + x$, $y = \operatorname{ReLU}(h^{(3)})$. A scalar loss $L$ "
            r"passes back the upstream gradient $\frac{\partial L}{\partial y}$. " + note
        ),
        steps=tuple(steps + stack_steps),
        results={**results, **stack_results},
        definitions={**g.definitions()},
        assumptions=(r"$W^{(1)} \in \mathbb{R}^{m \times n}$, $W^{(2)} \in \mathbb{R}^{n \times m}$",
                     r"ReLU'(0) is taken as 0, so $\operatorname{ReLU}'(h) = \mathbb{1}[h>0]$"),
        params=params,
        matrices={**_declared(g), **stack_matrices},
        sizes=sizes,
        result_checks={**checks, **stack_checks},
    )
    return derivation


def stack(depth: int):
    """Steps for ``H_l = ReLU(f_l(H_{l-1}) + H_{l-1})``, ``f_l(H) = W_b σ(W_a H)``, l = 1…depth.

    Adjoints stay in terms of the next block's adjoint: fully expanded, the two paths through
    each block would double the expression at every level.
    """
    g = Graph(loss="L")
    h = g.input("H_{0}", n)
    weights = []
    for l in range(1, depth + 1):
        wa = g.input(f"W^{{({l})}}_{{a}}", m, n)
        wb = g.input(f"W^{{({l})}}_{{b}}", n, m)
        a = g.matmul(f"A_{{{l}}}", wa, h)
        s = g.activation(f"S_{{{l}}}", sigmoid, a)
        f = g.matmul(f"F_{{{l}}}", wb, s)
        p = g.add(f"P_{{{l}}}", f, h, skip=True)
        h = g.activation(f"H_{{{l}}}", relu, p)
        weights += [wa, wb]
    backward, local = g.backprop(h)
    first = g.nodes[0]
    results = {g.adjoint(first).name: local[first], g.adjoint(weights[0]).name: local[weights[0]]}
    # each result is its step's local rule, so it is checked as that step is
    checks = {s.lhs.name: s.check for s in backward if s.lhs.name in results}
    header = Step("H_{l}",
                  r"\operatorname{ReLU}\left(W^{(l)}_{b} \sigma\left(W^{(l)}_{a} H_{l-1}\right) + H_{l-1}\right)",
                  rf"definition of the stack, $l = 1, \dots, {depth}$")
    return [header] + g.forward_steps() + backward, results, checks, _declared(g)


def _declared(graph: Graph) -> dict:
    """Every value and adjoint of the graph, by name: the matrices an answer may mention."""
    return {**{nd.symbol.name: nd.shape for nd in graph.nodes}, **{graph.adjoint(nd).name: nd.shape for nd in graph.nodes}}
