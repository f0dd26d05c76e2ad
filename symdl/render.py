"""Plain-text, JSON and Markdown views of a derivation (LaTeX lives in :mod:`symdl.latex`)."""

from __future__ import annotations

import json
import re

import sympy as sp
from sympy.printing.str import StrPrinter

from symdl.latex import step_to_latex, to_latex

_TEXT_NAMES = [
    (re.compile(r"\\frac\{\\partial (.+?)\}\{\\partial (.+)\}"), r"d\1/d\2"),
    (re.compile(r"\\(hat|bar|tilde)\{(.+?)\}"), r"\2_\1"),
    (re.compile(r"\\operatorname\{(.+?)\}"), r"\1"),
    (re.compile(r"\\(?:text|mathrm)\{(.+?)\}"), r"\1"),
    (re.compile(r"\^\{(\([^{}]*\)|\[[^{}]*\])\}"), r"^\1"),
    (re.compile(r"_\{([^{}]*)\}"), r"_\1"),
    (re.compile(r"\^\{([^{}]*)\}"), r"^\1"),
]
_GREEK = {r"\sigma": "σ", r"\epsilon": "ε", r"\lambda": "λ", r"\alpha": "α", r"\eta": "η", r"\mu": "μ",
          r"\beta": "β", r"\delta": "δ", r"\Sigma": "Σ", r"\gamma": "γ", r"\pi": "π"}


def plain_name(name: str) -> str:
    """``\\frac{\\partial L}{\\partial W^{(1)}}`` → ``dL/dW^(1)``, for terminals."""
    for pattern, replacement in _TEXT_NAMES:
        name = pattern.sub(replacement, name)
    for latex, char in _GREEK.items():
        name = name.replace(latex, char)
    return name


class _TextPrinter(StrPrinter):
    printmethod = "_symdl_text"  # bypass SymPy objects' own _sympystr, e.g. Indexed's x[i]

    def _print_Symbol(self, expr):
        return plain_name(expr.name)

    def _print_MatrixSymbol(self, expr):
        return plain_name(expr.name)

    def _print_Derivative(self, expr):
        variables = "".join(f"d{self._print(v)}" for v in expr.variables)
        d = "∂" if len(expr.variables) > 1 else "d"
        return f"{d}/{variables} {self._print(expr.expr)}" if d == "d" else f"∂/{variables} {self._print(expr.expr)}"

    def _print_Indexed(self, expr):
        return f"{plain_name(expr.base.label.name)}_{''.join(self._print(i) for i in expr.indices)}"

    def _print_Transpose(self, expr):
        inner = self._print(expr.arg)
        return f"{inner}ᵀ" if isinstance(expr.arg, sp.MatrixSymbol) and "^" not in inner else f"({inner})ᵀ"

    def _print_HadamardProduct(self, expr):
        return " ⊙ ".join(f"({self._print(a)})" if isinstance(a, (sp.MatMul, sp.MatAdd)) else self._print(a)
                          for a in expr.args)

    def _print_ElementwiseApplyFunction(self, expr):
        function = expr.function
        if isinstance(function, sp.Lambda) and isinstance(function.expr, sp.Function):
            function = function.expr.func  # SymPy wraps f as Lambda(d, f(d))
        return _call(getattr(function, "__name__", None) or str(function), self._print(expr.expr))

    def _print_Function(self, expr):
        return _call(expr.func.__name__, ", ".join(self._print(a) for a in expr.args))


def _call(name: str, args: str) -> str:
    if name == "step":
        return f"1[{args} > 0]"
    return f"{_FUNCTION_NAMES.get(name, name)}({args})"


_FUNCTION_NAMES = {"relu": "ReLU", "sigmoid": "σ", "sigmoid_prime": "σ'"}
_TEXT = _TextPrinter()


def to_text(expr) -> str:
    return plain_name(expr) if isinstance(expr, str) else _TEXT.doprint(expr)


def derivation_to_text(derivation) -> str:
    lines = [derivation.title, "=" * len(derivation.title), ""]
    for step in derivation.steps:
        lines.append(f"{to_text(step.lhs)} {step.relation} {to_text(step.rhs)}")
        lines.append(f"    [{step.rule}]")
    if derivation.results:
        lines += ["", "Results:"]
        lines += [f"  {plain_name(t)} = {to_text(e)}" for t, e in derivation.results.items()]
    return "\n".join(lines) + "\n"


def derivation_to_dict(derivation) -> dict:
    return {
        "name": derivation.name,
        "title": derivation.title,
        "statement": derivation.statement,
        "assumptions": list(derivation.assumptions),
        "params": {k: v for k, v in derivation.params.items()},
        "steps": [
            {"lhs": to_latex(s.lhs), "rhs": to_latex(s.rhs), "relation": s.relation, "rule": s.rule,
             "note": s.note, "checked": s.check is not None}
            for s in derivation.steps
        ],
        "results": {t: to_latex(e) for t, e in derivation.results.items()},
    }


def derivation_to_json(derivation) -> str:
    return json.dumps(derivation_to_dict(derivation), indent=2, ensure_ascii=False, default=str)


def derivation_to_markdown(derivation) -> str:
    """Markdown with ``$$`` math that MathJax and KaTeX both render."""
    lines = [f"### {derivation.title}", "", derivation.statement, ""]
    lines += [f"- {a}" for a in derivation.assumptions]
    rows = " \\\\\n".join(step_to_latex(s) for s in derivation.steps)
    lines += ["", "$$", r"\begin{aligned}", rows, r"\end{aligned}", "$$", ""]
    if derivation.results:
        lines += ["**Results**", ""]
        for target, expr in derivation.results.items():
            lines += ["$$", rf"\boxed{{{target} = {to_latex(expr)}}}", "$$", ""]
    return "\n".join(lines)
