r"""Derive what a course writes: the gradient of any matrix expression, step by step, verified.

``derive_expression(tex, wrt, shapes=None)`` reads ``tex`` in the course dialect (``shapes``: the
names' shapes, inferred and symbolic where not given, :mod:`symdl.expr.shapes`), builds a graph
with one node per operation (:mod:`symdl.expr.build`, rules in :mod:`symdl.ops`), runs reverse
mode, and returns a :class:`~symdl.derivation.Derivation`: the forward definitions, one step per
adjoint with its local rule and its numeric check, and one result per variable in the form a
textbook prints (:mod:`symdl.expr.textbook`), checked against complex-step differences of the
expression itself. The input is read by the dialect's parser only, never evaluated.
"""

from importlib import import_module

__all__ = ["derive_checked", "derive_expression"]


def __getattr__(name: str):  # the parser loads only when a derivation is asked for
    if name in __all__:
        return getattr(import_module("symdl.expr.derive"), name)
    raise AttributeError(f"module 'symdl.expr' has no attribute {name!r}")
