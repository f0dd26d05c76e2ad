"""Derivatives by differences of a compiled function: complex step and central differences, batched."""

from __future__ import annotations

import numpy as np


def central_differences(function, point, indices, h: float = 1e-6) -> np.ndarray:
    """∂f/∂v_k at ``point`` for each k in ``indices``, by central differences, in one batch call."""
    point = np.asarray(point, dtype=float)
    count = len(indices)
    batch = np.repeat(point[:, None], 2 * count, axis=1)
    steps = h * np.maximum(1.0, np.abs(point[indices]))
    for n, k in enumerate(indices):
        batch[k, 2 * n] += steps[n]
        batch[k, 2 * n + 1] -= steps[n]
    with np.errstate(all="ignore"):
        values = np.asarray(function(*batch), dtype=float).reshape(-1)
    if values.size == 1:  # a constant function does not broadcast
        return np.zeros(count)
    return (values[0::2] - values[1::2]) / (2 * steps)


def gradient(program, arrays, slots, batch: int) -> tuple[np.ndarray, str]:
    """∂f/∂(each slot) at every point of the batch: an array ``(batch, len(slots))`` and the method.

    ``program`` computes the scalar ``f`` as its first output from the leaf ``arrays`` (batch axis
    first); a slot ``(leaf, entry)`` is one entry of one leaf (``entry`` in row-major order). Every
    point and every slot is evaluated in one call: by complex step (exact to rounding; needs a
    program whose operations take complex arguments, ``program.analytic``), otherwise by
    central differences.
    """
    if program.analytic:
        return complex_step(program, arrays, slots, batch), "complex step"
    return central(program, arrays, slots, batch), "central differences"


def complex_step(program, arrays, slots, batch: int, h: float = 1e-30) -> np.ndarray:
    """Im f(x + i h e_k) / h for each slot k: no subtraction, so no cancellation, whatever h."""
    count = len(slots)
    if not count:
        return np.zeros((batch, 0))
    copies = _copies(arrays, count, complex)
    for k, (leaf, entry) in enumerate(slots):
        copies[leaf].reshape(batch, count, -1)[:, k, entry] += 1j * h
    values = program(*copies, batch=batch * count)[0]
    return np.imag(values).reshape(batch, count) / h


def central(program, arrays, slots, batch: int, h: float = 1e-6) -> np.ndarray:
    """(f(x + s e_k) − f(x − s e_k)) / 2s for each slot k, with s = h max(1, |x_k|)."""
    count = len(slots)
    if not count:
        return np.zeros((batch, 0))
    copies = _copies(arrays, 2 * count, float)
    steps = np.empty((batch, count))
    for k, (leaf, entry) in enumerate(slots):
        view = copies[leaf].reshape(batch, 2 * count, -1)
        steps[:, k] = h * np.maximum(1.0, np.abs(view[:, 2 * k, entry]))
        view[:, 2 * k, entry] += steps[:, k]
        view[:, 2 * k + 1, entry] -= steps[:, k]
    values = np.real(program(*copies, batch=batch * 2 * count)[0]).reshape(batch, 2 * count)
    return (values[:, 0::2] - values[:, 1::2]) / (2 * steps)


def _copies(arrays, count: int, dtype) -> list[np.ndarray]:
    """Each leaf's batch with every point repeated ``count`` times in a row (point-major)."""
    return [np.repeat(np.asarray(a, dtype=dtype), count, axis=0) for a in arrays]
