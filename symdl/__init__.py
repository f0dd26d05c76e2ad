"""symdl: derive, render and verify the mathematics of deep learning."""

from symdl.derivation import Derivation, Step
from symdl.functions import relu, sigmoid, sigmoid_prime, step
from symdl.graph import Graph
from symdl.latex import to_latex
from symdl.verify import Computed, Gradient, Identity, verify

__version__ = "0.1.0"

__all__ = [
    "Computed", "Derivation", "Step", "Graph", "Gradient", "Identity", "relu", "sigmoid", "sigmoid_prime",
    "step", "to_latex", "verify", "__version__",
]
