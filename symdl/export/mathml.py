r"""LaTeX to MathML through latex2mathml, with the course dialect made digestible first.

latex2mathml does not know every macro the printer and the derivations use. Before conversion:
``\mathbb{1}`` becomes the character 𝟙 (Chromium ignores ``mathvariant`` on numbers), ``\text{…}``
holding ``$…$`` is split into text and math, ``\boxed``/``\Aboxed`` are unwrapped (the HTML draws
the box), ``\tag`` and alignment ``&`` are dropped, and a few operator names are spelled out.
After conversion the result is refused if any ``\command`` or ``$`` is left in its text: a
formula is MathML or an error, never raw LaTeX on the page.
"""

from __future__ import annotations

import re
from functools import lru_cache

from symdl.errors import SymdlError


class MathMLError(SymdlError):
    """A formula latex2mathml cannot convert."""


_OPERATOR_NAMES = {r"\arg": r"\operatorname{arg}", r"\argmax": r"\operatorname{arg\,max}",
                   r"\argmin": r"\operatorname{arg\,min}", r"\tr": r"\operatorname{tr}",
                   r"\sgn": r"\operatorname{sgn}", r"\diag": r"\operatorname{diag}",
                   r"\softmax": r"\operatorname{softmax}", r"\ReLU": r"\operatorname{ReLU}"}


def _unwrap(tex: str, command: str) -> str:
    r"""``\boxed{x}`` → ``x`` (braces balanced), for every occurrence of ``command``."""
    out, i = [], 0
    pattern = re.compile(re.escape(command) + r"\s*\{")
    while True:
        m = pattern.search(tex, i)
        if not m:
            out.append(tex[i:])
            return "".join(out)
        out.append(tex[i:m.start()])
        depth, j = 1, m.end()
        while j < len(tex) and depth:
            if tex[j] == "\\":
                j += 2
                continue
            depth += {"{": 1, "}": -1}.get(tex[j], 0)
            j += 1
        out.append("{" + tex[m.end():j - 1] + "}")
        i = j


def _text_with_math(tex: str) -> str:
    r"""``\text{if $x > 0$ then}`` → ``\text{if }x > 0\text{ then}``."""
    def split(m):
        inner = m.group(2)
        if "$" not in inner:
            return m.group(0)
        pieces = re.split(r"(?<!\\)\$", inner)
        out = []
        for k, piece in enumerate(pieces):
            if not piece:
                continue
            out.append(piece if k % 2 else rf"{m.group(1)}{{{piece}}}")
        return "{" + "".join(out) + "}"

    return re.sub(r"(\\text|\\textrm|\\mbox|\\textnormal)\{([^{}]*)\}", split, tex)


def prepare(tex: str) -> str:
    """The LaTeX handed to latex2mathml."""
    tex = re.sub(r"\\mathbb\{\s*1\s*\}", "𝟙", tex)
    tex = _text_with_math(tex)
    for command in (r"\boxed", r"\Aboxed"):
        tex = _unwrap(tex, command)
    tex = re.sub(r"\\tag\*?\{[^{}]*\}", "", tex)
    tex = re.sub(r"\\(?:nonumber|notag|allowbreak|displaybreak|limits|nolimits)(?![A-Za-z])", "", tex)
    tex = re.sub(r"\\(arg|argmax|argmin|tr|sgn|diag|softmax|ReLU)(?![A-Za-z])",
                 lambda m: _OPERATOR_NAMES["\\" + m.group(1)], tex)
    if not re.search(r"\\begin\{(?:[bpvBV]?matrix|smallmatrix|cases|array|aligned|split|gathered)\}", tex):
        tex = re.sub(r"(?<!\\)&", "", tex)  # alignment points outside any environment
    return tex


_LEFTOVER = re.compile(r">([^<]*(?:\\[A-Za-z]+|\$)[^<]*)<")


@lru_cache(maxsize=4096)
def to_mathml(tex: str, display: bool = False) -> str:
    """A ``<math>`` element for ``tex``; raises :class:`MathMLError` when it cannot be converted."""
    from latex2mathml.converter import convert

    prepared = prepare(tex)
    try:
        out = convert(prepared, display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises its own exception types, and sometimes others
        raise MathMLError(f"cannot convert {tex!r} to MathML: {type(exc).__name__} {exc}") from None
    leftover = _LEFTOVER.search(out)
    if leftover:
        raise MathMLError(f"cannot convert {tex!r} to MathML: {leftover.group(1).strip()!r} is left as text")
    return out


def inner(math: str) -> str:
    """The content of a ``<math>`` element (for assembling a table of cells into one formula)."""
    start = math.index(">") + 1
    end = math.rindex("</math>")
    return math[start:end]


def table(rows, display: bool = True) -> str:
    """One ``<math>`` holding a two-column table: each row is ``(left, right)`` LaTeX, aligned at
    the boundary (the relation starts ``right``)."""
    cells = []
    for left, right in rows:
        l_cell = f'<mstyle displaystyle="true">{inner(to_mathml(left))}</mstyle>' if left.strip() else ""
        r_cell = f'<mstyle displaystyle="true">{inner(to_mathml(right))}</mstyle>' if right.strip() else ""
        cells.append('<mtr><mtd columnalign="right" style="text-align:right;padding:0.15em 0">'
                     f"{l_cell}</mtd>"
                     '<mtd columnalign="left" style="text-align:left;padding:0.15em 0">'
                     f"{r_cell}</mtd></mtr>")
    kind = "block" if display else "inline"
    return (f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="{kind}">'
            f'<mtable columnspacing="0" displaystyle="true">{"".join(cells)}</mtable></math>')
