"""Plain text (``symdl derive NAME --format text``): one renderer, from the LaTeX the documents print.

Item 1 of issue 14: the text format printed ``\\left(``, ``H_l-1``, raw ``$σ'(a)$`` rules, a SymPy
``Product(…)`` and ``scalar(…)``.
"""

import pytest

from symdl import registry
from symdl.cli import main
from symdl.render import derivation_to_text

NAMES = registry.names()


@pytest.fixture(scope="module")
def texts():
    return {name: derivation_to_text(registry.build(name)) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_no_latex_command_and_no_sympy_repr_in_any_derivation(texts, name):
    text = texts[name]
    assert "\\" not in text, [line for line in text.splitlines() if "\\" in line][:3]
    assert "$" not in text
    for repr_name in ("Product(", "Sum(", "scalar(", "Matrix(", "Indexed", "MatMul", "Transpose("):
        assert repr_name not in text, (name, repr_name)


def test_every_sheet_question_reads_as_text():
    """The sheets' questions use other parameters (and expression questions), and titles with math."""
    from symdl.export.assignment import build_question, builtin_names, find, load

    for sheet in builtin_names():
        for question in load(find(sheet)).questions:
            text = derivation_to_text(build_question(question)[0])
            assert "\\" not in text and "$" not in text, (sheet, question.title)


def test_the_readme_command_reads_as_math(capsys):
    assert main(["derive", "residual-block", "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert "H_l = ReLU(W^(l)_b σ(W^(l)_a H_(l-1)) + H_(l-1))" in out
    assert "∂L/∂x = ∂L/∂h^(3) + (W^(1))ᵀ (∂L/∂h^(1))" in out
    assert "[definition of the stack, l = 1, …, 2]" in out


def test_rules_lose_their_dollars(texts):
    assert "[chain rule: d/da(1 + e^(-a))^(-1) = -(1 + e^(-a))^(-2)·(-e^(-a))]" in texts["tanh-sigmoid"]
    assert "E(w) ≈ E(w^*) + ((w - w^*)ᵀ H (w - w^*))/2" in texts["hessian-quadratic"]


@pytest.mark.parametrize("tex, text", [
    (r"\frac{\partial L}{\partial W^{(1)}}", "∂L/∂W^(1)"),
    (r"\left(W^{(2)}\right)^{\top}", "(W^(2))ᵀ"),
    (r"H_{l-1}", "H_(l-1)"),
    (r"e^{z_{i}}", "e^(z_i)"),
    (r"\delta_{i j}", "δ_ij"),
    (r"\frac{1}{2 c}", "1/(2c)"),
    (r"\frac{1}{2} x", "(1/2) x"),
    (r"\frac{e^{-a}}{1 + e^{-a}}", "e^(-a)/(1 + e^(-a))"),
    (r"\sqrt{\lambda_{1}} + \sqrt{2 c}", "√λ_1 + √(2c)"),
    (r"\left(-1.3\right) \cdot 2 - x", "(-1.3)·2 - x"),
    (r"2\sigma\left(2a\right) - 1", "2σ(2a) - 1"),
    (r"\begin{bmatrix}1 & 2 \\ 3 & 4\end{bmatrix}", "[1, 2; 3, 4]"),
    (r"\left\lfloor \frac{H - F + 2P}{S} \right\rfloor + 1", "⌊(H - F + 2P)/S⌋ + 1"),
    (r"\hat{z}_{1} \approx -1.26491", "ẑ_1 ≈ -1.26491"),
    (r"\operatorname{ReLU}\left(h\right) \odot \mathbb{1}\left[h>0\right]", "ReLU(h) ⊙ 1[h > 0]"),
    (r"\Sigma^{-\top}", "Σ^(-T)"),
    (r"\unknowncommand x", "unknowncommand x"),
])
def test_latex_to_text(tex, text):
    from symdl.text import latex_to_text

    assert latex_to_text(tex) == text


def test_prose_keeps_its_words_and_loses_its_dollars():
    from symdl.text import prose_to_text

    assert prose_to_text(r"definition of $\sigma$ at $2a$, costs \$3") == "definition of σ at 2a, costs $3"
