r"""The labelled table of workings (issue 10): where a working first goes wrong, if anywhere.

Each case is a record in ``symdl grade``'s input format (``id``, ``answer``, optional ``expected``,
``derivation``, ``assume``, ``indices``, ``shape``) with its label ``first_wrong``: the 0-based index of
the working's first wrong line (the line holding the right side of the first false relation), or
None when every step holds. ``why`` says what the working does and, for a wrong one, what the slip
is. Every label was worked by hand and checked numerically (mpmath, numpy, SymPy on hand-written
expressions), never taken from symdl.

The labels follow the conventions of the issue: each line is judged against its own predecessor,
so the lines after a mistake are right when they follow from it (error carried forward); the first
line's left side names the quantity and is no claim unless it is plain arithmetic; a decimal is
right when it is its predecessor rounded to the digits written, or follows from decimals rounded
earlier (carried rounding); a rounding needs two significant figures (NOTATION.md: ``0.7`` does not
answer 0.659); truncation is wrong; ``\Rightarrow`` and inequalities are not checked.

Optional keys beyond the grade format:
- ``category``: what the case exercises (the table's coverage is counted by it);
- ``wrong``: every line holding a false relation, when more than ``first_wrong`` (default
  ``[first_wrong]``: the lines after the mistake are right relative to it);
- ``verdict``: the whole working's verdict when a correct working's last value misses ``expected``
  or the derivation's result (every step holds, the answer does not);
- ``xfail``, ``xfail_lines``, ``xfail_confirm``: why symdl gets the label wrong today, for the test
  of ``first_wrong``, of the wrong lines, or of a correct working being confirmed ``equivalent``
  (not ``undecided``). The tests mark these ``xfail(strict=True)``, so a fix shows up.
"""

# Why symdl misses some correctly labelled cases today.
FOLDED = ("a decimal combined with other numbers is folded into one exact rational when the line is read"
          " (0.5 - 0.031623 -> 468377/1000000, 3/1.871 -> 3000/1871), so carried rounding has no decimal left"
          " to widen and a correct rounding is called wrong")
TOO_FEW_DIGITS = ("the carried-rounding fallback widens the line's own decimal (0.7 to [0.65, 0.75]) and accepts"
                  " it without the two-significant-figure rule the direct check applies")
NAMED_POWER = ("only a plain name (symbol, indexed symbol, function value) on a line's left starts a new"
               " quantity; sigma^2 is a power, so it is checked against its own definition and called wrong")
SOLVED = ("an equation that starts a line (a derivative set to zero, a result after \\Rightarrow) is read as"
          " a chain claiming its two sides are identically equal, so a correct solution is called wrong")
SHAPES_IN_LINE = ("a line whose own terms have different shapes is not read (verdict 'error', 'shape mismatch:"
                  " cannot add a 4x3 and a 2x3 matrix'), so it is never a wrong step; check() calls the same"
                  " answer not_equivalent with diagnosis 'shape mismatch'")
UNHONOURED = ("the fact w - w^{*} = \\sum_{i}\\alpha_iu_i is not honoured (its right side reads as a scalar Sum"
              " and MatAdd refuses to mix it with w^{*}), so a wrong step that mentions w is only 'undecided'")
MATRIX_SUM = ("a sum over the vector family u_i (\\sum_{i}\\alpha_iu_i inside a product) is a MatrixSum the"
              " evaluator cannot evaluate, and the fact defining w - w^{*} is not honoured: the step is"
              " 'undecided'")

# The quadratic approximation near a minimum: H symmetric with orthonormal eigenvectors u_i (Sheet A.4),
# stated as the shared examples w62 and w64 state it.
HESSIAN = {
    "shape": {"H": [3, 3], "w": [3, 1], "w^{*}": [3, 1], "u_i": [3, 1]},
    "assume": [r"Hu_i = \lambda_iu_i", r"u_i^{T}u_j = \delta_{ij}", r"w - w^{*} = \sum_{i}\alpha_iu_i",
               r"H^{T} = H"],
    "indices": {"i": [1, 3], "j": [1, 3], "k": [1, 3]},
}
MOMENTUM = [r"\beta = 0.9", r"v_0 = 0.5", r"\eta = 0.1", r"g = 0.2"]  # Sheet C.4's data as definitions
MEAN = [r"\mu_z = \frac{1}{n}\sum_{i=1}^{n}z_i"]
SIGMA = [r"\sigma > 0"]
SOFTMAX2 = [r"p_1 = \frac{e^{z_1}}{e^{z_1} + e^{z_2}}"]
MLP = [r"D = 784", r"M = 100", r"K = 10"]
RES = r"\left(y_n - f(x_n;w)\right)^{2}"  # one squared residual of Sheet D.5
NLL0 = (r"-\ln L &= -\sum_{n=1}^{N}\ln\left(\frac{1}{\sqrt{2\pi}\sigma}\exp\left(-\frac{" + RES
        + r"}{2\sigma^{2}}\right)\right) \\")
NLL1 = r" &= \sum_{n=1}^{N}\left(\ln\sigma + \frac{1}{2}\ln(2\pi) + \frac{" + RES + r"}{2\sigma^{2}}\right) \\"
HESS01 = (r"E(w) &= E(w^{*}) + \frac{1}{2}(w - w^{*})^{T}H(w - w^{*}) \\"
          r" &= E(w^{*}) + \frac{1}{2}\left(\sum_{i}\alpha_iu_i\right)^{T}H\left(\sum_{j}\alpha_ju_j\right) \\")
RMSPROP0 = r"w_1 &= 0.5 - \frac{0.01 \times 0.2}{\sqrt{0.9 \times 0 + 0.1 \times 0.2^{2}}} \\"
ADAM0 = r"w_1 &= 0.5 - 0.001 \times \frac{\frac{0.01}{1 - 0.9}}{\sqrt{\frac{0.00001}{1 - 0.999}}} \\"
SOFTMAX_VECTOR0 = r"p &= \frac{1}{e^{2.0} + e^{1.0} + e^{0.1}}\begin{bmatrix}e^{2.0}\\e^{1.0}\\e^{0.1}\end{bmatrix} \\"
NEURON0 = (r"z &= \begin{bmatrix}0.001 & 0.01 & -0.005 & -1.2\end{bmatrix}\begin{bmatrix}0.2\\-1.3\\2\\0.01\end{bmatrix} \\"
           r" &= 0.001 \times 0.2 + 0.01 \times (-1.3) + (-0.005) \times 2 + (-1.2) \times 0.01 \\")
RELU1 = (r"h^{(1)} &= \operatorname{ReLU}\left(\begin{bmatrix}0.1 & -0.1\\0.2 & 0.3\end{bmatrix}"
         r"\begin{bmatrix}0.5\\-1.0\end{bmatrix}\right) \\ &= \operatorname{ReLU}\left(\begin{bmatrix}0.15\\-0.2\end{bmatrix}\right) \\")


def aligned(*lines: str) -> str:
    return r"\begin{aligned}" + " ".join(lines) + r"\end{aligned}"


CASES = [
    # ==== every accepted LaTeX form, correct workings ==============================================
    dict(id="form-aligned-conv-size", category="form", first_wrong=None,
         answer=aligned(r"H_{out} &= \left\lfloor\frac{128 + 2 \times 3 - 7}{2}\right\rfloor + 1 \\",
                        r"&= \left\lfloor\frac{127}{2}\right\rfloor + 1 \\ &= 63 + 1 \\ &= 64"),
         why="C.6: 128x128 input, 7x7 kernel, stride 2, padding 3: floor(127/2) + 1 = 64"),
    dict(id="form-align-star-tag-conv-params", category="form", first_wrong=None,
         answer=r"\begin{align*}P &= 10 \times (5 \times 5 \times 3 + 1) \tag{1} \\ &= 10 \times 76 \\"
                r" &= 760\end{align*}",
         why="C.2: ten 5x5 filters on RGB: 5*5*3 weights + 1 bias each, 760 parameters; \\tag ignored"),
    dict(id="form-eqnarray-fc-params", category="form", first_wrong=None,
         answer=r"\begin{eqnarray}N &=& 500 \times 500 \times 3 \times 100 + 100 \\"
                r" &=& 750000 \times 100 + 100 \\ &=& 75{,}000{,}100\end{eqnarray}",
         why="C.1: 500x500 RGB into 100 units: 750000*100 weights + 100 biases = 75,000,100"),
    dict(id="form-gathered-tanh-sigmoid", category="form", first_wrong=None,
         answer=r"\begin{gathered}2\sigma(2a) - 1 \\ = \frac{2}{1 + e^{-2a}} - 1 \\"
                r" = \frac{1 - e^{-2a}}{1 + e^{-2a}} \\ = \frac{e^{a} - e^{-a}}{e^{a} + e^{-a}} \\"
                r" = \tanh(a)\end{gathered}",
         why="A.3: 2 sigma(2a) - 1 = tanh(a); multiply top and bottom by e^a in line 3"),
    dict(id="form-bare-lines-one-neuron", category="form", first_wrong=None,
         answer=r"z = \begin{bmatrix}0.001 & 0.01 & -0.005 & -1.2\end{bmatrix}"
                r"\begin{bmatrix}0.2\\-1.3\\2\\0.01\end{bmatrix} \\"
                r" = 0.001 \times 0.2 + 0.01 \times (-1.3) + (-0.005) \times 2 + (-1.2) \times 0.01 \\"
                r" = 0.0002 - 0.013 - 0.01 - 0.012 \\ = -0.0348",
         why="B.1: z = w^T x = 0.0002 - 0.013 - 0.01 - 0.012 = -0.0348; lines joined by \\\\ alone"),
    dict(id="form-one-line-chain-1x1-conv", category="form", first_wrong=None,
         answer=r"28 \times 28 \times 32 \times 192 = 784 \times 6144 = 4816896",
         why="B.6: multiplications of a 1x1 conv 28x28x192 -> 28x28x32; the arithmetic left side is checked"),
    dict(id="form-dollar-blocks-sigmoid-symmetry", category="form", first_wrong=None,
         answer="$$\\sigma(-a) = \\frac{1}{1 + e^{a}}$$\n$$= \\frac{e^{-a}}{e^{-a} + 1}$$\n"
                "$$= 1 - \\frac{1}{1 + e^{-a}}$$\n$$= 1 - \\sigma(a)$$",
         why="sigma(-a) = 1 - sigma(a), each step a separate $$ block continuing with ="),
    dict(id="form-text-remarks-momentum", category="form", first_wrong=None, assume=MOMENTUM,
         answer=aligned(r"v_1 &= \beta v_0 - \eta g \\",
                        r"&= 0.9 \times 0.5 - 0.1 \times 0.2 \quad \text{(substituting the values)} \\",
                        r"&= 0.45 - 0.02 \\ &= 0.43 \qquad \text{new velocity}"),
         why="C.4 momentum: v_1 = 0.9*0.5 - 0.1*0.2 = 0.43; remarks in \\text{} ignored"),
    dict(id="form-quad-tags-receptive-field", category="form", first_wrong=None,
         answer=aligned(r"r &= 1 + 4 \times (3 - 1) \quad (1) \\ &= 1 + 8 \quad (2) \\ &= 9 \quad (3)"),
         why="A.2: four 3x3 convolutions, stride 1: each adds k - 1 = 2, so 9; \\quad (n) tags ignored"),
    dict(id="form-align-label-adam-mhat", category="form", first_wrong=None,
         answer=r"\begin{align}\hat{m}_1 &= \frac{(1 - 0.9) \times 0.1}{1 - 0.9^{1}} \label{eq:m} \\"
                r" &= \frac{0.01}{0.1} \nonumber \\ &= 0.1\end{align}",
         why="C.4 Adam: the bias-corrected first moment after one step with g = 0.1 is g itself"),
    dict(id="form-approx-softmax", category="form", first_wrong=None,
         answer=aligned(r"p_1 &= \frac{e^{2}}{e^{2} + e^{1} + e^{0.1}} \\ &\approx 0.659"),
         why="B.2: p_1 = 0.65900..., approximately 0.659"),
    dict(id="form-inequality-unchecked", category="form", first_wrong=None,
         answer=aligned(r"\sigma'(a) &= \sigma(a)\left(1 - \sigma(a)\right) \\ &\le \frac{1}{4}"),
         why="sigma' = sigma(1 - sigma) (checked) and at most 1/4 (an inequality: not checked)"),
    dict(id="form-implies-identity", category="form", first_wrong=None,
         answer=aligned(r"\sigma(a) &= \frac{1}{1 + e^{-a}} \\",
                        r"\Rightarrow 1 - \sigma(a) &= \frac{e^{-a}}{1 + e^{-a}}"),
         why="the step after => is a new identity, true on its own: 1 - 1/(1 + e^{-a}) = e^{-a}/(1 + e^{-a})"),

    # ==== errors in each form ====================================================================
    dict(id="form-dollar-blocks-jump-to-result", category="form", first_wrong=2, wrong=[2, 3],
         answer="$$\\sigma(-a) = \\frac{1}{1 + e^{a}}$$\n$$= \\frac{e^{-a}}{e^{-a} + 1}$$\n"
                "$$= 1 - \\frac{e^{-a}}{1 + e^{-a}}$$\n$$= 1 - \\sigma(a)$$",
         why="1 - e^{-a}/(1 + e^{-a}) is sigma(a), not e^{-a}/(1 + e^{-a}) (block 2); block 3 writes the"
             " wanted result, which is not what block 2 equals (sigma(a) != 1 - sigma(a))"),
    dict(id="form-align-star-tag-error-at-end", category="form", first_wrong=2,
         answer=r"\begin{align*}\hat{v}_1 &= \frac{(1 - 0.999) \times 0.1^{2}}{1 - 0.999^{1}} \tag{2} \\"
                r" &= \frac{0.00001}{0.001} \\ &= 0.001\end{align*}",
         why="Adam's bias-corrected second moment: 0.00001/0.001 = 0.01; the last line writes 0.001"),
    dict(id="form-eqnarray-mlp-params-slip", category="form", first_wrong=2, assume=MLP,
         answer=r"\begin{eqnarray}N &=& (D + 1)M + (M + 1)K \\ &=& (784 + 1) \times 100 + (100 + 1) \times 10 \\"
                r" &=& 78500 + 1001 \\ &=& 79501\end{eqnarray}",
         why="D.4 with D = 784, M = 100, K = 10: 101 * 10 = 1010, written 1001; line 3 adds correctly (carried)"),
    dict(id="form-text-remark-error", category="form", first_wrong=1,
         answer=aligned(r"\tilde{a} &= \frac{2.5}{0.8} && \text{(inverted dropout)} \\",
                        r"&= 3.25 && \text{(divide by the keep probability)}"),
         why="2.5/0.8 = 3.125, not 3.25; the remarks are ignored"),

    # ==== numeric course arithmetic: errors at the start, the middle, the end; carried forward ======
    dict(id="conv-size-padding-dropped", category="course arithmetic", first_wrong=1,
         answer=aligned(r"H_{out} &= \left\lfloor\frac{128 + 2 \times 3 - 7}{2}\right\rfloor + 1 \\",
                        r"&= \left\lfloor\frac{121}{2}\right\rfloor + 1 \\ &= 60 + 1 \\ &= 61"),
         why="line 1 drops the padding (121, not 127): error at the start; lines 2-3 follow from it (carried)"),
    dict(id="conv-size-floor-rounded-up", category="course arithmetic", first_wrong=2,
         answer=aligned(r"H_{out} &= \left\lfloor\frac{128 + 2 \times 3 - 7}{2}\right\rfloor + 1 \\",
                        r"&= \left\lfloor\frac{127}{2}\right\rfloor + 1 \\ &= 64 + 1 \\ &= 65"),
         why="floor(63.5) = 63; line 2 rounds up to 64 (middle); line 3 adds correctly (carried)"),
    dict(id="receptive-field-one-line-slip", category="course arithmetic", first_wrong=0,
         answer=r"r = 1 + 4(3 - 1) = 1 + 8 = 10",
         why="a one-line chain: 1 + 8 is 9, not 10; every relation is on line 0"),
    dict(id="conv-params-channels-dropped", category="course arithmetic", first_wrong=1,
         answer=aligned(r"P &= 10 \times (5 \times 5 \times 3 + 1) \\ &= 10 \times 26 \\ &= 260"),
         why="line 1 forgets the 3 input channels (5*5*3 + 1 = 76, not 26); line 2 carried"),
    dict(id="conv-params-slip-at-end", category="course arithmetic", first_wrong=2,
         answer=aligned(r"P &= 10 \times (5 \times 5 \times 3 + 1) \\ &= 10 \times 76 \\ &= 750"),
         why="the last line: 10 * 76 = 760, written 750 (error at the end)"),
    dict(id="conv-params-wrong-formula-expected", category="course arithmetic", first_wrong=None,
         verdict="not_equivalent", expected="760",
         answer=aligned(r"P &= 10 \times (5 \times 5 + 1) \\ &= 10 \times 26 \\ &= 260"),
         why="the formula on line 0 (the named quantity's definition) forgets the channels; every step"
             " after it holds, so no line is wrong, but the result misses the expected 760"),
    dict(id="fc-params-channels-dropped", category="course arithmetic", first_wrong=1,
         answer=aligned(r"N &= 500 \times 500 \times 3 \times 100 + 100 \\ &= 250000 \times 100 + 100 \\",
                        r"&= 25{,}000{,}100"),
         why="line 1 drops the RGB factor 3 (750000 inputs, not 250000); line 2 carried"),
    dict(id="one-by-one-conv-first-line-slip", category="course arithmetic", first_wrong=0,
         answer=aligned(r"28 \times 28 \times 192 \times 32 &= 784 \times 6044 \\ &= 4738496"),
         why="an arithmetic left side is checked: 192*32 = 6144, not 6044 (line 0); 784*6044 = 4738496 (carried)"),
    dict(id="bottleneck-mults-correct", category="course arithmetic", first_wrong=None,
         answer=aligned(r"M &= 28 \times 28 \times 16 \times 192 + 28 \times 28 \times 32 \times 5 \times 5 \times 16 \\",
                        r"&= 2408448 + 10035200 \\ &= 12443648 \\ &\approx 1.24 \times 10^{7}"),
         why="B.6 with a 1x1 bottleneck to 16 channels: 2408448 + 10035200 = 12443648, about 1.24e7"),
    dict(id="bottleneck-mults-sci-rounding-wrong", category="course arithmetic", first_wrong=3,
         answer=aligned(r"M &= 28 \times 28 \times 16 \times 192 + 28 \times 28 \times 32 \times 5 \times 5 \times 16 \\",
                        r"&= 2408448 + 10035200 \\ &= 12443648 \\ &\approx 1.25 \times 10^{7}"),
         why="12443648 is 1.24e7 to three figures, not 1.25e7 (error at the end)"),
    dict(id="five-by-five-mults-factor-dropped", category="course arithmetic", first_wrong=1,
         answer=aligned(r"28 \times 28 \times 32 \times 5 \times 5 \times 192 \\ &= 784 \times 32 \times 960 \\",
                        r"&= 784 \times 30720 \\ &= 24084480"),
         why="line 1 keeps one factor 5 (5*5*192 = 4800, not 960); lines 2-3 carried (the truth is 120422400)"),
    dict(id="inception-mults-digit-slip", category="course arithmetic", first_wrong=2,
         answer=aligned(r"M &= 32 \times 32 \times 128 \times 3 \times 3 \times 192"
                        r" + 32 \times 32 \times 32 \times 5 \times 5 \times 192 \\",
                        r"&= 226492416 + 157286400 \\ &= 383788816"),
         why="B.7: the branches are right; their sum is 383778816 (a digit slip in the last line)"),
    dict(id="softmax-decimal-fraction-correct", category="course arithmetic", first_wrong=None,
         expected=r"\frac{e^{2}}{e^{2} + e^{1} + e^{0.1}}",
         answer=aligned(r"p_1 &= \frac{e^{2.0}}{e^{2.0} + e^{1.0} + e^{0.1}} \\",
                        r"&= \frac{7.389}{7.389 + 2.718 + 1.105} \\ &= \frac{7.389}{11.212} \\ &= 0.659"),
         why="B.2: each exponential rounded to 3 places, summed exactly; 7.389/11.212 = 0.65903 -> 0.659"),
    dict(id="softmax-sum-slip-issue-example", category="course arithmetic", first_wrong=1, wrong=[1, 2],
         answer=aligned(r"P(y=1) &= \frac{e^{2}}{e^{2} + e^{1} + e^{0.1}} \\ &= \frac{7.389}{11.204} \\",
                        r"&= 0.658"),
         why="the issue's own example: the denominator is 11.212 (7.389 + 2.718 + 1.105), not 11.204; and"
             " 7.389/11.204 = 0.65950 is 0.659 to three places, so line 2 is wrong too"),
    dict(id="dropout-expectation-inverted", category="course arithmetic", first_wrong=None,
         answer=aligned(r"p \cdot \frac{a}{p} + (1 - p) \cdot 0 \\ &= a"),
         why="B.4: inverted dropout keeps the unit with probability p and scales by 1/p: expectation a"),
    dict(id="dropout-expectation-unscaled", category="course arithmetic", first_wrong=0,
         answer=r"p \cdot a + (1 - p) \cdot 0 = a",
         why="without the 1/p scaling the expected activation is p a, not a"),
    dict(id="dropout-numeric-multiplied", category="course arithmetic", first_wrong=1,
         answer=aligned(r"\tilde{a} &= \frac{2.5}{0.8} \\ &= 2.5 \times 0.8 \\ &= 2"),
         why="inverted dropout divides by the keep probability (3.125); line 1 multiplies; line 2 carried"),
    dict(id="rmsprop-gradient-not-squared", category="course arithmetic", first_wrong=1,
         answer=aligned(RMSPROP0, r"&= 0.5 - \frac{0.002}{\sqrt{0.02}} \\ &= 0.5 - 0.01414 \\ &= 0.48586"),
         why="C.4 RMSProp: 0.1 * 0.2^2 = 0.004, line 1 writes 0.02 (g not squared); 0.002/sqrt(0.02) ="
             " 0.0141421 -> 0.01414 and 0.5 - 0.01414 = 0.48586 (carried)"),
    dict(id="momentum-sign-slip", category="course arithmetic", first_wrong=2, assume=MOMENTUM,
         answer=aligned(r"v_1 &= \beta v_0 - \eta g \\ &= 0.9 \times 0.5 - 0.1 \times 0.2 \\",
                        r"&= 0.45 + 0.02 \\ &= 0.47"),
         why="line 2 turns - 0.02 into + 0.02 (sign); line 3 carried (the truth is 0.43)"),
    dict(id="adam-step-correct", category="course arithmetic", first_wrong=None,
         answer=aligned(ADAM0, r"&= 0.5 - 0.001 \times \frac{0.1}{\sqrt{0.01}} \\ &= 0.5 - 0.001 \times 1 \\",
                        r"&= 0.499"),
         why="C.4 Adam, t = 1, g = 0.1: m-hat = 0.1, v-hat = 0.01, step 0.001 * 0.1/0.1 (epsilon omitted)"),
    dict(id="adam-vhat-slip", category="course arithmetic", first_wrong=1,
         answer=aligned(ADAM0, r"&= 0.5 - 0.001 \times \frac{0.1}{\sqrt{0.001}} \\",
                        r"&= 0.5 - 0.001 \times 3.162 \\ &= 0.496838"),
         why="v-hat = 0.00001/0.001 = 0.01; line 1 writes 0.001; 0.1/sqrt(0.001) = 3.16228 -> 3.162 and"
             " 0.5 - 0.003162 = 0.496838 (carried)"),
    dict(id="ransac-correct", category="course arithmetic", first_wrong=None,
         answer=aligned(r"N &= \frac{\log(1 - 0.95)}{\log\left(1 - 0.5^{3}\right)} \\",
                        r"&= \frac{\log 0.05}{\log 0.875} \\ &= 22.43 \\ \lceil 22.43 \rceil &= 23"),
         why="D.1: log 0.05 / log 0.875 = 22.4346 -> 22.43, so 23 iterations; the ceiling starts a new chain"),
    dict(id="ransac-inlier-probability-slip", category="course arithmetic", first_wrong=1,
         answer=aligned(r"N &= \frac{\log(1 - 0.95)}{\log\left(1 - 0.5^{3}\right)} \\",
                        r"&= \frac{\log 0.05}{\log 0.125} \\ &= 1.441 \\ \lceil 1.441 \rceil &= 2"),
         why="line 1 writes 0.5^3 = 0.125 for 1 - 0.5^3 = 0.875; 1.4406 -> 1.441 and its ceiling 2 (carried)"),
    dict(id="ransac-derivation-correct", category="course arithmetic", first_wrong=None,
         derivation="ransac-iterations",
         answer=aligned(r"N &= \left\lceil\frac{\log(1 - 0.95)}{\log\left(1 - 0.5^{3}\right)}\right\rceil \\",
                        r"&= \left\lceil\frac{\log 0.05}{\log 0.875}\right\rceil \\ &= \lceil 22.43 \rceil \\ &= 23"),
         why="D.1 checked against the ransac-iterations derivation (s = 3, e = 0.5, p = 0.95): 23"),
    dict(id="ransac-derivation-sample-of-six", category="course arithmetic", first_wrong=None,
         verdict="not_equivalent", derivation="ransac-iterations",
         answer=aligned(r"N &= \left\lceil\frac{\log(1 - 0.95)}{\log\left(1 - 0.5^{6}\right)}\right\rceil \\",
                        r"&= \left\lceil\frac{\log 0.05}{\log 0.984375}\right\rceil \\ &= \lceil 190.2 \rceil \\ &= 191"),
         why="an affine map needs 3 point pairs per sample, not 6 (its parameters); each step holds"
             " (log 0.05 / log 0.984375 = 190.23), the result 191 is not the derivation's 23"),
    dict(id="one-neuron-sign-slip", category="course arithmetic", first_wrong=2,
         answer=aligned(NEURON0, r"&= 0.0002 - 0.013 + 0.01 - 0.012 \\ &= -0.0148"),
         why="line 2: (-0.005) * 2 = -0.01, written + 0.01 (sign); line 3 carried (the truth is -0.0348)"),
    dict(id="symmetries-count-slip", category="course arithmetic", first_wrong=2, assume=[r"M = 3"],
         answer=aligned(r"M!\,2^{M} \\ &= 3! \times 2^{3} \\ &= 6 \times 6 \\ &= 36"),
         why="D.6 with M = 3: 3! 2^3 = 48; line 2 writes 2^3 = 6; line 3 carried"),

    # ==== rounding ================================================================================
    dict(id="rounding-carried-two-stages", category="rounding", first_wrong=None,
         answer=aligned(RMSPROP0, r"&= 0.5 - 0.031623 \\ &= 0.468377 \\ &= 0.468"),
         why="0.002/sqrt(0.004) = 0.0316228 -> 0.031623; 0.5 - 0.031623 exactly; 0.468377 -> 0.468"),
    dict(id="rounding-truncated", category="rounding", first_wrong=2,
         answer=aligned(RMSPROP0, r"&= 0.5 - \frac{0.002}{\sqrt{0.004}} \\ &= 0.4683"),
         why="0.4683772 rounds to 0.4684; 0.4683 truncates"),
    dict(id="rounding-truncated-vector-entry", category="rounding", first_wrong=1,
         answer=aligned(SOFTMAX_VECTOR0, r"&= \begin{bmatrix}0.6590\\0.2424\\0.0985\end{bmatrix}"),
         why="p_3 = 0.0985659 rounds to 0.0986; 0.0985 truncates (the other entries are right)"),
    dict(id="rounding-three-stages-correct", category="rounding", first_wrong=None,
         answer=aligned(r"p_3 &= \frac{e^{0.1}}{e^{2.0} + e^{1.0} + e^{0.1}} \\ &= 0.09857 \\",
                        r"&= 0.0986 \\ &= 0.099"),
         why="0.0985659 -> 0.09857 -> 0.0986 -> 0.099, each the correct rounding of the line before"),
    dict(id="rounding-four-stages-approx", category="rounding", first_wrong=None,
         answer=aligned(r"p_2 &= \frac{e^{1.0}}{e^{2.0} + e^{1.0} + e^{0.1}} \\ &= 0.24243 \\",
                        r"&= 0.2424 \\ &\approx 0.24"),
         why="0.2424330 -> 0.24243 -> 0.2424 -> 0.24, each a correct rounding (compare w68)"),
    dict(id="rounding-too-few-digits", category="rounding", first_wrong=1,
         answer=aligned(r"p_1 &= \frac{e^{2}}{e^{2} + e^{1} + e^{0.1}} \\ &= 0.7"),
         why="NOTATION.md: a rounding needs two significant figures; 0.7 does not answer 0.659"),
    # symdl refuses this 0.1 only because it equals the data 0.1 of e^{0.1}, which is never widened;
    # the next case, with 0.2, shows the general miss.
    dict(id="rounding-too-few-digits-vector", category="rounding", first_wrong=1,
         answer=aligned(SOFTMAX_VECTOR0, r"&= \begin{bmatrix}0.66\\0.24\\0.1\end{bmatrix}"),
         why="0.0986 written as 0.1: one significant figure (w17 writes 0.10, two places, which is right)"),
    dict(id="rounding-too-few-digits-vector-middle", category="rounding", first_wrong=1,
         answer=aligned(SOFTMAX_VECTOR0, r"&= \begin{bmatrix}0.66\\0.2\\0.10\end{bmatrix}"),
         why="0.2424 written as 0.2: one significant figure"),
    dict(id="rounding-too-early-final-off", category="rounding", first_wrong=None, verdict="not_equivalent",
         expected=r"\frac{3}{\sqrt{3.5}}",
         answer=aligned(r"\hat{z}_4 &= \frac{6 - 3}{\sqrt{3.5}} \\ &= \frac{3}{1.871} \\ &= 1.603"),
         why="batch norm (epsilon omitted): sqrt(3.5) = 1.870829 -> 1.871 is right, and 3/1.871 = 1.60342 ->"
             " 1.603 is right, but rounding so early misses the value 1.60357 -> 1.604: every step holds"
             " (carried rounding), the result does not"),
    dict(id="rounding-carried-negative-quotient", category="rounding", first_wrong=None,
         answer=aligned(r"N &= \frac{\log 0.05}{\log 0.875} \\ &= \frac{-2.996}{-0.1335} \\ &= 22.44"),
         why="ln 0.05 = -2.99573 -> -2.996 and ln 0.875 = -0.133531 -> -0.1335 are right; -2.996/-0.1335 ="
             " 22.4419 -> 22.44 (right by carried rounding; the exact ratio would give 22.43)"),

    # ==== matrix workings with shapes ============================================================
    dict(id="backprop-linear-dW", category="matrix", first_wrong=None,
         shape={"W": [3, 4], "x": [4, 1], "b": [3, 1], "y": [3, 1]},
         answer=aligned(r"\frac{\partial}{\partial W}\frac{1}{2}\left\|Wx + b - y\right\|^{2} &= (Wx + b - y)x^{T} \\",
                        r"&= Wxx^{T} + bx^{T} - yx^{T}"),
         why="dL/dW = delta x^T with delta = Wx + b - y (3x4, the shape of W)"),
    dict(id="backprop-linear-dW-transposed", category="matrix", first_wrong=0,
         shape={"W": [3, 4], "x": [4, 1], "b": [3, 1], "y": [3, 1]},
         answer=aligned(r"\frac{\partial}{\partial W}\frac{1}{2}\left\|Wx + b - y\right\|^{2} &= x(Wx + b - y)^{T} \\",
                        r"&= xx^{T}W^{T} + xb^{T} - xy^{T}"),
         why="x delta^T is the transpose (4x3) of the gradient; line 1 expands it correctly (carried)"),
    dict(id="backprop-two-layer-dW1", category="matrix", first_wrong=None,
         shape={"W_1": [4, 3], "x": [3, 1], "W_2": [2, 4], "t": [2, 1]},
         answer=aligned(r"\frac{\partial}{\partial W_1}\frac{1}{2}\left\|W_2W_1x - t\right\|^{2}"
                        r" &= W_2^{T}(W_2W_1x - t)x^{T} \\ &= W_2^{T}W_2W_1xx^{T} - W_2^{T}tx^{T}"),
         why="the error is carried back through W_2 by W_2^T, then an outer product with x"),
    dict(id="backprop-two-layer-dW1-dropped-factor", category="matrix", first_wrong=1,
         shape={"W_1": [4, 3], "x": [3, 1], "W_2": [2, 4], "t": [2, 1]},
         answer=aligned(r"\frac{\partial}{\partial W_1}\frac{1}{2}\left\|W_2W_1x - t\right\|^{2}"
                        r" &= W_2^{T}(W_2W_1x - t)x^{T} \\ &= W_2^{T}W_2W_1xx^{T} - tx^{T}"),
         why="line 1 drops W_2^T from the second term (t x^T is 2x3, the gradient 4x3)"),
    dict(id="residual-skip-correct", category="matrix", first_wrong=None,
         shape={"W_1": [4, 3], "W_2": [3, 4], "g": [3, 1]},
         answer=aligned(r"\left(I + W_2W_1\right)^{T}g \\ &= g + \left(W_2W_1\right)^{T}g \\",
                        r"&= g + W_1^{T}W_2^{T}g"),
         why="A.1/B.8: the gradient through h = x + W_2 W_1 x keeps the skip term g"),
    dict(id="residual-skip-dropped", category="matrix", first_wrong=1,
         shape={"W_1": [4, 3], "W_2": [3, 4], "g": [3, 1]},
         answer=aligned(r"\left(I + W_2W_1\right)^{T}g \\ &= \left(W_2W_1\right)^{T}g \\ &= W_1^{T}W_2^{T}g"),
         why="line 1 drops the skip term g (the identity); line 2 transposes the product correctly (carried)"),
    dict(id="residual-transpose-order", category="matrix", first_wrong=2,
         shape={"W_1": [3, 3], "W_2": [3, 3], "g": [3, 1]},
         answer=aligned(r"\left(I + W_2W_1\right)^{T}g \\ &= g + \left(W_2W_1\right)^{T}g \\",
                        r"&= g + W_2^{T}W_1^{T}g"),
         why="(W_2 W_1)^T = W_1^T W_2^T; line 2 keeps the order (square matrices, so no shape error)"),
    dict(id="product-transpose-one-line", category="matrix", first_wrong=None,
         shape={"A": [2, 3], "B": [3, 4], "x": [4, 1]},
         answer=r"(ABx)^{T} = x^{T}(AB)^{T} = x^{T}B^{T}A^{T}",
         why="(AB)^T = B^T A^T, applied twice"),
    dict(id="product-transpose-order-wrong", category="matrix", first_wrong=0,
         shape={"A": [3, 3], "B": [3, 3], "x": [3, 1]},
         answer=r"(ABx)^{T} = x^{T}A^{T}B^{T}",
         why="the transpose of a product reverses the order: x^T B^T A^T"),
    dict(id="quadratic-gradient-symmetric", category="matrix", first_wrong=None,
         shape={"H": [3, 3], "w": [3, 1], "b": [3, 1]}, assume=[r"H^{T} = H"],
         answer=aligned(r"\frac{1}{2}\left(H + H^{T}\right)w - b \\ &= Hw - b"),
         why="the gradient of w^T H w / 2 - b^T w is (H + H^T)w/2 - b = Hw - b for symmetric H"),
    dict(id="quadratic-gradient-not-symmetric", category="matrix", first_wrong=1,
         shape={"H": [3, 3], "w": [3, 1], "b": [3, 1]},
         answer=aligned(r"\frac{1}{2}\left(H + H^{T}\right)w - b \\ &= Hw - b"),
         why="the same step without H^T = H: false for a general H"),
    dict(id="least-squares-expansion", category="matrix", first_wrong=None,
         shape={"X": [5, 3], "w": [3, 1], "y": [5, 1]},
         answer=aligned(r"\left\|Xw - y\right\|^{2} &= (Xw - y)^{T}(Xw - y) \\",
                        r"&= w^{T}X^{T}Xw - w^{T}X^{T}y - y^{T}Xw + y^{T}y \\",
                        r"&= w^{T}X^{T}Xw - 2y^{T}Xw + y^{T}y"),
         why="w^T X^T y is 1x1, so it equals its transpose y^T X w and the cross terms merge"),
    dict(id="least-squares-factor-two-dropped", category="matrix", first_wrong=2,
         shape={"X": [5, 3], "w": [3, 1], "y": [5, 1]},
         answer=aligned(r"\left\|Xw - y\right\|^{2} &= (Xw - y)^{T}(Xw - y) \\",
                        r"&= w^{T}X^{T}Xw - w^{T}X^{T}y - y^{T}Xw + y^{T}y \\",
                        r"&= w^{T}X^{T}Xw - y^{T}Xw + y^{T}y"),
         why="the two cross terms are equal and add to -2 y^T X w; the last line keeps one"),
    dict(id="quadratic-form-cross-sign", category="matrix", first_wrong=2, **HESSIAN,
         answer=aligned(r"(w - w^{*})^{T}H(w - w^{*}) \\",
                        r"&= w^{T}Hw - w^{T}Hw^{*} - (w^{*})^{T}Hw + (w^{*})^{T}Hw^{*} \\",
                        r"&= w^{T}Hw + 2(w^{*})^{T}Hw + (w^{*})^{T}Hw^{*}"),
         why="the merged cross term is -2 (w*)^T H w; the last line flips its sign (with w62's facts)"),
    dict(id="quadratic-form-cross-sign-symmetric-only", category="matrix", first_wrong=2,
         shape=HESSIAN["shape"], assume=[r"H^{T} = H"],
         answer=aligned(r"(w - w^{*})^{T}H(w - w^{*}) \\",
                        r"&= w^{T}Hw - w^{T}Hw^{*} - (w^{*})^{T}Hw + (w^{*})^{T}Hw^{*} \\",
                        r"&= w^{T}Hw + 2(w^{*})^{T}Hw + (w^{*})^{T}Hw^{*}"),
         why="the same working resting only on the fact it needs, H^T = H"),
    dict(id="forward-relu-layer", category="matrix", first_wrong=None,
         answer=aligned(RELU1, r"&= \begin{bmatrix}0.15\\0\end{bmatrix}"),
         why="B.3: W1 x = (0.05 + 0.1, 0.1 - 0.3) = (0.15, -0.2); ReLU zeroes the negative unit"),
    dict(id="forward-relu-not-applied", category="matrix", first_wrong=2,
         answer=aligned(RELU1, r"&= \begin{bmatrix}0.15\\-0.2\end{bmatrix}"),
         why="the last line forgets the ReLU: the second unit is 0, not -0.2"),
    dict(id="forward-second-layer-slip", category="matrix", first_wrong=2,
         answer=aligned(r"h^{(2)} &= \operatorname{ReLU}\left(\begin{bmatrix}0.1 & -0.5\\0.3 & 0.2\\0.4 & -0.1\end{bmatrix}"
                        r"\begin{bmatrix}0.15\\0\end{bmatrix}\right) \\",
                        r"&= \operatorname{ReLU}\left(\begin{bmatrix}0.015\\0.045\\0.06\end{bmatrix}\right) \\",
                        r"&= \begin{bmatrix}0.015\\0.045\\0.6\end{bmatrix}"),
         why="B.3 second layer: W2 h1 = (0.015, 0.045, 0.06); the last line writes 0.6 for 0.06"),

    # ==== likelihood to a sum of squares (sigma > 0) ==============================================
    dict(id="nll-correct", category="likelihood", first_wrong=None, assume=SIGMA,
         answer=aligned(NLL0, NLL1,
                        r"&= N\ln\sigma + \frac{N}{2}\ln(2\pi) + \frac{1}{2\sigma^{2}}\sum_{n=1}^{N}" + RES),
         why="D.5: the negative log-likelihood is a constant plus the sum of squares over 2 sigma^2"),
    dict(id="nll-sign-slip-carried", category="likelihood", first_wrong=1, assume=SIGMA,
         answer=aligned(NLL0,
                        r"&= \sum_{n=1}^{N}\left(\ln\sigma + \frac{1}{2}\ln(2\pi) - \frac{" + RES + r"}{2\sigma^{2}}\right) \\",
                        r"&= N\ln\sigma + \frac{N}{2}\ln(2\pi) - \frac{1}{2\sigma^{2}}\sum_{n=1}^{N}" + RES),
         why="line 1 keeps the exponent's minus after negating (sign); line 2 sums it correctly (carried)"),
    dict(id="nll-constant-not-summed", category="likelihood", first_wrong=2, assume=SIGMA,
         answer=aligned(NLL0, NLL1,
                        r"&= \ln\sigma + \frac{1}{2}\ln(2\pi) + \frac{1}{2\sigma^{2}}\sum_{n=1}^{N}" + RES),
         why="the constant terms are summed N times; the last line drops the factor N (error at the end)"),
    dict(id="nll-factor-two-dropped", category="likelihood", first_wrong=2, assume=SIGMA,
         answer=aligned(NLL0, NLL1,
                        r"&= N\ln\sigma + \frac{N}{2}\ln(2\pi) + \frac{1}{\sigma^{2}}\sum_{n=1}^{N}" + RES),
         why="the last line drops the 2 of 2 sigma^2 (a factor of 2)"),
    dict(id="log-likelihood-dollar-blocks", category="likelihood", first_wrong=None, assume=SIGMA,
         answer="$$\\ln L = \\ln\\prod_{n=1}^{N}\\frac{1}{\\sqrt{2\\pi}\\sigma}\\exp\\left(-\\frac{" + RES
                + "}{2\\sigma^{2}}\\right)$$\n$$= -N\\ln\\left(\\sqrt{2\\pi}\\sigma\\right) - \\frac{1}{2\\sigma^{2}}"
                  "\\sum_{n=1}^{N}" + RES + "$$",
         why="the log of the Gaussian likelihood in one step, continued in a second $$ block"),
    dict(id="sigma-derivative-correct", category="likelihood", first_wrong=None, assume=SIGMA,
         answer=aligned(r"\frac{\partial}{\partial\sigma}\left(N\ln\sigma + \frac{1}{2\sigma^{2}}\sum_{n=1}^{N}"
                        + RES + r"\right) \\ &= \frac{N}{\sigma} - \frac{1}{\sigma^{3}}\sum_{n=1}^{N}" + RES),
         why="d/dsigma of 1/(2 sigma^2) is -1/sigma^3"),
    dict(id="sigma-derivative-half-kept", category="likelihood", first_wrong=1, assume=SIGMA,
         answer=aligned(r"\frac{\partial}{\partial\sigma}\left(N\ln\sigma + \frac{1}{2\sigma^{2}}\sum_{n=1}^{N}"
                        + RES + r"\right) \\ &= \frac{N}{\sigma} - \frac{1}{2\sigma^{3}}\sum_{n=1}^{N}" + RES),
         why="the power rule brings down -2, which cancels the 1/2: -1/sigma^3, not -1/(2 sigma^3)"),
    dict(id="sigma-ml-stationary-point", category="likelihood", first_wrong=None, assume=SIGMA + [r"S > 0", r"N > 0"],
         answer=aligned(r"\frac{\partial}{\partial\sigma}\left(N\ln\sigma + \frac{S}{2\sigma^{2}}\right)"
                        r" &= \frac{N}{\sigma} - \frac{S}{\sigma^{3}} \\ \frac{N}{\sigma} - \frac{S}{\sigma^{3}} &= 0 \\",
                        r"\Rightarrow \sigma^{2} &= \frac{S}{N}"),
         why="D.5: setting the derivative to zero gives the ML variance S/N; line 0 is a correct derivative,"
             " line 1 states the stationarity condition and line 2 solves it"),
    dict(id="bernoulli-log-likelihood", category="likelihood", first_wrong=None, assume=[r"0 < y < 1"],
         answer=aligned(r"\ln\left(y^{t}(1 - y)^{1 - t}\right) \\",
                        r"&= \ln\left(y^{t}\right) + \ln\left((1 - y)^{1 - t}\right) \\",
                        r"&= t\ln y + (1 - t)\ln(1 - y)"),
         why="cross-entropy from the Bernoulli likelihood; 0 < y < 1, so the logarithms split"),
    dict(id="bernoulli-log-likelihood-sign", category="likelihood", first_wrong=2, assume=[r"0 < y < 1"],
         answer=aligned(r"\ln\left(y^{t}(1 - y)^{1 - t}\right) \\",
                        r"&= \ln\left(y^{t}\right) + \ln\left((1 - y)^{1 - t}\right) \\",
                        r"&= t\ln y - (1 - t)\ln(1 - y)"),
         why="the exponent 1 - t comes down with a plus sign"),

    # ==== Hessian expansion with eigenpairs =======================================================
    dict(id="hessian-expansion-correct", category="hessian", first_wrong=None, **HESSIAN,
         answer=aligned(HESS01, r"&= E(w^{*}) + \frac{1}{2}\sum_{i}\sum_{j}\alpha_i\alpha_ju_i^{T}Hu_j \\",
                        r"&= E(w^{*}) + \frac{1}{2}\sum_{i}\sum_{j}\alpha_i\alpha_j\lambda_ju_i^{T}u_j \\",
                        r"&= E(w^{*}) + \frac{1}{2}\sum_{i}\lambda_i\alpha_i^{2}"),
         why="A.4: with w - w* = sum alpha_i u_i and orthonormal eigenvectors the error is diagonal"),
    dict(id="hessian-expansion-half-dropped", category="hessian", first_wrong=4, **HESSIAN,
         answer=aligned(HESS01, r"&= E(w^{*}) + \frac{1}{2}\sum_{i}\sum_{j}\alpha_i\alpha_ju_i^{T}Hu_j \\",
                        r"&= E(w^{*}) + \frac{1}{2}\sum_{i}\sum_{j}\alpha_i\alpha_j\lambda_ju_i^{T}u_j \\",
                        r"&= E(w^{*}) + \sum_{i}\lambda_i\alpha_i^{2}"),
         why="the last line drops the factor 1/2 (error at the end)"),
    dict(id="hessian-expansion-index-swap", category="hessian", first_wrong=2, **HESSIAN,
         answer=aligned(HESS01, r"&= E(w^{*}) + \frac{1}{2}\sum_{i}\sum_{j}\alpha_i\alpha_ju_i^{T}Hu_i \\",
                        r"&= E(w^{*}) + \frac{1}{2}\sum_{i}\sum_{j}\alpha_i\alpha_j\lambda_i"),
         why="line 2 writes u_i for u_j (index); u_i^T H u_i = lambda_i makes line 3 right relative to it (carried)"),
    dict(id="hessian-delta-either-index", category="hessian", first_wrong=None, **HESSIAN,
         answer=aligned(r"\frac{1}{2}\sum_{i}\sum_{j}\alpha_i\alpha_j\lambda_ju_i^{T}u_j \\",
                        r"&= \frac{1}{2}\sum_{i}\sum_{j}\alpha_i\alpha_j\lambda_i\delta_{ij} \\",
                        r"&= \frac{1}{2}\sum_{i}\lambda_i\alpha_i^{2}"),
         why="lambda_j delta_ij = lambda_i delta_ij, so swapping the eigenvalue's index here is harmless"),
    dict(id="hessian-gradient-correct", category="hessian", first_wrong=None, **HESSIAN,
         answer=aligned(r"H(w - w^{*}) \\ &= H\sum_{i}\alpha_iu_i \\ &= \sum_{i}\alpha_i\lambda_iu_i"),
         why="the gradient near the minimum, expanded in the eigenvectors"),
    dict(id="hessian-gradient-eigenvalue-dropped", category="hessian", first_wrong=2, **HESSIAN,
         answer=aligned(r"H(w - w^{*}) \\ &= H\sum_{i}\alpha_iu_i \\ &= \sum_{i}\alpha_iu_i"),
         why="H u_i = lambda_i u_i: the last line drops lambda_i"),
    dict(id="hessian-projection", category="hessian", first_wrong=None, **HESSIAN,
         answer=aligned(r"u_k^{T}(w - w^{*}) \\ &= \sum_{i}\alpha_iu_k^{T}u_i \\ &= \alpha_k"),
         why="orthonormality picks out the k-th coefficient (free index k)"),
    dict(id="hessian-direction-eigenvalue-squared", category="hessian", first_wrong=3, **HESSIAN,
         answer=aligned(r"\frac{1}{2}\left(t\,u_k\right)^{T}H\left(t\,u_k\right) \\ &= \frac{1}{2}t^{2}u_k^{T}Hu_k \\",
                        r"&= \frac{1}{2}t^{2}\lambda_ku_k^{T}u_k \\ &= \frac{1}{2}t^{2}\lambda_k^{2}"),
         why="u_k^T u_k = 1 leaves lambda_k, not lambda_k^2 (compare w64)"),

    # ==== batch normalisation ====================================================================
    dict(id="bn-centred-mean-zero", category="batch norm", first_wrong=None, assume=MEAN,
         answer=aligned(r"\frac{1}{n}\sum_{i=1}^{n}\left(z_i - \mu_z\right) \\",
                        r"&= \frac{1}{n}\sum_{i=1}^{n}z_i - \mu_z \\ &= 0"),
         why="C.5: the centred values have mean zero"),
    dict(id="bn-centred-mean-n-forgotten", category="batch norm", first_wrong=1, assume=MEAN,
         answer=aligned(r"\frac{1}{n}\sum_{i=1}^{n}\left(z_i - \mu_z\right) \\",
                        r"&= \frac{1}{n}\sum_{i=1}^{n}z_i - \frac{1}{n}\mu_z \\ &= \mu_z - \frac{\mu_z}{n}"),
         why="the sum of n copies of mu_z is n mu_z; line 1 counts it once; line 2 carried"),
    dict(id="bn-variance-identity", category="batch norm", first_wrong=None, assume=MEAN,
         answer=aligned(r"\frac{1}{n}\sum_{i=1}^{n}\left(z_i - \mu_z\right)^{2} \\",
                        r"&= \frac{1}{n}\sum_{i=1}^{n}z_i^{2} - \frac{2\mu_z}{n}\sum_{i=1}^{n}z_i + \mu_z^{2} \\",
                        r"&= \frac{1}{n}\sum_{i=1}^{n}z_i^{2} - 2\mu_z^{2} + \mu_z^{2} \\",
                        r"&= \frac{1}{n}\sum_{i=1}^{n}z_i^{2} - \mu_z^{2}"),
         why="the variance is the mean square minus the squared mean (w40 done right)"),
    dict(id="bn-batch-numbers-named-variance", category="batch norm", first_wrong=None,
         answer=aligned(r"\mu &= \frac{1 + 2 + 3 + 6}{4} = 3 \\",
                        r"\sigma^{2} &= \frac{(1 - 3)^{2} + (2 - 3)^{2} + (3 - 3)^{2} + (6 - 3)^{2}}{4} = \frac{14}{4} = 3.5"),
         why="mean and variance of the batch (1, 2, 3, 6); the second line names a new quantity, sigma^2"),
    dict(id="bn-variance-named-sigma-squared", category="batch norm", first_wrong=None,
         answer=aligned(r"\sigma_B^{2} &= \frac{1}{4}\left((1 - 3)^{2} + (2 - 3)^{2} + (3 - 3)^{2} + (6 - 3)^{2}\right) \\",
                        r"&= \frac{1}{4}(4 + 1 + 0 + 9) \\ &= 3.5"),
         why="the variance of the batch (1, 2, 3, 6) about its mean 3: 14/4 = 3.5; sigma_B^2 names it"),
    dict(id="bn-normalise-with-epsilon", category="batch norm", first_wrong=None,
         answer=aligned(r"\hat{z}_4 &= \frac{6 - 3}{\sqrt{3.5 + 0.01}} \\ &= \frac{3}{\sqrt{3.51}} \\ &= 1.601"),
         why="3/sqrt(3.51) = 1.601282 -> 1.601"),
    dict(id="bn-normalise-root-forgotten", category="batch norm", first_wrong=1,
         answer=aligned(r"\hat{z}_4 &= \frac{6 - 3}{\sqrt{3.5 + 0.01}} \\ &= \frac{3}{3.51} \\ &= 0.855"),
         why="line 1 divides by the variance instead of its square root; 3/3.51 = 0.8547 -> 0.855 (carried)"),
    dict(id="bn-scale-shift", category="batch norm", first_wrong=None,
         answer=aligned(r"y_4 &= 2 \times 1.601 + 0.5 \\ &= 3.202 + 0.5 \\ &= 3.702"),
         why="scale gamma = 2 and shift beta = 0.5 of the normalised value"),

    # ==== derivative chains ======================================================================
    dict(id="tanh-derivative", category="derivative", first_wrong=None,
         answer=aligned(r"\frac{d}{da}\tanh(a) \\ &= \frac{d}{da}\frac{e^{a} - e^{-a}}{e^{a} + e^{-a}} \\",
                        r"&= \frac{\left(e^{a} + e^{-a}\right)^{2} - \left(e^{a} - e^{-a}\right)^{2}}{\left(e^{a} + e^{-a}\right)^{2}} \\",
                        r"&= 1 - \tanh^{2}(a)"),
         why="A.3: the quotient rule; tanh' = 1 - tanh^2"),
    dict(id="tanh-derivative-sign-carried", category="derivative", first_wrong=2,
         answer=aligned(r"\frac{d}{da}\tanh(a) \\ &= \frac{d}{da}\frac{e^{a} - e^{-a}}{e^{a} + e^{-a}} \\",
                        r"&= \frac{\left(e^{a} + e^{-a}\right)^{2} + \left(e^{a} - e^{-a}\right)^{2}}{\left(e^{a} + e^{-a}\right)^{2}} \\",
                        r"&= 1 + \tanh^{2}(a)"),
         why="the quotient rule subtracts; line 2 adds (sign); line 3 simplifies line 2 correctly (carried)"),
    dict(id="sigmoid-derivative-sign", category="derivative", first_wrong=0,
         answer=r"\frac{d}{da}\frac{1}{1 + e^{-a}} = -\frac{e^{-a}}{\left(1 + e^{-a}\right)^{2}}",
         why="the inner derivative of e^{-a} is -e^{-a}, and the two minuses cancel"),
    dict(id="tanh-sigmoid-distributed-minus", category="derivative", first_wrong=2,
         answer=r"\begin{gathered}2\sigma(2a) - 1 \\ = \frac{2}{1 + e^{-2a}} - 1 \\"
                r" = \frac{2 - 1 + e^{-2a}}{1 + e^{-2a}} \\ = 1\end{gathered}",
         why="the minus must reach both terms of 1 + e^{-2a}; line 2 does not; line 3 carried"),
    dict(id="chain-rule-outer-weight", category="derivative", first_wrong=None,
         answer=aligned(r"\frac{\partial}{\partial w_2}\sigma(w_2\sigma(w_1x)) \\ &= \sigma'(w_2\sigma(w_1x))\sigma(w_1x) \\",
                        r"&= \sigma(w_2\sigma(w_1x))\left(1 - \sigma(w_2\sigma(w_1x))\right)\sigma(w_1x)"),
         why="D.2: the derivative by the outer weight multiplies by the hidden unit's output"),
    dict(id="chain-rule-outer-weight-wrong-factor", category="derivative", first_wrong=1,
         answer=aligned(r"\frac{\partial}{\partial w_2}\sigma(w_2\sigma(w_1x)) \\ &= \sigma'(w_2\sigma(w_1x))w_2 \\",
                        r"&= \sigma(w_2\sigma(w_1x))\left(1 - \sigma(w_2\sigma(w_1x))\right)w_2"),
         why="line 1 multiplies by w_2 (the derivative by the input) instead of sigma(w_1 x); line 2 carried"),
    dict(id="chain-rule-tanh-layers", category="derivative", first_wrong=None,
         answer=aligned(r"\frac{d}{dx}\tanh(w_2\tanh(w_1x)) \\",
                        r"&= \left(1 - \tanh^{2}(w_2\tanh(w_1x))\right)w_2\left(1 - \tanh^{2}(w_1x)\right)w_1"),
         why="the chain rule through two tanh layers: tanh' = 1 - tanh^2 at each, times each weight"),
    dict(id="chain-rule-tanh-dropped-weight", category="derivative", first_wrong=1,
         answer=aligned(r"\frac{d}{dx}\tanh(w_1x) &= \left(1 - \tanh^{2}(w_1x)\right)w_1 \\ &= 1 - \tanh^{2}(w_1x)"),
         why="line 0 is right; line 1 drops the inner derivative w_1"),
    dict(id="softmax-derivative-definition", category="derivative", first_wrong=None, assume=SOFTMAX2,
         answer=aligned(r"\frac{\partial}{\partial z_1}\frac{e^{z_1}}{e^{z_1} + e^{z_2}}"
                        r" &= \frac{e^{z_1}\left(e^{z_1} + e^{z_2}\right) - e^{z_1}e^{z_1}}{\left(e^{z_1} + e^{z_2}\right)^{2}} \\",
                        r"&= \frac{e^{z_1}e^{z_2}}{\left(e^{z_1} + e^{z_2}\right)^{2}} \\ &= p_1\left(1 - p_1\right)"),
         why="the softmax derivative p_1(1 - p_1), with p_1 given as a definition"),
    dict(id="softmax-derivative-square-dropped", category="derivative", first_wrong=1, assume=SOFTMAX2,
         answer=aligned(r"\frac{\partial}{\partial z_1}\frac{e^{z_1}}{e^{z_1} + e^{z_2}}"
                        r" &= \frac{e^{z_1}\left(e^{z_1} + e^{z_2}\right) - e^{z_1}e^{z_1}}{\left(e^{z_1} + e^{z_2}\right)^{2}} \\",
                        r"&= \frac{e^{z_1}e^{z_2}}{e^{z_1} + e^{z_2}} \\ &= p_1e^{z_2}"),
         why="line 1 drops the square of the denominator; line 2 is right relative to it (carried)"),
    dict(id="cross-entropy-softmax-gradient", category="derivative", first_wrong=None, assume=SOFTMAX2,
         answer=aligned(r"\frac{\partial}{\partial z_1}\left(-\ln\frac{e^{z_1}}{e^{z_1} + e^{z_2}}\right)"
                        r" &= -1 + \frac{e^{z_1}}{e^{z_1} + e^{z_2}} \\ &= p_1 - 1"),
         why="cross-entropy through softmax: the gradient is p - y, here y_1 = 1"),
    dict(id="l2-regularised-factor-two-dropped", category="derivative", first_wrong=0,
         answer=aligned(r"\frac{d}{dw}\left(\frac{\lambda}{2}w^{2} + (y - wx)^{2}\right) &= \lambda w - (y - wx)x \\",
                        r"&= \lambda w - xy + wx^{2}"),
         why="the square's derivative keeps its factor 2 (no 1/2 on the data term); line 1 carried"),
    dict(id="l2-regularised-correct", category="derivative", first_wrong=None,
         answer=r"\frac{d}{dw}\left(\frac{\lambda}{2}w^{2} + (y - wx)^{2}\right) = \lambda w - 2(y - wx)x"
                r" = \lambda w - 2xy + 2wx^{2}",
         why="weight decay plus squared error: lambda w - 2 (y - w x) x"),
    dict(id="tanh-sign-flip-symmetry", category="derivative", first_wrong=None,
         answer=aligned(r"(-w_2)\tanh(-w_1x) \\ &= (-w_2)\left(-\tanh(w_1x)\right) \\ &= w_2\tanh(w_1x)"),
         why="D.6: tanh is odd, so flipping the signs of a unit's weights in and out changes nothing"),
    dict(id="sigmoid-sign-flip-not-odd", category="derivative", first_wrong=1,
         answer=aligned(r"(-w_2)\sigma(-w_1x) \\ &= (-w_2)\left(-\sigma(w_1x)\right) \\ &= w_2\sigma(w_1x)"),
         why="the sigmoid is not odd: sigma(-a) = 1 - sigma(a); line 2 carried"),
    dict(id="index-derivative-outer-product", category="derivative", first_wrong=None,
         indices={"i": [1, 3], "j": [1, 4], "k": [1, 3], "l": [1, 4]},
         answer=aligned(r"\frac{\partial}{\partial w_{ij}}\sum_{k}\sum_{l}\delta_kw_{kl}x_l \\ &= \delta_ix_j"),
         why="dL/dW = delta x^T entrywise: only the term k = i, l = j depends on w_ij"),
    dict(id="index-derivative-swapped", category="derivative", first_wrong=1,
         indices={"i": [1, 3], "j": [1, 4], "k": [1, 3], "l": [1, 4]},
         answer=aligned(r"\frac{\partial}{\partial w_{ij}}\sum_{k}\sum_{l}\delta_kw_{kl}x_l \\ &= \delta_jx_i"),
         why="the indices are swapped: delta carries the row index i, x the column index j"),
    # ==== review 2: what follows ⇒ about the same quantity, and the quantity a working computes ==========
    dict(id="implication-restates-quantity-wrongly", category="course arithmetic", first_wrong=2,
         wrong=[2, 3], expected=r"\frac{1}{2}",
         answer=r"p &= \sigma(0) \\ &= \frac{1}{1+e^{0}} \\ \Rightarrow p &= \frac{1}{3} \\ \Rightarrow p &= \frac{1}{2}",
         why="p = sigma(0) = 1/2; '=> p = 1/3' restates p with another value (wrong), and the last line, judged "
             "against 1/3, is wrong too"),
    dict(id="implication-restates-derivative-wrongly", category="derivative", first_wrong=1,
         answer=r"\frac{\partial L}{\partial w} = 2(w-1) \\ \Rightarrow \frac{\partial L}{\partial w} = 2w - 1",
         why="2(w-1) = 2w - 2, not 2w - 1: the quantity named after => keeps its value"),
    dict(id="implication-restates-derivative-rightly", category="derivative", first_wrong=None,
         answer=r"\frac{\partial L}{\partial w} = 2(w-1) \\ \Rightarrow \frac{\partial L}{\partial w} = 2w - 2",
         why="expanding the bracket keeps the value"),
    dict(id="restated-name-on-new-line-wrong", category="course arithmetic", first_wrong=1, wrong=[1, 2],
         expected=r"\frac{1}{2}", answer=r"p &= \sigma(0) \\ p &= \frac{1}{3} \\ p &= \frac{1}{2}",
         why="writing p = again continues the chain: p = 1/3 contradicts p = sigma(0) = 1/2"),
    dict(id="restated-name-on-new-line-right", category="course arithmetic", first_wrong=None,
         expected=r"\frac{1}{2}", answer=r"p &= \sigma(0) \\ p &= \frac{1}{1+e^{0}} \\ p &= \frac{1}{2}",
         why="the same value, restated"),
    dict(id="ceiling-after-implication", category="course arithmetic", first_wrong=None,
         answer=r"N &= \frac{\ln 0.01}{\ln(1 - 0.5^{2})} \\ &= 16.008 \\ &\Rightarrow 17",
         why="RANSAC: the iterations are the ceiling; a number after => is not checked as an equality"),
    dict(id="bare-value-after-implication-wrong", category="course arithmetic", first_wrong=1, wrong=[1, 2],
         answer=r"p &= \sigma(0) \\ &\Rightarrow \frac{1}{3} \\ &\Rightarrow \frac{1}{2}",
         why="sigma(0) = 1/2; a number after => may be the value reached, its rounding, floor or ceiling, not 1/3"),
    dict(id="ceiling-after-implication-wrong", category="course arithmetic", first_wrong=1,
         answer=r"N &= 22.43 \\ &\Rightarrow 25",
         why="RANSAC needs the ceiling of 22.43, 23; 25 is none of the numbers 22.43 settles on"),
    dict(id="name-again-after-inequality", category="course arithmetic", first_wrong=None,
         answer=r"N &\geq \frac{\ln 0.01}{\ln(1 - 0.5^{2})} = 16.008 \\ N &= 17",
         why="N >= 16.008, so N = 17: the name restated after an inequality starts a new claim"),
    dict(id="rounding-regains-digits-from-exact-start", category="rounding", first_wrong=None,
         answer=r"p_1 &= \frac{e^{2}}{e^{2}+e^{1}+e^{0.1}} \\ &= 0.66 \\ &= 0.6590",
         why="0.6590 is the exact start rounded to four places, though the line before showed 0.66"),
    dict(id="carried-rounding-slip", category="rounding", first_wrong=2,
         answer=r"\sigma(1) &= \frac{1}{1+e^{-1}} \\ &= \frac{1}{1+0.37} \\ &= \frac{1}{1.36} \\ &= 0.735",
         why="1 + 0.37 = 1.37: 1.36 only touches the interval 0.37's rounding allows, an arithmetic slip"),
    dict(id="rounding-gains-digits", category="rounding", first_wrong=1, wrong=[1],
         answer=r"\frac{e}{e+1} \approx 0.73 \\ \approx 0.725 \\ \approx 0.72",
         why="0.73 cannot become 0.725: e/(e+1) = 0.7311; the next line rounds 0.725 and is carried"),
    dict(id="rounding-two-stages-touching", category="rounding", first_wrong=3,
         answer=r"N &= 500 \times 500 \times 3 \\ &= 750{,}000 \\ &\approx 7.5\times10^{5} \\ &\approx 7.4\times10^{5}",
         why="750,000 to two figures is 7.5e5; 7.4e5 only touches its interval"),
]

# Correct labels that take symdl tens of seconds today (nested tanh: the quick proof rewrites tanh to
# exp and expands). Run with SYMDL_SLOW_TESTS=1; not in the default suite, which must stay fast.
SLOW_CASES = [
    dict(id="chain-rule-tanh-layers-sech", category="derivative", first_wrong=None,
         answer=aligned(r"\frac{d}{dx}\tanh(w_2\tanh(w_1x)) \\",
                        r"&= \operatorname{sech}^{2}(w_2\tanh(w_1x))\,w_2\operatorname{sech}^{2}(w_1x)\,w_1"),
         why="the chain rule through two tanh layers, written with sech^2 (about 35 s today)"),
    dict(id="chain-rule-tanh-layers-dropped-weight", category="derivative", first_wrong=2,
         answer=aligned(r"\frac{d}{dx}\tanh(w_2\tanh(w_1x)) \\",
                        r"&= \left(1 - \tanh^{2}(w_2\tanh(w_1x))\right)w_2\left(1 - \tanh^{2}(w_1x)\right)w_1 \\",
                        r"&= \left(1 - \tanh^{2}(w_2\tanh(w_1x))\right)w_2\left(1 - \tanh^{2}(w_1x)\right)"),
         why="line 1 is right; line 2 drops the innermost factor w_1 (about 70 s today)"),
]
