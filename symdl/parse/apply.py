r"""Functions applied to values: activations entry by entry on matrices, undefined functions,
max/min, softmax, indicators, factorials and norms, each size-checked."""

from __future__ import annotations

import sympy as sp

from symdl.errors import ParseError, UnsupportedError
from symdl.functions import derivative_of, elementwise, relu, sigmoid, sigmoid_prime, step
from symdl.parse.bind import is_matrix
from symdl.parse.model import unknown_bound
from symdl.parse.numbers import MAX_EXPONENT

MAX_FACTORIAL = 1000


def apply(function, argument):
    """``function`` applied to ``argument``, entry by entry on matrices, size-checked."""
    if is_matrix(argument):
        return elementwise(function, argument)
    if function is sp.exp and argument.is_Rational and abs(argument) > MAX_EXPONENT:
        raise UnsupportedError(f"exponents above {MAX_EXPONENT} are not supported")
    return function(argument)


def factorial(argument):
    if argument.is_number and argument.is_Rational and abs(argument) > MAX_FACTORIAL:
        raise UnsupportedError(f"factorials above {MAX_FACTORIAL} are not supported")
    if is_matrix(argument):
        raise UnsupportedError("the factorial of a matrix is not supported")
    return sp.factorial(argument)


def indicator_value(relation: str, difference):
    """𝟙[difference relation 0] from step, which is 0 at 0 (the convention of DL libraries)."""
    if relation == ">":
        function = step
    elif relation == "<":
        function = sp.Lambda(POINT, step(-POINT))
    elif relation == ">=":
        function = sp.Lambda(POINT, 1 - step(-POINT))
    else:
        function = sp.Lambda(POINT, 1 - step(POINT))
    return apply(function, difference)


POINT = sp.Dummy("a", real=True)


def apply_function(function, label: str, primes: int, arguments: list, col: int):
    if function == "undefined":
        return undefined(label, primes, arguments)
    if function in ("max", "min"):
        if primes:
            raise UnsupportedError(f"the derivative of {label} is not supported")
        return max_min(function, arguments, col)
    if len(arguments) != 1:
        raise ParseError(f"{label} takes one argument, not {len(arguments)}", col)
    if primes > 1:
        raise UnsupportedError(f"derivatives of order {primes} of {label} are not supported")
    if primes == 1:
        function = sigmoid_prime if function is sigmoid else derivative_of(function)
    return apply(function, arguments[0])


def undefined(label: str, primes: int, arguments: list):
    """``f(x_n, w)``: an undefined function; of a vector (``E(w)``), a real scalar function of it
    (SymPy makes an application to a matrix non-commutative, so it could not scale a matrix)."""
    of_matrix = any(is_matrix(argument) for argument in arguments)
    function = sp.Function(label, real=True) if of_matrix else sp.Function(label)
    if primes == 0:
        return function(*arguments)
    if of_matrix:
        raise UnsupportedError(f"{label}' of a matrix is not supported")
    if len(arguments) != 1 or primes > 2:
        raise UnsupportedError(f"{label} with {primes} primes is not supported")
    point = sp.Dummy("t")
    return sp.diff(function(point), point, primes).subs(point, arguments[0])


def max_min(which: str, arguments: list, col: int):
    if len(arguments) < 2:
        raise ParseError(rf"\{which} needs at least two arguments", col)
    if which == "max" and len(arguments) == 2 and sp.S.Zero in arguments:
        other = arguments[1] if arguments[0] == 0 else arguments[0]
        return apply(relu, other)  # \max(0, x) is ReLU, elementwise on vectors
    if any(is_matrix(argument) for argument in arguments):
        raise UnsupportedError(rf"\{which} of matrices is not supported")
    try:
        return (sp.Max if which == "max" else sp.Min)(*arguments)
    except ValueError:  # SymPy: "The argument ... is not comparable" (a complex number)
        raise UnsupportedError(rf"\{which} of values that are not real numbers") from None


def whole_softmax(arguments: list, col: int):
    """``\\operatorname{softmax}(z)`` of a declared column vector: the vector of its entries' softmax."""
    if len(arguments) != 1:
        raise ParseError("softmax takes one argument", col)
    (vector,) = arguments
    if getattr(vector, "is_Matrix", False) and vector.shape[1] == 1 and not isinstance(vector, sp.MatrixBase):
        from symdl.graph import Softmax

        return Softmax(vector)
    raise UnsupportedError("softmax needs an index: softmax(z)_i (or a declared column vector z)")


def softmax(arguments: list, entry, col: int):
    if len(arguments) != 1:
        raise ParseError("softmax takes one argument", col)
    (vector,) = arguments
    index = sp.Symbol("k" if getattr(entry, "name", "") == "j" else "j", integer=True)
    if isinstance(vector, sp.MatrixSymbol) and 1 in vector.shape:
        length = vector.shape[0] if vector.shape[1] == 1 else vector.shape[1]

        def element(i):
            return vector[i - 1, 0] if vector.shape[1] == 1 else vector[0, i - 1]

        return sp.exp(element(entry)) / sp.Sum(sp.exp(element(index)), (index, 1, length))
    if isinstance(vector, sp.Symbol):
        base = sp.IndexedBase(vector.name)
        return sp.exp(base[entry]) / sp.Sum(sp.exp(base[index]), (index, 1, unknown_bound(index)))
    raise UnsupportedError("softmax of an expression is not supported; name the vector")
