r"""Weight-space symmetries: ReLU's positive scaling, and the M! 2^M equivalent weight vectors of a tanh layer.

A network with D inputs, M hidden units and K outputs:
``y_k = sum_j v_{kj} g(a_j) + c_k``, ``a_j = sum_i w_{ji} x_i + b_j``.

* With ``g = ReLU``, scaling one layer's weights and biases by gamma > 0 and the next layer's weights
  by 1/gamma leaves every output unchanged (ReLU(gamma a) = gamma ReLU(a)).
* With ``g = tanh``, relabelling the hidden units (M! ways) and flipping the signs of a unit's incoming
  weights, bias and outgoing weights (2^M ways, tanh being odd) leave the function unchanged.

Parameter: ``M``, the number of hidden units (1 to 5); without it the count is the formula M! 2^M,
checked at M = 3. Results: ``N_{\text{equiv}}`` (the headline: M! 2^M, or its value) and
``\tilde{v}_{kj}`` (the next layer's weights after scaling: v_{kj} / gamma).
"""

import itertools
import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from symdl import Derivation, Identity, Step, relu
from symdl.errors import ParameterError
from symdl.numeric import relative_error
from symdl.verify import CheckResult
from symdl.worked import Counted, I, Written

NAME = "weight-symmetries"
SUMMARY = "ReLU scaling w -> gamma w, next layer -> w/gamma leaves the function unchanged; M! 2^M tanh symmetries"
PARAMS = {"M": None}
PARAM_HELP = {  # symdl derive NAME --help, symdl list --params
    "M": "the number of hidden units (1 to 5); without it, the formula M! 2^M",
}
EXAMPLE_M, MAX_M = 3, 5
CHECK_D, CHECK_K, CHECK_POINTS = 2, 2, 16



# --- the independent count: enumerate and compare functions --------------------------------------


def _network(rng, m):
    return (rng.normal(size=(m, CHECK_D)), rng.normal(size=m), rng.normal(size=(CHECK_K, m)), rng.normal(size=CHECK_K))


def count_equivalent(m: int, seed: int = 0) -> int:
    """Weight vectors of a random tanh network that give the same function, found by search.

    Candidates: every relabelling of the M hidden units, and for each unit independently a sign
    on its incoming weights and bias and a sign on its outgoing weights (M! 4^M candidates). A
    candidate counts when its outputs equal the original's at random inputs; distinct candidate
    weight vectors are counted once.
    """
    rng = np.random.default_rng(seed)
    w, b, v, c = _network(rng, m)
    x = rng.normal(size=(CHECK_POINTS, CHECK_D))
    reference = np.tanh(x @ w.T + b) @ v.T + c  # (points, K)
    signs = np.array(list(itertools.product((1.0, -1.0), repeat=2 * m)))  # (4^m, 2m)
    s_in, s_out = signs[:, :m], signs[:, m:]
    found = set()
    for perm in itertools.permutations(range(m)):
        wp, bp, vp = w[list(perm)], b[list(perm)], v[:, list(perm)]
        a = x @ wp.T + bp  # (points, m)
        hidden = np.tanh(s_in[:, None, :] * a[None])  # (patterns, points, m): the flipped units' outputs
        out = np.einsum("npm,km,nm->npk", hidden, vp, s_out) + c
        same = np.all(np.abs(out - reference) <= 1e-9 * (1 + np.abs(reference)), axis=(1, 2))
        for n in np.flatnonzero(same):
            vector = np.concatenate([(s_in[n][:, None] * wp).ravel(), s_in[n] * bp, (vp * s_out[n]).ravel(), c])
            found.add(tuple(np.round(vector, 12)))
    return len(found)


@dataclass(frozen=True)
class FormulaAt:
    """A formula in M against the search count at M = 1, 2, 3."""

    m: sp.Symbol
    values: tuple = (1, 2, 3)
    method: str = "search over relabellings and sign flips"

    def run(self, label, lhs, rhs, derivation, seed):
        formula = sp.sympify(rhs).doit()
        got = [float(formula.xreplace({self.m: I(v)})) for v in self.values]
        want = [count_equivalent(v, seed) for v in self.values]
        error = relative_error(got, want)
        ok = error == 0  # counts agree exactly
        return [CheckResult(label, self.method, error, len(self.values), seed, ok,
                            "" if ok else f"formula {got} vs search {want}")]


@dataclass(frozen=True)
class ScaledNetwork:
    """A claimed next-layer weight: put into the scaled ReLU network, it must give back y_k for every k."""

    network: object  # claim -> the scaled network's output k
    target: object
    indices: dict

    positive: dict = None  # the answer's (real) symbols -> the derivation's positive ones

    def run(self, label, lhs, rhs, derivation, seed):
        claim = sp.sympify(rhs).xreplace(self.positive or {})
        return Identity(indices=self.indices).run(label, self.target, self.network(claim), derivation, seed)


# --- the derivation ------------------------------------------------------------------------------


def read(params):
    m = {**PARAMS, **params}["M"]
    if m is None:
        return None
    if isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= MAX_M:
        raise ParameterError(f"parameter M (hidden units) must be an integer from 1 to {MAX_M} "
                             f"(the check enumerates M! 4^M weight vectors), got {m!r}")
    return m


def build(**params) -> Derivation:
    m_given = read(params)
    m_value = m_given or EXAMPLE_M
    D, M, K = (sp.Symbol(n, integer=True, positive=True) for n in ("D", "M", "K"))
    i, j, k = (sp.Symbol(n, integer=True) for n in "ijk")
    x, w, b, v, c = (sp.IndexedBase(n) for n in ("x", "w", "b", "v", "c"))
    y, yt, a = sp.IndexedBase("y"), sp.IndexedBase(r"\tilde{y}"), sp.IndexedBase("a")
    g = sp.Symbol(r"\gamma", positive=True)
    g_answer = sp.Symbol(r"\gamma", real=True)  # as the answer parser reads it; results use this one
    t = sp.Symbol("t", real=True)
    sizes = {D: CHECK_D, M: m_value, K: CHECK_K}
    pre = sp.Sum(w[j, i] * x[i], (i, 1, D)) + b[j]

    def relu_net(kk, outgoing=lambda kk, jj: v[kk, jj], scale=1):
        inner = sp.Sum(scale * w[j, i] * x[i], (i, 1, D)) + scale * b[j]
        return sp.Sum(outgoing(kk, j) * relu(inner), (j, 1, M)) + c[kk]

    def scaled_with(claim):
        return relu_net(k, lambda kk, jj: claim.xreplace({k: kk, j: jj}), scale=g)

    definitions = {a: sp.Lambda(j, pre), y: sp.Lambda(k, sp.Sum(v[k, j] * relu(a[j]), (j, 1, M)) + c[k]),
                   yt: sp.Lambda(k, relu_net(k, lambda kk, jj: v[kk, jj] / g, scale=g))}
    tanh_net = sp.Sum(v[k, j] * sp.tanh(a[j]), (j, 1, M)) + c[k]
    flipped = sp.Sum((-v[k, j]) * sp.tanh(sp.Sum((-w[j, i]) * x[i], (i, 1, D)) - b[j]), (j, 1, M)) + c[k]
    shift = sp.Mod(j, M) + 1  # a relabelling: unit j takes unit j+1's weights (cyclically)
    permuted = sp.Sum(v[k, shift] * sp.tanh(sp.Sum(w[shift, i] * x[i], (i, 1, D)) + b[shift]), (j, 1, M)) + c[k]
    over_k = {k: K}
    M_real = sp.Symbol("M", real=True)  # the formula's M, as the answer parser reads it
    count = Counted(lambda: count_equivalent(m_value), "search over relabellings and sign flips")
    steps = [
        Step(a[j], pre, "definition: pre-activation of hidden unit $j$"),
        Step(y[k], definitions[y](k), "definition: the network with ReLU hidden units"),
        Step(relu(g * t), g * relu(t), r"ReLU is positively homogeneous: for $\gamma > 0$, $\max(0, \gamma t) = "
             r"\gamma \max(0, t)$", check=Identity()),
        Step(yt[k], relu_net(k, lambda kk, jj: v[kk, jj] / g, scale=g),
             r"definition: scale the first layer's weights and biases by $\gamma > 0$ and divide the next "
             r"layer's weights by $\gamma$"),
        Step(yt[k], Written(sp.Sum(v[k, j] * relu(a[j]), (j, 1, M)) + c[k],
                          r"\sum_{j=1}^{M} \frac{v_{kj}}{\gamma}\, \gamma \operatorname{ReLU}\left(a_{j}\right) + c_{k}"),
             r"take $\gamma$ out of each ReLU", check=Identity(indices=over_k)),
        Step(yt[k], y[k], r"$\gamma$ cancels: the function is unchanged, for every $\gamma > 0$ (not for "
             r"$\gamma < 0$, where $\max(0, \gamma t) \neq \gamma \max(0, t)$)",
             check=Identity(indices=over_k)),
        Step(Written((sp.exp(-t) - sp.exp(t)) / (sp.exp(-t) + sp.exp(t)), r"\tanh(-t)"), -sp.tanh(t),
             r"tanh is odd: $\tanh(-t) = (e^{-t} - e^{t}) / (e^{-t} + e^{t})$", check=Identity()),
        Step(Written(flipped, r"\sum_{j=1}^{M} (-v_{kj}) \tanh\left(\sum_{i=1}^{D} (-w_{ji}) x_{i} - b_{j}\right) + c_{k}"),
             tanh_net, "flip the signs of unit j's incoming weights, bias and outgoing weights (here every unit's): "
             "the two signs cancel", check=Identity(indices=over_k)),
        Step(Written(permuted, r"\sum_{j=1}^{M} v_{k\pi(j)} \tanh\left(a_{\pi(j)}\right) + c_{k}"),
             tanh_net, r"relabel the hidden units by a permutation $\pi$ (here $\pi(j) = j \bmod M + 1$): a sum "
             "does not depend on the order of its terms", check=Identity(indices=over_k)),
        Step(r"N_{\text{perm}}", sp.factorial(M_real), "definition: the orderings of $M$ hidden units"),
        Step(r"N_{\text{sign}}", 2 ** M_real, "definition: a sign choice for each of the $M$ units"),
        Step(r"N_{\text{equiv}}", Written(sp.factorial(M_real) * 2 ** M_real, r"M!\, 2^{M}"),
             "the relabellings and the flips combine freely; for generic weights all the vectors differ",
             check=FormulaAt(M_real)),
        Step(r"N_{\text{equiv}}", Written(sp.factorial(I(m_value)) * 2 ** I(m_value),
                                        rf"{m_value}! \cdot 2^{{{m_value}}}"),
             f"with $M = {m_value}$" + ("" if m_given else " (an example)"), check=count),
        Step(r"N_{\text{equiv}}", I(math.factorial(m_value) * 2 ** m_value), "arithmetic", check=count),
    ]
    headline = (I(math.factorial(m_given) * 2 ** m_given) if m_given else sp.factorial(M_real) * 2 ** M_real)
    v_key = r"\tilde{v}_{kj}"
    return Derivation(
        name=NAME,
        title="Weight-space symmetries",
        summary=SUMMARY,
        statement=(r"A network with $D$ inputs, $M$ hidden units and $K$ outputs computes $y_{k} = \sum_{j} v_{kj} "
                   r"g(a_{j}) + c_{k}$ with $a_{j} = \sum_{i} w_{ji} x_{i} + b_{j}$. Show that with $g = "
                   r"\operatorname{ReLU}$, scaling one layer by $\gamma > 0$ and the next by $1/\gamma$ leaves the "
                   r"function unchanged; and that with $g = \tanh$ each hidden layer has $M!\, 2^{M}$ equivalent "
                   "weight vectors" + (f", here with $M = {m_given}$." if m_given else ".")),
        steps=tuple(steps),
        results={r"N_{\text{equiv}}": headline, v_key: v[k, j] / g_answer},
        definitions=definitions,
        assumptions=(r"$\gamma > 0$", "generic weights: no two hidden units alike and none with all-zero weights",
                     f"the identities are checked with $D = {CHECK_D}$, $M = {m_value}$, $K = {CHECK_K}$"),
        params={"M": m_given},
        indexed={"x": 1, "w": 2, "b": 1, "v": 2, "c": 1, "a": 1, "y": 1, r"\tilde{y}": 1},
        sizes=sizes,
        index_ranges={i: D, j: M, k: K},
        result_checks={r"N_{\text{equiv}}": count if m_given else FormulaAt(M_real),
                       v_key: ScaledNetwork(scaled_with, y[k], over_k, {g_answer: g})},
    )
