"""Numeric verification of each step of a derivation.

Two kinds of claim are checked, each at concrete sizes and at seeded random points of its own:

* :class:`Identity`: the two sides are equal as values.
* :class:`Gradient`: the right side is the gradient of a scalar with respect to a variable. The
  truth is the derivative of that scalar itself, by complex step (or central differences) through
  its compiled forward function. SymPy's matrix calculus is never asked: it has returned silently
  wrong zeros. ``verify(…, deep=True)`` (``symdl verify --deep``) adds element-wise ``sympy.diff``
  of the instantiated scalar, a second, symbolic truth.

Both sides are compiled to NumPy array code (:mod:`symdl.numeric.compile`): a matrix product
stays one product, and a check with the structure of one already compiled reuses its function.
What the array path cannot take (an indexed entry with a free index, a claim whose matrices are
written out already) goes by the scalar path: matrices instantiated as matrices of symbols
(:class:`~symdl.numeric.Instantiation`), compiled the same way.
"""

from __future__ import annotations

import itertools
import math
import sys
import types
from contextvars import ContextVar
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from symdl import functions
from symdl.errors import VerificationError
from symdl.numeric import (
    Instantiation,
    PointSampler,
    compile_numeric,
    evaluate,
    free_symbols_of,
    relative_error,
    substitute_definitions,
)
from symdl.numeric.compile import Unsupported, as_leaf, compile_arrays, is_leaf, leaves_of, prepare, shape_of
from symdl.numeric.fd import gradient
from symdl.numeric.instantiate import stable_seed
from symdl.numeric.plans import Plan, planned
from symdl.numeric.points import draw, guarded

#: A check passes when its maximum relative error is at most this (float64).
TOLERANCE = 1e-6
from symdl.defaults import VERIFY_SEED as DEFAULT_SEED  # noqa: E402 - light, for the CLI

#: Whether gradients are also checked against element-wise ``sympy.diff`` (``verify(deep=True)``).
_DEEP = ContextVar("deep", default=False)


@dataclass(frozen=True)
class CheckResult:
    """What one numeric check of one step found."""

    step: str
    method: str
    max_error: float
    points: int
    seed: int
    passed: bool
    detail: str = ""

    def line(self) -> str:
        mark = "ok  " if self.passed else "FAIL"
        return f"{mark} {self.max_error:9.2e}  {self.method:<23} {self.step}" + (
            f"  [{self.detail}]" if self.detail else ""
        )


def _index_assignments(indices) -> list[dict]:
    """Every combination of values of the free indices (``{i: range}``)."""
    if not indices:
        return [{}]
    names = list(indices)
    return [dict(zip(names, combo)) for combo in itertools.product(*(indices[n] for n in names))]


def _either(label, method, seed, run) -> list[CheckResult]:
    """``run(form)`` by the array path; by the scalar path where that cannot take the claim."""
    try:
        return run("arrays")
    except Unsupported:
        pass
    try:
        return run("scalars")
    except Unsupported as exc:
        return [CheckResult(label, method, float("inf"), 0, seed, False,
                            f"cannot be evaluated numerically: {exc}; seed {seed}")]


def _plan(form, kind, exprs, sizes, spd, build) -> tuple[Plan, list | None]:
    """On the array path, the plan kept for checks of this structure (or a new one); on the scalar
    path, a new one."""
    if form == "arrays":
        return planned(kind, exprs, sizes, spd, build)
    return build(), None


def _former(form, sizes, seed, spd=frozenset()):
    """The function that makes one expression concrete on the given path."""
    if form == "arrays":
        return lambda e: prepare(e, sizes, seed)
    instantiation = Instantiation(sizes=sizes, seed=seed, spd=spd)
    return instantiation.explicit


def _not_mixed(form, exprs) -> None:
    """Matrices written out already (``W[0,1]``) beside the same matrix as a symbol: only the scalar
    path draws one value for both."""
    if form != "arrays":
        return
    leaves = leaves_of(exprs)
    matrices = {leaf.name for leaf in leaves if isinstance(leaf, sp.MatrixSymbol)}
    if any(isinstance(leaf, sp.Symbol) and leaf.name.split("[")[0] in matrices for leaf in leaves):
        raise Unsupported("matrices written out beside matrix symbols")


def _spd(form, spd, plan, names) -> frozenset:
    """The plan's names of the matrices drawn symmetric positive definite (the scalar path has made
    them so already); a plan kept from another check names them as that check did."""
    if form != "arrays":
        return frozenset()
    if names is None:
        return frozenset(spd)
    return frozenset(own.name for own, written in zip(plan.guarded.leaves, names) if getattr(written, "name", None) in spd)


def _points_rng(seed, label):
    """Each step at points of its own, the same on every run with the same seed."""
    return np.random.default_rng(stable_seed("points", seed, label))


def _worst(label, method, errors, sample, seed) -> list[CheckResult]:
    worst = int(np.argmax(errors))
    passed = errors[worst] <= TOLERANCE
    return [CheckResult(label, method, errors[worst], len(errors), seed, passed,
                        "" if passed else f"seed {seed}; point {sample.point(worst)}")]


@dataclass(frozen=True)
class Identity:
    """The step claims ``lhs = rhs`` for every value of its symbols (and free indices)."""

    sizes: dict | None = None
    indices: dict = field(default_factory=dict)
    points: int = 5
    spd: frozenset = frozenset()

    def run(self, label, lhs, rhs, derivation, seed) -> list[CheckResult]:
        sizes = dict(derivation.sizes) if self.sizes is None else self.sizes
        assignments = _index_assignments(_resolve(self.indices, sizes))
        sides = [substitute_definitions(side.xreplace(assignment), derivation.definitions)
                 for assignment in assignments for side in (lhs, rhs)]

        def run(form):
            def build():
                concrete = _former(form, sizes, seed, self.spd)
                prepared = [concrete(side) for side in sides]
                _not_mixed(form, prepared)
                return Plan(guarded(prepared))

            plan, names = _plan(form, "identity", sides, sizes, self.spd, build)
            shapes = plan.guarded.program.shapes
            for assignment, a, b in zip(assignments, shapes[0::2], shapes[1::2]):
                if math.prod(a) != math.prod(b):
                    return [CheckResult(label, "values at random points", float("inf"), 0, seed, False,
                                        f"the two sides have different shapes ({_where(assignment, seed)})")]
            sample = draw(plan.guarded, self.points, _points_rng(seed, label), spd=_spd(form, self.spd, plan, names),
                          names=names)
            left, right = sample.values[0::2], sample.values[1::2]
            errors = [relative_error(_flat(left, k), _flat(right, k)) for k in range(self.points)]
            return _worst(label, "values at random points", errors, sample, seed)

        return _either(label, "values at random points", seed, run)


@dataclass(frozen=True)
class Gradient:
    """The step claims ``rhs = ∂(scalar)/∂(wrt)``; a matrix-valued scalar means the sum of its entries.

    The step's left side is only its name; ``scalar`` and ``wrt`` say what it means. With free
    ``indices`` the claim is checked for every index value. ``wrt`` is held free even when it
    is an intermediate with a definition (that is what ∂L/∂h means in back-propagation).
    ``symbolic=False`` leaves this step out of the element-wise ``sympy.diff`` of ``deep`` checks.
    """

    scalar: sp.Basic
    wrt: sp.Basic
    sizes: dict | None = None
    indices: dict = field(default_factory=dict)
    points: int = 3
    symbolic: bool = True
    use_definitions: bool = True
    definitions: dict | None = None  # overrides the derivation's (a local rule's own consumers)

    def run(self, label, lhs, rhs, derivation, seed) -> list[CheckResult]:
        sizes = dict(derivation.sizes) if self.sizes is None else self.sizes
        free = {self.wrt, getattr(self.wrt, "base", None)}
        known = derivation.definitions if self.definitions is None else self.definitions
        definitions = {k: v for k, v in known.items() if k not in free} if self.use_definitions else {}
        scalar = substitute_definitions(self.scalar, definitions)
        assignments = _index_assignments(_resolve(self.indices, sizes))
        claims = [substitute_definitions(rhs.xreplace(a), definitions) for a in assignments]
        variables = [self.wrt.xreplace(a) for a in assignments]
        results = _either(label, "complex step", seed,
                          lambda form: self._numeric(form, label, scalar, variables, claims, sizes, seed))
        if _DEEP.get() and self.symbolic:
            results = self._element_wise(label, scalar, variables, claims, sizes, seed) + results
        return results

    def _numeric(self, form, label, scalar, variables, claims, sizes, seed) -> list[CheckResult]:
        def build():
            concrete = _former(form, sizes, seed)
            f = _total(concrete(scalar))
            slots = [slot for variable in variables for slot in _slots(concrete(variable))]
            claimed = [concrete(claim) for claim in claims]
            _not_mixed(form, [f, *claimed, *(leaf for leaf, _ in slots)])
            plan = guarded([f] + claimed, extra_leaves=[leaf for leaf, _ in slots])
            positions = tuple((plan.leaves.index(as_leaf(leaf)), entry) for leaf, entry in slots)
            return Plan(plan, compile_arrays([f], plan.leaves), positions)

        plan, names = _plan(form, "gradient", [scalar, *variables, *claims], sizes, frozenset(), build)
        claimed = sum(math.prod(shape) for shape in plan.guarded.program.shapes[1 : plan.guarded.outputs])
        if claimed != len(plan.positions):
            return [CheckResult(label, "complex step", float("inf"), 0, seed, False,
                                f"claimed gradient has {claimed} entries, the variable {len(plan.positions)}")]
        sample = draw(plan.guarded, self.points, _points_rng(seed, label), names=names)
        truth, method = gradient(plan.forward, sample.arrays, plan.positions, self.points)
        errors = [relative_error(_flat(sample.values[1:], k), truth[k]) for k in range(self.points)]
        return _worst(label, method, errors, sample, seed)

    def _element_wise(self, label, scalar, variables, claims, sizes, seed) -> list[CheckResult]:
        """The claim against element-wise ``sympy.diff`` of the instantiated scalar (``deep`` checks),
        compiled by ``lambdify``: a truth independent of the array compiler."""
        inst = Instantiation(sizes=sizes, seed=seed)
        explicit = inst.explicit(scalar)
        if isinstance(explicit, sp.MatrixBase):
            explicit = sum(explicit)
        entries, claim = [], []
        for variable, c in zip(variables, claims):
            v = _as_list(inst.explicit(variable))
            c = _as_list(inst.explicit(c))
            if len(c) != len(v):
                return [CheckResult(label, "element-wise diff", float("inf"), 0, seed, False,
                                    f"claimed gradient has {len(c)} entries, the variable {len(v)}")]
            entries += v
            claim += c
        symbols = free_symbols_of(explicit, *claim, *entries)
        truth = [sp.diff(explicit, v) for v in entries]
        sampler = PointSampler(symbols, [explicit] + claim, seed)
        outputs = claim + truth
        function = compile_numeric(outputs + sampler.guards, symbols)
        worst, worst_point = 0.0, None
        for _ in range(self.points):
            point = sampler.draw(function, len(outputs))
            values = evaluate(function, point)[: len(outputs)]
            error = relative_error(values[: len(claim)], values[len(claim):])
            if error >= worst:
                worst, worst_point = error, point
        ok = worst <= TOLERANCE
        return [CheckResult(label, "element-wise diff", worst, self.points, seed, ok,
                            "" if ok else _where_point(symbols, worst_point, seed))]


def _as_list(value) -> list:
    if isinstance(value, sp.MatrixBase):
        return list(value)
    return [value]


def _total(value):
    """A scalar as it is; a matrix as the sum of its entries."""
    if isinstance(value, sp.MatrixBase):
        return sum(value)
    if getattr(value, "is_Matrix", False):
        rows, cols = shape_of(value)
        return functions.scalar(sp.MatMul(sp.OneMatrix(1, rows), value, sp.OneMatrix(cols, 1)))
    return value


def _slots(variable) -> list[tuple]:
    """The variable's entries as (leaf, entry) pairs: every entry of a matrix symbol, or each symbol
    of a matrix written out."""
    if isinstance(variable, sp.MatrixBase):
        if not all(is_leaf(v) for v in variable):
            raise Unsupported(f"the variable {variable} is not made of symbols")
        return [(v, 0) for v in variable]
    if not is_leaf(variable):
        raise Unsupported(f"the variable {variable} is not a symbol")
    return [(variable, k) for k in range(math.prod(shape_of(variable)))]


def _flat(values, k: int) -> np.ndarray:
    """Point ``k`` of each output, every entry in a row."""
    return np.concatenate([np.ravel(v[k]) for v in values]) if values else np.zeros(0)


@dataclass(frozen=True)
class Computed:
    """The step's value equals what an independent computation gives (a NumPy convolution, a loop
    that counts multiplications, an optimiser step written out by hand).

    ``compute`` takes no arguments and returns a number or an array; the step's right side
    (after definitions) must evaluate to the same values. ``label`` names the method.
    """

    compute: object
    method: str = "independent computation"
    tolerance: float = TOLERANCE

    def run(self, label, lhs, rhs, derivation, seed) -> list[CheckResult]:
        claimed = substitute_definitions(sp.sympify(rhs), derivation.definitions)
        claimed = claimed.doit() if hasattr(claimed, "doit") else claimed
        try:
            got = np.asarray([float(v) for v in _as_list(sp.ImmutableMatrix(claimed) if getattr(claimed, "is_Matrix", False)
                                                           else claimed)], dtype=float)
        except TypeError as exc:
            return [CheckResult(label, self.method, float("inf"), 1, seed, False, f"the result is not numeric: {exc}")]
        want = np.asarray(self.compute(), dtype=float).ravel()
        error = relative_error(got, want)
        ok = error <= self.tolerance
        return [CheckResult(label, self.method, error, 1, seed, ok,
                            "" if ok else f"symbolic {got.tolist()[:8]} vs computed {want.tolist()[:8]}")]


def _resolve(indices, sizes) -> dict:
    """Index ranges given as a size symbol or number become concrete ``range``s (1-based)."""
    resolved = {}
    for name, bound in indices.items():
        if isinstance(bound, range):
            resolved[name] = bound
        else:
            resolved[name] = range(1, int(sp.sympify(bound).xreplace(sizes)) + 1)
    return resolved


def _where(assignment, seed) -> str:
    parts = [f"seed {seed}"] + [f"{k}={v}" for k, v in assignment.items()]
    return ", ".join(parts)


def _where_point(symbols, point, seed, limit: int = 12) -> str:
    """The seed and the point of the worst disagreement, for reproducing a failure."""
    if point is None:
        return f"seed {seed}"
    pairs = [f"{s}={v:.6g}" for s, v in zip(symbols, point)]
    more = f", … {len(pairs) - limit} more" if len(pairs) > limit else ""
    return f"seed {seed}; point " + ", ".join(pairs[:limit]) + more


def step_label(step) -> str:
    from symdl.render import to_text

    return to_text(step.lhs)


def verify(derivation, seed: int = DEFAULT_SEED, deep: bool = False) -> list[CheckResult]:
    """Run the numeric check of every step and result that has one.

    With ``deep``, every gradient is also checked against element-wise ``sympy.diff`` (slow).
    """
    from symdl.render import plain_name

    token = _DEEP.set(deep)
    try:
        results = []
        for step in derivation.steps:
            if step.check is None:
                continue
            results.extend(_run(step.check, step_label(step), step.lhs, step.rhs, derivation, seed))
        for target, check in derivation.result_checks.items():
            results.extend(_run(check, f"result {plain_name(target)}", sp.Symbol(target),
                                derivation.results[target], derivation, seed))
        return results
    finally:
        _DEEP.reset(token)


def _run(check, label, lhs, rhs, derivation, seed) -> list[CheckResult]:
    try:
        return check.run(label, lhs, rhs, derivation, seed)
    except ArithmeticError as exc:
        return [CheckResult(label, type(check).__name__, float("inf"), 0, seed, False, f"{exc}; seed {seed}")]


def require_verified(derivation, seed: int = DEFAULT_SEED, deep: bool = False) -> list[CheckResult]:
    """Verify, raising :class:`VerificationError` naming the first failing step."""
    results = verify(derivation, seed, deep)
    failed = [r for r in results if not r.passed]
    if failed:
        first = failed[0]
        raise VerificationError(f"{derivation.name}: {first.step}: {first.method} error {first.max_error:.2e} "
                                f"({first.detail})")
    return results


class _CallableModule(types.ModuleType):
    """``symdl.verify`` names both this module and its :func:`verify`. Python's import sets the
    package's attribute to the module whenever the module loads first, so ``from symdl import
    verify`` may give the module: calling it verifies, as the function would."""

    def __call__(self, *args, **kwargs):
        return verify(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
