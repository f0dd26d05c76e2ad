"""The activations of deep learning as real SymPy functions.

Each one differentiates (``fdiff``), rewrites to ``exp`` or ``Piecewise`` so that SymPy's own
simplifier can reason about it, evaluates at numbers, and prints in course notation.
"""

from __future__ import annotations

import math

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction


class sigmoid(sp.Function):
    r"""The logistic sigmoid :math:`\sigma(a) = 1/(1+e^{-a})`."""

    @classmethod
    def eval(cls, a):
        if a.is_Number and a.is_zero:
            return sp.S.Half
        if a.is_Float:
            return 1 / (1 + sp.exp(-a))
        return None

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, a, **kwargs):
        return 1 / (1 + sp.exp(-a))

    def _eval_rewrite_as_tanh(self, a, **kwargs):
        return (1 + sp.tanh(a / 2)) / 2

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return True if self.args[0].is_real else None

    def _latex(self, printer, exp=None):
        body = rf"\sigma\left({printer._print(self.args[0])}\right)"
        return rf"{body}^{{{exp}}}" if exp else body


class sigmoid_prime(sp.Function):
    r"""The derivative of the sigmoid, written :math:`\sigma'(a)`; equals σ(a)(1−σ(a))."""

    @classmethod
    def eval(cls, a):
        if a.is_Number:
            s = sigmoid(a)
            return s * (1 - s)
        return None

    def fdiff(self, argindex=1):
        a = self.args[0]
        return sigmoid_prime(a) * (1 - 2 * sigmoid(a))

    def _eval_rewrite_as_sigmoid(self, a, **kwargs):
        return sigmoid(a) * (1 - sigmoid(a))

    def _eval_rewrite_as_exp(self, a, **kwargs):
        return sp.exp(-a) / (1 + sp.exp(-a)) ** 2

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        body = rf"\sigma'\left({printer._print(self.args[0])}\right)"
        return rf"{body}^{{{exp}}}" if exp else body


class step(sp.Function):
    r"""The derivative of ReLU, :math:`\mathbb{1}[a>0]`: 1 for a > 0 and 0 otherwise.

    Unlike SymPy's ``Heaviside`` it is 0 at 0, the convention of every deep-learning library.
    """

    @classmethod
    def eval(cls, a):
        if not a.is_Atom:  # asking assumptions of a large expression is slow
            return None
        if a.is_positive:
            return sp.S.One
        if a.is_nonpositive:
            return sp.S.Zero
        return None

    def fdiff(self, argindex=1):
        return sp.S.Zero  # almost everywhere

    def _eval_rewrite_as_Piecewise(self, a, **kwargs):
        return sp.Piecewise((1, a > 0), (0, True))

    def _eval_rewrite_as_Heaviside(self, a, **kwargs):
        return sp.Heaviside(a, 0)

    def _eval_is_real(self):
        return True

    def _eval_is_nonnegative(self):
        return True

    def _latex(self, printer, exp=None):
        body = rf"\mathbb{{1}}\left[{printer._print(self.args[0])}>0\right]"
        return rf"{body}^{{{exp}}}" if exp else body


class relu(sp.Function):
    r"""The rectified linear unit :math:`\operatorname{ReLU}(a) = \max(0, a)`."""

    @classmethod
    def eval(cls, a):
        if not a.is_Atom:  # asking assumptions of a large expression is slow
            return None
        if a.is_nonnegative:
            return a
        if a.is_nonpositive:
            return sp.S.Zero
        return None

    def fdiff(self, argindex=1):
        return step(self.args[0])

    def _eval_rewrite_as_Piecewise(self, a, **kwargs):
        return sp.Piecewise((a, a > 0), (0, True))

    def _eval_rewrite_as_Max(self, a, **kwargs):
        return sp.Max(0, a)

    def _eval_rewrite_as_exp(self, a, **kwargs):
        return sp.Max(0, a)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_nonnegative(self):
        return True if self.args[0].is_real else None

    def _latex(self, printer, exp=None):
        body = rf"\operatorname{{ReLU}}\left({printer._print(self.args[0])}\right)"
        return rf"{body}^{{{exp}}}" if exp else body


class scalar(sp.Function):
    """A 1x1 matrix expression (a quadratic form) taken as the number it is; prints as the form."""

    nargs = 1
    is_commutative = True

    @classmethod
    def eval(cls, m):
        if isinstance(m, sp.MatrixBase):
            return m[0, 0]
        return None

    def _eval_derivative(self, s):
        inner = self.args[0].doit()
        return inner[0, 0].diff(s) if isinstance(inner, sp.MatrixBase) else scalar(inner.diff(s))

    def _latex(self, printer, exp=None):
        body = printer._print(self.args[0])
        return rf"\left({body}\right)^{{{exp}}}" if exp else body

    def _sympystr(self, printer):
        return printer._print(self.args[0])


#: The activations symdl defines, by the name its graphs and printers use.
ACTIVATIONS: dict[str, type[sp.Function]] = {
    "relu": relu,
    "sigmoid": sigmoid,
    "tanh": sp.tanh,
}

#: Local derivative of each activation, as a function of the pre-activation.
DERIVATIVES: dict[type, type[sp.Function] | sp.Lambda] = {
    relu: step,
    sigmoid: sigmoid_prime,
}


def derivative_of(f):
    """The function that is ``f'``: named (σ', 𝟙[·>0]) where symdl has one, a Lambda otherwise."""
    if f in DERIVATIVES:
        return DERIVATIVES[f]
    a = sp.Dummy("a")
    return sp.Lambda(a, sp.diff(f(a), a))


def elementwise(f, x):
    """``f`` applied entry by entry: ``f(x)`` for a scalar, an elementwise map for a matrix."""
    if isinstance(x, sp.MatrixBase):
        return x.applyfunc(f)
    if getattr(x, "is_Matrix", False):
        return ElementwiseApplyFunction(f, x)
    return f(x)


def _np():
    import numpy

    return numpy


def _np_sigmoid(a):
    import numpy as np  # here, not at the top: checking an answer never needs NumPy

    a = np.asarray(a, dtype=float)
    return np.where(a >= 0, 1 / (1 + np.exp(-np.abs(a))), np.exp(-np.abs(a)) / (1 + np.exp(-np.abs(a))))


def _np_factorial(a):
    """n! for real arguments, as Gamma(n + 1): lambdify's default (math.factorial) takes integers only,
    and the checker evaluates an answer's M! at random real points."""
    import numpy as np

    return np.vectorize(lambda v: math.gamma(v + 1.0), otypes=[float])(a)


#: NumPy implementations handed to ``lambdify``; keys are the functions' SymPy names.
NUMPY_IMPLEMENTATIONS = {
    "factorial": _np_factorial,
    "sigmoid": _np_sigmoid,
    "sigmoid_prime": lambda a: _np_sigmoid(a) * (1 - _np_sigmoid(a)),
    "relu": lambda a: _np().maximum(a, 0.0),
    "step": lambda a: _np().where(_np().asarray(a) > 0, 1.0, 0.0),
}
