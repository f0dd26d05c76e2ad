"""derive_expression: reverse mode through a read expression, results in textbook form (see symdl.expr)."""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from symdl.derivation import Derivation, Step
from symdl.errors import ParameterError, UnsupportedError
from symdl.expr.build import Builder
from symdl.expr.jacobian import JacobianCheck, coefficient_of
from symdl.expr.shapes import infer, parse_shape_options
from symdl.expr.textbook import canonical_functions, entry_sums, scalarized, textbook, transpose
from symdl.graph import Graph, adjoint_name, is_matrix, pairing
from symdl.latex import to_latex
from symdl.parse import parse
from symdl.parse.objects import canonical_key
from symdl.verify import Gradient, Identity

__all__ = ["derive_checked", "derive_expression"]

#: Names tried, in order, for the expression's value and for its intermediate values.
OUTPUT_NAMES = ("f", "F", "L", "E", "J")
NODE_LETTERS = ("u", "v", "h", "q", "g")


def derive_expression(tex: str, wrt, shapes=None, hessian: bool = False, jacobian: bool = False) -> Derivation:
    """The gradient of the scalar ``tex`` with respect to each name in ``wrt``, step by step.

    ``shapes``: ``{"X": (3, 4)}``, ``{"X": "mxn"}`` or ``["X=3x4", "w=n", "y=scalar"]``. With
    ``jacobian``, ``tex`` is a column vector and each result its Jacobian in numerator layout; with
    ``hessian``, each result is the Hessian (the Jacobian of the gradient), checked symmetric.
    """
    wrt = [wrt] if isinstance(wrt, str) else list(wrt or ())
    if not wrt:
        raise ParameterError("give at least one variable to differentiate by (--wrt NAME)")
    if hessian and jacobian:
        raise ParameterError("give --hessian or --jacobian, not both")
    names = [canonical_key(w.strip()) for w in wrt]
    found = infer(tex, _given(shapes), names)
    expr = scalarized(canonical_functions(entry_sums(parse(tex, found.context()).expr)))
    variables = [sp.MatrixSymbol(n, *found.matrices[n]) if n in found.matrices else sp.Symbol(n, real=True)
                 for n in names]
    if (hessian or jacobian) and any(is_matrix(v) and v.shape[1] != 1 for v in variables):
        raise UnsupportedError("a Jacobian or Hessian is taken with respect to a vector or a scalar, not a matrix")
    if jacobian:
        if not is_matrix(expr) or expr.shape[1] != 1:
            raise UnsupportedError("--jacobian needs a column vector expression (such as A x or \\sigma(W x))")
    elif is_matrix(expr):
        rows, cols = expr.shape
        raise UnsupportedError(f"the expression is a {rows}x{cols} matrix, not a scalar: a gradient needs a "
                               "scalar (a norm, a trace, a quadratic form); for a vector, --jacobian")
    used = {s.name for s in expr.free_symbols if hasattr(s, "name")} | set(found.matrices)
    loss = next(n for n in OUTPUT_NAMES if n not in used)
    letters = iter(n for n in NODE_LETTERS if not any(u == n or u.startswith(n + "_") for u in used))
    delta = sp.MatrixSymbol(r"\delta", *expr.shape) if jacobian else None
    steps, values, definitions = _reverse(expr, variables, loss, next(letters), delta)
    results, checks = {}, {}
    for v, value in zip(variables, values):
        if jacobian:
            value = textbook(transpose(coefficient_of(value, delta)))
            key = rf"\frac{{\partial {loss}}}{{\partial {to_latex(v)}}}"
            check = JacobianCheck(pairing(delta, expr), v, delta)
            rule = r"read $J^{T} \delta$ as a matrix times $\delta$; $J$ is its transpose (numerator layout)"
        elif hessian:
            gradient_key = adjoint_name(loss, v)
            steps.append(_result_step(gradient_key, v, value, Gradient(expr, v, use_definitions=False)))
            inner = sp.MatrixSymbol(r"\delta", *v.shape) if is_matrix(v) else sp.Symbol(r"\delta", real=True)
            more, (back,), more_definitions = _reverse(value, [v], rf"\nabla_{{{to_latex(v)}}} {loss}", next(letters),
                                                       inner if is_matrix(v) else None)
            steps += more
            definitions.update(more_definitions)
            gradient = value
            value = textbook(transpose(coefficient_of(back, inner))) if is_matrix(v) else back
            key = rf"\frac{{\partial^{{2}} {loss}}}{{\partial {to_latex(v)} \partial {to_latex(v)}^{{\top}}}}"
            check = JacobianCheck(pairing(inner, gradient), v, inner) if is_matrix(v) else \
                Gradient(gradient, v, use_definitions=False)
            rule = "the Jacobian of the gradient (numerator layout)"
            if is_matrix(v):
                steps.append(Step(value, sp.Transpose(value), "the Hessian is symmetric", check=Identity()))
        else:
            key = adjoint_name(loss, v)
            check = Gradient(expr, v, use_definitions=False)
            rule = "substitute the adjoints and the forward values; simplify"
        results[key], checks[key] = value, check
        steps.append(_result_step(key, v, value, check, rule, jacobian or hessian))
    what = "Hessian" if hessian else "Jacobian" if jacobian else "gradient"
    statement = rf"${loss} = {to_latex(expr)}$, " + _shapes_sentence(found.matrices, variables)
    return Derivation(
        name="expr",
        title=rf"The {what} of ${to_latex(expr)}$",
        summary=f"{what} of {tex}",
        statement=statement,
        steps=tuple(([Step(sp.Symbol(loss), expr, "the expression")] if steps and steps[0].rhs != expr else [])
                    + steps),
        results=results,
        definitions=definitions,
        assumptions=tuple(_assumptions(expr)),
        params={"expr": tex, "wrt": names, "shapes": {k: "x".join(map(str, v)) for k, v in found.matrices.items()}},
        matrices=dict(found.matrices),
        sizes=found.sizes,
        result_checks=checks,
    )


def _result_step(key, v, value, check, rule="substitute the adjoints and the forward values; simplify",
                 square=False):
    if square and is_matrix(value):
        target = sp.MatrixSymbol(key, *value.shape)
    else:
        target = sp.MatrixSymbol(key, *v.shape) if is_matrix(v) else sp.Symbol(key, real=True)
    return Step(target, value, rule, check=check)


def _reverse(expr, variables, loss, letter, upstream=None):
    """Reverse mode through ``expr``: the forward and backward steps, each variable's adjoint with
    every adjoint and forward value substituted (tidied), and the graph's definitions.

    The output's adjoint is 1 for a scalar, ``upstream`` (a symbol) for a vector.
    """
    graph = Graph(loss=loss)
    builder = Builder(graph, variables, letter)
    output = builder.output(expr, loss)
    backward, local = graph.backprop(output)
    one = {graph.adjoint(output): sp.S.One if upstream is None else upstream}
    backward = [_with_one(step, one) for step in backward]
    expanded = graph.expand(output, local)
    values = []
    for v in variables:
        node = builder.nodes[v]
        if node not in expanded:
            raise ParameterError(f"--wrt {v.name}: the expression does not depend on it")
        value = expanded[node].xreplace(one)
        for n in reversed(graph.nodes):
            if n.expr is not None:
                value = value.xreplace({n.symbol: n.expr})
        values.append(textbook(value))
    return graph.forward_steps() + backward, values, dict(graph.definitions())


def derive_checked(tex: str, wrt, shapes=None, seed: int | None = None, hessian=False, jacobian=False):
    """The derivation and its failed checks (none when every step is verified)."""
    from symdl.verify import DEFAULT_SEED, verify

    derivation = derive_expression(tex, wrt, shapes, hessian=hessian, jacobian=jacobian)
    seed = DEFAULT_SEED if seed is None else seed
    first = None
    for sizes in _size_choices(derivation.sizes):
        # Distinct sizes catch a transposed result; an assignment that makes a product singular
        # (A X B square of rank below its size) leaves no point to check at, so the next is tried.
        candidate = replace(derivation, sizes=sizes)
        failed = [r for r in verify(candidate, seed=seed) if not r.passed]
        if not any("singularities" in r.detail for r in failed):
            return candidate, failed
        first = first or (candidate, failed)
    return first


def _size_choices(sizes: dict, limit: int = 6):
    """The check sizes, then the same values permuted (at most ``limit`` choices)."""
    import itertools

    symbols, values = list(sizes), list(sizes.values())
    for k, order in enumerate(itertools.permutations(values)):
        if k >= limit:
            return
        yield dict(zip(symbols, order))


def _given(shapes) -> dict:
    if not shapes:
        return {}
    if isinstance(shapes, dict):
        items = [f"{k}={'x'.join(map(str, v)) if isinstance(v, (tuple, list)) else v}" for k, v in shapes.items()]
        return parse_shape_options(items)
    return parse_shape_options([shapes] if isinstance(shapes, str) else shapes)


def _with_one(step: Step, one: dict) -> Step:
    """The output's own adjoint is 1 (∂f/∂f)."""
    check = step.check
    if isinstance(check, Gradient):
        check = replace(check, scalar=check.scalar.xreplace(one))
    return replace(step, rhs=step.rhs.xreplace(one), check=check)


def _shapes_sentence(matrices: dict, variables) -> str:
    parts = []
    for name, (rows, cols) in matrices.items():
        space = rf"\mathbb{{R}}^{{{to_latex(rows)}}}" if cols == 1 else \
            rf"\mathbb{{R}}^{{{to_latex(rows)} \times {to_latex(cols)}}}"
        parts.append(rf"${name} \in {space}$")
    text = ", ".join(parts)
    return (f"with {text}; every other name is a scalar." if parts else "Every name is a scalar.")


def _assumptions(expr) -> list[str]:
    found = []
    if expr.has(sp.Determinant) or expr.has(sp.Inverse):
        found.append("the matrices inverted or whose determinant is taken are invertible "
                     "(a log-determinant: positive determinant)")
    return found
