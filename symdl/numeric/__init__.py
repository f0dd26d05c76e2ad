"""Numbers for symbolic claims, in stages.

* :mod:`~symdl.numeric.compile`: matrix expressions compiled to NumPy array code, evaluated on a
  batch of points at once, cached by structure (up to renaming of symbols).
* :mod:`~symdl.numeric.fd`: derivatives of a compiled function by complex step or central
  differences, every point and every variable in one batch.
* :mod:`~symdl.numeric.points`: seeded random points clear of kinks and poles; relative errors.
* :mod:`~symdl.numeric.instantiate`: the scalar path (matrices of SymPy symbols, sums written out,
  ``lambdify``), for index-form claims and ``symdl verify --deep``.
"""

from symdl.numeric.fd import central_differences
from symdl.numeric.instantiate import (
    Instantiation,
    compile_numeric,
    evaluate_matrices,
    expand_sums,
    free_symbols_of,
    smooth_function,
    substitute_definitions,
)
from symdl.numeric.points import SAFE_MARGIN, PointSampler, evaluate, hazards, relative_error

__all__ = [
    "Instantiation", "PointSampler", "SAFE_MARGIN", "central_differences", "compile_numeric", "evaluate",
    "evaluate_matrices", "expand_sums", "free_symbols_of", "hazards", "relative_error", "smooth_function",
    "substitute_definitions",
]
