r"""Convolution layers as matrix expressions: ``X \star K`` (valid cross-correlation, as deep-learning
libraries compute a convolution) and the full convolution its gradient needs.

``Correlate(X, K)[i, j] = Σ_{a,b} K[a, b] X[i + a, j + b]``, of shape ``(H - p + 1) × (W - q + 1)``
for ``X`` H×W and ``K`` p×q; a column ``x`` with a column kernel ``k`` is the 1-D case. Its rules
(``G`` the upstream gradient): ``K`` receives ``X \star G``, ``X`` receives the full convolution
``G * K`` (``ConvolveFull``). Both have array forms in :mod:`symdl.numeric.compile` and entries
for the scalar path.
"""

from __future__ import annotations

import sympy as sp


class _Convolution(sp.MatrixExpr):
    """An input and a kernel; ``SIGN`` their shape rule (-1 valid, +1 full), ``OPERATOR`` the printed
    operator."""

    SIGN = -1
    OPERATOR = r"\star"

    def __new__(cls, x, k):
        return super().__new__(cls, x, k)

    @property
    def shape(self):
        (h, w), (p, q) = self.args[0].shape, self.args[1].shape
        return (h + self.SIGN * (p - 1), w + self.SIGN * (q - 1))

    def _latex(self, printer, exp=None):
        return rf"{_wrapped(printer, self.args[0])} {self.OPERATOR} {_wrapped(printer, self.args[1])}"


class Correlate(_Convolution):
    """Valid cross-correlation of ``X`` with the kernel ``K``."""

    def _entry(self, i, j, **kwargs):
        x, k = self.args
        p, q = (int(d) for d in k.shape)
        return sp.Add(*[k[a, b] * x[i + a, j + b] for a in range(p) for b in range(q)])


class ConvolveFull(_Convolution):
    """Full convolution of ``G`` with the kernel ``K``: ``Σ_{a,b} K[a,b] G[i - a, j - b]``."""

    SIGN = 1
    OPERATOR = r"\ast_{\mathrm{full}}"

    def _entry(self, i, j, **kwargs):
        g, k = self.args
        h, w = (int(d) for d in g.shape)
        p, q = (int(d) for d in k.shape)
        return sp.Add(*[k[a, b] * g[i - a, j - b] for a in range(p) for b in range(q)
                        if 0 <= i - a < h and 0 <= j - b < w])


def _wrapped(printer, e) -> str:
    text = printer._print(e)
    return text if isinstance(e, sp.MatrixSymbol) else rf"\left({text}\right)"


def correlate_arrays(x, k):
    """``Correlate`` on arrays with leading batch axes."""
    import numpy as np

    p, q = k.shape[-2:]
    rows, cols = x.shape[-2] - p + 1, x.shape[-1] - q + 1
    shape = np.broadcast_shapes(x.shape[:-2], k.shape[:-2]) + (rows, cols)
    out = np.zeros(shape, dtype=np.result_type(x, k))
    for a in range(p):
        for b in range(q):
            out = out + k[..., a:a + 1, b:b + 1] * x[..., a:a + rows, b:b + cols]
    return out


def convolve_full_arrays(g, k):
    """``ConvolveFull`` on arrays with leading batch axes."""
    import numpy as np

    p, q = k.shape[-2:]
    rows, cols = g.shape[-2] + p - 1, g.shape[-1] + q - 1
    shape = np.broadcast_shapes(g.shape[:-2], k.shape[:-2]) + (rows, cols)
    out = np.zeros(shape, dtype=np.result_type(g, k))
    for a in range(p):
        for b in range(q):
            out[..., a:a + g.shape[-2], b:b + g.shape[-1]] += k[..., a:a + 1, b:b + 1] * g
    return out
