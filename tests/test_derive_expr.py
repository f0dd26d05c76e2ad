r"""symdl derive --expr: textbook results, every step verified, and each result against central finite
differences of an independently written NumPy forward function."""

import json

import numpy as np
import pytest
import sympy as sp

from expr_helpers import central, compiled_value
from symdl.cli import main
from symdl.errors import SymdlError
from symdl.expr import derive_checked, derive_expression
from symdl.latex import to_latex
from symdl.verify import verify

RNG_SEED = 20261203


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _spd(n, rng):
    a = rng.normal(size=(n, n))
    return a @ a.T + n * np.eye(n)


# (tex, wrt, expected LaTeX of each result, NumPy forward f(values), how to draw each name)
CASES = [
    (r"\|Xw-y\|^2+\lambda\|w\|^2", ["w"], [r"2 X^{\top} \left(X w - y\right) + 2 \lambda w"],
     lambda v: np.sum((v["X"] @ v["w"] - v["y"]) ** 2) + v[r"\lambda"] * np.sum(v["w"] ** 2)),
    (r"x^T A x", ["x"], [r"\left(A + A^{\top}\right) x"], lambda v: (v["x"].T @ v["A"] @ v["x"]).item()),
    (r"\|Ax-b\|^2", ["x"], [r"2 A^{\top} \left(A x - b\right)"], lambda v: np.sum((v["A"] @ v["x"] - v["b"]) ** 2)),
    (r"\operatorname{tr}(AXB)", ["X"], [r"A^{\top} B^{\top}"], lambda v: np.trace(v["A"] @ v["X"] @ v["B"])),
    (r"\log\det X", ["X"], [r"X^{-\top}"], lambda v: np.log(np.linalg.det(v["X"]))),
    (r"a^T X^{-1} b", ["X"], [r"-X^{-\top} a b^{\top} X^{-\top}"],
     lambda v: (v["a"].T @ np.linalg.inv(v["X"]) @ v["b"]).item()),
    (r"a^T X b", ["X"], [r"a b^{\top}"], lambda v: (v["a"].T @ v["X"] @ v["b"]).item()),
    (r"\frac12\|\sigma(Wx)-y\|^2", ["W"],
     [r"\left(\left(\sigma\left(W x\right) - y\right) \odot \sigma'\left(W x\right)\right) x^{\top}"],
     lambda v: 0.5 * np.sum((_sigmoid(v["W"] @ v["x"]) - v["y"]) ** 2)),
    (r"\operatorname{tr}(A^TA)+\operatorname{tr}(B^TB)", ["A", "B"], ["2 A", "2 B"],
     lambda v: np.sum(v["A"] ** 2) + np.sum(v["B"] ** 2)),
    (r"(\operatorname{tr}(I-A))^2", ["A"], None, lambda v: np.trace(np.eye(len(v["A"])) - v["A"]) ** 2),
    (r"\log(1+\exp(-t w^T x))", ["w"], None, lambda v: np.log1p(np.exp(-v["t"] * (v["w"].T @ v["x"]).item()))),
    (r"-t\log\sigma(w^Tx)-(1-t)\log(1-\sigma(w^Tx))", ["w"], None,
     lambda v: (-v["t"] * np.log(_sigmoid(v["w"].T @ v["x"])) - (1 - v["t"]) * np.log(1 - _sigmoid(v["w"].T @ v["x"]))).item()),
    (r"\operatorname{softplus}(w^T x)", ["w"], None, lambda v: np.log1p(np.exp((v["w"].T @ v["x"]).item()))),
    (r"\|x\|", ["x"], None, lambda v: np.sqrt(np.sum(v["x"] ** 2))),
    (r"\operatorname{tr}(X^{-1}A)", ["X"], None, lambda v: np.trace(np.linalg.inv(v["X"]) @ v["A"])),
    (r"\det(X)", ["X"], None, lambda v: np.linalg.det(v["X"])),
    (r"\|X\|_F^2 + \operatorname{tr}(X)", ["X"], None, lambda v: np.sum(v["X"] ** 2) + np.trace(v["X"])),
    (r"\sum_{i=1}^{3} 0 + a^T (x \odot x)", ["x"], None, lambda v: (v["a"].T @ (v["x"] * v["x"])).item()),
    (r"\log\sum_{i} e^{z_i}", ["z"], [r"\operatorname{softmax}\left(z\right)"], lambda v: np.log(np.sum(np.exp(v["z"])))),
    (r"-t^T\log\operatorname{softmax}(z)", ["z"], None,
     lambda v: float(-v["t"][:, 0] @ (v["z"][:, 0] - np.log(np.sum(np.exp(v["z"])))))),
    (r"a^T\operatorname{softmax}(z)", ["z"], None, lambda v: float(v["a"][:, 0] @ np.exp(v["z"][:, 0]) / np.sum(np.exp(v["z"])))),
    (r"\sum_{i} z_i^2 + \sum_i \log(1 + e^{z_i})", ["z"], None, lambda v: np.sum(v["z"] ** 2) + np.sum(np.log1p(np.exp(v["z"])))),
    (r"\lambda w^T w + \|\tanh(Wx)\|^2", ["W", "x"], None,
     lambda v: v[r"\lambda"] * np.sum(v["w"] ** 2) + np.sum(np.tanh(v["W"] @ v["x"]) ** 2)),
]


def _values(derivation, rng):
    """Random values for every name of the derivation, at its check sizes (invertible matrices SPD)."""
    values = {}
    for name, (rows, cols) in derivation.matrices.items():
        r, c = (int(sp.sympify(d).xreplace(derivation.sizes)) for d in (rows, cols))
        values[name] = _spd(r, rng) if r == c else rng.normal(size=(r, c))
    return values


def _evaluate(expr, derivation, values, scalars):
    """The claim's value (the truth is the NumPy forward function)."""
    expr = expr.xreplace({sp.Symbol(k, real=True): sp.Float(v) for k, v in scalars.items()})
    return np.atleast_2d(compiled_value(expr, derivation.sizes, values))


@pytest.mark.parametrize("tex, wrt, expected, forward", CASES, ids=[c[0] for c in CASES])
def test_result_is_textbook_verified_and_agrees_with_finite_differences(tex, wrt, expected, forward):
    derivation, failed = derive_checked(tex, wrt, ["t=scalar"] if "t w" in tex or "-t\\log\\sigma" in tex else None)
    assert not failed, [r.line() for r in failed]
    assert len(derivation.results) == len(wrt)
    if expected:
        assert [to_latex(e) for e in derivation.results.values()] == expected
    rng = np.random.default_rng(RNG_SEED)
    values = _values(derivation, rng)
    scalars = {r"\lambda": 0.7, "t": 0.3}
    every = {**scalars, **values}
    for name, (key, result) in zip(wrt, derivation.results.items()):
        got = _evaluate(result, derivation, values, scalars).reshape(values[name].shape)
        want = central(forward, every, name)
        assert np.allclose(got, want, rtol=1e-5, atol=1e-6), (key, got, want)


def test_silent_zeros_do_not_happen():
    derivation = derive_expression(r"(\operatorname{tr}(I-A))^2", ["A"])
    (result,) = derivation.results.values()
    assert not result.is_ZeroMatrix and result.has(sp.Trace)


def test_every_backward_step_has_a_local_check_that_passes():
    derivation = derive_expression(r"\|Xw-y\|^2+\lambda\|w\|^2", ["w"])
    backward = [s for s in derivation.steps if s.check is not None]
    assert len(backward) >= 5
    assert all(r.passed for r in verify(derivation))


def test_a_wrong_rule_fails_its_check():
    from dataclasses import replace

    derivation = derive_expression(r"x^T A x", ["x"])
    key = next(iter(derivation.results))
    wrong = replace(derivation, results={key: 2 * derivation.results[key]})
    assert not all(r.passed for r in verify(wrong))


def test_shapes_symbolic_by_default_and_fixed_by_shape():
    derivation = derive_expression(r"\|Xw-y\|^2", ["w"])
    assert {k: tuple(map(str, v)) for k, v in derivation.matrices.items()} == \
        {"X": ("m", "n"), "w": ("n", "1"), "y": ("m", "1")}
    fixed = derive_expression(r"\|Xw-y\|^2", ["w"], ["X=5x2"])
    assert fixed.matrices["w"] == (2, 1) and fixed.matrices["y"] == (5, 1)


def test_json_has_exactly_one_result_per_wrt(capsys):
    code = main(["derive", "--expr", r"\operatorname{tr}(A^TA)+\operatorname{tr}(B^TB)", "--wrt", "A", "--wrt", "B",
                 "--format", "json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data["results"]) == [r"\frac{\partial f}{\partial A}", r"\frac{\partial f}{\partial B}"]
    assert any(s["lhs"].startswith(r"\frac{\partial f}{\partial u_") for s in data["steps"])


@pytest.mark.parametrize("tex, wrt, message", [
    (r"\sum_i x_i y_i", "x", r"a sum over an index (\sum)"),
    (r"Ax", "x", "not a scalar"),
    (r"x^T x", "y", "no name 'y'"),
    (r"__import__('os').system('true')", "x", "parse_error"),
    (r"f(w^T x)", "w", "the undefined function f"),
])
def test_unsupported_input_names_the_construct(tex, wrt, message, capsys):
    code = main(["derive", "--expr", tex, "--wrt", wrt])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_shape_clash_is_an_error():
    with pytest.raises(SymdlError, match="shape mismatch"):
        derive_expression(r"\|Xw-y\|^2", ["w"], ["X=3x2", "y=4"])


JACOBIANS = [
    (r"Ax", "A", lambda v: v["A"] @ v["x"]),
    (r"\sigma(Wx)", None, lambda v: _sigmoid(v["W"] @ v["x"])),
    (r"(x^Tx)x", None, lambda v: (v["x"].T @ v["x"]).item() * v["x"]),
    (r"A\tanh(Bx)", r"A \operatorname{diag}\left(1 - \tanh^{2}{\left(B x \right)}\right) B",
     lambda v: v["A"] @ np.tanh(v["B"] @ v["x"])),
]


def _jacobian_fd(f, values, name, h=1e-6):
    columns = []
    for k in range(values[name].shape[0]):
        plus = {key: np.array(v, dtype=float) for key, v in values.items()}
        minus = {key: np.array(v, dtype=float) for key, v in values.items()}
        plus[name][k, 0] += h
        minus[name][k, 0] -= h
        columns.append(((f(plus) - f(minus)) / (2 * h))[:, 0])
    return np.stack(columns, axis=1)


@pytest.mark.parametrize("tex, expected, forward", JACOBIANS, ids=[j[0] for j in JACOBIANS])
def test_jacobian_is_numerator_layout_and_agrees_with_finite_differences(tex, expected, forward):
    derivation, failed = derive_checked(tex, ["x"], jacobian=True)
    assert not failed, [r.line() for r in failed]
    (result,) = derivation.results.values()
    if expected:
        assert to_latex(result) == expected
    values = _values(derivation, np.random.default_rng(RNG_SEED))
    got = _evaluate(result, derivation, values, {})
    assert np.allclose(got, _jacobian_fd(forward, values, "x"), rtol=1e-5, atol=1e-6)


HESSIANS = [
    (r"x^T A x", r"A + A^{\top}", lambda v: (v["x"].T @ v["A"] @ v["x"]).item()),
    (r"\|Ax-b\|^2", r"2 A^{\top} A", lambda v: np.sum((v["A"] @ v["x"] - v["b"]) ** 2)),
    (r"\log(1+\exp(-w^T x))", None, lambda v: np.log1p(np.exp(-(v["w"].T @ v["x"]).item()))),
    (r"\|x\|", None, lambda v: np.sqrt(np.sum(v["x"] ** 2))),
]


@pytest.mark.parametrize("tex, expected, forward", HESSIANS, ids=[h[0] for h in HESSIANS])
def test_hessian_is_symmetric_and_agrees_with_finite_differences(tex, expected, forward):
    derivation, failed = derive_checked(tex, ["x"], hessian=True)
    assert not failed, [r.line() for r in failed]
    assert any(s.rule == "the Hessian is symmetric" and s.check is not None for s in derivation.steps)
    (result,) = derivation.results.values()
    if expected:
        assert to_latex(result) == expected
    values = _values(derivation, np.random.default_rng(RNG_SEED))
    got = _evaluate(result, derivation, values, {})

    def gradient(v):
        return central(forward, v, "x", h=1e-5)

    assert np.allclose(got, _jacobian_fd(gradient, values, "x", h=1e-4), rtol=1e-4, atol=1e-5)


def test_a_wrong_jacobian_fails_its_check():
    from dataclasses import replace

    derivation = derive_expression(r"A\tanh(Bx)", ["x"], jacobian=True)
    key = next(iter(derivation.results))
    wrong = replace(derivation, results={key: 2 * derivation.results[key]})
    assert not all(r.passed for r in verify(wrong) if r.step.startswith("result"))


def test_hessian_of_a_matrix_variable_is_refused(capsys):
    assert main(["derive", "--expr", r"\operatorname{tr}(X^TX)", "--wrt", "X", "--hessian"]) == 2
    assert "not a matrix" in capsys.readouterr().err


def test_readme_section_shows_real_output(capsys):
    """Every line the README's "Deriving your own" examples show is printed, in order ("…" skips)."""
    import re
    import shlex
    from pathlib import Path

    text = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = text.split("## Deriving your own expressions and networks", 1)[1].split("\n## ", 1)[0]
    sessions = []
    for block in re.findall(r"```console\n(.*?)```", section, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                sessions.append((line[2:], []))
            else:
                sessions[-1][1].append(line)
    assert len(sessions) == 5
    for command, shown in sessions:
        assert main(shlex.split(command)[1:]) == 0, command
        printed = iter(capsys.readouterr().out.splitlines())
        missing = [line for line in shown if line != "…" and not any(line == p for p in printed)]
        assert not missing, f"{command}: not printed in this order: {missing}"


def test_expression_options_without_an_expression_are_refused(capsys):
    assert main(["derive", "residual-block", "--wrt", "x"]) == 2
    assert "go with --expr" in capsys.readouterr().err


def test_a_greek_letter_written_transposed_is_a_vector_and_a_collapsed_vector_is_an_error(capsys):
    derivation, failed = derive_checked(r"w^T\Sigma w - \mu^T w", ["w"])
    assert not failed and to_latex(next(iter(derivation.results.values()))) == \
        r"\left(\Sigma + \Sigma^{\top}\right) w - \mu"
    assert main(["derive", "--expr", r"w^T\Sigma w - \mu w", "--wrt", "w"]) == 2
    assert "w would be a 1x1 matrix" in capsys.readouterr().err
