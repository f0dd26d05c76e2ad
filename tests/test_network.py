"""Network files (symdl derive my-net.toml): the two shipped examples verified, their results against
central finite differences of hand-written NumPy forward functions, check and export, and bad files."""

import shutil
import subprocess

import numpy as np
import pytest
import sympy as sp

from expr_helpers import central, compiled_value
from symdl import registry
from symdl.cli import main
from symdl.errors import SymdlError
from symdl.network import build
from symdl.verify import verify

SEED = 7


def _relu(z):
    return np.maximum(z, 0)


def _softmax_columns(s):
    e = np.exp(s - s.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def mlp(v):
    z1 = v["W^{(1)}"] @ v["x"] + v["b^{(1)}"]
    z2 = v["W^{(2)}"] @ _relu(z1) + v["b^{(2)}"]
    return -float(v["t"][:, 0] @ np.log(_softmax_columns(z2))[:, 0])


def attention(v):
    q, k, val = v["W_{Q}"] @ v["X"], v["W_{K}"] @ v["X"], v["W_{V}"] @ v["X"]
    a = _softmax_columns(k.T @ q / np.sqrt(q.shape[0]))
    return 0.5 * float(np.sum((val @ a - v["T"]) ** 2))


def _values(derivation, rng):
    values = {}
    for name, (rows, cols) in derivation.matrices.items():
        if name.startswith(r"\frac"):
            continue
        values[name] = rng.normal(size=(int(sp.sympify(rows).xreplace(derivation.sizes)),
                                        int(sp.sympify(cols).xreplace(derivation.sizes))))
    return values


def _inputs(derivation):
    return [n for n in derivation.matrices if not n.startswith(r"\frac") and
            sp.MatrixSymbol(n, *derivation.matrices[n]) not in derivation.definitions]


def _evaluate(expr, derivation, values):
    """The claim's value, its intermediate values by their definitions."""
    for _ in range(len(derivation.definitions) + 1):
        expr = expr.xreplace(dict(derivation.definitions))
    return compiled_value(expr, derivation.sizes, values)


@pytest.mark.parametrize("name, forward", [("mlp-softmax", mlp), ("attention-head", attention)])
def test_example_networks_verify_and_agree_with_finite_differences(name, forward):
    derivation = registry.build(name)
    results = verify(derivation)
    assert results and all(r.passed for r in results), [r.line() for r in results if not r.passed]
    assert len(derivation.results) == len(derivation.result_checks) >= 4
    values = _values(derivation, np.random.default_rng(SEED))
    if name == "mlp-softmax":
        values["t"] = np.eye(len(values["t"]))[:, [1]]
    values = {k: v for k, v in values.items() if k in _inputs(derivation)}
    for key, result in derivation.results.items():
        wrt = key.split(r"\partial ")[-1][:-1]
        got = _evaluate(result, derivation, values).reshape(values[wrt].shape)
        assert np.allclose(got, central(forward, values, wrt), rtol=1e-5, atol=1e-6), key


def test_a_network_file_by_path_derives_and_checks(tmp_path, capsys):
    path = tmp_path / "net.toml"
    path.write_text(
        'title = "one layer"\nwrt = ["W"]\n[inputs]\nx = [3]\nW = [2, 3]\nt = [2]\n'
        '[[layer]]\nop = "linear"\nweight = "W"\ninput = "x"\nname = "y"\n'
        '[[layer]]\nop = "squared_error"\ninput = "y"\ntarget = "t"\nname = "L"\n', encoding="utf-8")
    assert main(["derive", str(path), "--format", "text"]) == 0
    assert "∂L/∂W = (y - t) xᵀ" in capsys.readouterr().out
    assert main(["check", "--derivation", str(path), "--answer", r"\frac{\partial L}{\partial W} = (Wx - t)x^T"]) == 0
    assert main(["check", "--derivation", str(path), "--answer", r"\frac{\partial L}{\partial W} = x(Wx - t)^T"]) != 0


def test_a_convolution_network_verifies_and_agrees_with_finite_differences(tmp_path):
    path = tmp_path / "conv.toml"
    path.write_text(
        'wrt = ["X", "K"]\n[inputs]\nX = [6, 5]\nK = [3, 2]\nT = [4, 4]\n'
        '[[layer]]\nop = "convolution"\ninput = "X"\nkernel = "K"\nname = "Y"\n'
        '[[layer]]\nop = "activation"\nfunction = "tanh"\ninput = "Y"\nname = "H"\n'
        '[[layer]]\nop = "squared_error"\ninput = "H"\ntarget = "T"\nname = "L"\n', encoding="utf-8")
    derivation = registry.build(str(path))
    assert all(r.passed for r in verify(derivation))

    def forward(v):
        x, k = v["X"], v["K"]
        y = np.array([[np.sum(k * x[i:i + 3, j:j + 2]) for j in range(4)] for i in range(4)])
        return 0.5 * np.sum((np.tanh(y) - v["T"]) ** 2)

    values = {k: v for k, v in _values(derivation, np.random.default_rng(SEED)).items() if k in ("X", "K", "T")}
    for wrt in ("X", "K"):
        got = _evaluate(derivation.results[rf"\frac{{\partial L}}{{\partial {wrt}}}"], derivation, values)
        assert np.allclose(got.reshape(values[wrt].shape), central(forward, values, wrt), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("body, message", [
    ('[inputs]\nx = [3]\n[[layer]]\nop = "linear"\nweight = "W"\ninput = "x"\nname = "y"\n', "layer 1: field 'weight'"),
    ('[inputs]\nx = [3]\n[[layer]]\nop = "conv9"\ninput = "x"\nname = "y"\n', "field 'op'"),
    ('[inputs]\n"\\\\input{x}" = [3]\n[[layer]]\nop = "softmax"\ninput = "x"\nname = "y"\n', "is not a name"),
    ('[inputs]\nx = [3]\nW = [2, 4]\n[[layer]]\nop = "linear"\nweight = "W"\ninput = "x"\nname = "y"\n', "differ"),
    ('[inputs]\nx = [3]\n[[layer]]\nop = "softmax"\ninput = "x"\nname = "y"\n', "scalar loss"),
])
def test_bad_network_files_are_refused_by_layer_and_field(tmp_path, capsys, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    assert main(["derive", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_build_takes_a_table_and_refuses_unknown_fields():
    with pytest.raises(SymdlError, match="unknown field"):
        build({"inputs": {"x": [2]}, "layer": [], "import": "os"})


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_the_two_examples_export_to_a_pdf_that_compiles(tmp_path):
    assert main(["export", "mlp-softmax", "attention-head", "-o", str(tmp_path / "nets.tex")]) == 0
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "nets.tex"], cwd=tmp_path,
                          capture_output=True, timeout=180)
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "nets.pdf").stat().st_size > 10_000
