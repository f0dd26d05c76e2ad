r"""One equation ``lhs rel rhs`` laid out to a width: one line, or rows of an ``aligned`` block.

Shared by the LaTeX, Markdown, notebook and HTML writers: they get the same line breaks, each in
its own markup (``aligned`` for TeX, MathJax and KaTeX; a MathML table for HTML).
"""

from __future__ import annotations

from dataclasses import dataclass

from symdl.export import texlayout as layout
from symdl.latextree import REL, Tok, write

#: Text width of a default ``article`` (10pt, letter or A4) in points, which fragments also fit.
TEX_WIDTH = 345.0
#: Room kept free for an equation number at the right margin.
TAG_ROOM = 32.0
#: The width long equations are broken to on screens (Markdown, notebooks, HTML).
SCREEN_WIDTH = 520.0
_INDENT = 10.0  # \quad before a continuation row


@dataclass(frozen=True)
class Layout:
    """Rows of an equation: ``(left, right)`` pairs aligned at the relation.

    With one row and ``left`` set it is ``left right`` on a line (``right`` starting with the
    relation). With the left side too long to share a line, the first row is ``("", lhs)`` and the
    relation starts the second row, indented.
    """

    rows: tuple[tuple[str, str], ...]
    width: float  # estimated width of the widest row, in points

    @property
    def single(self) -> bool:
        return len(self.rows) == 1

    def inline(self) -> str:
        """The whole equation on one line (for formats that do not break)."""
        return " ".join(f"{l} {r}".strip() for l, r in self.rows)

    def aligned(self) -> str:
        r"""One line, or an ``aligned`` block (``&`` before the relation, ``\\`` between rows)."""
        if self.single:
            left, right = self.rows[0]
            return f"{left} {right}".strip()
        body = " \\\\\n".join(f"{l} &{r}" if l else f"&{r}" for l, r in self.rows)
        return "\\begin{aligned}[t]\n" + body + "\n\\end{aligned}"


def lay_out(lhs: str, relation: str, rhs: str, width: float) -> Layout:
    """Break ``lhs relation rhs`` (math-mode LaTeX) to fit ``width`` points where it can."""
    whole = f"{lhs} {relation} {rhs}"
    total = layout.width(whole)
    if total <= width:
        return Layout(((lhs, f"{relation} {rhs}"),), total)
    lhs_width = layout.width(lhs)
    relation_width = layout.width(f"{{}} {relation} {{}}")
    rhs_nodes = layout.read(rhs)
    if lhs_width + relation_width <= 0.42 * width:
        first = width - lhs_width - relation_width
        rest = width - lhs_width - _INDENT - 12.0
        lines = layout.break_lines(rhs_nodes, first, rest)
        rows = [(lhs, f"{relation} {layout.line_tex(lines[0], False)}")]
        rows += [("", r"\quad " + layout.line_tex(line, True)) for line in lines[1:]]
        widest = max([lhs_width + relation_width + layout.nodes_width(lines[0])]
                     + [lhs_width + _INDENT + 10 + layout.nodes_width(line) for line in lines[1:]])
        return Layout(tuple(rows), widest)
    # the left side gets a line (or lines) of its own; the relation starts the next row
    lhs_lines = layout.break_lines(layout.read(lhs), width, width - _INDENT)
    rows = [("", layout.line_tex(lhs_lines[0], False))]
    rows += [("", r"\quad " + layout.line_tex(line, True)) for line in lhs_lines[1:]]
    first = width - 2 * _INDENT - relation_width
    rest = width - 3 * _INDENT - 12.0
    lines = layout.break_lines(rhs_nodes, first, rest)
    rows.append(("", rf"\qquad {relation} {layout.line_tex(lines[0], False)}"))
    rows += [("", r"\qquad\quad " + layout.line_tex(line, True)) for line in lines[1:]]
    widest = max([layout.nodes_width(line) for line in lhs_lines]
                 + [2 * _INDENT + relation_width + layout.nodes_width(lines[0])]
                 + [3 * _INDENT + 12 + layout.nodes_width(line) for line in lines[1:]])
    return Layout(tuple(rows), widest)


def lay_out_formula(tex: str, width: float) -> Layout:
    """Any formula broken to ``width``: at its first top-level relation when it has one (``target = …``),
    else as an expression cut at its top-level operators."""
    nodes = layout.read(tex)
    split = next((k for k, n in enumerate(nodes) if isinstance(n, Tok) and n.text in REL and 0 < k < len(nodes) - 1),
                 None)
    if split is not None:
        return lay_out(write(nodes[:split]), nodes[split].text, write(nodes[split + 1:]), width)
    lines = layout.break_lines(nodes, width, width - _INDENT)
    rows = [("", layout.line_tex(lines[0], False))] + [("", r"\quad " + layout.line_tex(line, True)) for line in lines[1:]]
    return Layout(tuple(rows), max(layout.nodes_width(line) for line in lines))
