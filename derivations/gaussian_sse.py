"""Gaussian noise and the sum-of-squares error: the likelihood, its negative log, and the ML noise estimates."""

import operator
from dataclasses import dataclass, replace
from functools import reduce
from typing import Any, Callable

import sympy as sp
from sympy.matrices.utilities import dotprodsimp

from symdl import Derivation, Gradient, Identity, Step
from symdl.numeric import Instantiation, evaluate_matrices
from symdl.params import positive_int
from symdl.functions import scalar

NAME = "gaussian-sse"
SUMMARY = "y = f(x, w) + Gaussian noise: the NLL is E(w) plus terms free of w; ML estimates of sigma^2 and Sigma"
PARAMS = {"N": 3, "D": 2}
PARAM_HELP = {  # symdl derive NAME --help, symdl list --params
    "N": "the number of observations the one-output sums are checked at",
    "D": "the number of outputs the multivariate claims are checked at",
}

N, D = (sp.Symbol(s, integer=True, positive=True) for s in ("N", "D"))
n = sp.Symbol("n", integer=True)
U = sp.UnevaluatedExpr  # keeps a factor as written; ``doit`` (run before every check) removes it

# One output: scalar targets y_n, inputs x_n, noise epsilon_n.
x, y, eps = sp.IndexedBase("x"), sp.IndexedBase("y"), sp.IndexedBase(r"\epsilon")
w, w_ml = sp.Symbol("w", real=True), sp.Symbol(r"w_{\mathrm{ML}}", real=True)
sigma = sp.Symbol(r"\sigma", positive=True)
variance = sp.Symbol(r"\sigma^{2}", positive=True)  # sigma^2 as a variable of its own, to differentiate by
f = sp.Function("f")
p_y = sp.Symbol(r"p(\mathbf{y} \mid \mathbf{X}, w, \sigma^{2})")

# D outputs: vectors y_n, f_n = f(x_n, w), epsilon_n; noise covariance Sigma.
y_n, f_n, eps_n = (sp.MatrixSymbol(name, D, 1) for name in ("y_{n}", "f_{n}", r"\epsilon_{n}"))
Sigma, S = sp.MatrixSymbol(r"\Sigma", D, D), sp.MatrixSymbol("S", D, D)
p_Y = sp.Symbol(r"p(\mathbf{Y} \mid \mathbf{X}, w, \Sigma)")
E = sp.Function("E")(w)
SPD = frozenset({Sigma.name})

NLL_Y, NLL_y = r"-\ln p(\mathbf{Y} \mid \mathbf{X}, w, \Sigma)", r"-\ln p(\mathbf{y} \mid \mathbf{X}, w, \sigma^{2})"
SIGMA2_ML, SIGMA_ML = r"\sigma^{2}_{\mathrm{ML}}", r"\Sigma_{\mathrm{ML}}"


def at_observation(value) -> dict:
    """Observation ``value``'s vectors for the vectors written with the summation index n."""
    return {n: sp.Integer(value), **{m: sp.MatrixSymbol(m.name.replace("{n}", f"{{{value}}}"), *m.shape)
                                     for m in (y_n, f_n, eps_n)}}


def unroll(expr, sizes: dict):
    """Sums and products over n written term by term, y_{n} becoming y_{1}, y_{2}, ...

    A matrix symbol has no index to substitute, so this must happen before instantiation
    (which would otherwise sum N copies of one random vector).
    """
    if not isinstance(expr, sp.Basic) or not expr.has(sp.Sum, sp.Product):
        return expr

    def write_out(e):
        (_, low, high), body = e.limits[0], e.function
        values = range(int(sp.sympify(low).xreplace(sizes)), int(sp.sympify(high).xreplace(sizes)) + 1)
        terms = [body.xreplace(at_observation(v)) for v in values]
        return reduce(operator.mul if isinstance(e, sp.Product) else operator.add, terms)

    return expr.replace(lambda e: isinstance(e, (sp.Sum, sp.Product)) and e.limits[0][0] == n, write_out)


def explicit_matrices(expr, sizes: dict, spd=frozenset()):
    """Every matrix expression evaluated to an explicit matrix, in one pass from the leaves.

    Matrix symbols become the matrices of symbols that :class:`Instantiation` makes; those named
    in ``spd`` become symmetric with a positive diagonal, and the sampler's guards on their
    log-determinant and square-root determinant keep the determinant positive: for D = 2 that is
    positive definite (for larger D, symmetric and invertible, all the algebra here needs). Simpler
    than Instantiation's A A^T + D I, whose quartic determinant makes every check slow. Inverses
    and determinants are written out by the adjugate; SymPy's own ``doit`` would rebuild the tree
    several times and simplify inside every product and inverse.
    """
    make = Instantiation(sizes=sizes)

    def symmetric(m):
        size = int(m.shape[0])

        def entry(i, j):
            i, j = min(i, j), max(i, j)
            return sp.Symbol(f"{m.name}[{i},{j}]", positive=True) if i == j else sp.Symbol(f"{m.name}[{i},{j}]", real=True)

        return sp.ImmutableMatrix(size, size, entry)

    def leaf(e):
        if isinstance(e, sp.MatrixSymbol):
            return symmetric(e) if e.name in spd else make.matrix(e)
        if isinstance(e, sp.Identity):
            return sp.eye(int(e.shape[0]))
        if isinstance(e, sp.ZeroMatrix):
            return sp.zeros(*map(int, e.shape))
        return None

    with dotprodsimp(False):
        return evaluate_matrices(expr.xreplace(sizes), leaf)


@dataclass(frozen=True)
class Concrete:
    """Checks a claim with its sums over observations written out, at one or several sizes.

    ``lhs`` replaces the step's left side (a result has only its name), or maps the claimed
    right side to the left side compared; ``rhs`` maps the (written-out) claimed right side to
    the right side compared; ``at`` lists the sizes to check at (an Identity only: the values at
    every size are compared together); with ``explicit`` the matrices are made concrete here
    (``spd``: those made symmetric positive definite), so that their inverses are cheap.
    """

    check: Any
    lhs: Any = None
    rhs: Callable | None = None
    at: tuple = ()
    explicit: bool = True
    spd: frozenset = frozenset()

    def run(self, label, lhs, rhs, derivation, seed):
        with dotprodsimp(False):  # SymPy simplifies inside every matrix product otherwise: slow, and not needed
            return self._run(label, lhs, rhs, derivation, seed)

    def _run(self, label, lhs, rhs, derivation, seed):
        every = self.at or (dict(derivation.sizes),)
        pairs = []
        for sizes in every:
            claim = unroll(rhs, sizes)
            left = lhs if self.lhs is None else self.lhs if isinstance(self.lhs, sp.Basic) else self.lhs(claim)
            right = claim if self.rhs is None else self.rhs(claim)
            pairs.append([e if isinstance(e, str) else unroll(e, sizes) for e in (left, right)])
        key = (repr(self.check), self.spd, self.explicit, tuple(map(tuple, pairs)), seed, derivation.name,
               tuple(tuple(sorted((str(k), v) for k, v in sizes.items())) for sizes in every))
        if key not in _SEEN:  # results repeat steps: the same comparison is run once
            formed = [[self._form(e, sizes, derivation) for e in pair] for pair, sizes in zip(pairs, every)]
            if len(formed) == 1:
                left, right = formed[0]
            else:  # an Identity at several sizes: one comparison of the stacked values, one compile
                left, right = (sp.ImmutableMatrix([v for pair in formed for v in _entries(pair[side])]) for side in (0, 1))
            local = replace(derivation, sizes=every[-1], definitions={})  # all put in already
            _SEEN[key] = self.check.run(label, left, right, local, seed)
        return [replace(r, step=label) for r in _SEEN[key]]

    def _form(self, expr, sizes, derivation):
        if isinstance(expr, str):  # a Gradient's step has only a name on the left
            return expr
        expr = _define(expr, derivation.definitions, sizes)
        return explicit_matrices(expr, sizes, self.spd) if self.explicit else expr


def _entries(value) -> list:
    return list(value) if isinstance(value, sp.MatrixBase) else [value]


_UNROLLED: dict = {}
_SEEN: dict = {}


def _define(expr, definitions, sizes):
    """``expr`` with the definitions it uses put in, their sums written out (each once per sizes)."""
    for _ in range(16):
        used = [k for k in definitions if expr.has(k)]
        if not used:
            return expr
        values = {}
        for k in used:
            key = (id(definitions), k, tuple(sorted((str(s), v) for s, v in sizes.items())))
            if key not in _UNROLLED:
                _UNROLLED[key] = (definitions, unroll(definitions[k], sizes))  # holds the object: ids stay unique
            values[k] = _UNROLLED[key][1]
        expr = expr.xreplace(values)
    raise RecursionError("definitions refer to each other in a cycle")


def gaussian(value, mean, var):
    """N(value | mean, var), one dimension."""
    return sp.exp(-(mean - value) ** 2 / (2 * var)) / sp.sqrt(U(2 * sp.pi * var))


def quadratic(v, middle=None):
    """v^T middle v as a number (middle = identity when None)."""
    return scalar(sp.MatMul(sp.Transpose(v), middle, v) if middle is not None else sp.MatMul(sp.Transpose(v), v))


def build(**params) -> Derivation:
    params = {**PARAMS, **params}
    sizes = {N: positive_int(params, "N", maximum=16), D: positive_int(params, "D", maximum=4)}
    several_n = tuple({**sizes, N: value} for value in sorted({1, sizes[N]}))
    # The D-output claims are checked at N = 2 (still telling N from 1): their expressions grow fast.
    pair = ({**sizes, N: min(2, sizes[N])},)

    # One output.
    residual = f(x[n], w) - y[n]
    squares = sp.Sum(residual**2, (n, 1, N))
    likelihood = sp.Product(gaussian(y[n], f(x[n], w), sigma**2), (n, 1, N))
    log_sum = -sp.Sum(sp.log(gaussian(y[n], f(x[n], w), sigma**2)), (n, 1, N))
    nll = squares / (2 * sigma**2) + N / 2 * sp.log(sigma**2) + N / 2 * sp.log(2 * sp.pi)
    nll_of_variance = nll.xreplace({sigma: sp.sqrt(variance)})
    by_variance = -squares / (2 * sigma**4) + N / (2 * sigma**2)
    sigma2_ml = sp.Sum((f(x[n], w_ml) - y[n]) ** 2, (n, 1, N)) / N

    def stationary_in_variance(estimate):
        """d(-ln p)/d(sigma^2) at w = w_ML and sigma^2 = estimate, differentiated here from the NLL."""
        return sp.diff(nll_of_variance.xreplace({w: w_ml}), variance).xreplace({variance: estimate})

    # D outputs.
    r_n = f_n - y_n
    density = sp.exp(-quadratic(r_n, sp.Inverse(Sigma)) / 2) / ((2 * sp.pi) ** (D / 2) * sp.sqrt(sp.Determinant(Sigma)))
    likelihood_vec = sp.Product(density, (n, 1, N))
    log_sum_vec = -sp.Sum(sp.log(density), (n, 1, N))
    error = sp.Sum(quadratic(r_n, sp.Inverse(Sigma)), (n, 1, N)) / 2
    constant = N / 2 * sp.log(sp.Determinant(Sigma)) + N * D / 2 * sp.log(2 * sp.pi)
    nll_vec = error + constant
    isotropic = sp.Sum(quadratic(r_n), (n, 1, N)) / (2 * sigma**2)
    scatter = sp.Sum(sp.MatMul(r_n, sp.Transpose(r_n)), (n, 1, N))
    gradient_general = sp.Rational(1, 2) * sp.MatMul(sp.Inverse(Sigma.T), N * Sigma.T - S, sp.Inverse(Sigma.T))
    gradient = sp.Rational(1, 2) * sp.MatMul(sp.Inverse(Sigma), N * Sigma - S, sp.Inverse(Sigma))
    sigma_ml = scatter / N

    # A claim -ln p = c is checked as p e^{c} = 1: the likelihood is tiny, too close to 0 for the
    # sampler to take its logarithm, and e^{c} is exactly 1/p when the claim is right. Later
    # forms of the NLL are checked against the sum of logs, whose terms are of moderate size.
    def times_exp(p):
        return lambda claim: p * sp.exp(claim)

    def one(claim):
        return sp.S.One

    nll_y_check = Concrete(Identity(), lhs=log_sum, at=several_n)
    nll_vec_check = Concrete(Identity(), spd=SPD, lhs=log_sum_vec, at=pair)
    # The step "-ln p - E(w) = constant" and the result E(w) come to the same comparison.
    error_check = Concrete(Identity(), spd=SPD, lhs=log_sum_vec - constant, at=pair)
    constant_check = Concrete(Identity(), spd=SPD, lhs=lambda claim: log_sum_vec - claim, rhs=lambda claim: error, at=pair)
    sigma2_ml_check = Concrete(Identity(), lhs=sp.S.Zero, rhs=stationary_in_variance)
    sigma_ml_check = Concrete(Identity(), lhs=sp.ZeroMatrix(D, D), rhs=lambda claim: gradient.xreplace({Sigma: claim}))
    steps = [
        Step(y[n], f(x[n], w) + eps[n], r"model: $\epsilon_{n} \sim \mathcal{N}(0, \sigma^{2})$, independent"),
        Step(sp.Symbol(r"p(y_{n} \mid x_{n}, w, \sigma^{2})"), gaussian(y[n], f(x[n], w), sigma**2),
             r"$y_{n}$ is $f(x_{n}, w)$ plus Gaussian noise"),
        Step(p_y, likelihood, "independent observations: the likelihood is a product"),
        Step(-sp.log(p_y), log_sum, "the log of a product is the sum of the logs",
             check=Concrete(Identity(), lhs=times_exp(p_y), rhs=one, at=several_n)),
        Step(-sp.log(p_y), nll, "log of each Gaussian density", check=nll_y_check),
        Step(r"\frac{\partial}{\partial w}\left(-\ln p(\mathbf{y} \mid \mathbf{X}, w, \sigma^{2}) - "
             r"\frac{1}{2\sigma^{2}} \sum_{n=1}^{N} \left(f(x_{n},w) - y_{n}\right)^{2}\right)", sp.S.Zero,
             "the other terms do not involve $w$: minimising the NLL over $w$ minimises the sum of squares",
             # on the form of the NLL just checked against -ln p
             check=Concrete(Gradient(unroll(nll - squares / (2 * sigma**2), sizes), w))),
        Step(sp.Symbol(r"\frac{\partial (-\ln p)}{\partial \sigma^{2}}"), by_variance,
             r"differentiate with respect to $\sigma^{2}$",
             check=Concrete(Gradient(nll_of_variance, variance),
                            rhs=lambda claim: claim.xreplace({sigma: sp.sqrt(variance)}))),
        Step(sp.Symbol(SIGMA2_ML), sigma2_ml,
             r"set to zero at $w = w_{\mathrm{ML}}$, the minimiser of the sum of squares, and solve for $\sigma^{2}$",
             check=sigma2_ml_check),
        # D outputs
        Step(y_n, f_n + eps_n, r"model: $f_{n} = f(x_{n}, w) \in \mathbb{R}^{D}$, "
                                r"$\epsilon_{n} \sim \mathcal{N}(0, \Sigma)$, independent"),
        Step(p_Y, likelihood_vec, "independent observations, each a multivariate Gaussian"),
        Step(-sp.log(p_Y), nll_vec, r"log of the product of densities; $\ln |\Sigma|$ is the log-determinant",
             check=nll_vec_check),
        Step(E, error, "definition: the error function"),
        Step(r"-\ln p(\mathbf{Y} \mid \mathbf{X}, w, \Sigma) - E(w)", constant,
             "free of $w$: minimising the NLL over $w$ is minimising $E(w)$",
             check=constant_check),
        Step(r"E(w) \big|_{\Sigma = \sigma^{2} I}", isotropic,
             r"$\Sigma^{-1} = I / \sigma^{2}$: the sum of squares (for $D = 1$, the one-output case)",
             check=Concrete(Identity(), lhs=error.xreplace({Sigma: sigma**2 * sp.Identity(D)}))),
        Step(S, scatter, "definition: the scatter of the residuals"),
        Step(sp.Symbol(r"\frac{\partial (-\ln p)}{\partial \Sigma}"), gradient_general,
             r"$\partial \ln|\Sigma| / \partial \Sigma = \Sigma^{-\top}$ and "
             r"$\partial (r^{\top} \Sigma^{-1} r) / \partial \Sigma = -\Sigma^{-\top} r r^{\top} \Sigma^{-\top}$",
             check=Concrete(Gradient(explicit_matrices(unroll(nll_vec, pair[0]), pair[0]), Sigma), at=pair)),
        Step(sp.Symbol(r"\frac{\partial (-\ln p)}{\partial \Sigma}"), gradient, r"$\Sigma$ is symmetric",
             check=Concrete(Identity(), spd=SPD, lhs=gradient_general, at=pair)),
        Step(sp.Symbol(SIGMA_ML), sigma_ml, r"set to zero: $N \Sigma = S$", check=sigma_ml_check),
    ]
    results = {
        NLL_y: nll,
        NLL_Y: nll_vec,
        "E(w)": error,
        SIGMA2_ML: sigma2_ml,
        SIGMA_ML: sigma_ml,
    }
    result_checks = {
        NLL_y: nll_y_check,
        NLL_Y: nll_vec_check,
        "E(w)": error_check,
        SIGMA2_ML: sigma2_ml_check,
        SIGMA_ML: sigma_ml_check,
    }
    return Derivation(
        name=NAME,
        title="Gaussian noise and the sum-of-squares error",
        summary=SUMMARY,
        statement=(
            r"Targets are a deterministic function plus Gaussian noise: $y_{n} = f(x_{n}, w) + \epsilon_{n}$ "
            r"with $\epsilon_{n} \sim \mathcal{N}(0, \sigma^{2})$ for one output and "
            r"$\epsilon_{n} \sim \mathcal{N}(0, \Sigma)$ for $D$ outputs, independent over $n = 1, \dots, N$. "
            r"The negative log-likelihood is $E(w) = \frac{1}{2} \sum_{n} (f_{n} - y_{n})^{\top} \Sigma^{-1} "
            r"(f_{n} - y_{n})$ plus terms that do not involve $w$, so maximum likelihood for $w$ is least "
            r"squares (weighted by $\Sigma^{-1}$; plain sums of squares when $\Sigma = \sigma^{2} I$). Setting "
            r"the derivatives in $\sigma^{2}$ and $\Sigma$ to zero gives the maximum-likelihood noise: "
            r"the mean squared residual and the mean residual outer product at $w_{\mathrm{ML}}$. "
            f"One-output sums are checked at $N = {', '.join(str(s[N]) for s in several_n)}$ observations; "
            f"the claims for $D$ outputs at $N = {pair[0][N]}$ and $D = {sizes[D]}$."
        ),
        steps=tuple(steps),
        results=results,
        definitions={p_y: likelihood, p_Y: likelihood_vec, E: error, S: scatter},
        assumptions=(r"$\sigma > 0$ and $\Sigma$ symmetric positive definite",
                     r"$f_{n}$ stands for $f(x_{n}, w)$; in $\Sigma_{\mathrm{ML}}$ it is taken at $w_{\mathrm{ML}}$",
                     r"$\ln$ is the natural logarithm"),
        params=params,
        matrices={m.name: m.shape for m in (y_n, f_n, eps_n, Sigma, S)},
        indexed={"x": 1, "y": 1, r"\epsilon": 1},
        sizes=sizes,
        result_checks=result_checks,
    )
