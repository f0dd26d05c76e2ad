r"""A derived matrix expression in the form a textbook prints.

Transposes are pushed to the names (``((Ax)^{T})^{T} = Ax``, ``(X^{-1})^{T}`` stays ``X^{-T}``),
identities and unit factors leave products, scalar factors go to the front, like terms of a sum
are collected (``X^T r + X^T r = 2 X^T r``) and a factor common to every term is taken out
(``A x + A^{T} x = (A + A^{T}) x``). Only rewrites that hold for every value are made; the numeric
checks run on the result.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixElement

from symdl.functions import elementwise, scalar


class OrderedMatAdd(sp.MatAdd):
    """A matrix sum printed in the order of its terms (``X w - y``, not ``-y + X w``)."""


def is_matrix(e) -> bool:
    return bool(getattr(e, "is_Matrix", False))


def textbook(e):
    """``e`` rewritten until it no longer changes (at most a few passes)."""
    for _ in range(6):
        new = _tidy(e)
        if new == e:
            return new
        e = new
    return e


_VARIABLE = sp.Dummy("a", real=True)


def canonical_function(function):
    """One Lambda for one function: the reader, and SymPy, make a new variable each time."""
    if not isinstance(function, sp.Lambda):
        function = sp.Lambda(_VARIABLE, function(_VARIABLE))
    (variable,) = function.variables
    return sp.Lambda(_VARIABLE, function.expr.xreplace({variable: _VARIABLE}))


def canonical_functions(e):
    """Elementwise maps written the same way made equal (:func:`canonical_function`)."""

    def canonical(x):
        return ElementwiseApplyFunction(canonical_function(x.function), canonical_functions(x.expr))

    return e.replace(lambda x: isinstance(x, ElementwiseApplyFunction), canonical) if isinstance(e, sp.Basic) else e


def scalarized(e):
    r"""Every 1×1 matrix that stands for a number taken as that number: ``\log(1 + e^{-w^T x})`` is a
    function of the scalar ``w^T x``, not an elementwise map of a 1×1 matrix."""
    if is_matrix(e) and e.shape == (1, 1):
        return _as_scalar(e)
    return _inside(e)


def _inside(e):
    if not isinstance(e, sp.Basic) or not e.args or isinstance(e, (sp.MatrixSymbol, sp.Lambda)):
        return e
    if isinstance(e, scalar):
        return _as_scalar(e.args[0]) if is_matrix(e.args[0]) else _inside(e.args[0])
    numbers = not is_matrix(e) and not isinstance(e, (sp.Trace, sp.Determinant, scalar))
    args = [a if isinstance(a, sp.Lambda) else scalarized(a) if numbers else _inside(a) for a in e.args]
    return e.func(*args)


def _as_scalar(e):
    if isinstance(e, sp.MatMul):
        args = [_as_scalar(a) if is_matrix(a) and a.shape == (1, 1) else _inside(a) for a in e.args]
        matrices = [a for a in args if is_matrix(a)]
        factor = sp.Mul(*[a for a in args if not is_matrix(a)])
        return factor * scalar(sp.MatMul(*matrices)) if matrices else factor
    if isinstance(e, ElementwiseApplyFunction):
        function = canonical_function(e.function)
        return function.expr.xreplace({function.variables[0]: _as_scalar(e.expr)})
    if isinstance(e, sp.MatAdd):
        return sp.Add(*[_as_scalar(a) for a in e.args])
    if isinstance(e, sp.HadamardProduct):
        return sp.Mul(*[_as_scalar(a) for a in e.args])
    if isinstance(e, sp.Transpose):
        return _as_scalar(e.arg)
    if isinstance(e, sp.MatrixSymbol):
        return scalar(e)
    return scalar(_inside(e))


def entry_sums(e):
    """``\\sum_{i=1}^{n} f(z_i)`` over a column vector's entries as ``1^{T} f(z)``."""
    if not isinstance(e, sp.Basic) or not e.has(sp.Sum):
        return e

    def rewrite(total):
        if len(total.limits) != 1:
            return total
        index, low, high = total.limits[0]
        entries = [m for m in total.function.atoms(MatrixElement) if m.i == index - 1 and m.j == 0]
        vectors = {m.parent for m in entries}
        if low != 1 or len(vectors) != 1:
            return total
        (vector,) = vectors
        if vector.shape != (high, 1):
            return total
        body = total.function.xreplace({m: _VARIABLE for m in entries})
        if body.has(index):
            return total
        return scalar(sp.MatMul(sp.OneMatrix(1, high), elementwise(sp.Lambda(_VARIABLE, body), vector)))

    return e.replace(lambda x: isinstance(x, sp.Sum), rewrite)


def key(e):
    """``e`` tidied with the terms of every sum in one order: equal keys, equal values."""
    tidy = textbook(e)
    return tidy.replace(lambda x: isinstance(x, sp.MatAdd),
                        lambda x: sp.MatAdd(*sorted(x.args, key=sp.default_sort_key))) \
        if isinstance(tidy, sp.Basic) else tidy


def transpose(e):
    """``e^{T}`` with the transpose pushed inside."""
    if not is_matrix(e):
        return e
    if e.shape == (1, 1) and isinstance(e, sp.MatMul):
        return sp.MatMul(*[transpose(a) for a in reversed(_matrices(e))], *_scalars(e))
    if isinstance(e, sp.Transpose):
        return e.arg
    if isinstance(e, sp.MatMul):
        scalars, matrices = _scalars(e), _matrices(e)
        return _matmul(scalars, [transpose(a) for a in reversed(matrices)])
    if isinstance(e, sp.MatAdd):
        return sp.MatAdd(*[transpose(a) for a in e.args])
    if isinstance(e, sp.HadamardProduct):
        return sp.HadamardProduct(*[transpose(a) for a in e.args])
    if isinstance(e, ElementwiseApplyFunction):
        return elementwise(e.function, transpose(e.expr))
    if isinstance(e, (sp.Identity, sp.ZeroMatrix)) or e.__class__.__name__ == "DiagMatrix":
        return e if e.shape[0] == e.shape[1] else e.T
    if isinstance(e, sp.Inverse) and isinstance(e.arg, sp.Transpose):
        return sp.Inverse(e.arg.arg)
    if isinstance(e, sp.Inverse) and key(transpose(e.arg)) == key(e.arg):  # (X^T X)^{-T} = (X^T X)^{-1}
        return e
    if isinstance(e, sp.MatrixSymbol) and e.shape == (1, 1):
        return e
    if isinstance(e, sp.OneMatrix):
        return sp.OneMatrix(e.shape[1], e.shape[0])
    return sp.Transpose(e)


def _scalars(e):
    return [a for a in e.args if not is_matrix(a)]


def _matrices(e):
    return [a for a in e.args if is_matrix(a)]


def _matmul(scalars, matrices):
    coefficient = sp.Mul(*scalars)
    matrices = [m for m in matrices if not (isinstance(m, sp.Identity) and len(matrices) > 1)]
    if coefficient == 0:
        return sp.ZeroMatrix(matrices[0].shape[0], matrices[-1].shape[1])
    if coefficient == 1:
        return matrices[0] if len(matrices) == 1 else sp.MatMul(*matrices)
    return sp.MatMul(coefficient, *matrices)


def _tidy(e):
    if not isinstance(e, sp.Basic) or not e.args or isinstance(e, (sp.MatrixSymbol, sp.Lambda)):
        return e
    if isinstance(e, sp.Transpose):
        return transpose(_tidy(e.arg))
    if isinstance(e, sp.Inverse):
        inner = _tidy(e.arg)
        if isinstance(inner, sp.Transpose):  # (A^T)^{-1} = A^{-T}
            return sp.Transpose(sp.Inverse(inner.arg))
        if isinstance(inner, sp.Inverse):  # (A^{-1})^{-1} = A
            return inner.arg
        if isinstance(inner, sp.Transpose) and isinstance(inner.arg, sp.Inverse):  # ((A^{-1})^T)^{-1} = A^T
            return sp.Transpose(inner.arg.arg)
        return sp.Inverse(inner)
    if isinstance(e, ElementwiseApplyFunction):
        return elementwise(canonical_function(e.function), _tidy(e.expr))
    if isinstance(e, sp.MatPow) and e.exp.is_Integer and 1 <= e.exp <= 8:  # X^2 = X X
        return _tidy(sp.MatMul(*[e.base] * int(e.exp)))
    if isinstance(e, sp.DiagonalOf) and isinstance(e.arg, sp.Transpose):  # the diagonal of A^T is A's
        return e.func(_tidy(e.arg.arg))
    if isinstance(e, scalar):
        inner = _tidy(e.args[0])
        if isinstance(inner, sp.MatMul):
            scalars, matrices = _scalars(inner), _matrices(inner)
            if scalars:
                return sp.Mul(*scalars) * (scalar(_matmul([], matrices)) if matrices else 1)
        return scalar(inner) if is_matrix(inner) else inner
    args = [_tidy(a) for a in e.args]
    if isinstance(e, sp.MatMul):
        return _product(args)
    if isinstance(e, sp.MatAdd):
        return _sum(args)
    if isinstance(e, sp.HadamardProduct):
        return _hadamard(args)
    if not is_matrix(e) and isinstance(e, (sp.Mul, sp.Add)):
        return _sigmoids(e.func(*args))
    return e.func(*args)


def _hadamard(args):
    """Flattened, scalar factors in front, factors of ones left out: (λ 1) ⊙ s = λ s."""
    flat, scalars = [], []
    for a in args:
        for b in (a.args if isinstance(a, sp.HadamardProduct) else [a]):
            if isinstance(b, sp.MatMul) and _scalars(b):
                scalars += _scalars(b)
                b = _matmul([], _matrices(b))
            if not isinstance(b, sp.OneMatrix):
                flat.append(b)
    for f in list(flat):  # A ⊙ (1/A) = 1, entry by entry
        if isinstance(f, ElementwiseApplyFunction) and f.expr in flat and f in flat:
            function = canonical_function(f.function)
            if function.expr == 1 / function.variables[0]:
                flat.remove(f)
                flat.remove(f.expr)
    if not flat:
        flat = [sp.OneMatrix(*args[0].shape)]
    inner = flat[0] if len(flat) == 1 else sp.HadamardProduct(*flat)
    return _matmul(scalars, [inner]) if scalars else inner


def _sigmoids(c):
    """e^{u} / (1 + e^{u}) = σ(u) and 1 / (1 + e^{u}) = σ(-u), as courses write the logistic."""
    from symdl.functions import sigmoid

    if not isinstance(c, sp.Mul):
        return c
    factors = list(c.args)
    for k, f in enumerate(factors):
        if isinstance(f, sp.Pow) and f.exp == -1 and isinstance(f.base, sp.Add) and len(f.base.args) == 2 \
                and sp.S.One in f.base.args:
            (other,) = [a for a in f.base.args if a != 1]
            if isinstance(other, sp.exp):
                u = other.args[0]
                rest = factors[:k] + factors[k + 1:]
                if other in rest:
                    rest.remove(other)
                    return sp.Mul(*rest) * sigmoid(u)
                return sp.Mul(*rest) * sigmoid(-u)
    return c


def _product(args):
    scalars, matrices = [], []
    for a in args:
        if isinstance(a, sp.MatAdd):  # X^T (2 X w - 2 y) = 2 X^T (X w - y); -X^T (y - X w) = X^T (X w - y)
            coefficients = [_split(t)[0] for t in a.args]
            shared = _common_number(coefficients)
            negative = sum(1 for c in coefficients if c.could_extract_minus_sign())
            if negative * 2 > len(coefficients) or (negative * 2 == len(coefficients)
                                                     and sp.Mul(*scalars).could_extract_minus_sign()):
                shared = -shared
            if shared != 1:
                scalars.append(shared)
                a = _sum([_matmul([_split(t)[0] / shared], list(_split(t)[1])) for t in a.args])
        if isinstance(a, sp.MatMul):
            scalars += _scalars(a)
            matrices += _matrices(a)
        elif is_matrix(a):
            matrices.append(a)
        else:
            scalars.append(a)
    matrices = _cancel_inverses(matrices)
    if any(isinstance(m, sp.ZeroMatrix) for m in matrices):
        return sp.ZeroMatrix(matrices[0].shape[0], matrices[-1].shape[1])
    return _matmul([sp.factor_terms(sp.Mul(*scalars))], matrices)


def _inverse_of(m):
    """A for A^{-1}, A^T for A^{-T}, else None."""
    if isinstance(m, sp.Inverse):
        return m.arg
    if isinstance(m, sp.Transpose) and isinstance(m.arg, sp.Inverse):
        return transpose(m.arg.arg)
    return None


def _cancel_inverses(matrices):
    """A^{-1} A = A A^{-1} = I, adjacent in a product, taken out (the identity left if nothing else is)."""
    out = []
    for m in matrices:
        if out and (_inverse_of(out[-1]) == m or _inverse_of(m) == out[-1]):
            size = out.pop().shape[0]
            if not out and m is matrices[-1]:
                out.append(sp.Identity(size))
            continue
        out.append(m)
    return out or [sp.Identity(matrices[0].shape[0])]


def _split(term):
    """(coefficient, matrix factors) of one term of a sum."""
    if isinstance(term, sp.MatMul):
        return sp.Mul(*_scalars(term)), tuple(_matrices(term))
    return sp.S.One, (term,)


def _sum(args):
    flat = []
    for a in args:
        flat += list(a.args) if isinstance(a, sp.MatAdd) else [a]
    collected: dict = {}
    for term in flat:
        if isinstance(term, sp.ZeroMatrix):
            continue
        coefficient, factors = _split(term)
        collected[factors] = collected.get(factors, 0) + coefficient
    terms = [(sp.factor_terms(c), f) for f, c in collected.items() if c != 0]
    if not terms:
        return sp.ZeroMatrix(*flat[0].shape)
    if len(terms) == 1:
        return _matmul([terms[0][0]], list(terms[0][1]))
    # the longest product first (2 X^T (X w - y) + 2 λ w), then fewer transposes (A + A^T)
    terms.sort(key=lambda t: (-len(t[1]), sum(len(f.atoms(sp.Transpose)) for f in t[1])))
    common = _common_factor(terms)
    if common is not None:
        return common
    return OrderedMatAdd(*[_matmul([c], list(f)) for c, f in terms])


def _common_number(coefficients):
    """The positive rational every coefficient is a multiple of (2 for 2 and -2λ), else 1."""
    numbers = [c.as_coeff_Mul()[0] for c in coefficients]
    if not all(n.is_Rational and n != 0 for n in numbers):
        return sp.S.One
    shared = abs(numbers[0])
    for n in numbers[1:]:
        shared = sp.gcd(shared, abs(n))
    return shared if shared != 1 else sp.S.One


def _common_factor(terms):
    """``A x + B x`` as ``(A + B) x`` (and on the left), when every term has that factor and more;
    ``A x + b + A^T x`` as ``(A + A^T) x + b`` when some do."""
    long = [t for t in terms if len(t[1]) >= 2]
    if 2 <= len(long) < len(terms):
        right = long[0][1][-1]
        group = [t for t in long if t[1][-1] == right]
        if len(group) >= 2:
            rest = [t for t in terms if t not in group]
            inner = _sum([_matmul([c], list(f[:-1])) for c, f in group])
            return OrderedMatAdd(sp.MatMul(inner, right), *[_matmul([c], list(f)) for c, f in rest])
    if all(len(f) >= 2 for _, f in terms):
        right = terms[0][1][-1]
        if all(f[-1] == right for _, f in terms):
            inner = _sum([_matmul([c], list(f[:-1])) for c, f in terms])
            return sp.MatMul(inner, right)
        left = terms[0][1][0]
        if all(f[0] == left for _, f in terms):
            inner = _sum([_matmul([c], list(f[1:])) for c, f in terms])
            return sp.MatMul(left, inner)
    return None
