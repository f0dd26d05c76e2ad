"""Softmax: the probabilities of given logits, the Jacobian diag(p) - p p^T, and the cross-entropy gradient p - y."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from symdl import Computed, Derivation, Gradient, Identity, Step
from symdl.errors import ParameterError
from symdl.worked import (
    NEG,
    PRODUCT,
    SUM,
    W,
    Written,
    add,
    call,
    decimal,
    div,
    evaluated,
    exp,
    matrix,
    mul,
    neg,
    read_vector,
    sub,
    symbol,
    then,
    written,
)

NAME = "softmax"
SUMMARY = "Softmax probabilities of given logits (Sheet B.2), the Jacobian diag(p) - p p^T, cross-entropy gradient p - y"
PARAMS = {"z": [2.0, 1.0, 0.1], "y": [1, 0, 0]}
PARAM_HELP = {  # symdl derive NAME --help, symdl list --params
    "z": "the logits",
    "y": "the target distribution (one-hot for a label)",
}

K = sp.Symbol("K", real=True)  # named as the parser names an answer's K (the number of classes)
i, j, k, r = (sp.Symbol(s, integer=True) for s in "ijkr")
z, p, y = sp.IndexedBase("z"), sp.IndexedBase("p"), sp.IndexedBase("y")
t = sp.IndexedBase("t")  # free components of a target constrained to sum to one (checks only)
L = sp.Symbol("L", real=True)
JACOBIAN = r"\frac{\partial p_{i}}{\partial z_{j}}"
GRADIENT = r"\frac{\partial L}{\partial z_{i}}"
MAX_LOGIT = 100


def softmax_of(index):
    return sp.exp(z[index]) / sp.Sum(sp.exp(z[j]), (j, 1, K))


def np_softmax(logits) -> np.ndarray:
    e = np.exp(logits - np.max(logits))
    return e / e.sum()


def np_central_differences(f, x, h=1e-6) -> np.ndarray:
    """The Jacobian of ``f`` at ``x`` by central differences (column j: the derivative in x_j)."""
    columns = []
    for q in range(len(x)):
        step = np.zeros(len(x))
        step[q] = h
        columns.append((np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * h))
    return np.stack(columns, axis=-1)


@dataclass(frozen=True)
class ByRow:
    """The Jacobian ``∂p_i/∂z_j`` row by row: for each i, a Gradient check of ``p_i`` in every ``z_j``."""

    def run(self, label, lhs, rhs, derivation, seed):
        results = []
        for row in range(1, int(derivation.sizes[K]) + 1):
            check = Gradient(p[row], z[j], indices={j: K})
            results += check.run(f"{label}, i = {row}", lhs, rhs.xreplace({i: row}), derivation, seed)
        return results


def read_logits(params):
    logits = read_vector(params["z"], "z")
    if len(logits) < 2:
        raise ParameterError(f"parameter z must have at least 2 logits, got {len(logits)}")
    if any(abs(v.value) > MAX_LOGIT for v in logits):
        raise ParameterError(f"parameter z: logits must lie in [-{MAX_LOGIT}, {MAX_LOGIT}], got {params['z']!r}")
    target = read_vector(params["y"], "y")
    if len(target) != len(logits):
        raise ParameterError(f"parameter y has {len(target)} entries but z has {len(logits)} logits; "
                             "give one target probability per class")
    if any(v.value < 0 for v in target) or sum(v.value for v in target) != 1:
        raise ParameterError(f"parameter y must be a probability vector (entries >= 0 summing to 1, e.g. one-hot "
                             f"[1, 0, 0]), got {params['y']!r}")
    return logits, target


def build(**params) -> Derivation:
    params = {**PARAMS, **params}
    logits, target = read_logits(params)
    size = len(logits)
    z_np = np.array([float(v.value) for v in logits])
    y_np = np.array([float(v.value) for v in target])
    probabilities = np_softmax(z_np)

    def cross_entropy(x):
        return -float(np.sum(y_np * np.log(np_softmax(x))))

    exps = [exp(v) for v in logits]
    substituted = [div(e, add(*exps)) for e in exps]  # p_k with the logits substituted
    exact = [sp.exp(v.value) / sp.Add(*(sp.exp(u.value) for u in logits)) for v in logits]
    definitions = {p: sp.Lambda(i, softmax_of(i))}
    # The constrained target for the last step: y_K = 1 - (y_1 + ... + y_{K-1}).
    constrained = {p: definitions[p],
                   y: sp.Lambda(k, sp.Piecewise((1 - sp.Sum(t[r], (r, 1, K - 1)), sp.Eq(k, K)), (t[k], True)))}
    loss = -sp.Sum(y[k] * sp.log(p[k]), (k, 1, K))

    p_i, p_j, y_i = symbol("p_{i}", p[i]), symbol("p_{j}", p[j]), symbol("y_{i}", y[i])
    delta = symbol(r"\delta_{ij}", sp.KroneckerDelta(i, j))
    jacobian_rule = mul(p_i, sub(delta, p_j))
    sum_y = W(sp.Sum(y[k], (k, 1, K)), r"\sum_{k=1}^{K} y_{k}", PRODUCT)
    chain = W(-sp.Sum(y[k] * (sp.KroneckerDelta(k, i) - p[i]), (k, 1, K)),
              r"-\sum_{k=1}^{K} y_{k} \left(\delta_{ki} - p_{i}\right)", NEG)
    derivative_matrix = sp.ImmutableMatrix(size, size, lambda a, b: sp.Derivative(p[a + 1], z[b + 1]))
    p_vector = sp.ImmutableMatrix([p[a] for a in range(1, size + 1)])
    jacobian_exact = diagonal(exact) - sp.ImmutableMatrix(exact) * sp.ImmutableMatrix(exact).T
    gradient_exact = sp.ImmutableMatrix([e - v.value for e, v in zip(exact, target)])

    steps = [
        Step(p[i], softmax_of(i), "definition of the softmax"),
        *[Step(p[a + 1], written(evaluated(substituted[a])), "substitute the logits",
               check=Computed(lambda a=a: probabilities[a], "NumPy softmax")) for a in range(size)],
        Step(sp.Sum(p[k], (k, 1, K)), sp.S.One, "the probabilities sum to one: the numerators add up to the denominator",
             check=Identity()),
        Step(sp.Symbol(JACOBIAN), written(jacobian_rule),
             r"quotient rule: $\partial e^{z_{i}} / \partial z_{j} = \delta_{ij} e^{z_{i}}$, and the denominator's "
             r"derivative is $e^{z_{j}}$", check=ByRow()),
        Step(Written(derivative_matrix, "J"),
             Written(diagonal(p_vector) - p_vector * p_vector.T, r"\operatorname{diag}(p) - p p^{\top}"),
             r"the same in matrix form, $J_{ij} = \partial p_{i} / \partial z_{j}$", check=Identity()),
        Step(sp.Symbol("J"), written(then(symbol(r"\operatorname{diag}(p) - p p^{\top}"), jacobian_exact)),
             "substitute $p$; compared with finite differences of a NumPy softmax",
             check=Computed(lambda: np_central_differences(np_softmax, z_np), "finite differences (NumPy)")),
        Step(L, Written(loss, r"-\sum_{k=1}^{K} y_{k} \ln p_{k}"),
             "definition of the cross-entropy loss for a target distribution $y$"),
        Step(sp.Symbol(GRADIENT), written(chain),
             r"chain rule: $\partial \ln p_{k} / \partial z_{i} = \delta_{ki} - p_{i}$ by the Jacobian",
             check=Gradient(loss, z[i], indices={i: K})),
        Step(sp.Symbol(GRADIENT), written(sub(mul(p_i, sum_y), y_i)), "sum out the Kronecker delta",
             check=Gradient(loss, z[i], indices={i: K})),
        Step(sp.Symbol(GRADIENT), written(sub(p_i, y_i)), r"the target sums to one, $\sum_{k} y_{k} = 1$",
             check=Gradient(loss, z[i], indices={i: K}, definitions=constrained)),
        Step(sp.Symbol(r"\frac{\partial L}{\partial z}"), written(gradient_row(exact, target, gradient_exact)),
             "substitute $p$ and the target $y$; compared with finite differences of a NumPy cross-entropy",
             check=Computed(lambda: np_central_differences(cross_entropy, z_np), "finite differences (NumPy)")),
        Step(L, written(loss_row(exact, target)), "substitute $p$ and the target $y$",
             check=Computed(lambda: cross_entropy(z_np), "NumPy cross-entropy")),
    ]
    results = {f"p_{{{a + 1}}}": exact[a] for a in range(size)}
    results[JACOBIAN] = p[i] * (sp.KroneckerDelta(i, j) - p[j])
    results[GRADIENT] = p[i] - y[i]
    results["L"] = loss_row(exact, target).value
    checks = {f"p_{{{a + 1}}}": Computed(lambda a=a: probabilities[a], "NumPy softmax") for a in range(size)}
    checks[JACOBIAN] = ByRow()
    checks[GRADIENT] = Gradient(loss, z[i], indices={i: K}, definitions=constrained)
    checks["L"] = Computed(lambda: cross_entropy(z_np), "NumPy cross-entropy")
    shown_z = ", ".join(v.tex for v in logits)
    shown_y = ", ".join(v.tex for v in target)
    return Derivation(
        name=NAME,
        title="Softmax probabilities, the softmax Jacobian and the cross-entropy gradient",
        summary=SUMMARY,
        statement=(
            rf"The last layer of a classifier gives the logits $z = ({shown_z})$ for $K = {size}$ classes. "
            r"Find the class probabilities $p = \operatorname{softmax}(z)$, the Jacobian "
            r"$\partial p_{i} / \partial z_{j}$, and the gradient of the cross-entropy loss "
            rf"$L = -\sum_{{k}} y_{{k}} \ln p_{{k}}$ for the target $y = ({shown_y})$."
        ),
        steps=tuple(steps),
        results=results,
        definitions=definitions,
        assumptions=(r"$\delta_{ij}$ is 1 when $i = j$ and 0 otherwise (Kronecker delta)",
                     r"the target $y$ is a probability vector: $y_{k} \ge 0$, $\sum_{k} y_{k} = 1$ (one-hot for a "
                     "labelled example)",
                     r"$\ln$ is the natural logarithm"),
        params=params,
        indexed={"z": 1, "p": 1, "y": 1},
        sizes={K: size},
        index_ranges={i: K, j: K, k: K},
        result_checks=checks,
    )


def diagonal(entries) -> sp.ImmutableMatrix:
    entries = list(entries)
    return sp.ImmutableMatrix(len(entries), len(entries), lambda a, b: entries[a] if a == b else 0)


def gradient_row(exact, target, gradient) -> W:
    """``p - y ≈ [0.659, ...] - [1, ...] ≈ [-0.341, ...]``: the probabilities are rounded for display."""
    probabilities = matrix([W(v, decimal(v)[0]) for v in exact])
    targets = matrix(target)
    result = matrix([W(v, decimal(v)[0]) for v in gradient])
    return W(gradient, rf"p - y \approx {probabilities.tex} - {targets.tex} \approx {result.tex}", SUM)


def loss_row(exact, target) -> W:
    """``-(y_1 log p_1 + ...)`` over the classes with nonzero target, then its value."""
    terms = []
    for a, (prob, weight) in enumerate(zip(exact, target)):
        if weight.value == 0:
            continue
        log = call(r"\ln", sp.log(prob), symbol(f"p_{{{a + 1}}}", prob))
        terms.append(log if weight.value == 1 else mul(weight, log))
    return evaluated(neg(add(*terms)) if len(terms) > 1 else neg(terms[0]))
