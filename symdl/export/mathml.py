r"""LaTeX to MathML through latex2mathml, with the course dialect made digestible first.

latex2mathml does not know every macro the printer and the derivations use. Before conversion:
``\mathbb{1}`` becomes the character 𝟙 (Chromium ignores ``mathvariant`` on numbers), ``\text{…}``
holding ``$…$`` is split into text and math, ``\boxed``/``\Aboxed`` are unwrapped (the HTML draws
the box), ``\tag`` and alignment ``&`` are dropped, and a few operator names are spelled out.
After conversion the result is refused if any ``\command`` or ``$`` is left in its text: a
formula is MathML or an error, never raw LaTeX on the page; then :func:`polish` fixes fences, primes
and signs in the tree, where Chromium would render latex2mathml's output spaced out.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
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
NAMESPACE = "http://www.w3.org/1998/Math/MathML"
ET.register_namespace("", NAMESPACE)
_TALL = {f"{{{NAMESPACE}}}{tag}" for tag in ("mfrac", "mtable", "munderover", "munder", "mover", "msqrt", "mroot")}
_CLOSING = {")", "]", "}", "|", "‖", "⌋", "⌉", "⟩", "!", "′", "″"}
_SIGNS = {"−", "+", "±", "∓"}


def _tag(element) -> str:
    return element.tag.split("}", 1)[-1]


#: Brackets of a matrix drawn as borders of its table: Chromium assembles a tall bracket from glyph
#: pieces and leaves seams between them (item 7: "matrix brackets look dashed"). The bracket characters
#: stay, unstretched and transparent: they keep the text (copy, screen readers) and a little room.
BRACKET_STYLE = ("padding:0.05em 0.12em;border-left:0.06em solid;border-right:0.06em solid;background:"
                 + ",".join(f"linear-gradient(currentColor,currentColor) {x} {y}/0.25em 0.06em no-repeat"
                            for x in ("0", "100%") for y in ("0", "100%")))
HIDDEN_STYLE = "color:transparent"
CELL_STYLES = {"right": "text-align:right;padding:0.15em 0", "left": "text-align:left;padding:0.15em 0"}
#: Every style attribute this module writes (a sanitiser may allow exactly these).
STYLES = frozenset({BRACKET_STYLE, HIDDEN_STYLE, *CELL_STYLES.values()})


def _draw_brackets(parent) -> None:
    children = list(parent)
    for k in range(len(children) - 2):
        left, table, right = children[k:k + 3]
        if (_tag(left), _tag(table), _tag(right)) == ("mo", "mtable", "mo") and (left.text, right.text) == ("[", "]"):
            table.set("style", BRACKET_STYLE)
            for bracket in (left, right):
                bracket.attrib.update({"style": HIDDEN_STYLE, "stretchy": "false", "lspace": "0", "rspace": "0"})


def polish(mathml: str) -> str:
    """latex2mathml's tree, fixed where Chromium would show it badly (issue 14, item 7):

    - ``\\left( … \\right)`` around content no taller than a line: fences that do not stretch
      (stretched, Chromium sets them apart: ``σ ( a )``);
    - a prime is an operator after its base, not a superscript (``tanh′``, not a floating ′);
    - a sign after an operator or an opening fence is a prefix bound to its operand: ``(−1.3)``;
    - a slash, and an operator name (``\\operatorname{ReLU}``, ``\\max``), are not spaced as operators;
    - a matrix's brackets are drawn as borders (:data:`BRACKET_STYLE`).
    """
    root = ET.fromstring(mathml)
    for parent in list(root.iter()):
        _draw_brackets(parent)
    for parent in list(root.iter()):
        children = list(parent)
        for k, child in enumerate(children):
            if _tag(child) == "msup" and len(child) == 2 and (child[1].text or "") in ("′", "″") \
                    and _tag(child[1]) in ("mi", "mo"):
                base, prime = child
                child.tag, child.attrib = f"{{{NAMESPACE}}}mrow", {}
                prime.tag, prime.attrib = f"{{{NAMESPACE}}}mo", {"lspace": "0", "rspace": "0"}
        fences = [c for c in children if _tag(c) == "mo" and c.get("fence") == "true" and c.get("stretchy") == "true"]
        if fences and not any(d.tag in _TALL for c in children for d in c.iter()):
            for fence in fences:
                fence.set("stretchy", "false")
        for k, child in enumerate(children):
            if _tag(child) == "mo" and (child.text or "").isalpha() and len(child.text) > 1:
                child.tag, child.attrib = f"{{{NAMESPACE}}}mi", {}  # ReLU(z), max(0, z): a name, not spaced apart
            if _tag(child) == "mo" and child.text == "/" and not child.attrib:
                child.set("lspace", "0")  # a slash is ordinary in TeX: 1/(1 + e^{-a}), not 1 / (…)
                child.set("rspace", "0")
            if _tag(child) != "mo" or (child.text or "") not in _SIGNS or k + 1 >= len(children):
                continue
            previous = children[k - 1] if k else None
            if previous is None or (_tag(previous) == "mo" and (previous.text or "") not in _CLOSING
                                    and previous.get("form") != "postfix"):
                child.set("form", "prefix")
                child.set("rspace", "0")
    return ET.tostring(root, encoding="unicode")


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
    return polish(out)


def inner(math: str) -> str:
    """The content of a ``<math>`` element (for assembling a table of cells into one formula)."""
    start = math.index(">") + 1
    end = math.rindex("</math>")
    return math[start:end]


def shrunk(math: str, scale: float) -> str:
    """A ``<math>`` element's content set at ``scale`` of its size (at least 60%): the last resort for a
    formula that no line break makes fit, as ``\\resizebox`` is in the LaTeX export."""
    percent = max(60, min(100, int(scale * 100)))
    if percent == 100:
        return math
    start = math.index(">") + 1
    return f'{math[:start]}<mstyle mathsize="{percent}%">{inner(math)}</mstyle></math>'


def table(rows, display: bool = True) -> str:
    """One ``<math>`` holding a two-column table: each row is ``(left, right)`` LaTeX, aligned at
    the boundary (the relation starts ``right``)."""
    cells = []
    for left, right in rows:
        l_cell = f'<mstyle displaystyle="true">{inner(to_mathml(left))}</mstyle>' if left.strip() else ""
        r_cell = f'<mstyle displaystyle="true">{inner(to_mathml(right))}</mstyle>' if right.strip() else ""
        cells.append(f'<mtr><mtd columnalign="right" style="{CELL_STYLES["right"]}">{l_cell}</mtd>'
                     f'<mtd columnalign="left" style="{CELL_STYLES["left"]}">{r_cell}</mtd></mtr>')
    kind = "block" if display else "inline"
    return (f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="{kind}">'
            f'<mtable columnspacing="0" displaystyle="true">{"".join(cells)}</mtable></math>')
