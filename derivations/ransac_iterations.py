r"""RANSAC: the number of iterations N = ceil(log(1 - p) / log(1 - (1 - e)^s)).

Parameters: ``s``, the matches per sample (Sheet D.1: an affine transformation has 6 parameters and
each point pair gives 2 equations, so s = 3); ``e``, the fraction of outliers (0.5); ``p``, the
confidence wanted (0.95). ``e`` and ``p`` may be decimals or fractions (``1/2``).
Result: ``N`` (23 at the sheet's data).
"""

import math
import operator
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

from symdl import Computed, Derivation, Step
from symdl.errors import ParameterError
from symdl.numeric import relative_error
from symdl.verify import CheckResult
from symdl.worked import I, Written

NAME = "ransac-iterations"
SUMMARY = "RANSAC iterations N = ceil(log(1-p) / log(1-(1-e)^s)) for confidence p, outlier fraction e, sample size s"
PARAMS = {"s": 3, "e": 0.5, "p": 0.95}
PARAM_HELP = {  # symdl derive NAME --help, symdl list --params
    "s": "the matches per sample",
    "e": "the fraction of outliers",
    "p": "the confidence wanted",
}
MAX_ITERATIONS = 10**6
EXACT_UP_TO = 2000  # the direct loop runs in exact integers up to here, in floats beyond



# --- parameters ----------------------------------------------------------------------------------


def _fraction(name, value) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ParameterError(f"parameter {name} must be a number between 0 and 1, got {value!r}")
    try:
        fraction = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise ParameterError(f"parameter {name} must be a number between 0 and 1, got {value!r}") from None
    if not 0 < fraction < 1:
        raise ParameterError(f"parameter {name} must be strictly between 0 and 1, got {value}")
    return fraction


def read(params: dict) -> tuple[int, Fraction, Fraction]:
    p = {**PARAMS, **params}
    s = p["s"]
    if isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= 100:
        raise ParameterError(f"parameter s (matches per sample) must be an integer from 1 to 100, got {s!r}")
    e, conf = _fraction("e", p["e"]), _fraction("p", p["p"])
    estimate = math.log(1 - conf) / math.log1p(-float((1 - e) ** s)) if (1 - e) ** s > 1e-300 else math.inf
    if estimate > MAX_ITERATIONS:
        raise ParameterError(f"parameters e = {p['e']} and s = {s} need about {estimate:.3g} iterations; "
                             f"symdl counts up to {MAX_ITERATIONS}")
    return s, e, conf


# --- the count, exactly, and the independent direct loop -----------------------------------------


def _reaches(n: int, w: Fraction, conf: Fraction) -> bool:
    """1 - (1 - w)^n >= p, exactly: (1 - w)^n <= 1 - p with integers only."""
    q, r = 1 - w, 1 - conf
    return q.numerator ** n * r.denominator <= r.numerator * q.denominator ** n


def iterations(s: int, e: Fraction, conf: Fraction) -> int:
    """The smallest N with 1 - (1 - (1-e)^s)^N >= p: the closed form in 60-digit arithmetic.

    Only when log(1 - p) / log(1 - w) is an integer (to 40 digits) is the tie settled exactly; then
    (1 - w)^N = 1 - p holds in fractions, which bounds N by the digits of p, so the powers are small.
    """
    w = (1 - e) ** s
    with mpmath.workdps(60):
        ratio = mpmath.log(_mpf(1 - conf)) / mpmath.log(_mpf(1 - w))
        nearest = int(mpmath.nint(ratio))
        if abs(ratio - nearest) > mpmath.mpf(10) ** -40:
            return max(1, int(mpmath.ceil(ratio)))
    n = max(1, nearest - 1)
    while not _reaches(n, w, conf):
        n += 1
    return n


def _mpf(x: Fraction):
    return mpmath.mpf(x.numerator) / x.denominator


def direct_loop(s, e, conf) -> int:
    """Draw samples one at a time until the chance of having seen a clean one reaches p.

    Exact (integer numerators and denominators) for up to EXACT_UP_TO samples, in floats beyond.
    """
    e, conf = Fraction(e), Fraction(conf)
    q = 1 - (1 - e) ** s  # the chance that one sample contains an outlier
    if math.log(1 - conf) / math.log(float(q)) <= EXACT_UP_TO:
        r = 1 - conf
        num, den, n = 1, 1, 0  # the chance that all n samples so far failed, num / den
        while num * r.denominator > r.numerator * den:
            num, den, n = num * q.numerator, den * q.denominator, n + 1
        return n
    fail, n, target = 1.0, 0, float(conf)
    while 1 - fail < target:
        fail *= float(q)
        n += 1
    return n


@dataclass(frozen=True)
class SameSolutions:
    """The step's inequality holds at exactly the points where ``before`` holds (random w, p in (0, 1), N > 0)."""

    before: tuple  # (lhs, relation, rhs)
    relation: str  # the step's own relation
    variables: tuple
    points: int = 400
    method: str = "same truth value at random points"

    def run(self, label, lhs, rhs, derivation, seed):
        ops = {r"\leq": operator.le, r"\geq": operator.ge}
        rng = np.random.default_rng(seed)
        values = {v: rng.uniform(0.01, 0.99, self.points) for v in self.variables}
        values[sp.Symbol("N", positive=True)] = rng.uniform(0.0, 60.0, self.points)
        symbols = list(values)
        before = [sp.lambdify(symbols, side, "numpy") for side in (self.before[0], self.before[2])]
        after = [sp.lambdify(symbols, side, "numpy") for side in (lhs, rhs)]
        args = [values[v] for v in symbols]
        held = ops[self.before[1]](before[0](*args), before[1](*args))
        holds = ops[self.relation](after[0](*args), after[1](*args))
        mismatches = int(np.sum(held != holds))
        ok = mismatches == 0 and held.any() and not held.all()
        return [CheckResult(label, self.method, mismatches / self.points, self.points, seed, ok,
                            "" if ok else f"{mismatches} of {self.points} points disagree")]


@dataclass(frozen=True)
class AgainstLoop:
    """A formula in e, s, p against the direct loop at seeded random sample sizes, outlier fractions and confidences."""

    e: sp.Symbol
    s: sp.Symbol
    p: sp.Symbol
    points: int = 10
    method: str = "direct loop at random e, s, p"

    def run(self, label, lhs, rhs, derivation, seed):
        rng = np.random.default_rng(seed)
        got, want = [], []
        formula = sp.sympify(rhs).doit()
        for _ in range(self.points):
            s = int(rng.integers(1, 7))
            e = Fraction(int(rng.integers(5, 80)), 100)
            conf = Fraction(int(rng.integers(50, 100)), 100)
            value = formula.xreplace({self.e: sp.Rational(e), self.s: I(s), self.p: sp.Rational(conf)})
            got.append(float(value))
            want.append(direct_loop(s, e, conf))
        error = relative_error(got, want)
        ok = error == 0  # counts agree exactly
        return [CheckResult(label, self.method, error, self.points, seed, ok,
                            "" if ok else f"formula {got[:5]} vs loop {want[:5]}")]


# --- the derivation ------------------------------------------------------------------------------


def _decimal(x: Fraction) -> str:
    """0.95 for 19/20; a fraction when the decimal does not terminate."""
    d = x.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d != 1:
        return rf"\frac{{{x.numerator}}}{{{x.denominator}}}"
    text = f"{float(x):.15f}".rstrip("0").rstrip(".")
    return text if Fraction(text) == x else str(x)


def build(**params) -> Derivation:
    s, e, conf = read(params)
    E, P, W = (sp.Symbol(n, positive=True) for n in ("e", "p", "w"))
    S_, N = sp.Symbol("s", positive=True, integer=True), sp.Symbol("N", positive=True)
    w = (1 - e) ** s
    n = iterations(s, e, conf)
    R = sp.Rational
    loop = Computed(lambda: direct_loop(s, e, conf), "direct loop: samples until the chance reaches p", tolerance=0)
    ratio_value = math.log(1 - conf) / math.log1p(-float(w))
    es, ps, ws = _decimal(e), _decimal(conf), _decimal(w)
    steps = [
        Step(W, (1 - E) ** S_, "definition: the chance that a sample of $s$ matches has no outlier, each match "
             "an inlier with probability $1 - e$ independently"),
        Step(r"P_{\text{fail}}", (1 - W) ** N, "definition: the chance that all $N$ samples contain an outlier"),
        Step((1 - W) ** N, 1 - P, "definition of the goal: a clean sample with probability at least $p$",
             relation=r"\leq"),
        Step(N * sp.log(1 - W), sp.log(1 - P), "take logarithms, which keep the order",
             check=SameSolutions(((1 - W) ** N, r"\leq", 1 - P), r"\leq", (W, P)), relation=r"\leq"),
        Step(N, sp.log(1 - P) / sp.log(1 - W), "divide by $\\ln(1 - w) < 0$, which turns the inequality around",
             check=SameSolutions((N * sp.log(1 - W), r"\leq", sp.log(1 - P)), r"\geq", (W, P)), relation=r"\geq"),
        Step(N, Written(sp.ceiling(sp.log(1 - P) / sp.log(1 - (1 - E) ** S_)),
                      r"\left\lceil \frac{\ln(1 - p)}{\ln\left(1 - (1 - e)^{s}\right)} \right\rceil"),
             "the smallest whole number of samples that satisfies it, with $w = (1-e)^{s}$",
             check=AgainstLoop(E, S_, P)),
        Step(W, Written((1 - R(e)) ** s, rf"(1 - {es})^{{{s}}}"),
             f"substitute $e = {es}$, $s = {s}$", check=Computed(lambda: float(w), "exact fractions")),
        Step(W, Written(R(w), ws), "arithmetic", check=Computed(lambda: float(w), "exact fractions")),
        Step(N, Written(sp.ceiling(sp.log(1 - R(conf)) / sp.log(1 - R(w))),
                      rf"\left\lceil \frac{{\ln(1 - {ps})}}{{\ln(1 - {ws})}} \right\rceil"),
             f"substitute $p = {ps}$, $w = {ws}$", check=loop),
        Step(N, Written(sp.ceiling(sp.log(1 - R(conf)) / sp.log(1 - R(w))),
                      rf"\left\lceil {ratio_value:.4f}\ldots \right\rceil"),
             f"the ratio $\\ln({_decimal(1 - conf)}) / \\ln({_decimal(1 - w)})$", check=loop),
        Step(N, I(n), "round up: " + (f"{n - 1} samples are not quite enough" if n > 1 else "one sample is enough"),
             check=loop),
    ]
    return Derivation(
        name=NAME,
        title="The number of RANSAC iterations",
        summary=SUMMARY,
        statement=(f"RANSAC fits a model to samples of $s = {s}$ matches; a fraction $e = {es}$ of the matches are "
                   f"outliers. How many samples $N$ give a probability $p = {ps}$ that at least one sample is free "
                   "of outliers?" + (" (Sheet D.1: an affine transformation has 6 parameters; each point pair "
                                      "gives 2 equations, so a sample is 3 pairs.)" if s == 3 else "")),
        steps=tuple(steps),
        results={"N": I(n)},
        definitions={W: (1 - E) ** S_},
        assumptions=("matches are inliers independently of each other, each with probability $1 - e$",
                     "a sample with no outlier gives the right model"),
        params={"s": s, "e": PARAMS["e"] if "e" not in params else params["e"],
                "p": PARAMS["p"] if "p" not in params else params["p"]},
        result_checks={"N": loop},
    )
