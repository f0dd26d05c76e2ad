r"""Every result of five derivations, written as a student writes it in course notation, parses in
that derivation's context and reads as the derivation's own result.

The context is the derivation's: its matrices, its indexed names, and its symbols (``K`` a
positive integer, ``E(w^{*})`` a quantity, ``\lambda`` a positive IndexedBase) bound by name,
as the checker passes them. Each answer's left side must read as the result's key does, and its
right side must have the result's value at a fixed point (sums written out at the derivation's
sizes, matrices made explicit).
"""

from __future__ import annotations

import random

import pytest
import sympy as sp
from sympy.core.function import AppliedUndef

from symdl import registry
from symdl.derivations import gaussian_sse, hessian_quadratic
from symdl.latex import to_latex
from symdl.numeric import expand_sums
from symdl.parse import Context, parse

ANSWERS = {
    "gaussian-sse": {
        r"-\ln p(\mathbf{y} \mid \mathbf{X}, w, \sigma^{2})":
            r"-\ln p(\mathbf{y} \mid \mathbf{X}, w, \sigma^{2}) = \frac{1}{2\sigma^{2}}\sum_{n=1}^{N}"
            r"\left(f(x_n, w) - y_n\right)^{2} + \frac{N}{2}\ln\sigma^{2} + \frac{N}{2}\ln(2\pi)",
        r"-\ln p(\mathbf{Y} \mid \mathbf{X}, w, \Sigma)":
            r"-\ln p(\mathbf{Y} \mid \mathbf{X}, w, \Sigma) = \frac{1}{2}\sum_{n=1}^{N}(f_n - y_n)^{T}"
            r"\Sigma^{-1}(f_n - y_n) + \frac{N}{2}\ln|\Sigma| + \frac{ND}{2}\ln(2\pi)",
        "E(w)": r"E(w) = \frac{1}{2}\sum_{n=1}^{N}(y_n - f_n)^{\top}\Sigma^{-1}(y_n - f_n)",
        r"\sigma^{2}_{\mathrm{ML}}":
            r"\sigma^2_{\mathrm{ML}} = \frac{1}{N}\sum_{n=1}^{N}\left(f(x_n, w_{\mathrm{ML}}) - y_n\right)^2",
        r"\Sigma_{\mathrm{ML}}":
            r"\Sigma_{\mathrm{ML}} = \frac{1}{N}\sum_{n=1}^{N}(f_n - y_n)(f_n - y_n)^{T}",
    },
    "hessian-quadratic": {
        "E(w)": r"E(w) \approx E(w^*) + \frac{1}{2}\sum_{i=1}^{D}\lambda_i\alpha_i^{2}",
        r"r_{i}": r"r_i = \sqrt{\frac{2c}{\lambda_i}}",
        r"\lambda_{1}": r"\lambda_1 = \frac{5 - \sqrt{5}}{2}",
        r"\lambda_{2}": r"\lambda_2 = \frac{5 + \sqrt{5}}{2}",
        r"u_{1}": r"u_1 = \frac{1}{\sqrt{\frac{5 - \sqrt{5}}{2}}}\begin{bmatrix}\frac{1 - \sqrt{5}}{2}"
                  r"\\ 1\end{bmatrix}",
        r"u_{2}": r"u_2 = \frac{1}{\sqrt{\frac{5 + \sqrt{5}}{2}}}\begin{bmatrix}\frac{1 + \sqrt{5}}{2}"
                  r"\\ 1\end{bmatrix}",
        r"r_{1}": r"r_1 = \sqrt{\frac{4c}{5 - \sqrt{5}}}",
        r"r_{2}": r"r_2 = 2\sqrt{\frac{c}{5 + \sqrt{5}}}",
    },
    "softmax": {
        r"p_{1}": r"p_1 = \frac{e^{2}}{e^{2} + e^{1} + e^{0.1}}",
        r"p_{2}": r"p_2 = \frac{e}{e^{2} + e + e^{0.1}}",
        r"p_{3}": r"p_3 = \frac{e^{0.1}}{e^{2} + e + e^{0.1}}",
        r"\frac{\partial p_{i}}{\partial z_{j}}": r"\frac{\partial p_i}{\partial z_j} = p_i(\delta_{ij} - p_j)",
        r"\frac{\partial L}{\partial z_{i}}": r"\frac{\partial L}{\partial z_i} = p_i - y_i",
        "L": r"L = -\log\frac{e^{2}}{e^{2} + e + e^{0.1}}",
    },
    "tanh-sigmoid": {
        r"\sigma'(a)": r"\sigma'(a) = \sigma(a)\left(1 - \sigma(a)\right)",
        r"\tanh'(a)": r"\tanh'(a) = 1 - \tanh^2(a)",
        r"\tanh(a)": r"\tanh(a) = 2\sigma(2a) - 1",
        r"\sigma(a)": r"\sigma(a) = \frac{1}{2}\left(1 + \tanh\left(\frac{a}{2}\right)\right)",
        r"\tilde{w}^{(1)}_{ji}": r"\tilde{w}^{(1)}_{ji} = \frac{1}{2} w^{(1)}_{ji}",
        r"\tilde{w}^{(1)}_{j0}": r"\tilde{w}^{(1)}_{j0} = \frac{w^{(1)}_{j0}}{2}",
        r"\tilde{w}^{(2)}_{kj}": r"\tilde{w}^{(2)}_{kj} = \frac{1}{2} w^{(2)}_{kj}",
        r"\tilde{w}^{(2)}_{k0}": r"\tilde{w}^{(2)}_{k0} = w^{(2)}_{k0} + \frac{1}{2}\sum_{j=1}^{M} w^{(2)}_{kj}",
        r"y_{k}": r"y_k = w^{(2)}_{k0} + \frac{1}{2}\sum_{j=1}^{M} w^{(2)}_{kj} + \sum_{j=1}^{M}"
                  r"\frac{w^{(2)}_{kj}}{2}\tanh\left(\frac{w^{(1)}_{j0}}{2} + \sum_{i=1}^{D}"
                  r"\frac{w^{(1)}_{ji}}{2}x_i\right)",
    },
    "sigmoid-chain": {
        r"\frac{\partial f}{\partial w^{[3]}_{k}}": r"\frac{\partial f}{\partial w^{[3]}_k} = h^{[2]}_k",
        r"\frac{\partial f}{\partial w^{[2]}_{jk}}":
            r"\frac{\partial f}{\partial w^{[2]}_{jk}} = h^{[1]}_j\,\sigma'(z^{[2]}_k)\,w^{[3]}_k",
        r"\frac{\partial f}{\partial w^{[1]}_{ij}}":
            r"\frac{\partial f}{\partial w^{[1]}_{ij}} = x_i\,\sigma'(z^{[1]}_j)\sum_{k=1}^{K}"
            r"w^{[2]}_{jk}\,\sigma'(z^{[2]}_k)\,w^{[3]}_k",
        r"\frac{\partial f}{\partial x_{i}}":
            r"\frac{\partial f}{\partial x_i} = \sum_{j=1}^{J} w^{[1]}_{ij}\sigma'(z^{[1]}_j)"
            r"\sum_{k=1}^{K} w^{[2]}_{jk}\sigma'(z^{[2]}_k)w^{[3]}_k",
    },
}


def derivation_symbols(derivation) -> dict:
    """The derivation's symbols and indexed bases by name, as the checker binds them."""
    exprs = list(derivation.results.values()) + list(derivation.definitions) \
        + list(derivation.definitions.values()) + list(derivation.sizes)
    for step in derivation.steps:
        exprs += [step.lhs, step.rhs]
    found = {}
    for expr in exprs:
        if not isinstance(expr, sp.Basic):
            continue
        for atom in expr.atoms(sp.Symbol, sp.IndexedBase):
            if isinstance(atom, sp.Dummy):
                continue
            name = atom.label.name if isinstance(atom, sp.IndexedBase) else atom.name
            found.setdefault(name, atom)
    return found


def context_for(derivation, key: str) -> Context:
    """The derivation's context. Where a name is both a matrix (``y_{n}``, a vector observation)
    and an indexed base (``y``, a scalar one), a result that uses only the indexed one is read
    without the matrix: gaussian-sse writes y_n for both."""
    result_matrices = {m.name for m in sp.sympify(derivation.results[key]).atoms(sp.MatrixSymbol)}
    matrices = {name: shape for name, shape in derivation.matrices.items()
                if name in result_matrices or name.split("_")[0] not in derivation.indexed}
    return Context(matrices=matrices, indexed=dict(derivation.indexed),
                   symbols=derivation_symbols(derivation))


def prepared(name: str, derivation, expr):
    """``expr`` at the derivation's sizes, its sums written out, its matrices explicit."""
    sizes = dict(derivation.sizes)
    expr = sp.sympify(expr).xreplace(sizes)
    if name == "gaussian-sse":
        expr = gaussian_sse.explicit_matrices(gaussian_sse.unroll(expr, sizes), sizes)
    elif name == "hessian-quadratic":
        expr = hessian_quadratic.unroll(expr, int(sizes[hessian_quadratic.D]))
    return expand_sums(expr.doit())


def at_point(expr, seed: int = 8):
    """``expr`` at a fixed point: free indices 1, 2, 3; everything else a distinct rational."""
    expr = expr.replace(lambda e: isinstance(e, AppliedUndef), lambda e: sp.Symbol(str(e)))
    indices = sorted((s for s in expr.free_symbols if s.is_integer and isinstance(s, sp.Symbol)),
                     key=str)
    expr = expr.xreplace({index: value for value, index in enumerate(indices, start=1)})
    atoms = expr.atoms(sp.Indexed) | {s for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    # Each atom's value depends on its name only: two expressions agree on the atoms they share.
    return expr.xreplace({atom: sp.Rational(random.Random(f"{seed}|{atom}").randint(500, 3000), 1000)
                          for atom in atoms})


def same_value(name: str, derivation, answer, expected) -> bool:
    difference = at_point(prepared(name, derivation, answer)) \
        - at_point(prepared(name, derivation, expected))
    entries = difference if isinstance(difference, sp.MatrixBase) else [difference]
    return all(abs(sp.N(entry, 30)) < 1e-20 for entry in entries)


CASES = [(name, key) for name, answers in ANSWERS.items() for key in answers]


@pytest.mark.parametrize("name, key", CASES, ids=[f"{name}: {key}" for name, key in CASES])
def test_a_handwritten_answer_reads_as_the_result(name, key):
    derivation = registry.build(name)
    context = context_for(derivation, key)
    parsed = parse(ANSWERS[name][key], context)
    target = parse(f"{key} = 0", context).sides[0]
    left = parsed.sides[0]
    assert (left.target, left.value) == (target.target, target.value)
    assert same_value(name, derivation, parsed.expr, derivation.results[key]), parsed.expr


def test_every_result_of_these_derivations_has_an_answer():
    for name, answers in ANSWERS.items():
        assert set(answers) == set(registry.build(name).results), name


@pytest.mark.parametrize("name", registry.names())
def test_every_result_as_symdl_prints_it_reads_back(name):
    """A result pasted from symdl's own LaTeX parses in its derivation's context (and, for the
    derivations above, has the result's value)."""
    derivation = registry.build(name)
    for key, value in derivation.results.items():
        context = context_for(derivation, key)
        parsed = parse(f"{key} = {to_latex(value)}", context)
        if name in ANSWERS:
            assert same_value(name, derivation, parsed.expr, value), key
