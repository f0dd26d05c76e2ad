"""Batch normalisation of a mini-batch: mean, variance, normalised value with epsilon, scale and shift; its gradient."""

from __future__ import annotations


import numpy as np
import sympy as sp

from symdl import Computed, Derivation, Gradient, Identity, Step
from symdl.errors import ParameterError
from symdl.worked import (
    PRODUCT,
    W,
    Written,
    add,
    div,
    evaluated,
    matrix,
    mul,
    number,
    power,
    read_number,
    read_vector,
    sqrt,
    sub,
    symbol,
    then,
    worked,
    written,
)

NAME = "batchnorm"
SUMMARY = "Batch normalisation: mean, variance, normalised value (with eps), scale and shift; dL/dz_i of the batch"
PARAMS = {"z": [1.0, 2.0, 4.0, 5.0], "gamma": 2.0, "beta": 0.5, "eps": 1e-5, "g": [0.1, -0.2, 0.3, 0.4]}
PARAM_HELP = {  # symdl derive NAME --help, symdl list --params
    "z": "the mini-batch of pre-activations",
    "gamma": "the learned scale",
    "beta": "the learned shift",
    "eps": "the small constant added to the variance",
    "g": "the upstream gradient dL/dz~, one per example",
}

MAX_BATCH = 8
CHECKED_N = 3  # the general claims are checked at this batch size (at most the example's)
PARTIALS_N = 2  # and the intermediate partial derivatives, whose expressions grow fastest, at this one
n = sp.Symbol("n", real=True)  # named as the parser names an answer's n, so that both mean the batch size
i, j, k = (sp.Symbol(s, integer=True) for s in "ijk")
z, g = sp.IndexedBase("z"), sp.IndexedBase("g")
z_hat, z_tilde = sp.IndexedBase(r"\hat{z}"), sp.IndexedBase(r"\tilde{z}")
mu, var = sp.Symbol(r"\mu_{B}", real=True), sp.Symbol(r"\sigma_{B}^{2}", real=True)
sigma = sp.Symbol(r"\sigma_{B}", real=True)  # an answer's \sigma_B^2 is this symbol squared
gamma, beta, eps = sp.Symbol(r"\gamma", real=True), sp.Symbol(r"\beta", real=True), sp.Symbol(r"\epsilon", real=True)
L = sp.Symbol("L", real=True)
dL_dvar = sp.Symbol(r"\frac{\partial L}{\partial \sigma_{B}^{2}}", real=True)
dL_dmu = sp.Symbol(r"\frac{\partial L}{\partial \mu_{B}}", real=True)
GRADIENT = r"\frac{\partial L}{\partial z_{i}}"

DEFINITIONS = {
    mu: sp.Sum(z[j], (j, 1, n)) / n,
    var: sp.Sum((z[j] - mu) ** 2, (j, 1, n)) / n,
    sigma: sp.sqrt(var),
    z_hat: sp.Lambda(i, (z[i] - mu) / sp.sqrt(var + eps)),
    z_tilde: sp.Lambda(i, gamma * z_hat[i] + beta),
    dL_dvar: -gamma / 2 * (var + eps) ** sp.Rational(-3, 2) * sp.Sum(g[k] * (z[k] - mu), (k, 1, n)),
    dL_dmu: -gamma / sp.sqrt(var + eps) * sp.Sum(g[k], (k, 1, n)) - 2 * dL_dvar * sp.Sum(z[k] - mu, (k, 1, n)) / n,
}
#: The loss near the batch, linear in the outputs: g_i = dL/d(z~_i) is the upstream gradient.
LOSS = sp.Sum(g[k] * z_tilde[k], (k, 1, n))
ROOT = sp.sqrt(var + eps)


def np_batchnorm(batch, scale, shift, epsilon) -> np.ndarray:
    mean = batch.mean()
    variance = ((batch - mean) ** 2).mean()
    return scale * (batch - mean) / np.sqrt(variance + epsilon) + shift


def np_input_gradient(batch, upstream, scale, shift, epsilon, h=1e-6) -> np.ndarray:
    """dL/dz by central differences of the NumPy forward pass, L = sum_i g_i z~_i."""
    out = []
    for q in range(len(batch)):
        step = np.zeros(len(batch))
        step[q] = h
        plus = upstream @ np_batchnorm(batch + step, scale, shift, epsilon)
        minus = upstream @ np_batchnorm(batch - step, scale, shift, epsilon)
        out.append((plus - minus) / (2 * h))
    return np.array(out)


def read_batch(params):
    batch = read_vector(params["z"], "z", maximum=MAX_BATCH)
    if len(batch) < 2:
        raise ParameterError(f"parameter z must hold a mini-batch of at least 2 values, got {len(batch)}")
    scale, shift, epsilon = (read_number(params[name], name) for name in ("gamma", "beta", "eps"))
    if epsilon.value <= 0:
        raise ParameterError(f"parameter eps must be positive (it keeps the square root away from 0), "
                             f"got {params['eps']!r}")
    upstream = read_vector(params["g"], "g", maximum=MAX_BATCH)
    if len(upstream) != len(batch):
        raise ParameterError(f"parameter g has {len(upstream)} entries but the batch z has {len(batch)}; "
                             "give one upstream gradient dL/dz~_i per example")
    return batch, scale, shift, epsilon, upstream


def build(**params) -> Derivation:
    params = {**PARAMS, **params}
    batch, scale, shift, epsilon, upstream = read_batch(params)
    size = len(batch)
    z_np = np.array([float(v.value) for v in batch])
    g_np = np.array([float(v.value) for v in upstream])
    gamma_np, beta_np, eps_np = (float(v.value) for v in (scale, shift, epsilon))
    out_np = np_batchnorm(z_np, gamma_np, beta_np, eps_np)
    grad_np = np_input_gradient(z_np, g_np, gamma_np, beta_np, eps_np)
    size_w = number(size)

    # Forward, with the numbers.
    mean_w = div(add(*batch), size_w)
    mean_exact = mean_w.value
    mean_shown = number(mean_exact)
    var_w = div(add(*(power(sub(v, mean_shown), number(2)) for v in batch)), size_w)
    var_exact = var_w.value
    var_shown = number(var_exact)
    root = sqrt(add(var_shown, epsilon))
    normalised = [div(sub(v, mean_shown), root) for v in batch]
    hat_exact = [w.value for w in normalised]
    hat_shown = [number(v) for v in hat_exact]
    scaled = [add(mul(scale, v), shift) for v in hat_shown]
    tilde_exact = [scale.value * v + shift.value for v in hat_exact]
    grad_exact = gradient_formula(hat_exact, [v.value for v in upstream], scale.value, var_exact, epsilon.value)

    sym = {name: symbol(name, value) for name, value in
           ((r"\mu_{B}", mu), (r"\sigma_{B}^{2}", var), (r"\gamma", gamma), (r"\beta", beta), (r"\epsilon", eps))}
    zi, gi, zhi = symbol("z_{i}", z[i]), symbol("g_{i}", g[i]), symbol(r"\hat{z}_{i}", z_hat[i])
    root_sym = sqrt(add(sym[r"\sigma_{B}^{2}"], sym[r"\epsilon"]))
    sum_g = W(sp.Sum(g[j], (j, 1, n)), r"\sum_{j=1}^{n} g_{j}", PRODUCT)
    sum_gz = W(sp.Sum(g[j] * z_hat[j], (j, 1, n)), r"\sum_{j=1}^{n} g_{j} \hat{z}_{j}", PRODUCT)
    final = mul(div(sym[r"\gamma"], mul(symbol("n", n), root_sym)),
                sub(sub(mul(symbol("n", n), gi), sum_g), mul(zhi, sum_gz)))
    chain = add(div(mul(sym[r"\gamma"], gi), root_sym),
                mul(symbol(dL_dvar.name, dL_dvar), div(mul(number(2), sub(zi, sym[r"\mu_{B}"])), symbol("n", n))),
                mul(symbol(dL_dmu.name, dL_dmu), div(number(1), symbol("n", n))))
    normalised_np = (z_np - z_np.mean()) / np.sqrt(z_np.var() + eps_np)
    sum_g_shown = number(sum(v.value for v in upstream))
    sum_gz_shown = number(sum(a.value * b for a, b in zip(upstream, hat_exact)))
    numbers = mul(div(scale, mul(size_w, sqrt(add(var_shown, epsilon)))),
                  sub(sub(mul(size_w, symbol("g")), sum_g_shown), mul(sum_gz_shown, symbol(r"\hat{z}"))))
    numbers = W(sp.ImmutableMatrix(grad_exact), numbers.tex, numbers.rank, numbers.approx)
    vector_formula = symbol(r"\frac{\gamma}{n \sqrt{\sigma_{B}^{2} + \epsilon}} \left(n g - \sum_{j=1}^{n} g_{j} - "
                            r"\hat{z} \sum_{j=1}^{n} g_{j} \hat{z}_{j}\right)")
    weighted_formula = symbol(r"\frac{1}{\sqrt{\sigma_{B}^{2} + \epsilon}} \sum_{j=1}^{n} g_{j} "
                              r"\left(z_{j} - \mu_{B}\right)")
    weighted = div(add(*(mul(a, sub(v, mean_shown)) for a, v in zip(upstream, batch))), root)
    over_i = {i: n}
    small, smaller = {n: min(size, CHECKED_N)}, {n: PARTIALS_N}
    checked_sizes = f"checked at $n = {min(size, CHECKED_N)}$"

    shown = {
        mu: r"\frac{1}{n} \sum_{j=1}^{n} z_{j}",
        var: r"\frac{1}{n} \sum_{j=1}^{n} \left(z_{j} - \mu_{B}\right)^{2}",
        z_hat: r"\frac{z_{i} - \mu_{B}}{\sqrt{\sigma_{B}^{2} + \epsilon}}",
        z_tilde: r"\gamma \hat{z}_{i} + \beta",
        dL_dvar: r"-\frac{\gamma}{2} \left(\sigma_{B}^{2} + \epsilon\right)^{-3/2} \sum_{k=1}^{n} g_{k} "
                 r"\left(z_{k} - \mu_{B}\right)",
        dL_dmu: r"-\frac{\gamma}{\sqrt{\sigma_{B}^{2} + \epsilon}} \sum_{k=1}^{n} g_{k} - "
                r"\frac{2}{n} \frac{\partial L}{\partial \sigma_{B}^{2}} \sum_{k=1}^{n} \left(z_{k} - \mu_{B}\right)",
    }

    def definition(key, at=None):
        value = DEFINITIONS[key] if at is None else DEFINITIONS[key](at)
        return Written(value, shown[key])

    steps = [
        Step(mu, definition(mu), "definition: the mean of the mini-batch"),
        Step(mu, written(evaluated(mean_w)), "substitute the batch", check=Computed(lambda: z_np.mean(), "NumPy mean")),
        Step(var, definition(var), "definition: the variance of the mini-batch (divided by $n$, not $n - 1$)"),
        Step(var, written(evaluated(var_w)), r"substitute the batch and $\mu_{B}$",
             check=Computed(lambda: z_np.var(), "NumPy variance")),
        Step(z_hat[i], definition(z_hat, i), r"definition: normalise, with $\epsilon$ keeping the root away from 0"),
        Step(sp.Symbol(r"\hat{z}"), written(then(matrix(normalised), sp.ImmutableMatrix(hat_exact))),
             r"substitute $\mu_{B}$, $\sigma_{B}^{2}$ and $\epsilon$",
             check=Computed(lambda: (z_np - z_np.mean()) / np.sqrt(z_np.var() + eps_np), "NumPy")),
        Step(sp.Sum(z_hat[k], (k, 1, n)), sp.S.Zero, f"the normalised values have mean 0 ({checked_sizes})",
             check=Identity(sizes=small)),
        Step(sp.Sum(z_hat[k] ** 2, (k, 1, n)) / n, var / (var + eps),
             rf"and mean square just below 1 ({checked_sizes})", check=Identity(sizes=small)),
        Step(z_tilde[i], definition(z_tilde, i), r"definition: scale by $\gamma$ and shift by $\beta$, both learned"),
        Step(sp.Symbol(r"\tilde{z}"), written(worked(symbol(r"\gamma \hat{z} + \beta"), matrix(scaled))),
             rf"substitute $\gamma = {scale.tex}$ and $\beta = {shift.tex}$",
             check=Computed(lambda: out_np, "NumPy batch normalisation")),
        Step(g[i], Written(g[i], r"\frac{\partial L}{\partial \tilde{z}_{i}}"),
             "definition: the upstream gradient of the loss $L$"),
        Step(sp.Symbol(r"\frac{\partial L}{\partial \hat{z}_{i}}"), written(mul(sym[r"\gamma"], gi)),
             r"$\tilde{z}_{i}$ is linear in $\hat{z}_{i}$", check=Gradient(LOSS, z_hat[i], indices=over_i, sizes=small)),
        Step(dL_dvar, definition(dL_dvar), r"$\sigma_{B}^{2}$ reaches $L$ through every $\hat{z}_{k}$",
             check=Gradient(LOSS, var, sizes=smaller)),
        Step(dL_dmu, definition(dL_dmu),
             r"$\mu_{B}$ reaches $L$ through every $\hat{z}_{k}$ and through $\sigma_{B}^{2}$",
             check=Gradient(LOSS, mu, sizes=smaller)),
        Step(sp.Symbol(GRADIENT), written(chain), r"$z_{i}$ reaches $L$ through $\hat{z}_{i}$, $\sigma_{B}^{2}$ and $\mu_{B}$",
             check=Gradient(LOSS, z[i], indices=over_i, sizes=smaller, symbolic=False)),  # diff: the next step
        Step(sp.Symbol(GRADIENT), written(final),
             r"collect terms: $z_{j} - \mu_{B} = \sqrt{\sigma_{B}^{2} + \epsilon} \, \hat{z}_{j}$ and "
             r"$\sum_{j} (z_{j} - \mu_{B}) = 0$", check=Gradient(LOSS, z[i], indices=over_i, sizes=small)),
        Step(Written(sp.Sum(final.value.xreplace({i: k}), (k, 1, n)), r"\sum_{i=1}^{n} \frac{\partial L}{\partial z_{i}}"), sp.S.Zero,
             "the gradient sums to 0 over the batch: shifting every input alike changes nothing",
             check=Identity(sizes=small)),
        Step(sp.Sum(g[j], (j, 1, n)), written(evaluated(add(*upstream))), "the example's upstream gradient $g$",
             check=Computed(lambda: g_np.sum(), "NumPy")),
        Step(sp.Sum(g[j] * z_hat[j], (j, 1, n)), written(worked(weighted_formula, weighted)),
             r"by the definition of $\hat{z}_{j}$", check=Computed(lambda: g_np @ normalised_np, "NumPy")),
        Step(sp.Symbol(r"\frac{\partial L}{\partial z}"), written(worked(vector_formula, numbers)),
             "substitute the numbers; compared with finite differences of a NumPy batch normalisation",
             check=Computed(lambda: grad_np, "finite differences (NumPy)")),
    ]
    results = {GRADIENT: final.value, r"\mu_{B}": mean_exact, r"\sigma_{B}^{2}": var_exact}
    checks = {GRADIENT: Gradient(LOSS, z[i], indices=over_i, sizes=small, symbolic=False),  # the step has diff too
              r"\mu_{B}": Computed(lambda: z_np.mean(), "NumPy mean"),
              r"\sigma_{B}^{2}": Computed(lambda: z_np.var(), "NumPy variance")}
    for u in range(size):
        results[rf"\hat{{z}}_{{{u + 1}}}"] = hat_exact[u]
        results[rf"\tilde{{z}}_{{{u + 1}}}"] = sp.expand(tilde_exact[u])
        checks[rf"\hat{{z}}_{{{u + 1}}}"] = Computed(lambda u=u: normalised_np[u], "NumPy")
        checks[rf"\tilde{{z}}_{{{u + 1}}}"] = Computed(lambda u=u: out_np[u], "NumPy batch normalisation")
    return Derivation(
        name=NAME,
        title="Batch normalisation and its gradient",
        summary=SUMMARY,
        statement=(
            r"Batch normalisation maps a mini-batch $z_{1}, \dots, z_{n}$ of one unit's values to "
            r"$\tilde{z}_{i} = \gamma \hat{z}_{i} + \beta$, where $\hat{z}_{i}$ is $z_{i}$ standardised with the "
            r"batch mean $\mu_{B}$ and variance $\sigma_{B}^{2}$. Derive each quantity and the gradient "
            r"$\partial L / \partial z_{i}$ given the upstream gradient $g_{i} = \partial L / \partial \tilde{z}_{i}$; "
            rf"work them out for the batch $z = ({', '.join(v.tex for v in batch)})$ with $\gamma = {scale.tex}$, "
            rf"$\beta = {shift.tex}$, $\epsilon = {epsilon.tex}$ and $g = ({', '.join(v.tex for v in upstream)})$."
        ),
        steps=tuple(steps),
        results=results,
        definitions=DEFINITIONS,
        assumptions=(r"training mode: $\mu_{B}$ and $\sigma_{B}^{2}$ are the statistics of this batch and depend on "
                     r"every $z_{j}$",
                     r"$\epsilon > 0$; the variance divides by $n$ (Ioffe and Szegedy, 2015)",
                     f"the general claims are checked at random points, at $n = {min(size, CHECKED_N)}$ "
                     f"(the intermediate partial derivatives at $n = {PARTIALS_N}$)"),
        params=params,
        indexed={"z": 1, "g": 1, r"\hat{z}": 1, r"\tilde{z}": 1},
        sizes={n: size},
        index_ranges={i: n, j: n, k: n},
        result_checks=checks,
    )


def gradient_formula(hat, upstream, scale, variance, epsilon) -> list:
    """dL/dz_i = gamma / (n sqrt(var + eps)) (n g_i - sum_j g_j - z^_i sum_j g_j z^_j), exactly."""
    count = len(hat)
    total, weighted = sum(upstream), sum(a * b for a, b in zip(upstream, hat))
    return [sp.expand(scale / (count * sp.sqrt(variance + epsilon)) * (count * gv - total - h * weighted))
            for gv, h in zip(upstream, hat)]
