"""Plain-text, JSON and Markdown views of a derivation (LaTeX lives in :mod:`symdl.latex`, the text
renderer in :mod:`symdl.text`)."""

from __future__ import annotations

import json

from symdl.latex import result_sides, step_to_latex, to_latex
from symdl.text import latex_to_text, prose_to_text


def plain_name(name: str) -> str:
    """A name written in LaTeX as plain text: ``\\frac{\\partial L}{\\partial W^{(1)}}`` → ``∂L/∂W^(1)``."""
    return latex_to_text(name)


def to_text(expr) -> str:
    """Plain text of an expression (or of a LaTeX string): the LaTeX printer's output, read back as text."""
    return latex_to_text(expr if isinstance(expr, str) else to_latex(expr))


def derivation_to_text(derivation) -> str:
    title = prose_to_text(derivation.title)
    lines = [title, "=" * len(title), ""]
    for step in derivation.steps:
        lines.append(f"{to_text(step.lhs)} {latex_to_text(step.relation)} {to_text(step.rhs)}")
        lines.append(f"    [{prose_to_text(step.rule)}]")
    if derivation.results:
        lines += ["", "Results:"]
        for target, expr in derivation.results.items():
            relation, rhs = result_sides(expr)
            lines.append(f"  {plain_name(target)} {latex_to_text(relation)} {latex_to_text(rhs)}")
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
            relation, rhs = result_sides(expr)
            lines += ["$$", rf"\boxed{{{target} {relation} {rhs}}}", "$$", ""]
    return "\n".join(lines)
