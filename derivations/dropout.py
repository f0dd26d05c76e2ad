"""Dropout with keep probability p: standard and inverted scaling, and why the expected activation is kept."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from symdl import Computed, Derivation, Identity, Step
from symdl.errors import ParameterError
from symdl.worked import (
    Written,
    add,
    div,
    evaluated,
    matrix,
    mul,
    number,
    read_number,
    read_vector,
    sub,
    symbol,
    then,
    written,
)

NAME = "dropout"
SUMMARY = "Dropout with keep probability p: standard (scale by p at test time) versus inverted (divide by p in training)"
PARAMS = {"p": 0.8, "h": [0.5, 1.0, 2.0], "mask": [1, 0, 1]}
PARAM_HELP = {  # symdl derive NAME --help, symdl list --params
    "p": "the keep probability",
    "h": "the activations of the layer",
    "mask": "which units are kept in the worked example (1 kept, 0 dropped)",
}

MAX_UNITS = 8
CHECKED_UNITS = 3  # the expectation of a weighted sum is checked by enumerating the masks of this many units

p = sp.Symbol("p", real=True)
h_i, m_i = sp.Symbol("h_{i}", real=True), sp.Symbol("m_{i}", real=True)
INVERTED, STANDARD = r"\tilde{h}_{i}", r"\hat{h}_{i}"


def standard_training(m, h, keep):
    return m * h


def inverted_training(m, h, keep):
    return m * h / keep


def expectation(scheme, h, keep):
    """E over the Bernoulli mask written out: the sum over its two outcomes, weighted by their probabilities."""
    return keep * scheme(1, h, keep) + (1 - keep) * scheme(0, h, keep)


def np_expectation(scheme: str, h: np.ndarray, keep: float) -> np.ndarray:
    """The exact expectation by enumerating all 2^n masks (NumPy), each weighted by its probability."""
    total = np.zeros_like(h)
    for mask in itertools.product((0.0, 1.0), repeat=len(h)):
        m = np.array(mask)
        weight = np.prod(np.where(m == 1, keep, 1 - keep))
        total += weight * (m * h / keep if scheme == "inverted" else m * h)
    return total


def read_example(params):
    keep = read_number(params["p"], "p")
    if not 0 < keep.value <= 1:
        raise ParameterError(f"parameter p is the keep probability and must lie in (0, 1], got {params['p']!r}")
    h = read_vector(params["h"], "h", maximum=MAX_UNITS)
    mask = read_vector(params["mask"], "mask", maximum=MAX_UNITS)
    if len(mask) != len(h):
        raise ParameterError(f"parameter mask has {len(mask)} entries but h has {len(h)}; give one 0 or 1 per unit")
    if any(v.value not in (0, 1) for v in mask):
        raise ParameterError(f"parameter mask must hold only 0 (dropped) and 1 (kept), got {params['mask']!r}")
    return keep, h, mask


def build(**params) -> Derivation:
    params = {**PARAMS, **params}
    keep, h, mask = read_example(params)
    n = len(h)
    h_np, m_np, p_np = (np.array([float(v.value) for v in h]), np.array([float(v.value) for v in mask]),
                        float(keep.value))
    P, H, M = symbol("p", p), symbol("h_{i}", h_i), symbol("m_{i}", m_i)
    one, zero = number(1), number(0)

    def outcomes(write):
        """``p (1 h_i) + (1 - p)(0 h_i)``: the written sum over the mask's two outcomes."""
        return add(mul(P, write(one), dot=True), mul(sub(one, P), write(zero), dot=True))

    standard_sum = outcomes(lambda m: mul(m, H, dot=True))
    inverted_sum = outcomes(lambda m: div(mul(m, H, dot=True), P))
    e_standard = Written(expectation(standard_training, h_i, p), r"\operatorname{E}\left[m_{i} h_{i}\right]")
    e_inverted = Written(expectation(inverted_training, h_i, p), r"\operatorname{E}\left[\frac{m_{i} h_{i}}{p}\right]")
    # The next layer: E[sum_i w_i m_i h_i / p] by enumerating every mask of CHECKED_UNITS units.
    units = range(1, CHECKED_UNITS + 1)
    ws = [sp.Symbol(f"w_{{{u}}}", real=True) for u in units]
    hs = [sp.Symbol(f"h_{{{u}}}", real=True) for u in units]
    enumerated = sp.Add(*(
        sp.Mul(*(p if bit else 1 - p for bit in bits)) * sum(w * bit * x / p for w, bit, x in zip(ws, bits, hs))
        for bits in itertools.product((0, 1), repeat=CHECKED_UNITS)))
    next_layer = Written(enumerated, r"\operatorname{E}\left[\sum_{i=1}^{n} w_{i} \frac{m_{i} h_{i}}{p}\right]")
    weighted = Written(sum(w * x for w, x in zip(ws, hs)), r"\sum_{i=1}^{n} w_{i} h_{i}")

    kept_h = [mul(m, v) for m, v in zip(mask, h)]
    test_h = [mul(keep, v) for v in h]
    inverted_h = [div(mul(m, v), keep) for m, v in zip(mask, h)]
    scale = div(one, keep)
    enumeration = "exact enumeration of the 2^n masks (NumPy)"
    steps = [
        Step(Written(p, r"P\left(m_{i} = 1\right)"), p,
             r"definition: the mask $m_{i} \in \{0, 1\}$ keeps each unit independently with probability $p$, "
             r"so $P(m_{i} = 0) = 1 - p$"),
        Step(sp.Symbol(r"\tilde{h}_{i}"), written(mul(M, H)), "definition: standard dropout in training"),
        Step(e_standard, written(standard_sum), r"expectation over the mask: the sum over its two outcomes",
             check=Identity()),
        Step(e_standard, written(mul(P, H)), "the dropped outcome contributes nothing", check=Identity()),
        Step(Written(expectation(standard_training, h_i, p), STANDARD), Written(p * h_i, r"p h_{i}"),
             r"standard dropout at test time keeps every unit and multiplies by $p$ (equivalently the outgoing "
             r"weights by $p$), which matches the training expectation",
             check=Identity()),
        Step(sp.Symbol(r"\tilde{h}_{i}"), written(div(mul(M, H), P)),
             r"definition: inverted dropout in training divides the kept units by $p$"),
        Step(e_inverted, written(inverted_sum), "expectation over the mask: the sum over its two outcomes",
             check=Identity()),
        Step(e_inverted, Written(h_i, "h_{i}"), r"$p \cdot \frac{1}{p} = 1$: the expectation is the activation",
             check=Identity()),
        Step(Written(h_i, "h_{i}"), Written(expectation(inverted_training, h_i, p),
                                                   r"\operatorname{E}\left[\tilde{h}_{i}\right]"),
             "inverted dropout at test time uses the activations unchanged: they are already the training expectation",
             check=Identity()),
        Step(next_layer, weighted,
             f"linearity of expectation: the next layer's expected input is unchanged (checked by enumerating "
             f"all masks of $n = {CHECKED_UNITS}$ units)", check=Identity()),
        Step(named(r"m \odot h"), written(evaluated(matrix(kept_h))),
             rf"example, $p = {keep.tex}$: standard dropout in training with the mask $m = {matrix(mask).tex}$",
             check=Computed(lambda: m_np * h_np, "NumPy")),
        Step(named("p h"), written(evaluated(matrix(test_h))), "standard dropout at test time",
             check=Computed(lambda: p_np * h_np, "NumPy")),
        Step(named(r"\operatorname{E}\left[m \odot h\right]"),
             written(then(symbol("p h"), sp.ImmutableMatrix([t.value for t in test_h]))),
             "the same as the expectation in training over all masks",
             check=Computed(lambda: np_expectation("standard", h_np, p_np), enumeration)),
        Step(named(r"\frac{1}{p}"), written(evaluated(scale)), "inverted dropout's scale",
             check=Computed(lambda: 1 / p_np, "NumPy")),
        Step(named(r"\frac{m \odot h}{p}"), written(evaluated(matrix(inverted_h))),
             "inverted dropout in training with the same mask", check=Computed(lambda: m_np * h_np / p_np, "NumPy")),
        Step(named(r"\operatorname{E}\left[\frac{m \odot h}{p}\right]"),
             written(then(symbol("h"), sp.ImmutableMatrix([v.value for v in h]))),
             "its expectation over all masks is $h$ itself",
             check=Computed(lambda: np_expectation("inverted", h_np, p_np), enumeration)),
    ]
    results = {INVERTED: m_i * h_i / p, STANDARD: p * h_i}
    for u in range(n):
        results[rf"\tilde{{h}}_{{{u + 1}}}"] = inverted_h[u].value
        results[rf"\hat{{h}}_{{{u + 1}}}"] = test_h[u].value
    result_checks = {
        INVERTED: ExpectationOf(inverted_training),
        STANDARD: MatchesTraining(),
        **{rf"\tilde{{h}}_{{{u + 1}}}": Computed(lambda u=u: m_np[u] * h_np[u] / p_np, "NumPy") for u in range(n)},
        **{rf"\hat{{h}}_{{{u + 1}}}": Computed(lambda u=u: p_np * h_np[u], "NumPy") for u in range(n)},
    }
    return Derivation(
        name=NAME,
        title="Dropout: standard versus inverted scaling",
        summary=SUMMARY,
        statement=(
            r"Dropout multiplies each activation $h_{i}$ in training by a random mask $m_{i}$ that keeps the unit "
            r"with probability $p$. Standard dropout uses $m_{i} h_{i}$ in training and scales by $p$ at test time; "
            r"inverted dropout uses $\tilde{h}_{i} = m_{i} h_{i} / p$ in training and the plain $h_{i}$ at test time. "
            r"Show why both keep the expected activation, and work an example with "
            rf"$p = {keep.tex}$, $h = {matrix(h).tex}$ and the mask $m = {matrix(mask).tex}$. "
            r"In the results, $\tilde{h}$ is inverted dropout in training and $\hat{h}$ standard dropout at test time."
        ),
        steps=tuple(steps),
        results=results,
        assumptions=(r"the mask entries are independent Bernoulli variables: $P(m_{i} = 1) = p$, $0 < p \le 1$",
                     r"$\operatorname{E}$ is the expectation over the mask, with the activations held fixed"),
        params=params,
        result_checks=result_checks,
    )


def named(tex: str) -> Written:
    """A step's left side that is only a name."""
    return Written(sp.Symbol(tex), tex)


@dataclass(frozen=True)
class ExpectationOf:
    """The claimed training activation, averaged over the mask's two outcomes, gives back ``h_i``."""

    scheme: Any

    def run(self, label, lhs, rhs, derivation, seed):
        averaged = p * rhs.xreplace({m_i: 1}) + (1 - p) * rhs.xreplace({m_i: 0})
        return Identity().run(label, averaged, h_i, derivation, seed)


@dataclass(frozen=True)
class MatchesTraining:
    """The claimed test-time activation equals standard dropout's expected training activation ``E[m_i h_i]``."""

    def run(self, label, lhs, rhs, derivation, seed):
        return Identity().run(label, expectation(standard_training, h_i, p), rhs, derivation, seed)
