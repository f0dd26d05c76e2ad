r"""Back-propagation's accumulation Delta^{(2)} := Delta^{(2)} + delta^{(3)} (a^{(2)})^T: why it is an outer product.

A linear layer z^{(3)} = W^{(2)} a^{(2)} with the squared error L = 1/2 ||z^{(3)} - y||^2. Its gradient
with respect to W^{(2)} is delta^{(3)} (a^{(2)})^T entry by entry (index form) and as a matrix (an
outer product, rank one); over a mini-batch the accumulated Delta^{(2)} is D A^T.

Parameters: the worked mini-batch, one row per example: ``deltas`` (the delta^{(3)} of each example,
default ``[[1,-1],[2,1]]``) and ``activations`` (the a^{(2)} of each example, default
``[[1,0,2],[0,3,1]]``). Results: ``\frac{\partial L}{\partial W^{(2)}}`` (the headline, delta^{(3)}
(a^{(2)})^T), ``\frac{\partial L}{\partial W^{(2)}_{ij}}`` and ``\Delta^{(2)}`` (the worked batch's sum).
"""

from dataclasses import dataclass, field, replace

import numpy as np
import sympy as sp

from symdl import Computed, Derivation, Gradient, Identity, Step
from symdl.errors import ParameterError
from symdl.worked import I, Written

NAME = "backprop-outer-product"
SUMMARY = "Delta^(2) := Delta^(2) + delta^(3) (a^(2))^T: index and matrix form, the outer product, mini-batch sum D A^T"
PARAMS = {"deltas": [[1, -1], [2, 1]], "activations": [[1, 0, 2], [0, 3, 1]]}
PARAM_HELP = {  # symdl derive NAME --help, symdl list --params
    "deltas": "the delta^(3) of each example of the mini-batch, one row per example",
    "activations": "the a^(2) of each example, one row per example",
}
MAX_UNITS, MAX_BATCH = 6, 8



@dataclass(frozen=True)
class Once:
    """Runs ``check`` once per claim: a step and the result it establishes share one check."""

    check: object
    seen: dict = field(default_factory=dict, compare=False, repr=False)

    def run(self, label, lhs, rhs, derivation, seed):
        key = (sp.sympify(rhs), seed, id(derivation))
        if key not in self.seen:
            self.seen[key] = self.check.run(label, lhs, rhs, derivation, seed)
        return [replace(result, step=label) for result in self.seen[key]]


# --- parameters ----------------------------------------------------------------------------------


def _rows(name, value, max_width) -> list[list]:
    if (not isinstance(value, (list, tuple)) or not value
            or not all(isinstance(row, (list, tuple)) and row for row in value)):
        raise ParameterError(f"parameter {name} must list one vector per example, e.g. [[1,-1],[2,1]]; got {value!r}")
    widths = {len(row) for row in value}
    if len(widths) != 1:
        raise ParameterError(f"parameter {name}: every example's vector must have the same length; got "
                             f"{[len(row) for row in value]}")
    if len(value) > MAX_BATCH or widths.pop() > max_width:
        raise ParameterError(f"parameter {name}: at most {MAX_BATCH} examples of at most {max_width} units")
    for row in value:
        for v in row:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
                raise ParameterError(f"parameter {name} must hold numbers, got {v!r}")
    return [list(row) for row in value]


def read(params: dict):
    p = {**PARAMS, **params}
    deltas = _rows("deltas", p["deltas"], MAX_UNITS)
    acts = _rows("activations", p["activations"], MAX_UNITS)
    if len(deltas) != len(acts):
        raise ParameterError(f"parameters deltas and activations must have one row per example: got "
                             f"{len(deltas)} deltas and {len(acts)} activations")
    return deltas, acts


# --- the independent computation ------------------------------------------------------------------


def numpy_loop(deltas, acts, upto=None) -> np.ndarray:
    """Delta accumulated example by example with np.outer, as back-propagation does it."""
    d, a = np.asarray(deltas, dtype=float), np.asarray(acts, dtype=float)
    total = np.zeros((d.shape[1], a.shape[1]))
    for n in range(len(d) if upto is None else upto):
        total += np.outer(d[n], a[n])
    return total


# --- the derivation ------------------------------------------------------------------------------


def _value(v):
    return I(v) if isinstance(v, int) else sp.Float(v)


def _matrix(rows) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix([[_value(v) for v in row] for row in rows])


def _bmatrix(m: sp.ImmutableMatrix) -> str:
    from symdl.latex import to_latex

    return to_latex(m)


def build(**params) -> Derivation:
    deltas, acts = read(params)
    n3, n2, m = sp.symbols("n_3 n_2 m", integer=True, positive=True)
    sizes = {n3: len(deltas[0]), n2: len(acts[0]), m: len(deltas)}
    i, j = sp.symbols("i j", integer=True)
    # Index form.
    Wi, ai, zi, yi, di = (sp.IndexedBase(n) for n in ("W^{(2)}", "a^{(2)}", "z^{(3)}", "y", r"\delta^{(3)}"))
    loss_index = sp.Sum((zi[i] - yi[i]) ** 2, (i, 1, n3)) / 2
    # Matrix form.
    W, a, z, y, d = (sp.MatrixSymbol("W^{(2)}", n3, n2), sp.MatrixSymbol("a^{(2)}", n2, 1),
                     sp.MatrixSymbol("z^{(3)}", n3, 1), sp.MatrixSymbol("y", n3, 1),
                     sp.MatrixSymbol(r"\delta^{(3)}", n3, 1))
    loss_matrix = (z - y).T * (z - y) / 2
    A, Y, D = sp.MatrixSymbol("A", n2, m), sp.MatrixSymbol("Y", n3, m), sp.MatrixSymbol("D", n3, m)
    batch_loss = sp.HadamardProduct(W * A - Y, W * A - Y) / 2
    definitions = {
        zi: sp.Lambda(i, sp.Sum(Wi[i, j] * ai[j], (j, 1, n2))),
        di: sp.Lambda(i, zi[i] - yi[i]),
        z: W * a,
        d: z - y,
        D: W * A - Y,
    }
    L = sp.Symbol("L", real=True)
    dW, dWij = r"\frac{\partial L}{\partial W^{(2)}}", r"\frac{\partial L}{\partial W^{(2)}_{ij}}"
    over_i, over_ij = {i: n3}, {i: n3, j: n2}
    grad_index = Once(Gradient(loss_index, Wi[i, j], indices=over_ij))
    grad_matrix = Once(Gradient(loss_matrix, W))
    steps = [
        Step(zi[i], definitions[zi](i), "definition: the linear layer, $z^{(3)} = W^{(2)} a^{(2)}$ entry by entry"),
        Step(L, Written(loss_index, r"\frac{1}{2} \sum_{i} \left(z^{(3)}_{i} - y_{i}\right)^{2}"), "definition: the squared error"),
        Step(di[i], Written(zi[i] - yi[i], r"z^{(3)}_{i} - y_{i}"), r"definition of $\delta^{(3)}_{i} = \partial L / \partial z^{(3)}_{i}$, the "
             "error signal: differentiate the square", check=Gradient(loss_index, zi[i], indices=over_i)),
        Step(sp.Symbol(dWij), di[i] * ai[j], r"$W^{(2)}_{ij}$ enters only $z^{(3)}_{i}$, through the term "
             r"$W^{(2)}_{ij} a^{(2)}_{j}$, so $\partial z^{(3)}_{i} / \partial W^{(2)}_{ij} = a^{(2)}_{j}$",
             check=grad_index),
        Step(sp.Symbol(dW), d * a.T, r"collect the entries: entry $(i, j)$ is $\delta^{(3)}_{i} a^{(2)}_{j}$, a "
             r"column times a row, so the matrix is the outer product of $\delta^{(3)}$ and $a^{(2)}$: "
             r"$n_{3} \times n_{2}$, of rank one", check=grad_matrix),
        Step(r"\Delta^{(2)}_{ij}", r"\Delta^{(2)}_{ij} + \delta^{(3)}_{i} a^{(2)}_{j}",
             "definition (the update of the sheet, index form): each example adds its gradient", relation=":="),
        Step(r"\Delta^{(2)}", r"\Delta^{(2)} + \delta^{(3)} \left(a^{(2)}\right)^{\top}",
             "definition (matrix form): the same update for all $i, j$ at once", relation=":="),
        Step(Written(sum((D[:, n] * A[:, n].T for n in range(sizes[m])), sp.ZeroMatrix(n3, n2)),
                   r"\sum_{n=1}^{m} \delta^{(3,n)} \left(a^{(2,n)}\right)^{\top}"),
             D * A.T, r"after a mini-batch of $m$ examples, from $\Delta^{(2)} = 0$: with the $\delta^{(3,n)}$ as the "
             r"columns of $D$ and the $a^{(2,n)}$ as the columns of $A$, a sum of column-times-row products is a "
             "matrix product", check=Identity(points=3)),
        Step(r"\frac{\partial}{\partial W^{(2)}} \sum_{n} \frac{1}{2} \left\lVert W^{(2)} a^{(2,n)} - y^{(n)} "
             r"\right\rVert^{2}",
             D * A.T, r"so $\Delta^{(2)}$ is the gradient of the mini-batch loss, with $D = W^{(2)} A - Y$",
             check=Gradient(batch_loss, W)),
    ]
    # The worked mini-batch.
    total = sp.zeros(sizes[n3], sizes[n2])
    steps.append(Step(r"\Delta^{(2)}", Written(sp.ImmutableMatrix(total), _bmatrix(sp.ImmutableMatrix(total))),
                      "definition: start the worked mini-batch from zero", relation=":="))
    for n, (dn, an) in enumerate(zip(deltas, acts), start=1):
        column, row = _matrix([[v] for v in dn]), _matrix([an])
        outer = column * row
        total = total + outer
        product = Computed(lambda n=n: np.outer(deltas[n - 1], acts[n - 1]), "NumPy np.outer")
        partial = Computed(lambda n=n: numpy_loop(deltas, acts, n), "NumPy loop of np.outer")
        name = rf"\delta^{{(3,{n})}} \left(a^{{(2,{n})}}\right)^{{\top}}"
        steps.append(Step(name, Written(outer, _bmatrix(column) + " " + _bmatrix(row)),
                          f"example {n}: its $\\delta^{{(3)}}$ and $a^{{(2)}}$", check=product))
        steps.append(Step(name, sp.ImmutableMatrix(outer), "column times row", check=product))
        steps.append(Step(r"\Delta^{(2)}", sp.ImmutableMatrix(total), f"add example {n}'s outer product",
                          relation=":=", check=partial))
    d_num = _matrix(deltas).T
    a_num = _matrix(acts).T
    loop = Computed(lambda: numpy_loop(deltas, acts), "NumPy loop of np.outer")
    steps += [
        Step("D", d_num, r"definition: the batch's $\delta^{(3,n)}$ as columns"),
        Step("A", a_num, r"definition: the batch's $a^{(2,n)}$ as columns"),
        Step(r"D A^{\top}", Written(d_num * a_num.T, _bmatrix(d_num) + " " + _bmatrix(a_num.T)),
             "the matrix formula", check=loop),
        Step(r"D A^{\top}", sp.ImmutableMatrix(d_num * a_num.T), "the same as the loop", check=loop),
    ]
    names = {"W^{(2)}": (n3, n2), "a^{(2)}": (n2, 1), "z^{(3)}": (n3, 1), "y": (n3, 1), r"\delta^{(3)}": (n3, 1),
             "A": (n2, m), "Y": (n3, m), "D": (n3, m), r"\Delta^{(2)}": (n3, n2)}
    return Derivation(
        name=NAME,
        title="The outer product of back-propagation",
        summary=SUMMARY,
        statement=(r"A layer computes $z^{(3)} = W^{(2)} a^{(2)}$ and the loss is $L = \frac{1}{2} \lVert z^{(3)} "
                   r"- y \rVert^{2}$. Back-propagation accumulates $\Delta^{(2)} := \Delta^{(2)} + \delta^{(3)} "
                   r"\left(a^{(2)}\right)^{\top}$ over the examples. Why an outer product? Written out for a "
                   f"mini-batch of {sizes[m]} examples with {sizes[n2]} units in layer 2 and {sizes[n3]} in layer 3."),
        steps=tuple(steps),
        results={dW: d * a.T, dWij: di[i] * ai[j], r"\Delta^{(2)}": sp.ImmutableMatrix(total)},
        definitions=definitions,
        assumptions=(r"$W^{(2)} \in \mathbb{R}^{n_{3} \times n_{2}}$, $a^{(2)} \in \mathbb{R}^{n_{2}}$, "
                     r"$\delta^{(3)}, y \in \mathbb{R}^{n_{3}}$",
                     r"a bias $b^{(2)}$ would add $\delta^{(3)}$ to its own accumulator and change nothing here"),
        params={"deltas": deltas, "activations": acts},
        matrices=names,
        indexed={"W^{(2)}": 2, "a^{(2)}": 1, "z^{(3)}": 1, "y": 1, r"\delta^{(3)}": 1},
        sizes=sizes,
        index_ranges={i: n3, j: n2},
        result_checks={dW: grad_matrix, dWij: grad_index, r"\Delta^{(2)}": loop},
    )
