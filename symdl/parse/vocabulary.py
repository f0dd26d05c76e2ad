r"""The words of the dialect: Greek letters, accents, fonts, function names, operators, relations."""

from __future__ import annotations

import re

import sympy as sp

from symdl.functions import relu, sigmoid, step

GREEK = frozenset(r"""\alpha \beta \gamma \delta \epsilon \zeta \eta \theta \iota \kappa \lambda
\mu \nu \xi \omicron \pi \rho \sigma \tau \upsilon \phi \chi \psi \omega \Gamma \Delta \Theta
\Lambda \Xi \Pi \Sigma \Upsilon \Phi \Psi \Omega \vartheta \varphi \varrho \varsigma \varpi
\ell""".split())
NAME_ALIASES = {r"\varepsilon": r"\epsilon"}
ACCENTS = {r"\hat": r"\hat", r"\widehat": r"\hat", r"\bar": r"\bar", r"\overline": r"\bar",
           r"\tilde": r"\tilde", r"\widetilde": r"\tilde", r"\dot": r"\dot", r"\ddot": r"\ddot",
           r"\check": r"\check", r"\breve": r"\breve", r"\acute": r"\acute",
           r"\grave": r"\grave", r"\mathring": r"\mathring"}
FONT_COMMANDS = frozenset({r"\mathbf", r"\boldsymbol", r"\bm", r"\mathit", r"\mathsf",
                           r"\mathtt", r"\mathnormal", r"\mathcal", r"\mathscr", r"\mathfrak",
                           r"\vec", r"\pmb"})
WORD_COMMANDS = frozenset({r"\text", r"\textrm", r"\textit", r"\textbf", r"\textsf", r"\texttt",
                           r"\textnormal", r"\mbox", r"\mathrm", r"\operatorname"})
WORD_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# Conventional function letters: f(x), E(w), L(w), J(w), \ell(y, t); plain g(a) only.
FUNCTION_LETTERS = frozenset({"f", "E", "L", "J", r"\ell"})
PLAIN_FUNCTION_LETTERS = frozenset({"g"})

_POINT = sp.Dummy("a", real=True)
SOFTPLUS = sp.Lambda(_POINT, sp.log(1 + sp.exp(_POINT)))

# Words naming a function, in \operatorname{...}, \mathrm{...}, \text{...} or as plain letters.
FUNCTION_WORDS = {
    "relu": relu, "sigmoid": sigmoid, "softmax": "softmax", "tanh": sp.tanh, "sinh": sp.sinh,
    "cosh": sp.cosh, "sech": sp.sech, "csch": sp.csch, "coth": sp.coth, "exp": sp.exp,
    "log": sp.log, "ln": sp.log, "max": "max", "min": "min", "sgn": sp.sign, "sign": sp.sign,
    "step": step, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "artanh": sp.atanh,
    "arctanh": sp.atanh, "atanh": sp.atanh, "arsinh": sp.asinh, "arcsinh": sp.asinh,
    "arcosh": sp.acosh, "arccosh": sp.acosh, "softplus": SOFTPLUS,
}
# Matrix functions by word: \operatorname{tr}(A), \mathrm{diag}(v), det(A) (see parse.linalg).
MATRIX_FUNCTION_WORDS = {"tr": "trace", "Tr": "trace", "trace": "trace", "det": "determinant",
                         "diag": "diagonal"}
PLAIN_FUNCTION_WORDS = frozenset({"ReLU", "relu", "Relu", "sigmoid", "softmax", "tanh", "sech",
                                  "exp", "log", "ln", "max", "min", "softplus", "artanh",
                                  "arctanh", "det", "diag"})
# f^{-1} written for the inverse function: \tanh^{-1}(x) is artanh(x).
INVERSE_FUNCTIONS = {sp.tanh: sp.atanh, sp.sinh: sp.asinh, sp.cosh: sp.acosh, sp.sin: sp.asin,
                     sp.cos: sp.acos, sp.tan: sp.atan}
# Function commands latex2sympy2_extended knows; with parentheses we apply them ourselves.
LIBRARY_FUNCTIONS = {
    r"\exp": sp.exp, r"\log": sp.log, r"\ln": sp.log, r"\sin": sp.sin, r"\cos": sp.cos,
    r"\tan": sp.tan, r"\sec": sp.sec, r"\csc": sp.csc, r"\cot": sp.cot, r"\sinh": sp.sinh,
    r"\cosh": sp.cosh, r"\tanh": sp.tanh, r"\arcsin": sp.asin, r"\arccos": sp.acos,
    r"\arctan": sp.atan,
}
BINARY_OPERATORS = {"+": "+", "-": "-", "*": r"\cdot", "/": "/", r"\cdot": r"\cdot",
                    r"\times": r"\times", r"\div": r"\div"}
HADAMARD_COMMANDS = frozenset({r"\odot", r"\circ"})
FRACTIONS = frozenset({r"\frac", r"\dfrac", r"\tfrac", r"\cfrac"})
RELATIONS = {">": ">", "<": "<", r"\gt": ">", r"\lt": "<", r"\geq": ">=", r"\ge": ">=",
             r"\geqslant": ">=", r"\leq": "<=", r"\le": "<=", r"\leqslant": "<="}
EQUALS = frozenset({"=", r"\approx", r"\coloneqq", r"\equiv"})
UNSUPPORTED_COMMANDS = {
    r"\int": "integrals", r"\oint": "integrals", r"\iint": "integrals", r"\lim": "limits",
    r"\nabla": r"\nabla (write the partial derivative)", r"\otimes": "Kronecker products",
    r"\oplus": "direct sums", r"\binom": "binomial coefficients",
    r"\cdots": r"elided terms (write x_1 + \cdots + x_n with matching first and last terms)",
    r"\ldots": "elided terms", r"\dots": "elided terms", r"\dotsb": "elided terms",
    r"\dotsm": "elided terms", r"\dotsc": "elided terms",
    r"\vdots": "elided terms", r"\ddots": "elided terms", r"\mod": "modular arithmetic",
    r"\mid": "conditional probabilities (name a quantity the problem defines)",
    r"\bmod": "modular arithmetic", r"\pmod": "modular arithmetic", r"\pm": r"\pm",
    r"\mp": r"\mp", r"\in": "set membership", r"\notin": "set membership",
    r"\forall": "quantifiers", r"\exists": "quantifiers", r"\to": "arrows",
    r"\rightarrow": "arrows", r"\Rightarrow": "arrows", r"\mapsto": "arrows",
    r"\neq": "inequations", r"\ne": "inequations", r"\sim": "distributions",
    r"\propto": "proportionality", r"\choose": "binomial coefficients", r"\arg": "arg",
    r"\argmax": "arg max", r"\argmin": "arg min", r"\operatorname*": "arg max/min",
    r"\sup": "suprema", r"\inf": "infima", r"\gcd": "gcd", r"\lcm": "lcm",
}
# After these a + or - is a sign, not the start of a new term.
SIGN_CONTEXT = frozenset({"+", "-", "*", "/", "^", "_", "=", r"\cdot", r"\times", r"\div",
                          r"\odot", r"\circ"}) | frozenset(LIBRARY_FUNCTIONS)

MATRIX_ENVIRONMENTS = frozenset({"bmatrix", "pmatrix", "matrix", "Bmatrix", "smallmatrix"})
CASES_ENVIRONMENTS = frozenset({"cases", "dcases", "rcases"})
ELLIPSES = frozenset({r"\cdots", r"\dots", r"\ldots", r"\dotsb", r"\dotsm", r"\dotsc"})
