"""Matrix expressions compiled to NumPy array code, evaluated on a batch of points at once.

A matrix product stays one ``@``, a trace one ``trace``, an inverse one ``linalg.inv``: no matrix
is instantiated as SymPy scalars. Every value carries a leading batch axis (a scalar is ``(B,)``,
a matrix ``(B, r, c)``), so one call evaluates every point, and every perturbed copy of a point
that :mod:`~symdl.numeric.fd` asks for.

Leaves (matrix symbols, symbols, indexed entries at integer indices) become positional arguments
``a0, a1, …`` in the order the caller gives; every other name stays out of the generated source,
which is therefore the expression's structure up to renaming of its symbols, and the key of the
cache of compiled functions.

Every operation used extends holomorphically to complex arguments, or (kinks: ReLU, |x|, max,
Piecewise) decides by the real part, so a complex step through the function gives the exact
derivative; a function compiled through ``lambdify`` (one this module does not know) may not, and
marks the program not ``analytic`` (:mod:`~symdl.numeric.fd` then uses central differences).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixElement

from symdl.calculus import MatrixSum
from symdl.functions import NUMPY_IMPLEMENTATIONS, relu, scalar, sigmoid, sigmoid_prime, step
from symdl.numeric.instantiate import entry_symbol, expand_sums, smooth_function


class Unsupported(Exception):
    """The expression has a node with no array form here (the scalar path may still evaluate it)."""


LEAF_TYPES = (sp.MatrixSymbol, sp.Symbol, sp.Indexed)


def is_leaf(e) -> bool:
    return isinstance(e, LEAF_TYPES) and not isinstance(e, sp.Dummy)


def as_leaf(e):
    """A leaf as it is drawn: an indexed entry at numeric indices as the symbol the scalar path
    makes of it (``x_2`` as ``x[2]``), so both draw one value (an indexed entry with a free index
    names no one value: :class:`Unsupported`)."""
    if isinstance(e, sp.Indexed):
        if not all(i.is_Integer for i in e.indices):
            raise Unsupported(f"the indexed entry {e} has a free index")
        return entry_symbol(e)
    return e


def shape_of(e) -> tuple:
    """``()`` for a scalar, ``(rows, cols)`` for a matrix; a size left symbolic is :class:`Unsupported`."""
    if not getattr(e, "is_Matrix", False):
        return ()
    try:
        return tuple(int(d) for d in e.shape)
    except TypeError:
        raise Unsupported(f"the size of {e} is not a number") from None


def prepare(expr, sizes: dict, seed: int):
    """``expr`` ready to compile: sizes put in, undefined functions replaced by fixed smooth ones
    (the same for the same name and seed), their derivatives taken, sums with numeric bounds
    written out. Matrices stay matrices."""
    expr = sp.sympify(expr)
    if sizes and expr.has(*sizes):
        expr = expr.xreplace(sizes)
    undefined = expr.atoms(AppliedUndef)
    if undefined:
        expr = expr.xreplace({f: smooth_function(f.func.__name__, len(f.args), seed)(*f.args) for f in undefined})
    if expr.has(sp.Derivative):
        expr = expr.replace(lambda e: isinstance(e, sp.Derivative), lambda e: e.doit())
    if expr.has(MatrixSum):
        expr = expr.replace(lambda e: isinstance(e, MatrixSum), lambda e: e.doit())
    return expand_sums(expr)


def leaves_of(exprs) -> list:
    """The leaves of ``exprs`` (:func:`as_leaf`) in order of first appearance (a deterministic walk)."""
    found: dict = {}
    bound: set = set()
    seen: set = set()

    def walk(e):
        if isinstance(e, sp.MatrixBase):
            e = sp.ImmutableMatrix(e)
        if not isinstance(e, sp.Basic) or e in seen:
            return
        seen.add(e)
        if is_leaf(e):
            found.setdefault(as_leaf(e), None)
            return
        if isinstance(e, sp.Lambda):
            bound.update(e.variables)
            walk(e.expr)
            return
        for arg in (e if isinstance(e, sp.MatrixBase) else e.args):
            walk(arg)

    for e in exprs:
        walk(e)
    return [leaf for leaf in found if leaf not in bound]


# --- the helpers generated code calls ---------------------------------------------------------
def _re(x):
    return np.real(x)


def _s(x):
    """A batch of scalars lined up against a batch of matrices."""
    return x[..., None, None] if np.ndim(x) else x


def _sigmoid(x):
    with np.errstate(all="ignore"):
        big = np.exp(-np.abs(_re(x)))  # the real, stable form where it applies
        if not np.iscomplexobj(x):
            return np.where(x >= 0, 1 / (1 + big), big / (1 + big))
        return np.where(_re(x) >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


def _matrix(rows, cols, *entries):
    arrays = np.broadcast_arrays(*(np.asarray(e) for e in entries))
    stacked = np.stack(arrays, axis=-1)
    return stacked.reshape(stacked.shape[:-1] + (rows, cols))


def _softmax(x):
    shifted = x - np.max(_re(x), axis=-2, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-2, keepdims=True)


def _select(default, *pairs):
    conditions, values = pairs[0::2], pairs[1::2]
    return np.select(np.broadcast_arrays(*conditions), np.broadcast_arrays(*values), default)


def _conv():
    from symdl import conv

    return conv


HELPERS = {
    "np": np, "_re": _re, "_s": _s, "_sigmoid": _sigmoid, "_matrix": _matrix, "_softmax": _softmax,
    "_select": _select,
    "_correlate": lambda x, k: _conv().correlate_arrays(x, k),
    "_convolve_full": lambda g, k: _conv().convolve_full_arrays(g, k),
    "_diag_matrix": lambda v: np.reshape(v, v.shape[:-2] + (-1, 1)) * np.eye(v.shape[-2] * v.shape[-1]),
    "_sigmoid_prime": lambda x: _sigmoid(x) * (1 - _sigmoid(x)),
    "_relu": lambda x: np.where(_re(x) > 0, x, 0.0),
    "_step": lambda x: np.where(_re(x) > 0, 1.0, 0.0),
    "_abs": lambda x: np.where(_re(x) >= 0, x, -x),
    "_sign": lambda x: np.sign(_re(x)),
    "_heaviside": lambda x, at_zero: np.where(_re(x) > 0, 1.0, np.where(_re(x) < 0, 0.0, at_zero)),
    "_max": lambda a, b: np.where(_re(a) >= _re(b), a, b),
    "_min": lambda a, b: np.where(_re(a) <= _re(b), a, b),
    "_floor": lambda x: np.floor(_re(x)),
    "_ceiling": lambda x: np.ceil(_re(x)),
    "_T": lambda x: np.swapaxes(x, -1, -2),
    "_trace": lambda x: np.trace(x, axis1=-2, axis2=-1),
    "_diagonal": lambda x: np.diagonal(x, axis1=-2, axis2=-1)[..., :, None],
}

#: Scalar functions by SymPy class, as the helper or NumPy function the generated code calls.
FUNCTIONS = {
    sp.exp: "np.exp", sp.log: "np.log", sp.sin: "np.sin", sp.cos: "np.cos", sp.tan: "np.tan",
    sp.sinh: "np.sinh", sp.cosh: "np.cosh", sp.tanh: "np.tanh", sp.asin: "np.arcsin", sp.acos: "np.arccos",
    sp.atan: "np.arctan", sp.asinh: "np.arcsinh", sp.acosh: "np.arccosh", sp.atanh: "np.arctanh",
    sigmoid: "_sigmoid", sigmoid_prime: "_sigmoid_prime", relu: "_relu", step: "_step", sp.Abs: "_abs",
    sp.sign: "_sign", sp.floor: "_floor", sp.ceiling: "_ceiling",
}

_RELATIONS = {sp.StrictLessThan: "<", sp.LessThan: "<=", sp.StrictGreaterThan: ">", sp.GreaterThan: ">=",
              sp.Equality: "==", sp.Unequality: "!="}


@dataclass(frozen=True)
class Program:
    """A compiled function of the leaves: ``program(*arrays)`` gives one array per output.

    ``shapes`` are the outputs' shapes without the batch axis; ``analytic`` says a complex step
    through the function is exact (see the module's docstring).
    """

    function: object
    shapes: tuple
    analytic: bool
    source: str

    def __call__(self, *arrays, batch: int):
        with np.errstate(all="ignore"):
            values = self.function(*arrays)
        return [np.broadcast_to(v, (batch,) + shape) for v, shape in zip(values, self.shapes)]


_CACHE: dict = {}


def compile_arrays(exprs, leaves) -> Program:
    """Compile ``exprs`` (scalar or matrix SymPy expressions) to one function of ``leaves``.

    Sizes must be numbers already, sums written out and undefined functions replaced
    (:func:`prepare`); a node with no array form raises :class:`Unsupported`.
    """
    writer = _Writer(leaves)
    outputs = [writer.emit(e) for e in exprs]
    shapes = tuple(shape_of(e) for e in exprs)
    body = "\n".join(f"    {line}" for line in writer.lines)
    args = ", ".join(f"a{k}" for k in range(len(leaves)))
    source = f"def program({args}):\n{body}\n    return ({', '.join(outputs)},)\n"
    key = (source, tuple(writer.external))
    if key not in _CACHE:
        namespace = dict(HELPERS)
        namespace.update({name: function for name, (_, function) in zip(_external_names(writer), writer.external.items())})
        exec(compile(source, "<symdl.numeric>", "exec"), namespace)  # noqa: S102 - our own source, leaves renamed
        _CACHE[key] = (namespace["program"], writer.analytic)
    function, analytic = _CACHE[key]
    return Program(function, shapes, analytic, source)


def _external_names(writer):
    return [f"_f{k}" for k in range(len(writer.external))]


class _Writer:
    """Writes one line of array code per distinct subexpression (shared ones once)."""

    def __init__(self, leaves):
        self.names = {leaf: f"a{k}" for k, leaf in enumerate(leaves)}
        self.memo: dict = {}
        self.lines: list[str] = []
        self.external: dict = {}  # SymPy function class -> lambdified NumPy function
        self.analytic = True
        self.bound: dict = {}  # a Lambda's variable -> the matrix it runs over (elementwise maps)

    def emit(self, e) -> str:
        if isinstance(e, sp.MatrixBase) and not isinstance(e, sp.ImmutableMatrix):
            e = sp.ImmutableMatrix(e)
        if e in self.bound:
            return self.bound[e]
        if self.bound and not getattr(e, "is_Matrix", False) and not e.has(*self.bound):
            saved, self.bound = self.bound, {}
            try:
                plain = self.emit(e)
            finally:
                self.bound = saved
            # a batch of scalars inside an elementwise map over a batch of matrices
            return plain if _is_literal(plain) else self._line(("lined up", plain), f"_s({plain})")
        if is_leaf(e) and as_leaf(e) in self.names:
            return self.names[as_leaf(e)]
        key = (e, tuple(self.bound.values())) if self.bound else e
        if key not in self.memo:
            code = self._code(e)
            self.memo[key] = code if _is_literal(code) or _NAME.fullmatch(code) else self._line(None, code)
        return self.memo[key]

    def _line(self, key, code) -> str:
        if key is not None and key in self.memo:
            return self.memo[key]
        name = f"t{len(self.lines)}"
        self.lines.append(f"{name} = {code}")
        if key is not None:
            self.memo[key] = name
        return name

    def _code(self, e) -> str:  # noqa: C901 - one branch per kind of node, read as a table
        if isinstance(e, sp.MatrixBase):
            rows, cols = e.shape
            return f"_matrix({rows}, {cols}, {', '.join(self.emit(v) for v in e)})"
        if isinstance(e, (sp.Number, sp.NumberSymbol)):
            if e.is_Integer:
                return f"{int(e)}.0" if abs(int(e)) < 2**53 else repr(float(e))
            if e.is_extended_real and e.is_finite:
                return repr(float(e))
            raise Unsupported(f"the number {e}")
        if e is sp.I:
            return "1j"
        if getattr(e, "is_Matrix", False):
            return self._matrix_code(e)
        if is_leaf(e):
            if isinstance(e, sp.Indexed) and not all(i.is_Integer for i in e.indices):
                raise Unsupported(f"the indexed entry {e} has a free index")
            raise Unsupported(f"{e} is not among the leaves")
        if isinstance(e, sp.UnevaluatedExpr):
            return self.emit(e.args[0])
        if isinstance(e, sp.Add):
            return " + ".join(f"({self.emit(a)})" for a in e.args)
        if isinstance(e, sp.Mul):
            if any(getattr(a, "is_Matrix", False) for a in e.args):
                raise Unsupported("a product of a matrix written as a scalar product")
            return " * ".join(f"({self.emit(a)})" for a in e.args)
        if isinstance(e, sp.Pow):
            return self._power(e)
        if isinstance(e, sp.Piecewise):
            pairs = []
            for value, condition in e.args:
                if condition is sp.true:
                    default = self.emit(value)
                    break
                pairs += [self._condition(condition), self.emit(value)]
            else:
                default = "np.nan"
            return f"_select({default}, {', '.join(pairs)})" if pairs else default
        if isinstance(e, (sp.Max, sp.Min)):
            name = "_max" if isinstance(e, sp.Max) else "_min"
            values = [self.emit(a) for a in e.args]
            result = values[0]
            for v in values[1:]:
                result = f"{name}({result}, {v})"
            return result
        if isinstance(e, sp.Heaviside):
            at_zero = self.emit(e.args[1]) if len(e.args) > 1 else "0.5"
            return f"_heaviside({self.emit(e.args[0])}, {at_zero})"
        if isinstance(e, scalar):
            return f"({self.emit(e.args[0])})[..., 0, 0]"
        if isinstance(e, sp.Trace):
            return f"_trace({self.emit(e.arg)})"
        if isinstance(e, sp.Determinant):
            return f"np.linalg.det({self.emit(e.arg)})"
        if isinstance(e, MatrixElement) and e.i.is_Integer and e.j.is_Integer:
            return f"({self.emit(e.parent)})[..., {int(e.i)}, {int(e.j)}]"
        if isinstance(e, sp.Function) and not isinstance(e, AppliedUndef):
            return self._function(e)
        raise Unsupported(f"no array form for {type(e).__name__}")

    def _matrix_code(self, e) -> str:
        if isinstance(e, sp.MatMul):
            return self._matmul(e)
        if isinstance(e, (sp.MatAdd, sp.HadamardProduct)):
            op = " + " if isinstance(e, sp.MatAdd) else " * "
            return op.join(f"({self.emit(a)})" for a in e.args)
        if isinstance(e, sp.HadamardPower):
            return f"({self.emit(e.base)}) ** ({self.emit(e.exp)})"
        if isinstance(e, sp.Transpose):
            return f"_T({self.emit(e.arg)})"
        if isinstance(e, sp.Inverse):
            return f"np.linalg.inv({self.emit(e.arg)})"
        if isinstance(e, sp.MatPow):
            power = e.exp
            if not power.is_Integer:
                raise Unsupported(f"the matrix power {e}")
            base = self.emit(e.base)
            if power < 0:
                base, power = f"np.linalg.inv({base})", -power
            return f"np.linalg.matrix_power({base}, {int(power)})"
        if isinstance(e, (sp.Identity, sp.ZeroMatrix, sp.OneMatrix)):
            rows, cols = shape_of(e)
            if isinstance(e, sp.Identity):
                return f"np.eye({rows})"
            return f"np.{'zeros' if isinstance(e, sp.ZeroMatrix) else 'ones'}(({rows}, {cols}))"
        if isinstance(e, sp.DiagonalOf):
            return f"_diagonal({self.emit(e.arg)})"
        if type(e).__name__ in ("Correlate", "ConvolveFull"):  # symdl.conv's, not imported here
            name = "_correlate" if type(e).__name__ == "Correlate" else "_convolve_full"
            return f"{name}({self.emit(e.args[0])}, {self.emit(e.args[1])})"
        if isinstance(e, sp.DiagMatrix):  # diag(v) of a column (or row) vector
            return f"_diag_matrix({self.emit(e.args[0])})"
        if isinstance(e, ElementwiseApplyFunction):
            return self._elementwise(e)
        if type(e).__name__ == "Softmax" and getattr(e, "is_Matrix", False):  # symdl.graph's, not imported here
            return f"_softmax({self.emit(e.args[0])})"
        raise Unsupported(f"no array form for {type(e).__name__}")

    def _power(self, e) -> str:
        base, power = e.base, e.exp
        if power == sp.S.Half:
            return f"np.sqrt({self.emit(base)})"
        if power == -sp.S.Half:
            return f"1.0 / np.sqrt({self.emit(base)})"
        if base is sp.E:
            return f"np.exp({self.emit(power)})"
        exponent = str(int(power)) if power.is_Integer else self.emit(power)
        return f"({self.emit(base)}) ** ({exponent})"

    def _condition(self, c) -> str:
        if type(c) in _RELATIONS:
            return f"_re({self.emit(c.lhs)}) {_RELATIONS[type(c)]} _re({self.emit(c.rhs)})"
        if isinstance(c, (sp.And, sp.Or)):
            name = "np.logical_and" if isinstance(c, sp.And) else "np.logical_or"
            result = self._condition(c.args[0])
            for other in c.args[1:]:
                result = f"{name}({result}, {self._condition(other)})"
            return result
        if isinstance(c, sp.Not):
            return f"np.logical_not({self._condition(c.args[0])})"
        if c in (sp.true, sp.false):
            return str(bool(c))
        raise Unsupported(f"the condition {c}")

    def _function(self, e) -> str:
        args = ", ".join(self.emit(a) for a in e.args)
        name = FUNCTIONS.get(e.func)
        if name is None:
            if any(getattr(a, "is_Matrix", False) for a in e.args):
                raise Unsupported(f"the function {e.func} of a matrix")
            if e.func not in self.external:
                self.external[e.func] = _lambdified(e.func, len(e.args))
            self.analytic = False  # lambdify's NumPy code need not take complex arguments
            name = _external_names(self)[list(self.external).index(e.func)]
        return f"{name}({args})"

    def _matmul(self, e) -> str:
        scalars = [a for a in e.args if not getattr(a, "is_Matrix", False)]
        matrices = [f"({self.emit(a)})" for a in e.args if getattr(a, "is_Matrix", False)]
        product = " @ ".join(matrices)
        if not scalars:
            return product
        coefficient = " * ".join(f"({self.emit(a)})" for a in scalars)
        return f"_s({coefficient}) * ({product})"

    def _elementwise(self, e) -> str:
        f, argument = e.function, self.emit(e.expr)
        if isinstance(f, sp.Lambda) and len(f.variables) == 1:
            (variable,) = f.variables
            saved = dict(self.bound)
            self.bound[variable] = argument
            try:
                return self.emit(f.expr)
            finally:
                self.bound = saved
        if isinstance(f, type) and issubclass(f, sp.Function):
            dummy = sp.Dummy("u")
            return self._elementwise(ElementwiseApplyFunction(sp.Lambda(dummy, f(dummy)), e.expr))
        raise Unsupported(f"the elementwise map {f}")


@lru_cache(maxsize=256)
def _lambdified(function, nargs: int):
    """``lambdify``'s NumPy code for a function this module has no entry for, tried once: a name
    NumPy does not know (a SciPy function, an unknown class) is :class:`Unsupported`."""
    variables = sp.symbols(f"x0:{nargs}", real=True)
    try:
        compiled = sp.lambdify(variables, function(*variables), modules=[NUMPY_IMPLEMENTATIONS, "numpy"],
                               docstring_limit=0)
        with np.errstate(all="ignore"):
            compiled(*([np.array([0.5, 1.5])] * nargs))
    except (NameError, TypeError, AttributeError, ImportError) as exc:
        raise Unsupported(f"no NumPy form for {function}") from exc
    return compiled


_NAME = re.compile(r"[at]\d+")  # an argument or a line already written


def _is_literal(code: str) -> bool:
    try:
        float(code)
        return True
    except ValueError:
        return code in ("np.nan", "1j")
