"""symdl derive --expr results against torch.autograd, where torch is installed (the bench extra:
pip install -e .[bench]); skipped elsewhere, since CI need not carry torch's weight."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from symdl.expr import derive_checked  # noqa: E402
from symdl.numeric.compile import compile_arrays, leaves_of, prepare  # noqa: E402

CASES = [
    (r"\|Xw-y\|^2+\lambda\|w\|^2", "w", lambda t: torch.sum((t["X"] @ t["w"] - t["y"]) ** 2) + 0.7 * torch.sum(t["w"] ** 2)),
    (r"x^T A x", "x", lambda t: (t["x"].T @ t["A"] @ t["x"]).squeeze()),
    (r"\log\det X", "X", lambda t: torch.logdet(t["X"])),
    (r"a^T X^{-1} b", "X", lambda t: (t["a"].T @ torch.linalg.inv(t["X"]) @ t["b"]).squeeze()),
    (r"\operatorname{tr}(AXB)", "X", lambda t: torch.trace(t["A"] @ t["X"] @ t["B"])),
    (r"\frac12\|\sigma(Wx)-y\|^2", "W", lambda t: 0.5 * torch.sum((torch.sigmoid(t["W"] @ t["x"]) - t["y"]) ** 2)),
    (r"\log(1+\exp(-w^Tx))", "w", lambda t: torch.nn.functional.softplus(-(t["w"].T @ t["x"])).squeeze()),
    (r"(\operatorname{tr}(I-A))^2", "A", lambda t: torch.trace(torch.eye(len(t["A"]), dtype=torch.float64) - t["A"]) ** 2),
]


@pytest.mark.parametrize("tex, wrt, forward", CASES, ids=[c[0] for c in CASES])
def test_against_torch_autograd(tex, wrt, forward):
    derivation, failed = derive_checked(tex, [wrt])
    assert not failed
    rng = np.random.default_rng(5)
    values = {}
    for name, shape in derivation.matrices.items():
        rows, cols = (int(d.xreplace(derivation.sizes)) if hasattr(d, "xreplace") else int(d) for d in shape)
        m = rng.normal(size=(rows, cols))
        values[name] = m @ m.T + rows * np.eye(rows) if rows == cols else m
    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=(k == wrt)) for k, v in values.items()}
    forward(tensors).backward()
    (result,) = derivation.results.values()
    expr = prepare(result.xreplace({s: 0.7 for s in result.free_symbols if getattr(s, "name", "") == r"\lambda"}),
                   dict(derivation.sizes), 0)
    leaves = leaves_of([expr])
    got = compile_arrays([expr], leaves)(*[values[leaf.name][None] for leaf in leaves], batch=1)[0][0]
    assert np.allclose(np.reshape(got, values[wrt].shape), tensors[wrt].grad.numpy(), rtol=1e-7, atol=1e-9)
