r"""Matrix Cookbook and ML identities derived from their left sides by symdl derive --expr: the textbook
right side, every step verified, and the result against central finite differences of a NumPy
forward function written here, independently of symdl."""

import numpy as np
import pytest

from symdl.expr import derive_checked
from symdl.latex import to_latex
from expr_helpers import central, compiled_value

inv, det, tr = np.linalg.inv, np.linalg.det, np.trace


def _sig(z):
    return 1 / (1 + np.exp(-z))


# (left side, variable, right side as symdl prints it or None, NumPy forward of the values by name)
IDENTITIES = [
    (r"a^T X^T b", "X", r"b a^{\top}", lambda v: (v["a"].T @ v["X"].T @ v["b"]).item()),
    (r"b^T X^T X c", "X", r"X \left(c b^{\top} + b c^{\top}\right)", lambda v: (v["b"].T @ v["X"].T @ v["X"] @ v["c"]).item()),
    (r"(Xb+c)^T D (Xb+c)", "X", r"\left(D + D^{\top}\right) \left(X b + c\right) b^{\top}",
     lambda v: ((v["X"] @ v["b"] + v["c"]).T @ v["D"] @ (v["X"] @ v["b"] + v["c"])).item()),
    (r"\operatorname{tr}(X)", "X", r"\mathbb{I}", lambda v: tr(v["X"])),
    (r"\operatorname{tr}(XA)", "X", r"A^{\top}", lambda v: tr(v["X"] @ v["A"])),
    (r"\operatorname{tr}(X^TA)", "X", "A", lambda v: tr(v["X"].T @ v["A"])),
    (r"\operatorname{tr}(AXBX)", "X", r"A^{\top} X^{\top} B^{\top} + B^{\top} X^{\top} A^{\top}",
     lambda v: tr(v["A"] @ v["X"] @ v["B"] @ v["X"])),
    (r"\operatorname{tr}(X^2)", "X", r"2 X^{\top}", lambda v: tr(v["X"] @ v["X"])),
    (r"\operatorname{tr}(X^TBX)", "X", r"\left(B + B^{\top}\right) X", lambda v: tr(v["X"].T @ v["B"] @ v["X"])),
    (r"\operatorname{tr}(XBX^T)", "X", r"X \left(B + B^{\top}\right)", lambda v: tr(v["X"] @ v["B"] @ v["X"].T)),
    (r"\operatorname{tr}(AXBX^TC)", "X", r"C A X B + A^{\top} C^{\top} X B^{\top}",
     lambda v: tr(v["A"] @ v["X"] @ v["B"] @ v["X"].T @ v["C"])),
    (r"\operatorname{tr}(X^{-1})", "X", r"-X^{-\top} X^{-\top}", lambda v: tr(inv(v["X"]))),
    (r"\operatorname{tr}(AX^{-1}B)", "X", r"-X^{-\top} A^{\top} B^{\top} X^{-\top}",
     lambda v: tr(v["A"] @ inv(v["X"]) @ v["B"])),
    (r"\det(X)", "X", r"\left|{X}\right| X^{-\top}", lambda v: det(v["X"])),
    (r"\det(AXB)", "X", None, lambda v: det(v["A"] @ v["X"] @ v["B"])),
    (r"\log|X^TX|", "X", None, lambda v: np.log(det(v["X"].T @ v["X"]))),
    (r"a^T X^{-T} b", "X", r"-X^{-\top} b a^{\top} X^{-\top}", lambda v: (v["a"].T @ inv(v["X"]).T @ v["b"]).item()),
    (r"\|x\|_2", "x", None, lambda v: np.linalg.norm(v["x"])),
    (r"\|x-a\|^2", "x", r"2 \left(x - a\right)", lambda v: np.sum((v["x"] - v["a"]) ** 2)),
    (r"\|AX-B\|_F^2", "X", r"2 A^{\top} \left(A X - B\right)", lambda v: np.sum((v["A"] @ v["X"] - v["B"]) ** 2)),
    (r"\frac{1}{2}(y-Xw)^T(y-Xw)", "w", r"X^{\top} \left(X w - y\right)",
     lambda v: 0.5 * np.sum((v["y"] - v["X"] @ v["w"]) ** 2)),
    (r"x^T A x + b^T x", "x", r"\left(A + A^{\top}\right) x + b", lambda v: (v["x"].T @ v["A"] @ v["x"] + v["b"].T @ v["x"]).item()),
    (r"(a^Tx)^2", "x", None, lambda v: (v["a"].T @ v["x"]).item() ** 2),
    (r"\frac{a^Tx}{b^Tx}", "x", None, lambda v: (v["a"].T @ v["x"]).item() / (v["b"].T @ v["x"]).item()),
    (r"\exp(a^T x)", "x", r"e^{a^{\top} x} a", lambda v: np.exp((v["a"].T @ v["x"]).item())),
    (r"\log(1+\exp(-w^Tx))", "w", r"- \sigma\left(- w^{\top} x\right) x", lambda v: np.log1p(np.exp(-(v["w"].T @ v["x"]).item()))),
    (r"\operatorname{tr}(A\operatorname{diag}(x))", "x", r"\operatorname{diag}\left(A\right)", lambda v: tr(v["A"] @ np.diag(v["x"][:, 0]))),
    (r"a^T(x\odot x)", "x", r"2 \left(a \odot x\right)", lambda v: (v["a"].T @ (v["x"] * v["x"])).item()),
    (r"\|x\|^{-1}", "x", None, lambda v: 1 / np.linalg.norm(v["x"])),
    (r"\operatorname{tr}(X^TAX)^2", "X", None, lambda v: tr(v["X"].T @ v["A"] @ v["X"]) ** 2),
    (r"\|W_2\sigma(W_1x)-y\|^2", "W_1", None, lambda v: np.sum((v["W_{2}"] @ _sig(v["W_{1}"] @ v["x"]) - v["y"]) ** 2)),
    (r"\|\tanh(Wx+b)-y\|^2", "b", None, lambda v: np.sum((np.tanh(v["W"] @ v["x"] + v["b"]) - v["y"]) ** 2)),
    (r"\sigma(w^Tx)", "w", None, lambda v: _sig((v["w"].T @ v["x"]).item())),
    (r"\det(X^{-1})", "X", r"- \left|{X^{-1}}\right| X^{-\top}", lambda v: 1 / det(v["X"])),
    (r"\log\det(X^TX + \lambda I)", "X", None, lambda v: np.log(det(v["X"].T @ v["X"] + 0.5 * np.eye(v["X"].shape[1])))),
    (r"\operatorname{tr}((X^TX)^{-1})", "X", None, lambda v: tr(inv(v["X"].T @ v["X"]))),
    (r"\operatorname{tr}(X^{-1}A)+\log\det X", "X", None, lambda v: tr(inv(v["X"]) @ v["A"]) + np.log(det(v["X"]))),
]


def _draw(derivation, rng):
    values = {}
    for name, shape in derivation.matrices.items():
        rows, cols = (int(d.xreplace(derivation.sizes)) if hasattr(d, "xreplace") else int(d) for d in shape)
        m = rng.normal(size=(rows, cols))
        values[name] = m @ m.T + rows * np.eye(rows) if rows == cols else m  # square: invertible, det > 0
    return values


@pytest.mark.parametrize("tex, wrt, expected, forward", IDENTITIES, ids=[i[0] for i in IDENTITIES])
def test_identity(tex, wrt, expected, forward):
    derivation, failed = derive_checked(tex, [wrt])
    assert not failed, [r.line() for r in failed]
    (result,) = derivation.results.values()
    if expected is not None:
        assert to_latex(result) == expected
    values = {**_draw(derivation, np.random.default_rng(2026)), r"\lambda": 0.5}
    name = next(n for n in derivation.matrices if n.replace("{", "").replace("}", "") == wrt.replace("{", "").replace("}", ""))
    got = compiled_value(result, derivation.sizes, values).reshape(values[name].shape)
    assert np.allclose(got, central(forward, values, name), rtol=1e-5, atol=1e-6)
