"""The sigmoid and tanh: their derivatives, tanh(a) = 2 sigma(2a) - 1, and the equivalent networks it gives."""


from dataclasses import dataclass, replace
from typing import Any, Callable

import sympy as sp

from symdl import Derivation, Gradient, Identity, Step, sigmoid, sigmoid_prime
from symdl.params import positive_int

NAME = "tanh-sigmoid"
SUMMARY = "sigma' = sigma(1-sigma), tanh' = 1-tanh^2, tanh(a) = 2 sigma(2a)-1, and sigmoid nets equal tanh nets"
PARAMS = {"D": 2, "M": 3, "K": 2}
PARAM_HELP = {  # symdl derive NAME --help, symdl list --params
    "D": "the inputs the networks are checked with",
    "M": "their hidden units",
    "K": "their outputs",
}

a = sp.Symbol("a", real=True)
D, M, K = (sp.Symbol(s, integer=True, positive=True) for s in ("D", "M", "K"))
i, j, k = (sp.Symbol(s, integer=True) for s in "ijk")
x = sp.IndexedBase("x")
w1, w2 = sp.IndexedBase("w^{(1)}"), sp.IndexedBase("w^{(2)}")
v1, v2 = sp.IndexedBase(r"\tilde{w}^{(1)}"), sp.IndexedBase(r"\tilde{w}^{(2)}")
y, y_tanh, hidden = sp.IndexedBase("y"), sp.IndexedBase(r"\tilde{y}"), sp.IndexedBase("a")

TANH_PRIME = sp.Symbol(r"\tanh'(a)")  # a name only: Gradient checks say what it means
U = sp.UnevaluatedExpr  # keeps a factor as written; ``doit`` (run before every check) removes it
E, E_MINUS = sp.exp(a), sp.exp(-a)

# Targets of the parameter map, sigmoid network -> tanh network.
MAP_W1, MAP_B1 = r"\tilde{w}^{(1)}_{ji}", r"\tilde{w}^{(1)}_{j0}"
MAP_W2, MAP_B2 = r"\tilde{w}^{(2)}_{kj}", r"\tilde{w}^{(2)}_{k0}"
MAP_KEYS = (MAP_W1, MAP_B1, MAP_W2, MAP_B2)


@dataclass(frozen=True)
class Through:
    """Checks a claim through ``check`` after rewriting it: ``lhs`` replaces the step's left side
    (a result has only its name) and ``rhs`` maps the claimed right side to what is compared.

    Several results here reduce to the same comparison (each map entry, put into the tanh
    network, must give the sigmoid network); an identical comparison is run once per process.
    """

    check: Any
    lhs: Any = None
    rhs: Callable | None = None

    def run(self, label, lhs, rhs, derivation, seed):
        lhs = lhs if self.lhs is None else self.lhs
        rhs = rhs if self.rhs is None else self.rhs(rhs)
        key = (repr(self.check), lhs, rhs, seed, derivation.name, tuple(sorted(map(str, derivation.sizes.items()))))
        if key not in _SEEN:
            _SEEN[key] = self.check.run(label, lhs, rhs, derivation, seed)
        return [replace(result, step=label) for result in _SEEN[key]]


_SEEN: dict = {}


def sigmoid_net(kk, inner=None):
    """Output k of the network with sigmoid hidden units (``inner``: the pre-activation, default a_j)."""
    return sp.Sum(w2[kk, j] * sigmoid(hidden[j] if inner is None else inner), (j, 1, M)) + w2[kk, 0]


def pre_activation(jj):
    return sp.Sum(w1[jj, i] * x[i], (i, 1, D)) + w1[jj, 0]


def tanh_net(kk, weights1, bias1, weights2, bias2):
    """Output k of the network with tanh hidden units; each parameter given as a function of its indices."""
    inner = sp.Sum(weights1(j, i) * x[i], (i, 1, D)) + bias1(j)
    return sp.Sum(weights2(kk, j) * sp.tanh(inner), (j, 1, M)) + bias2(kk)


def parameter_map() -> dict[str, sp.Expr]:
    """The tanh network's parameters in terms of the sigmoid network's, from sigma(a) = (1 + tanh(a/2))/2."""
    return {
        MAP_W1: w1[j, i] / 2,
        MAP_B1: w1[j, 0] / 2,
        MAP_W2: w2[k, j] / 2,
        MAP_B2: w2[k, 0] + sp.Sum(w2[k, j], (j, 1, M)) / 2,
    }


def mapped_tanh_net(kk, mapping: dict[str, sp.Expr]):
    """The tanh network with its parameters set by ``mapping`` (keys as in :func:`parameter_map`)."""

    def entry(key, *names):
        return lambda *values: mapping[key].xreplace(dict(zip(names, values)))

    return tanh_net(kk, entry(MAP_W1, j, i), entry(MAP_B1, j), entry(MAP_W2, k, j), entry(MAP_B2, k))


def network_difference(mapping: dict[str, sp.Expr], sizes: dict, kk) -> sp.Expr:
    """y_k minus the mapped tanh network at concrete sizes, simplified: 0 exactly when the map is right."""
    difference = sigmoid_net(kk, pre_activation(j)) - mapped_tanh_net(kk, mapping)
    return sp.expand(_write_out(difference.xreplace(sizes)).rewrite(sp.tanh))


def _write_out(expr):
    """Sums with numeric bounds written term by term (``Sum.doit`` is slow on these)."""
    if isinstance(expr, sp.Sum):
        (index, low, high), body = expr.limits[0], _write_out(expr.function)
        return sp.Add(*(body.xreplace({index: sp.Integer(v)}) for v in range(int(low), int(high) + 1)))
    return expr.func(*map(_write_out, expr.args)) if expr.args else expr


def _equivalence_check(key: str) -> Through:
    """Result check of one map entry: with it (and the other entries) the tanh network is the sigmoid one."""

    def with_entry(expr):
        return mapped_tanh_net(k, {**parameter_map(), key: expr})

    return Through(Identity(indices={k: K}), lhs=y[k], rhs=with_entry)


def build(**params) -> Derivation:
    params = {**PARAMS, **params}
    sizes = {D: positive_int(params, "D", maximum=8), M: positive_int(params, "M", maximum=8),
             K: positive_int(params, "K", maximum=8)}
    s = sigmoid(a)
    derivative = Gradient(s, a)
    tanh_derivative = Gradient(sp.tanh(a), a)
    two_sigma = 2 * sigmoid(2 * a) - 1
    mapping = parameter_map()
    over_k = {k: K}
    generic_tanh = tanh_net(k, lambda jj, ii: v1[jj, ii], lambda jj: v1[jj, 0], lambda kk, jj: v2[kk, jj],
                            lambda kk: v2[kk, 0])
    expanded = (sp.Sum(w2[k, j] / 2 * sp.tanh(hidden[j] / 2), (j, 1, M))
                + (w2[k, 0] + sp.Sum(w2[k, j], (j, 1, M)) / 2))
    # The symbolic proof, output by output: a wrong map would leave terms here.
    remainders = {network_difference(mapping, sizes, value) for value in range(1, sizes[K] + 1)}
    if remainders != {0}:
        raise AssertionError(f"the parameter map leaves {remainders}")
    difference = sp.S.Zero
    steps = [
        # sigma'
        Step(s, 1 / (1 + E_MINUS), "definition of the logistic sigmoid"),
        Step(sigmoid_prime(a), E_MINUS / (1 + E_MINUS) ** 2,
             r"chain rule: $\frac{d}{da}(1+e^{-a})^{-1} = -(1+e^{-a})^{-2} \cdot (-e^{-a})$", check=derivative),
        Step(sigmoid_prime(a), U(1 / (1 + E_MINUS)) * U(E_MINUS / (1 + E_MINUS)), "split the fraction",
             check=derivative),
        Step(sigmoid_prime(a), U(1 / (1 + E_MINUS)) * (1 - U(1 / (1 + E_MINUS))),
             r"rewrite the second factor: $\frac{e^{-a}}{1+e^{-a}} = 1 - \frac{1}{1+e^{-a}}$", check=derivative),
        Step(sigmoid_prime(a), U(s) * U(1 - s), r"definition of $\sigma$", check=derivative),
        # tanh'
        Step(sp.tanh(a), (E - E_MINUS) / (E + E_MINUS), "definition of tanh"),
        Step(TANH_PRIME, (U((E + E_MINUS) ** 2) - U((E - E_MINUS) ** 2)) / (E + E_MINUS) ** 2,
             r"quotient rule, with $(e^{a} - e^{-a})' = e^{a} + e^{-a}$ and $(e^{a} + e^{-a})' = e^{a} - e^{-a}$",
             check=tanh_derivative),
        Step(TANH_PRIME, 1 - U((E - E_MINUS) / (E + E_MINUS)) ** 2, "split the fraction",
             check=tanh_derivative),
        Step(TANH_PRIME, 1 - sp.tanh(a) ** 2, "definition of tanh", check=tanh_derivative),
        # tanh from sigma
        Step(two_sigma, U(2 / (1 + sp.exp(-2 * a))) - 1, r"definition of $\sigma$ at $2a$", check=Identity()),
        Step(two_sigma, (1 - sp.exp(-2 * a)) / (1 + sp.exp(-2 * a)), "common denominator", check=Identity()),
        Step(two_sigma, (E - E_MINUS) / (E + E_MINUS), r"multiply numerator and denominator by $e^{a}$",
             check=Identity()),
        Step(two_sigma, sp.tanh(a), "definition of tanh", check=Identity()),
        Step(s, (1 + sp.tanh(a / 2)) / 2, r"solve for $\sigma$ and put $a/2$ for $a$", check=Identity()),
        # the networks
        Step(hidden[j], pre_activation(j), "definition: pre-activation of hidden unit $j$"),
        Step(y[k], sigmoid_net(k), "definition: the network with sigmoid hidden units"),
        Step(y_tanh[k], generic_tanh, "definition: the network with tanh hidden units"),
        Step(y[k], sp.Sum(w2[k, j] * U((1 + sp.tanh(hidden[j] / 2)) / 2), (j, 1, M)) + w2[k, 0],
             r"$\sigma(a) = (1 + \tanh(a/2))/2$ in every hidden unit", check=Identity(indices=over_k)),
        Step(y[k], expanded, "multiply out; the constant terms join the output bias", check=Identity(indices=over_k)),
        Step(hidden[j] / 2, sp.Sum(w1[j, i] / 2 * x[i], (i, 1, D)) + w1[j, 0] / 2,
             "halve the pre-activation: first-layer weights and biases halve", check=Identity(indices={j: M})),
        *(Step(sp.Symbol(key), mapping[key], rule) for key, rule in (
            (MAP_W1, "choose: first-layer weights, to match the tanh arguments"),
            (MAP_B1, "choose: first-layer biases, to match the tanh arguments"),
            (MAP_W2, "choose: second-layer weights, to match the factors of tanh"),
            (MAP_B2, "choose: output biases, to match the constant terms"),
        )),
        Step(r"y_{k} - \tilde{y}_{k}", difference,
             f"with the map; at $D = {sizes[D]}$, $M = {sizes[M]}$, $K = {sizes[K]}$ the difference simplifies to "
             r"$0$ (each $\sigma$ rewritten through tanh, then expanded)",
             check=Through(Identity(indices=over_k), lhs=y[k] - mapped_tanh_net(k, mapping))),
    ]
    results = {
        r"\sigma'(a)": s * (1 - s),
        r"\tanh'(a)": 1 - sp.tanh(a) ** 2,
        r"\tanh(a)": 2 * sigmoid(2 * a) - 1,
        r"\sigma(a)": (1 + sp.tanh(a / 2)) / 2,
        **mapping,
        r"y_{k}": mapped_tanh_net(k, mapping),
    }
    result_checks = {
        r"\sigma'(a)": derivative,
        r"\tanh'(a)": tanh_derivative,
        r"\tanh(a)": Through(Identity(), lhs=sp.tanh(a)),
        r"\sigma(a)": Through(Identity(), lhs=s),
        **{key: _equivalence_check(key) for key in MAP_KEYS},
        r"y_{k}": Through(Identity(indices=over_k), lhs=y[k]),
    }
    return Derivation(
        name=NAME,
        title="The sigmoid and tanh, and networks built from them",
        summary=SUMMARY,
        statement=(
            r"The logistic sigmoid $\sigma(a) = 1/(1+e^{-a})$ has $\sigma'(a) = \sigma(a)(1-\sigma(a))$; "
            r"$\tanh'(a) = 1 - \tanh^{2}(a)$; and $\tanh(a) = 2\sigma(2a) - 1$. Consequently (Bishop, PRML, "
            r"exercise 5.1) a two-layer network $y_{k} = \sum_{j=1}^{M} w^{(2)}_{kj} \sigma(a_{j}) + w^{(2)}_{k0}$, "
            r"$a_{j} = \sum_{i=1}^{D} w^{(1)}_{ji} x_{i} + w^{(1)}_{j0}$, computes the same function as a "
            r"network with tanh hidden units whose parameters $\tilde{w}$ are a linear map of the $w$: "
            r"first-layer weights and biases and second-layer weights halve, and each output bias gains "
            r"half the sum of its unit's second-layer weights. "
            f"The networks are checked with $D = {sizes[D]}$ inputs, $M = {sizes[M]}$ hidden units and "
            f"$K = {sizes[K]}$ outputs."
        ),
        steps=tuple(steps),
        results=results,
        definitions={hidden: sp.Lambda(j, pre_activation(j)), y: sp.Lambda(k, sigmoid_net(k))},
        assumptions=(r"$a \in \mathbb{R}$; indices $i = 1, \dots, D$, $j = 1, \dots, M$, $k = 1, \dots, K$",
                     r"$w^{(1)}_{j0}$ and $w^{(2)}_{k0}$ are the biases"),
        params=params,
        indexed={"x": 1, "w^{(1)}": 2, "w^{(2)}": 2, r"\tilde{w}^{(1)}": 2, r"\tilde{w}^{(2)}": 2, "y": 1,
                 r"\tilde{y}": 1},  # a_j is not listed: a alone is the scalar argument
        sizes=sizes,
        result_checks=result_checks,
    )
