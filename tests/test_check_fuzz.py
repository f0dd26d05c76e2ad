"""End-to-end fuzz of the checker: generated and mutated answers never escape as exceptions."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symdl.check import check, check_derivation

ATOMS = ["x", "y", "a", "2", "0.5", r"\sigma(x)", r"\tanh(a)", r"\operatorname{ReLU}(x)", r"e^{x}", r"\log(1+x^2)",
         r"\sqrt{x^2+1}", r"\frac{1}{1+e^{-x}}", r"\mathbb{1}[x>0]", r"W^{(1)}", r"\hat{m}_t", r"\epsilon", "f(x)"]
OPS = ["+", "-", r"\cdot", "", "^", r"\odot", "/"]


@st.composite
def expressions(draw, depth=3):
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(ATOMS))
    left, right = draw(expressions(depth=depth - 1)), draw(expressions(depth=depth - 1))
    op = draw(st.sampled_from(OPS))
    if op == "^":
        return "{" + left + "}^{" + draw(st.sampled_from(["2", "3", "-1", "x"])) + "}"
    if op == "/":
        return r"\frac{" + left + "}{" + right + "}"
    return f"\\left({left}\\right) {op} {right}"


@st.composite
def mutated(draw):
    text = draw(expressions())
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.sampled_from(["{", "}", "(", ")", "^", "_", "\\", "x", " ", "=", "&"])) + text[i:]
    return text


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(expected=expressions(), answer=mutated())
def test_check_always_returns_a_verdict(expected, answer):
    verdict = check(expected, answer)
    assert verdict.verdict in ("equivalent", "not_equivalent", "undecided", "error")
    if verdict.verdict == "equivalent":
        assert check(expected, answer).verdict == "equivalent"  # deterministic


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(answer=mutated())
def test_check_derivation_always_returns_a_verdict(answer):
    verdict = check_derivation("residual-block", r"\frac{\partial L}{\partial h^{(3)}} = " + answer)
    assert verdict.verdict in ("not_equivalent", "undecided", "error")
