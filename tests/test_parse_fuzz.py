r"""Hostile and random input: parse returns a Parsed or refuses cleanly, and does so quickly.

The hypothesis run is derandomized (fixed seed) so a failure reproduces; it prints the input.
"""

from __future__ import annotations

import os

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symdl.errors import ParseError, UnsupportedError
from symdl.parse import Context, Parsed, parse

CONTEXT = Context(
    matrices={"W": (3, 4), "x": (4, 1), r"\delta": (3, 1), "h^{(3)}": (3, 1), "W^{(2)}": (3, 3),
              r"\frac{\partial L}{\partial y}": (3, 1), "z": (5, 1), "A": (4, 4)},
    indexed={"w^{[1]}": 2, "w^{[2]}": 2, "w^{[3]}": 1},
    step_functions=frozenset({"H"}),
)

SEEDS = [
    r"\sigma(a)\left(1-\sigma(a)\right)", r"2\sigma(2a)-1", r"\frac{2}{1+e^{-2x}}-1",
    r"\frac{\partial L}{\partial W^{(1)}} = \delta x^T", r"W^{(1)} x + b^{(1)}",
    r"\left(W^{(2)}\right)^{T}\left(\frac{\partial L}{\partial y}\odot\mathbb{1}[h^{(3)}>0]\right)",
    r"\frac{\partial f}{\partial w^{[2]}_{11}}=h^{[1]}_1\,\sigma'(z^{[2]}_1)\,w^{[3]}_1",
    r"\frac{\partial f}{\partial x_{1}}=\sum_{j}w^{[1]}_{1j}\sigma'(z^{[1]}_j)\sum_{k}w^{[2]}_{jk}",
    r"\sum_{n=1}^{N}\left(y_n-wx_n\right)^{2}+7", r"\frac{1}{N}\sum_{n=1}^{N}(y_n - f(x_n; w))^2",
    r"\frac{\hat{m}_t}{\sqrt{\hat{v}_t}+\epsilon}", r"\beta_1 m_{t-1} + (1-\beta_1) g_t",
    r"\hat{m}_t = \frac{m_t}{1-\beta_1^t}", r"\operatorname{softmax}(z)_i",
    r"\frac{e^{z_i}}{\sum_j e^{z_j}}", r"\operatorname{ReLU}'(h) \odot \delta",
    r"\max(0, x) - \max(0, -x)", r"\mathbb{1}[h>0]", r"\tanh^2(a) + \operatorname{sech}^2(a)",
    r"\left\lfloor\frac{32-5+2\cdot2}{1}\right\rfloor+1", r"3\cdot3\cdot64\cdot128+128",
    r"0.659", r"3.78\times10^{9}", r"1.2e-3", r"75{,}000{,}100", r"75,000,100",
    r"\begin{bmatrix}1&0\\0&2\end{bmatrix}\begin{bmatrix}3\\4\end{bmatrix}",
    r"\frac{\partial}{\partial w}\frac{1}{2}\left(y-wx\right)^{2}", r"-(y-wx)x",
    r"\frac{d}{dx}\log\left(1+e^{x}\right)", r"E(w^{*}) + \frac{1}{2}(w-w^*)^T H (w-w^*)",
    r"M! 2^M", r"|x| + \lceil x \rceil", r"\prod_{i=1}^{n} x_i", r"\text{ReLU}(x)",
    r"\sigma_z^2 + 2\pi\sigma^{2}", r"\Delta^{(2)} + \delta^{(3)} (a^{(2)})^T",
    r"\frac{1}{2}\sum_{n=1}^{N}\{y_n - w^T\phi(x_n)\}^2", r"\sqrt[3]{x} + \sqrt{\frac{a}{b}}",
    r"\operatorname{tr}(A^{-T} A) + \log\det A - \ln|A|", r"\|W\|_F^2 + \|x\|_1 + \|x\|_2^2",
    r"\operatorname{diag}(x) - x x^T + I", r"(A + \lambda I)^{-1} + \mathbb{I}",
    r"\begin{cases} a & a > 0 \\ 0 & \text{otherwise} \end{cases}",
    r"x_1 + x_2 + \cdots + x_n", r"(1 - x_1)\cdots(1 - x_n)", r"\operatorname{artanh}(x) + \tanh^{-1} x",
    r"\frac{\partial^2 f}{\partial x \partial y} + \delta_{ij} + \mathbb{1}[i=j]",
    r"\sum_{n=1}^{N} x x^T + \frac{\partial}{\partial x^{T}} x^T A x",
]
ALPHABET = list("{}()[]^_\\|&,;.'!=<>+-*/ 0123456789abcdefghxyzWT") + [
    r"\frac", r"\left(", r"\right)", r"\sigma", r"\sum", r"\partial", r"\odot", r"^{T}",
    r"\begin{bmatrix}", r"\end{bmatrix}", r"\\", r"\text{", r"\mathbb{1}", r"^{(1)}", "\x00",
    r"\cdots", r"\det", r"\|", r"^{-T}", r"\begin{cases}", r"\end{cases}", r"\operatorname{tr}",
    r"\delta_{ij}", "I", r"\mid",
    "\x1b", "\u202e", "é", "σ", "⊙", "\u200b", "\n", "\t", r"\operatorname{", r"\sqrt{", "e^{",
    "10^{", "!", r"\hat{",
]


@st.composite
def mutated_latex(draw, max_edits: int = 3):
    """A valid seed put through edits: insert, delete, duplicate, splice a seed, cut."""
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, max_edits))):
        text = draw(_edit(text))
    return text


def _edit(text: str):
    position = st.integers(0, len(text))
    piece = st.one_of(st.sampled_from(ALPHABET), st.sampled_from(ALPHABET),
                      st.sampled_from(ALPHABET), st.text(min_size=1, max_size=3))
    return st.one_of(
        st.tuples(position, piece).map(lambda args: text[:args[0]] + args[1] + text[args[0]:]),
        st.tuples(position, st.integers(1, 4)).map(
            lambda args: text[:args[0]] + text[args[0] + args[1]:]),
        st.tuples(position, st.integers(1, 12)).map(
            lambda args: text[:args[0]] + text[args[0]:args[0] + args[1]] * 2
            + text[args[0] + args[1]:]),
        st.tuples(position, st.sampled_from(SEEDS)).map(
            lambda args: text[:args[0]] + args[1] + text[args[0]:]),
        position.map(lambda cut: text[:cut]),
    )


ATOMS = ["x", "y", "a", "W", r"\delta", "h^{(3)}", "x_i", "w^{[1]}_{ij}", r"\hat{m}_t", "0.5",
         "2", r"\epsilon", "z", r"\frac{\partial L}{\partial y}", "W^{(2)}", "n", "e", r"\pi"]
TEMPLATES_1 = [r"-{0}", r"({0})^{{2}}", r"({0})^{{T}}", r"\sigma({0})", r"\tanh^2({0})",
               r"e^{{{0}}}", r"\sqrt{{{0}}}", r"\sum_{{i=1}}^{{n}} {0}", r"\mathbb{{1}}[{0}>0]",
               r"|{0}|", r"\max(0,{0})", r"\frac{{\partial}}{{\partial x}} {0}", r"{0}!",
               r"\operatorname{{ReLU}}'({0})", r"\operatorname{{softmax}}({0})_i", r"\log({0})",
               r"\begin{{bmatrix}}{0} & 1\\ 2 & {0}\end{{bmatrix}}",
               r"\left\lfloor {0} \right\rfloor", r"\operatorname{{tr}}({0})", r"\det {0}",
               r"\|{0}\|_2", r"({0})^{{-T}}", r"{0}_1 + \cdots + {0}_n", r"\operatorname{{diag}}({0})"]
TEMPLATES_2 = [r"{0} + {1}", r"{0} - {1}", r"{0} {1}", r"{0} \cdot {1}", r"{0} \odot {1}",
               r"\frac{{{0}}}{{{1}}}", r"{0}^{{{1}}}", r"f({0}; {1})", r"{0} = {1}",
               r"\max({0}, {1})",
               r"\begin{{cases}} {0} & x > 0 \\ {1} & \text{{otherwise}} \end{{cases}}",
               r"({0} + \lambda I)^{{-1}} {1}"]


def _combine(inner):
    return st.one_of(
        st.tuples(st.sampled_from(TEMPLATES_1), inner).map(lambda p: p[0].format(p[1])),
        st.tuples(st.sampled_from(TEMPLATES_2), inner, inner).map(lambda p: p[0].format(*p[1:])),
    )


# Well-formed DL LaTeX built from a small grammar: reaches the binding layer, not just the lexer.
GRAMMAR_LATEX = st.recursive(st.sampled_from(ATOMS), _combine, max_leaves=10)

FUZZ_INPUTS = st.one_of(
    GRAMMAR_LATEX,
    GRAMMAR_LATEX.flatmap(lambda text: _edit(text)),
    mutated_latex(max_edits=1),
    mutated_latex(max_edits=3),
    mutated_latex(max_edits=8),
    st.text(max_size=60),
    st.lists(st.sampled_from(ALPHABET), max_size=30).map("".join),
)


def _parse_within_deadline(text: str):
    # No timing assertion (a loaded machine would make it flaky): the refusal limits are what keep a
    # call short, and a hang would stop the suite where it is.
    try:
        result = parse(text, CONTEXT)
    except (ParseError, UnsupportedError) as error:
        result = error
    if isinstance(result, Parsed):
        assert isinstance(result.expr, sp.Basic) and result.source == text
    else:
        assert str(result)
    return result


def test_fuzz_at_least_2000_inputs_parse_or_refuse_quickly():
    seen = []

    @settings(max_examples=2600, deadline=None, derandomize=True,
              database=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much])
    @given(FUZZ_INPUTS)
    def parse_or_refuse(text):
        seen.append(text)
        _parse_within_deadline(text)

    parse_or_refuse()
    assert len(set(seen)) >= 2000


def _deep_parentheses(levels: int) -> str:
    return "(" * levels + "x" + ")" * levels


def _matrix(side: int) -> str:
    rows = ["&".join("1" for _ in range(side)) for _ in range(side)]
    return r"\begin{bmatrix}" + r"\\".join(rows) + r"\end{bmatrix}"


HOSTILE = [
    ("huge exponent", r"2^{100000}", UnsupportedError),
    ("huge exponent on a symbol", r"x^{10^{10}}", UnsupportedError),
    ("e to a huge power", r"e^{10^{6}}", UnsupportedError),
    ("huge base", r"(10^{999})^{999}", UnsupportedError),
    ("million factorial", r"1000000!", UnsupportedError),
    ("factorial of a power", r"10^{10}!", UnsupportedError),
    ("factorial tower", r"((100)!)!", UnsupportedError),
    ("power tower", r"2^{2^{2^{2^{2^{2^{2}}}}}}", UnsupportedError),
    ("3000 levels of parentheses", _deep_parentheses(3000), ParseError),
    ("3000 levels of braces", "{" * 3000 + "x" + "}" * 3000, ParseError),
    ("100 kB answer", "x+" * 50_000 + "x", ParseError),
    ("python in mathrm", r"\mathrm{__import__('os').system('touch /tmp/symdl_pwned')}", ParseError),
    ("python in text", r"\text{__import__('os').system('touch /tmp/symdl_pwned')}", ParseError),
    ("python statement in text", r"\text{import os; os.system(1)}", ParseError),
    ("unbalanced braces", r"\frac{1}{x", ParseError),
    ("unbalanced closing", r"x}", ParseError),
    ("empty", "", ParseError),
    ("whitespace", " \n\t ", ParseError),
    ("sum to 10^12", r"\sum_{i=1}^{10^{12}} i", UnsupportedError),
    ("nested sums", r"\sum_{i=1}^{1000}\sum_{j=1}^{1000} i j", UnsupportedError),
    ("prose", r"the gradient is zero at the minimum", ParseError),
    ("prose in text", r"\text{the gradient is zero}", ParseError),
    ("control characters", "x\x00+\x1b[31m1", ParseError),
    ("bidi override", "x\u202e+1", ParseError),
    ("150x150 matrix", _matrix(150), (ParseError, UnsupportedError)),
    ("51x51 matrix", _matrix(51), UnsupportedError),
    ("matrix power", _matrix(40) + "^{16}", UnsupportedError),
    ("swelling derivative", r"\frac{d}{dx}" * 10 + r"e^{x^{x^{x}}}", UnsupportedError),
    ("many derivatives", r"\frac{d}{dx}" * 20 + "x", UnsupportedError),
    ("long number", "9" * 5000, UnsupportedError),
    ("long product", " ".join("a" for _ in range(2000)), UnsupportedError),
    ("many terms", "+".join("a" for _ in range(4900)), UnsupportedError),
    ("not a string", b"x+1", ParseError),
    ("elided sum to 10^9", r"x_1 + \cdots + x_{10^{9}}", UnsupportedError),
    ("elided product to 10^5", r"x_1 \cdots x_{100000}", UnsupportedError),
    ("determinant of an 11x11 literal", r"\det" + _matrix(11), UnsupportedError),
    ("inverse of a 5x5 symbolic literal", r"\begin{bmatrix}a&0&0&0&0\\0&a&0&0&0\\0&0&a&0&0\\"
     r"0&0&0&a&0\\0&0&0&0&a\end{bmatrix}^{-1}", UnsupportedError),
    ("60 cases", r"\begin{cases}" + r"\\".join(f"{k} & x > {k}" for k in range(60))
     + r"\end{cases}", UnsupportedError),
    ("sum of matrices to 10^12", r"\sum_{i=1}^{10^{12}} W^{(2)}", UnsupportedError),
]


@pytest.mark.parametrize("label, text, refusal", HOSTILE, ids=[row[0] for row in HOSTILE])
def test_hostile_input_is_refused_quickly(label, text, refusal):
    with pytest.raises(refusal):
        parse(text, CONTEXT)
    assert not os.path.exists("/tmp/symdl_pwned")


@pytest.mark.parametrize("text, column", [
    (_deep_parentheses(3000), 101),
    ("x+" * 50_000, 10_001),
    ("x\x00", 2),
    (r"\frac{1}{x", 9),
])
def test_refusals_name_the_column(text, column):
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert caught.value.column == column


@pytest.mark.parametrize("text", [
    _deep_parentheses(99),
    r"\frac{1}{" * 99 + "x" + "}" * 99,
    r"\tanh(" * 99 + "x" + ")" * 99,
    r"\sqrt{" * 99 + "x" + "}" * 99,
    "x^{" * 99 + "x" + "}" * 99,
    _matrix(50),
    r"\operatorname{__import__}(x)",
])
def test_large_but_allowed_input_parses_quickly(text):
    assert isinstance(parse(text), Parsed)
