r"""The soundness property: for an expression e and a perturbation δ, symdl calls ``e + δ``
"equivalent" to ``e`` only when δ ≡ 0.

Hypothesis builds δ of the kinds that fooled the first checker: tiny (``3\times10^{-47}``,
``e^{-120}x^2``), far out (``\operatorname{ReLU}(x - 2417)``), behind a breakpoint (a tent
``\max(0, 10^{-3} - |x - a|)`` of width 10^{-3}), and present only at some sizes
(``(n-2)(n-3)(n-7)`` beside a sum to ``n``). And δ that are zero in disguise, which must never be
called "not equivalent".
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symdl.check import check

BASES = [r"x", r"x^{2} - 3y", r"\sigma(x)", r"\tanh(y) + x", r"e^{x/3}", r"\log(1+x^2)", r"\sqrt{x^2+1}",
         r"\operatorname{ReLU}(x) y", r"|y| + \sigma(2x)", r"\frac{x}{1+y^2}"]
SUM_BASES = [r"\sum_{i=1}^{n} x_i", r"\sum_{i=1}^{n} i\,x_i^{2}", r"\frac{1}{n}\sum_{i=1}^{n} \sigma(x_i)"]


@st.composite
def tiny(draw):
    digit, power = draw(st.integers(1, 9)), draw(st.integers(3, 90))
    factor = draw(st.sampled_from(["", "x", r"\tanh(x)", "y^{2}"]))
    if draw(st.booleans()):
        return rf"{digit}\times10^{{-{power}}}{factor}"
    return rf"e^{{-{draw(st.integers(20, 300))}}}{factor}"


@st.composite
def far_out(draw):
    where = draw(st.integers(3, 9000))
    variable = draw(st.sampled_from(["x", "y"]))
    return draw(st.sampled_from([rf"\operatorname{{ReLU}}({variable} - {where})",
                                 rf"\mathbb{{1}}[{variable} > {where}]",
                                 rf"\max(0, -{variable} - {where})"]))


@st.composite
def narrow(draw):
    width = draw(st.sampled_from(["10^{-1}", "10^{-2}", "10^{-3}", "10^{-4}"]))
    centre = draw(st.integers(-40, 40)) / 4
    return rf"\max(0, {width} - |x - {centre}|)"


@st.composite
def at_some_sizes(draw):
    roots = draw(st.lists(st.integers(1, 9), min_size=1, max_size=3))
    return "".join(f"(n-{r})" for r in roots) + draw(st.sampled_from(["", "x_1", r"\sigma(x_1)"]))


ZERO = [r"\sigma(x) + \sigma(-x) - 1", r"\cosh^2(y) - \sinh^2(y) - 1", r"\tanh(x) - 2\sigma(2x) + 1",
        r"\operatorname{ReLU}(x) - \operatorname{ReLU}(-x) - x", r"\log(e^{y}) - y", r"(x+1)^2 - x^2 - 2x - 1"]


@settings(max_examples=70, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(BASES), delta=st.one_of(tiny(), far_out(), narrow()))
def test_a_nonzero_perturbation_is_never_equivalent(base, delta):
    verdict = check(base, rf"{base} + {delta}")
    assert verdict.verdict != "equivalent", (base, delta, verdict)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(SUM_BASES), delta=at_some_sizes())
def test_a_difference_at_some_sizes_is_never_equivalent(base, delta):
    verdict = check(base, rf"{base} + {delta}")
    assert verdict.verdict != "equivalent", (base, delta, verdict)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(BASES), delta=st.sampled_from(ZERO))
def test_a_perturbation_that_is_zero_is_never_refused(base, delta):
    verdict = check(base, rf"{base} + {delta}")
    assert verdict.verdict in ("equivalent", "undecided"), (base, delta, verdict)
