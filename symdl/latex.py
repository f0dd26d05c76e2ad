r"""One LaTeX printer for the course notation: ``W^{(1)}``, ``\odot``, ``^{\top}``, ``\sigma'``."""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter


def _normed(expr):
    """B when ``expr`` is ``tr(B^{T} B)``, else None."""
    if not isinstance(expr, sp.Trace):
        return None
    arg = expr.arg
    if isinstance(arg, sp.MatMul) and len(arg.args) == 2 and all(a.is_Matrix for a in arg.args):
        from symdl.expr.textbook import key, transpose

        if key(arg.args[0]) == key(transpose(arg.args[1])):
            return arg.args[1]
    return None


class DLLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the conventions of deep-learning courses."""

    def __init__(self, settings=None):
        # ln for the natural logarithm everywhere: a document never mixes log and ln
        super().__init__({"mat_delim": "", "mat_str": "bmatrix", "ln_notation": True, **(settings or {})})

    def _print_Transpose(self, expr):
        if isinstance(expr.arg, sp.Inverse):  # (X^{-1})^T is X^{-T}
            return rf"{self._wrap_for_superscript(expr.arg.arg)}^{{-\top}}"
        return rf"{self._wrap_for_superscript(expr.arg)}^{{\top}}"

    def _print_Trace(self, expr):
        normed = _normed(expr)
        if normed is not None:  # tr(B^T B) is the squared norm, as courses write it
            return rf"\left\|{self._print(normed)}\right\|^{{2}}"
        return super()._print_Trace(expr)

    def _print_Pow(self, expr):
        normed = _normed(expr.base)
        if normed is not None and expr.exp.is_Rational:  # (\|B\|^2)^{e} is \|B\|^{2e}
            power = 2 * expr.exp
            body = rf"\left\|{self._print(normed)}\right\|"
            if power == 1:
                return body
            if power.is_negative:
                return rf"\frac{{1}}{{{body}^{{{self._print(-power)}}}}}" if power != -1 else rf"\frac{{1}}{{{body}}}"
            return rf"{body}^{{{self._print(power)}}}"
        return super()._print_Pow(expr)

    def _print_OneMatrix(self, expr):
        rows, cols = expr.shape
        if rows == 1 and cols != 1:
            return r"\mathbf{1}^{\top}"
        return r"\mathbf{1}" if cols == 1 else r"\mathbf{1} \mathbf{1}^{\top}"

    def _print_OrderedMatAdd(self, expr):
        # symdl.expr's results: the terms in the order they were built (x - a, not -a + x); a term that prints with a
        # leading minus is subtracted.
        parts = []
        for k, term in enumerate(expr.args):
            text = self._print(term)
            if k == 0:
                parts.append(text)
            elif text.startswith("-"):
                parts.append("- " + text[1:].lstrip())
            else:
                parts.append("+ " + text)
        return " ".join(parts)

    def _print_DiagonalOf(self, expr):
        return rf"\operatorname{{diag}}\left({self._print(expr.args[0])}\right)"

    def _print_DiagMatrix(self, expr):
        return rf"\operatorname{{diag}}\left({self._print(expr.args[0])}\right)"

    def _print_Inverse(self, expr):
        return rf"{self._wrap_for_superscript(expr.arg)}^{{-1}}"

    def _wrap_for_superscript(self, arg) -> str:
        body = self._print(arg)
        if isinstance(arg, sp.MatrixSymbol) and "^" not in arg.name and "\\frac" not in arg.name:
            return body
        return rf"\left({body}\right)"

    def _print_HadamardProduct(self, expr):
        # Parenthesise matrix products too: juxtaposition next to \odot reads ambiguously.
        return r" \odot ".join(
            rf"\left({self._print(a)}\right)" if isinstance(a, sp.MatMul) else self._factor(a) for a in expr.args
        )

    def _print_MatMul(self, expr):
        coeff, factors = expr.as_coeff_matrices()
        parts = [self._factor(f) for f in factors]
        prefix = ""
        if coeff == -1:
            prefix = "-"
        elif coeff != 1:
            prefix = (self._print(coeff) if not isinstance(coeff, sp.Add) else rf"\left({self._print(coeff)}\right)") + " "
        return prefix + " ".join(parts)

    def _factor(self, arg) -> str:
        body = getattr(getattr(arg, "function", None), "expr", None)
        if type(arg).__name__ == "ElementwiseApplyFunction" and isinstance(body, (sp.Add, sp.Mul)):
            return rf"\left({self._print(arg)}\right)"  # (1 - tanh^2(a)) ⊙ g, not 1 - tanh^2(a) ⊙ g
        if isinstance(arg, (sp.MatAdd, sp.HadamardProduct, sp.Add)) or (
            isinstance(arg, sp.MatMul) and arg.args and arg.args[0] == -1
        ):
            return rf"\left({self._print(arg)}\right)"
        return self._print(arg)

    def _print_ElementwiseApplyFunction(self, expr):
        # Print f(X) as the course writes it, by printing f on a symbol that spells X.
        printed = self._print(expr.expr)
        placeholder = sp.Symbol(printed if "{" in printed or not any(c in printed for c in "_^") else "{" + printed + "}")
        function = expr.function
        if isinstance(function, sp.Lambda):
            (variable,) = function.variables
            return self._print(function.expr.xreplace({variable: placeholder}))
        return self._print(function(placeholder))

    def _print_Indexed(self, expr):
        # w^{[2]}_{jk}: indices run together when each is one character, as courses write them.
        indices = [self._print(i) for i in expr.indices]
        joined = "".join(indices) if all(len(i) == 1 for i in indices) else ",".join(indices)
        return f"{expr.base.label.name}_{{{joined}}}"

    def _print_Softmax(self, expr):
        return rf"\operatorname{{softmax}}\left({self._print(expr.arg)}\right)"


_PRINTER = DLLatexPrinter()


def to_latex(expr) -> str:
    """The course-notation LaTeX of a SymPy expression (or a string, passed through)."""
    if isinstance(expr, str):
        return expr
    return _PRINTER.doprint(expr)


def step_to_latex(step) -> str:
    """One ``align*`` row: ``lhs &= rhs && \\text{rule}``."""
    rule = step.rule.replace("&", r"\&")
    return rf"{to_latex(step.lhs)} &{step.relation} {to_latex(step.rhs)} && \text{{{rule}}}"


def result_sides(expr) -> tuple[str, str]:
    """The relation and right side a result is boxed with: a number as the numeric-display policy shows it
    (:func:`symdl.worked.shown_number`: ``\\approx -1.26491``), anything else ``=`` and its LaTeX."""
    from symdl.worked import shown_number

    return shown_number(expr) or ("=", to_latex(expr))


def derivation_to_latex(derivation, standalone_math: bool = False) -> str:
    """The steps and boxed results of a derivation.

    With ``standalone_math`` the output is a single ``aligned`` block, for places that want
    math only (Jupyter's ``_repr_latex_``): each rule on a row of its own above its step, long rows
    broken, so that it fits a notebook; otherwise it is a document body with text.
    """
    sides = {target: result_sides(expr) for target, expr in derivation.results.items()}
    if standalone_math:
        return _narrow_math(derivation, sides)
    rows = [step_to_latex(s) for s in derivation.steps]
    results = [rf"{target} &{relation} {_grouped(rhs)}" for target, (relation, rhs) in sides.items()]
    lines = [rf"\subsection*{{{derivation.title}}}", "", _latex_text(derivation.statement), ""]
    if derivation.assumptions:
        lines += [r"\begin{itemize}"] + [rf"\item {_latex_text(a)}" for a in derivation.assumptions]
        lines += [r"\end{itemize}", ""]
    lines += [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}", ""]
    if results:
        lines += [r"\paragraph{Results.}", r"\begin{align*}"]
        lines.append(" \\\\\n".join(rf"\Aboxed{{{r}}}" for r in results))
        lines += [r"\end{align*}"]
    return "\n".join(lines) + "\n"


def _narrow_math(derivation, sides) -> str:
    """The steps and boxed results as one ``aligned`` block no wider than a notebook's screen: the left
    sides make a column as wide as the widest of them (up to 0.42 of the width), every right side, rule
    and boxed result is broken to the room left of the screen beside it."""
    from symdl.export.equations import SCREEN_WIDTH, lay_out
    from symdl.export.texlayout import text_width, width

    lefts = [to_latex(step.lhs) for step in derivation.steps]
    column = min(max((width(left) for left in lefts), default=0.0), 0.42 * SCREEN_WIDTH)
    room = SCREEN_WIDTH - column
    rows = []
    for number, (step, left) in enumerate(zip(derivation.steps, lefts), start=1):
        rows += [rf"&\text{{({number})}}\; " + line for line in _prose_rows(step.rule, room - 40, text_width)]
        own = width(left)
        if own <= column:
            layout = lay_out(left, step.relation, to_latex(step.rhs), room + own)
            rows += [f"{lhs} &{rhs}" for lhs, rhs in layout.rows]
        else:  # a left side wider than the column starts at the alignment point, like the rules
            layout = lay_out(left, step.relation, to_latex(step.rhs), room)
            rows += [f"&{lhs} {rhs}".rstrip() for lhs, rhs in layout.rows]
    for target, (relation, rhs) in sides.items():
        layout = lay_out(target, relation, rhs, room - 10)
        rows.append(r"&\boxed{" + layout.aligned().replace(r"\begin{aligned}[t]", r"\begin{aligned}") + "}")
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


def _prose_rows(text: str, width: float, text_width) -> list[str]:
    """Prose with ``$…$`` as math-mode rows, broken between words to ``width``: ``\\text{…}`` and math."""
    from symdl.text import split_math

    words = []
    for is_math, chunk in split_math(text.replace("&", r"\&")):
        words += [f"${chunk}$"] if is_math else chunk.split()
    lines, current = [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if current and text_width(candidate) > width:
            lines.append(current)
            candidate = word
        current = candidate
    lines.append(current)
    return ["".join(f"{{{chunk}}}" if is_math else rf"\text{{{chunk}}}" for is_math, chunk in split_math(line))
            for line in lines if line]


def _grouped(latex: str) -> str:
    """A result in braces when it has its own ``&`` (a literal matrix): ``\\Aboxed`` splits at every bare ``&``."""
    return "{" + latex + "}" if "&" in latex else latex


def _latex_text(text: str) -> str:
    """Prose for a LaTeX document: math in ``$…$`` is kept, the text characters are escaped."""
    out, in_math = [], False
    for chunk in text.split("$"):
        out.append(chunk if in_math else _escape_text(chunk))
        in_math = not in_math
    return "$".join(out)


def _escape_text(text: str) -> str:
    for char, escaped in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("#", r"\#"),
                          ("_", r"\_"), ("{", r"\{"), ("}", r"\}")):
        text = text.replace(char, escaped)
    return text
