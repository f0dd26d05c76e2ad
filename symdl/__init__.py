"""symdl: derive, render and verify the mathematics of deep learning.

The names below load on first use, so ``import symdl`` (and the command line's start) stays quick.
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "Derivation": "symdl.derivation", "Step": "symdl.derivation", "Graph": "symdl.graph",
    "relu": "symdl.functions", "sigmoid": "symdl.functions", "sigmoid_prime": "symdl.functions",
    "step": "symdl.functions", "to_latex": "symdl.latex", "Computed": "symdl.verify",
    "Gradient": "symdl.verify", "Identity": "symdl.verify", "verify": "symdl.verify",
    "derive_expression": "symdl.expr.derive",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'symdl' has no attribute {name!r}")
