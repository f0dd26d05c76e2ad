"""The chain rule through two layers of sigmoid units, in index form."""

import sympy as sp

from symdl import Derivation, Gradient, Identity, Step, sigmoid, sigmoid_prime
from symdl.params import positive_int

NAME = "sigmoid-chain"
SUMMARY = "Chain rule through two sigmoid layers: df/dw^[1]_ij, df/dw^[2]_jk, df/dw^[3]_k, df/dx_i in index form"
PARAMS = {"inputs": 2, "hidden1": 2, "hidden2": 2}
PARAM_HELP = {  # symdl derive NAME --help, symdl list --params
    "inputs": "the number of inputs",
    "hidden1": "the units of the first hidden layer",
    "hidden2": "the units of the second hidden layer",
}

I, J, K = (sp.Symbol(s, integer=True, positive=True) for s in ("I", "J", "K"))
i, j, k = (sp.Symbol(s, integer=True) for s in "ijk")
x = sp.IndexedBase("x")
w1, w2, w3 = (sp.IndexedBase(f"w^{{[{l}]}}") for l in (1, 2, 3))
z1, h1, z2, h2 = (sp.IndexedBase(n) for n in ("z^{[1]}", "h^{[1]}", "z^{[2]}", "h^{[2]}"))
d1, d2 = sp.IndexedBase(r"\delta^{[1]}"), sp.IndexedBase(r"\delta^{[2]}")
f = sp.Symbol("f", real=True)


def _partial(of: str, wrt) -> str:
    from symdl.latex import to_latex

    return rf"\frac{{\partial {of}}}{{\partial {to_latex(wrt)}}}"


def build(**params) -> Derivation:
    params = {**PARAMS, **params}
    sizes = {I: positive_int(params, "inputs", maximum=16), J: positive_int(params, "hidden1", maximum=16),
             K: positive_int(params, "hidden2", maximum=16)}
    definitions = {
        z1: sp.Lambda(j, sp.Sum(w1[i, j] * x[i], (i, 1, I))),
        h1: sp.Lambda(j, sigmoid(z1[j])),
        z2: sp.Lambda(k, sp.Sum(w2[j, k] * h1[j], (j, 1, J))),
        h2: sp.Lambda(k, sigmoid(z2[k])),
        f: sp.Sum(w3[k] * h2[k], (k, 1, K)),
        d2: sp.Lambda(k, w3[k] * sigmoid_prime(z2[k])),
        d1: sp.Lambda(j, sigmoid_prime(z1[j]) * sp.Sum(w2[j, k] * d2[k], (k, 1, K))),
    }
    a = sp.Symbol("a", real=True)
    over = {"i": {i: I}, "j": {j: J}, "k": {k: K}}
    back_sum = sp.Sum(w2[j, k] * sigmoid_prime(z2[k]) * w3[k], (k, 1, K))
    results = {
        _partial("f", w3[k]): h2[k],
        _partial("f", w2[j, k]): h1[j] * sigmoid_prime(z2[k]) * w3[k],
        _partial("f", w1[i, j]): x[i] * sigmoid_prime(z1[j]) * back_sum,
        _partial("f", x[i]): sp.Sum(w1[i, j] * sigmoid_prime(z1[j]) * back_sum, (j, 1, J)),
    }
    wrt = {_partial("f", w3[k]): (w3[k], over["k"]), _partial("f", w2[j, k]): (w2[j, k], {**over["j"], **over["k"]}),
           _partial("f", w1[i, j]): (w1[i, j], {**over["i"], **over["j"]}), _partial("f", x[i]): (x[i], over["i"])}
    checks = {target: Gradient(f, var, indices=idx) for target, (var, idx) in wrt.items()}
    steps = [
        Step(z1[j], definitions[z1](j), "forward: weighted sum of the inputs"),
        Step(h1[j], sigmoid(z1[j]), "forward: sigmoid"),
        Step(z2[k], definitions[z2](k), "forward: weighted sum of the first hidden layer"),
        Step(h2[k], sigmoid(z2[k]), "forward: sigmoid"),
        Step(f, definitions[f], "forward: linear output"),
        Step(sp.Derivative(sigmoid(a), a), sigmoid(a) * (1 - sigmoid(a)),
             r"derivative of the sigmoid, $\sigma'(a) = \sigma(a)(1-\sigma(a))$", check=Identity()),
        Step(sp.Symbol(_partial("f", w3[k])), h2[k], "$f$ is linear in each output weight",
             check=Gradient(f, w3[k], indices=over["k"])),
        Step(d2[k], w3[k] * sigmoid_prime(z2[k]),
             r"chain rule through the sigmoid: $\delta^{[2]}_{k} = \partial f / \partial z^{[2]}_{k}$",
             check=Gradient(f, z2[k], indices=over["k"])),
        Step(sp.Symbol(_partial("f", w2[j, k])), d2[k] * h1[j], r"$z^{[2]}_{k}$ is linear in $w^{[2]}_{jk}$",
             check=Gradient(f, w2[j, k], indices={**over["j"], **over["k"]})),
        Step(d1[j], sigmoid_prime(z1[j]) * sp.Sum(w2[j, k] * d2[k], (k, 1, K)),
             r"chain rule: $h^{[1]}_{j}$ feeds every $z^{[2]}_{k}$, so sum over $k$",
             check=Gradient(f, z1[j], indices=over["j"])),
        Step(sp.Symbol(_partial("f", w1[i, j])), d1[j] * x[i], r"$z^{[1]}_{j}$ is linear in $w^{[1]}_{ij}$",
             check=Gradient(f, w1[i, j], indices={**over["i"], **over["j"]})),
        Step(sp.Symbol(_partial("f", x[i])), sp.Sum(w1[i, j] * d1[j], (j, 1, J)),
             r"chain rule: $x_{i}$ feeds every $z^{[1]}_{j}$, so sum over $j$",
             check=Gradient(f, x[i], indices=over["i"])),
    ]
    return Derivation(
        name=NAME,
        title="The chain rule through two sigmoid layers",
        summary=SUMMARY,
        statement=(
            r"Inputs $x_{i}$; $z^{[1]}_{j} = \sum_{i} w^{[1]}_{ij} x_{i}$, $h^{[1]}_{j} = \sigma(z^{[1]}_{j})$; "
            r"$z^{[2]}_{k} = \sum_{j} w^{[2]}_{jk} h^{[1]}_{j}$, $h^{[2]}_{k} = \sigma(z^{[2]}_{k})$; "
            r"$f = \sum_{k} w^{[3]}_{k} h^{[2]}_{k}$. "
            f"Here with {sizes[I]} inputs and {sizes[J]} and {sizes[K]} units in the hidden layers."
        ),
        steps=tuple(steps),
        results=results,
        definitions=definitions,
        assumptions=(r"$\sigma(a) = 1/(1+e^{-a})$", "indices run from 1; free indices mean every value"),
        params=params,
        indexed={"x": 1, "w^{[1]}": 2, "w^{[2]}": 2, "w^{[3]}": 1, "z^{[1]}": 1, "h^{[1]}": 1,
                 "z^{[2]}": 1, "h^{[2]}": 1, r"\delta^{[1]}": 1, r"\delta^{[2]}": 1},
        sizes=sizes,
        index_ranges={i: I, j: J, k: K},
        result_checks=checks,
    )
