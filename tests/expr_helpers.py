"""Helpers of the derive --expr, operation and network tests: a claim's value, and the truth it is
compared with (central differences of a NumPy forward function written in the test)."""

import numpy as np


def compiled_value(expr, sizes, values):
    """``expr`` at ``values`` (by leaf name), compiled by symdl's array compiler."""
    from symdl.numeric.compile import compile_arrays, leaves_of, prepare

    expr = prepare(expr, dict(sizes), 0)
    leaves = leaves_of([expr])
    arrays = [np.asarray(values[leaf.name], dtype=float)[None] for leaf in leaves]
    return np.asarray(compile_arrays([expr], leaves)(*arrays, batch=1)[0][0], dtype=float)


def central(f, values, name, h=1e-6):
    """∂f/∂values[name] by central differences, entry by entry."""
    grad = np.zeros(np.shape(values[name]))
    for index in np.ndindex(*grad.shape):
        plus = {k: np.array(v, dtype=float) for k, v in values.items()}
        minus = {k: np.array(v, dtype=float) for k, v in values.items()}
        plus[name][index] += h
        minus[name][index] -= h
        grad[index] = (f(plus) - f(minus)) / (2 * h)
    return grad
