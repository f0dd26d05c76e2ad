r"""Breaking long equations into lines, without breqn: a small LaTeX reader and a width estimate.

The printer gives one line of LaTeX per side of a step. Here that line is read into a light tree
(braced groups, ``\left…\right`` pairs, environments), its typeset width is estimated from
Computer Modern's metrics at 10pt (in points), and a long right side is cut at its top-level
``+``, ``-``, ``\odot``… into rows of an ``aligned`` block. When one term alone is too long, the
widest ``\left(…\right)`` in it is opened into ``\Bigl(…\Bigr)``, whose halves need not share a
line, and the cut is tried again inside it.

The estimate is deliberately a little generous: an equation it thinks fits has room to spare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from symdl.latextree import (  # noqa: F401 - the reader is re-exported for the equation layout
    ACCENTS as _ACCENTS, BIN as _BIN, CLOSE as _CLOSE, IGNORE as _IGNORE, LIMIT_OPS as _LIMIT_OPS,
    NAMED_OPS as _NAMED_OPS, OPEN as _OPEN, PUNCT as _PUNCT, REL as _REL, TEXT_CMDS as _TEXT_CMDS, Env, Group,
    LeftRight, Tok, read, write,
)

# ---------------------------------------------------------------------------------------------
# widths (points at 10pt; Computer Modern)

# cmmi10 italic letters
_ITALIC = dict(zip("abcdefghijklmnopqrstuvwxyz",
                   [5.29, 4.29, 4.33, 5.2, 4.66, 5.5, 4.77, 5.76, 3.45, 4.5, 5.21, 2.98, 8.78, 6.0, 4.85, 5.03,
                    4.46, 4.51, 4.69, 3.61, 5.72, 4.85, 7.16, 5.72, 4.9, 4.65]))
_ITALIC.update(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                   [7.5, 7.59, 7.6, 8.28, 7.6, 7.0, 7.86, 8.6, 4.7, 6.0, 8.6, 6.81, 9.9, 8.6, 7.63, 7.0, 7.9,
                    7.59, 6.6, 6.2, 7.0, 6.6, 10.0, 8.6, 6.6, 7.0]))
# cmr10 upright letters
_UPRIGHT = dict(zip("abcdefghijklmnopqrstuvwxyz",
                    [5.0, 5.56, 4.44, 5.56, 4.44, 3.06, 5.0, 5.56, 2.78, 3.06, 5.28, 2.78, 8.33, 5.56, 5.0, 5.56,
                     5.28, 3.92, 3.94, 3.89, 5.56, 5.28, 7.22, 5.28, 5.28, 4.44]))
_UPRIGHT.update(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                    [7.5, 7.08, 7.22, 7.64, 6.81, 6.53, 7.85, 7.5, 3.61, 5.14, 7.78, 6.25, 9.17, 7.5, 7.78, 6.81,
                     7.78, 7.36, 5.56, 7.22, 7.5, 7.5, 10.28, 7.5, 7.5, 6.11]))
_UPRIGHT.update({c: 5.0 for c in "0123456789"})
_UPRIGHT.update({" ": 3.33, ".": 2.78, ",": 2.78, ":": 2.78, ";": 2.78, "!": 2.78, "?": 4.72, "'": 2.78,
                 "-": 3.33, "(": 3.89, ")": 3.89, "[": 2.78, "]": 2.78, "/": 5.0, "=": 7.78, "+": 7.78,
                 "*": 5.0, "&": 7.78, "%": 8.33, "#": 8.33, "\"": 5.0, "<": 7.78, ">": 7.78, "|": 2.78,
                 "^": 5.0, "_": 5.0, "~": 5.0, "@": 7.78, "`": 2.78})

_GREEK = {
    "alpha": 6.4, "beta": 5.66, "gamma": 5.18, "delta": 4.44, "epsilon": 4.05, "varepsilon": 4.66, "zeta": 4.38,
    "eta": 4.97, "theta": 4.69, "vartheta": 5.92, "iota": 3.54, "kappa": 5.76, "lambda": 5.83, "mu": 6.03,
    "nu": 5.13, "xi": 4.62, "pi": 5.7, "rho": 5.17, "sigma": 5.71, "tau": 4.37, "upsilon": 5.4, "phi": 5.96,
    "varphi": 6.54, "chi": 6.26, "psi": 6.51, "omega": 6.22, "Gamma": 6.25, "Delta": 8.33, "Theta": 7.78,
    "Lambda": 6.94, "Xi": 6.67, "Pi": 7.5, "Sigma": 7.22, "Upsilon": 7.78, "Phi": 7.22, "Psi": 7.78,
    "Omega": 7.22, "ell": 4.17, "partial": 5.56, "nabla": 8.33, "infty": 10.0, "top": 7.78, "prime": 2.75,
    "emptyset": 5.0, "forall": 5.56, "exists": 5.56, "dots": 13.4, "ldots": 13.4, "cdots": 13.4,
    "vdots": 2.78, "ddots": 13.4, "hbar": 5.0, "imath": 3.45, "jmath": 4.12, "star": 5.0, "dagger": 4.44,
    "neg": 6.67, "lnot": 6.67, "Re": 7.22, "Im": 7.22, "aleph": 6.11, "checkmark": 7.78, "square": 7.78,
    "cdotp": 2.78, "ast": 5.0, "lvert": 2.78, "rvert": 2.78, "|": 5.0, "Vert": 5.0, "vert": 2.78,
    "varnothing": 5.0, "flat": 3.89, "natural": 3.89, "sharp": 3.89, "bot": 7.78,
}
_WIDE_REL = {r"\implies": 19.0, r"\iff": 19.0, r"\longrightarrow": 16.0, r"\mapsto": 10.0, r"\coloneqq": 11.0}
_BIG_OPS = {r"\sum": (10.56, 14.44), r"\prod": (9.44, 12.78), r"\int": (5.56, 8.33), r"\coprod": (9.44, 12.78),
            r"\bigcup": (8.33, 11.1), r"\bigcap": (8.33, 11.1), r"\bigoplus": (10.0, 13.3),
            r"\bigotimes": (10.0, 13.3), r"\oint": (5.56, 8.33)}
_SPACES = {r"\,": 1.67, r"\:": 2.22, r"\>": 2.22, r"\;": 2.78, r"\!": -1.67, r"\quad": 10.0, r"\qquad": 20.0,
           r"\ ": 3.33, "~": 3.33, r"\enspace": 5.0, r"\thinspace": 1.67, r"\medspace": 2.22,
           r"\thickspace": 2.78, r"\negthinspace": -1.67}
_BIGS = {r"\big": 1.0, r"\Big": 1.2, r"\bigg": 1.45, r"\Bigg": 1.7}
_FONT_ONE = {r"\mathbf": 1.12, r"\boldsymbol": 1.1, r"\bm": 1.1, r"\mathit": 1.0, r"\mathsf": 1.0,
             r"\mathtt": 1.05, r"\mathcal": 1.1, r"\mathscr": 1.2, r"\mathfrak": 1.0, r"\mathbb": 1.0,
             r"\mathnormal": 1.0, r"\pmb": 1.1}

_SCALE = {"D": 1.0, "T": 1.0, "S": 0.8, "SS": 0.66}  # cm7/cm5 are relatively wider than 0.7/0.5
_SMALLER = {"D": "S", "T": "S", "S": "SS", "SS": "SS"}
_FRAC_INNER = {"D": "T", "T": "S", "S": "SS", "SS": "SS"}
_THIN, _MED, _THICK = 1.67, 2.22, 2.78
# TeX's inter-atom spacing: (left, right) -> (points, only in display/text style)
_SPACING = {
    ("ord", "op"): (_THIN, False), ("ord", "bin"): (_MED, True), ("ord", "rel"): (_THICK, True),
    ("ord", "inner"): (_THIN, True), ("op", "ord"): (_THIN, False), ("op", "op"): (_THIN, False),
    ("op", "rel"): (_THICK, True), ("op", "inner"): (_THIN, True), ("bin", "ord"): (_MED, True),
    ("bin", "op"): (_MED, True), ("bin", "open"): (_MED, True), ("bin", "inner"): (_MED, True),
    ("rel", "ord"): (_THICK, True), ("rel", "op"): (_THICK, True), ("rel", "open"): (_THICK, True),
    ("rel", "inner"): (_THICK, True), ("close", "op"): (_THIN, False), ("close", "bin"): (_MED, True),
    ("close", "rel"): (_THICK, True), ("close", "inner"): (_THIN, True), ("punct", "ord"): (_THIN, True),
    ("punct", "op"): (_THIN, True), ("punct", "rel"): (_THIN, True), ("punct", "open"): (_THIN, True),
    ("punct", "close"): (_THIN, True), ("punct", "punct"): (_THIN, True), ("punct", "inner"): (_THIN, True),
    ("inner", "ord"): (_THIN, True), ("inner", "op"): (_THIN, False), ("inner", "bin"): (_MED, True),
    ("inner", "rel"): (_THICK, True), ("inner", "open"): (_THIN, True), ("inner", "punct"): (_THIN, True),
    ("inner", "inner"): (_THIN, True),
}

#: Generosity of the estimate: every width is multiplied by this.
SAFETY = 1.08


@dataclass
class _Atom:
    kind: str
    width: float
    tall: bool = False  # contains a fraction, a big operator or an array: \left delimiters grow
    height: int = 0  # 0 plain, 1 scripts, 2 a small fraction, 3 a display fraction, 4 nested or arrays

# widths of ( at the sizes \left picks for each height class
_PAREN = [3.89, 4.58, 5.97, 7.36, 8.75]


def width(tex: str, style: str = "D") -> float:
    """Estimated width in points of math-mode LaTeX typeset at 10pt (``D`` display style)."""
    return _list_width(read(tex), style) * SAFETY


def nodes_width(nodes, style: str = "D") -> float:
    return _list_width(tuple(nodes), style) * SAFETY


def is_tall(nodes) -> bool:
    return any(a.tall for a in _atoms(tuple(nodes), "D"))


def text_width(text: str) -> float:
    """Estimated width of text-mode LaTeX (with ``$…$`` math) at 10pt."""
    total, in_math = 0.0, False
    for chunk in re.split(r"(?<!\\)\$", text):
        if in_math:
            total += width(chunk, "T") / SAFETY
        else:
            plain = re.sub(r"\\[A-Za-z]+\{\}|\\textbackslash\{\}", "\\\\", chunk)
            plain = re.sub(r"\\([&%#_{}$])", r"\1", plain)
            plain = re.sub(r"\\[A-Za-z]+\s*", "", plain).replace("{", "").replace("}", "")
            total += sum(_UPRIGHT.get(c, 6.0) for c in plain)
        in_math = not in_math
    return total * SAFETY


def _list_width(nodes, style) -> float:
    atoms = _atoms(nodes, style)
    return _space_atoms(atoms, style)


def _space_atoms(atoms, style) -> float:
    # bin atoms in the wrong context are ordinary (unary minus, leading +)
    kinds = [a.kind for a in atoms]
    for idx, kind in enumerate(kinds):
        if kind == "bin":
            before = kinds[idx - 1] if idx else None
            after = kinds[idx + 1] if idx + 1 < len(kinds) else None
            if before in (None, "bin", "op", "rel", "open", "punct") or after in (None, "rel", "close", "punct"):
                kinds[idx] = "ord"
    scale = _SCALE[style]
    total = 0.0
    previous = None
    for atom, kind in zip(atoms, kinds):
        if kind == "space":
            total += atom.width
            continue
        total += atom.width
        if previous is not None:
            rule = _SPACING.get((previous, kind))
            if rule and (not rule[1] or style in ("D", "T")):
                total += rule[0] * scale
        previous = kind
    return total


def _arg(nodes, i):
    """The argument at ``i``: a group's children or a single node; and the next index."""
    if i >= len(nodes):
        return (), i
    node = nodes[i]
    if isinstance(node, Group):
        return node.children, i + 1
    return (node,), i + 1


def _atoms(nodes, style) -> list[_Atom]:
    scale = _SCALE[style]
    atoms: list[_Atom] = []
    i = 0
    while i < len(nodes):
        node = nodes[i]
        i += 1
        atom = None
        if isinstance(node, Group):
            inner = _atoms(node.children, style)
            atom = _Atom("ord", _space_atoms(inner, style), any(a.tall for a in inner),
                         max((a.height for a in inner), default=0))
        elif isinstance(node, LeftRight):
            inner = _atoms(node.children, style)
            tall = any(a.tall for a in inner)
            height = max((a.height for a in inner), default=0)
            delim = _PAREN[min(height, 4)] * scale
            w = _space_atoms(inner, style)
            w += (delim if node.open != "." else 1.2 * scale) + (delim if node.close != "." else 1.2 * scale)
            atom = _Atom("inner", w, tall, min(height + 1, 4) if height >= 2 else height)
        elif isinstance(node, Env):
            atom = _env_atom(node, style)
        else:
            atom, i = _token_atom(node.text, nodes, i, style)
        if atom is None:
            continue
        # scripts
        sup = sub = 0.0
        while i < len(nodes) and isinstance(nodes[i], Tok) and nodes[i].text in ("^", "_", "'"):
            mark = nodes[i].text
            if mark == "'":
                sup = max(sup, 2.75 * scale)
                i += 1
                continue
            argument, i = _arg(nodes, i + 1)
            w = _list_width(argument, _SMALLER[style]) + 0.5 * scale
            if mark == "^":
                sup = max(sup, w)
            else:
                sub = max(sub, w)
        if sup or sub:
            atom.height = max(atom.height, 2 if sup and sub else 1)
            if atom.kind == "op" and getattr(atom, "limits", False) and style == "D":
                atom.width = max(atom.width, sup, sub)
            else:
                atom.width += max(sup, sub)
        atoms.append(atom)
    return atoms


class _OpAtom(_Atom):
    limits: bool = False


def _token_atom(text, nodes, i, style):
    scale = _SCALE[style]
    if text in _IGNORE:
        return None, i
    if text in _SPACES:
        return _Atom("space", _SPACES[text] * (scale if text not in (r"\quad", r"\qquad") else 1.0)), i
    if text in (r"\hspace", r"\hphantom", r"\phantom"):
        argument, i = _arg(nodes, i)
        if text == r"\hspace":
            m = re.match(r"(-?[\d.]+)\s*(pt|em|ex|mm|cm)", write(argument))
            factor = {"pt": 1, "em": 10, "ex": 4.3, "mm": 2.85, "cm": 28.45}
            return _Atom("space", float(m.group(1)) * factor[m.group(2)] if m else 0.0), i
        return _Atom("ord", _list_width(argument, style)), i
    if text in _BIGS:
        return _Atom("ord", 0.0), i  # the delimiter that follows is counted on its own, a bit wider
    if text.rstrip("lrm") in _BIGS and text[-1] in "lrm":
        base = text.rstrip("lrm")
        kind = {"l": "open", "r": "close", "m": "rel"}[text[-1]]
        delim_text = nodes[i].text if i < len(nodes) and isinstance(nodes[i], Tok) else "("
        base_width = 3.89 if delim_text in "()" else 2.78 if delim_text in "[]|" else 5.0
        return _Atom(kind, base_width * _BIGS[base] * scale), i + 1
    if text in (r"\frac", r"\dfrac", r"\tfrac", r"\binom", r"\cfrac"):
        numerator, i = _arg(nodes, i)
        denominator, i = _arg(nodes, i)
        inner = {"\\dfrac": "T", "\\tfrac": "S"}.get(text, _FRAC_INNER[style])
        w = max(_list_width(numerator, inner), _list_width(denominator, inner)) + 2 * 1.2 * scale
        if text == r"\binom":
            w += 2 * 3.89 * scale
        inner_height = max((a.height for a in _atoms(tuple(numerator) + tuple(denominator), inner)), default=0)
        height = 3 if inner == "T" else 2
        if inner_height >= 2:
            height = 4
        return _Atom("inner" if text == r"\binom" else "ord", w, tall=style == "D" or text == r"\dfrac",
                     height=height), i
    if text == r"\sqrt":
        index_width = 0.0
        if i < len(nodes) and isinstance(nodes[i], Tok) and nodes[i].text == "[":
            j = i
            while j < len(nodes) and not (isinstance(nodes[j], Tok) and nodes[j].text == "]"):
                j += 1
            index_width = _list_width(nodes[i + 1:j], "SS")
            i = j + 1
        argument, i = _arg(nodes, i)
        inner = _atoms(tuple(argument), style)
        height = max((a.height for a in inner), default=0)
        surd = [8.33, 8.33, 10.0, 10.0, 10.0][min(height, 4)]
        return _Atom("ord", _space_atoms(inner, style) + surd * scale + max(0.0, index_width - 3.0),
                     tall=is_tall(argument), height=min(height + 1, 4) if height >= 2 else max(height, 1)), i
    if text in (r"\boxed", r"\fbox"):
        argument, i = _arg(nodes, i)
        return _Atom("ord", _list_width(argument, "D" if style == "D" else "T") + 6.8, tall=True), i
    if text in (r"\Aboxed",):
        argument, i = _arg(nodes, i)
        flat = tuple(n for n in argument if not (isinstance(n, Tok) and n.text == "&"))
        return _Atom("ord", _list_width(flat, style) + 6.8, tall=True), i
    if text in _TEXT_CMDS:
        argument, i = _arg(nodes, i)
        w = text_width(write(argument).replace(" ", "\\ ").replace("\\ ", " ")) / SAFETY * scale
        kind = "op" if text in (r"\operatorname", r"\operatorname*", r"\mathop") else "ord"
        return _Atom(kind, w), i
    if text in _FONT_ONE:
        argument, i = _arg(nodes, i)
        w = _list_width(argument, style) * _FONT_ONE[text]
        if text in (r"\mathbf", r"\mathbb"):
            per = 7.22 if text == r"\mathbb" else None
            w = sum((per or _UPRIGHT.get(t.text, 6.0) * 1.12) for t in argument if isinstance(t, Tok)) * scale or w
        return _Atom("ord", w), i
    if text in _ACCENTS:
        argument, i = _arg(nodes, i)
        return _Atom("ord", _list_width(argument, style), tall=is_tall(argument)), i
    if text == r"\substack":
        argument, i = _arg(nodes, i)
        rows = _split_rows(argument)
        return _Atom("ord", max((_list_width(r, style) for r in rows), default=0.0)), i
    if text in (r"\overset", r"\underset", r"\stackrel"):
        top, i = _arg(nodes, i)
        base, i = _arg(nodes, i)
        return _Atom("rel" if any(isinstance(b, Tok) and b.text in _REL for b in base) else "ord",
                     max(_list_width(top, _SMALLER[style]), _list_width(base, style))), i
    if text in _BIG_OPS:
        small, large = _BIG_OPS[text]
        atom = _OpAtom("op", (large if style == "D" else small) * scale, tall=style == "D",
                       height=3 if style == "D" else 1)
        atom.limits = style == "D" and text != r"\int"
        return atom, i
    if text in _NAMED_OPS:
        word = text[1:]
        atom = _OpAtom("op", sum(_UPRIGHT.get(c, 5.0) for c in word) * scale)
        atom.limits = text in _LIMIT_OPS
        return atom, i
    if text in _WIDE_REL:
        return _Atom("rel", _WIDE_REL[text] * scale), i
    if text in _BIN:
        return _Atom("bin", 7.78 * scale if text not in (r"\cdot", r"\circ", r"\bullet") else 2.78 * scale), i
    if text in _REL:
        return _Atom("rel", (7.78 if text != ":" else 2.78) * scale), i
    if text in _OPEN:
        return _Atom("open", (3.89 if text == "(" else 2.78 if text in "[" else 5.0) * scale), i
    if text in _CLOSE:
        return _Atom("close", (3.89 if text == ")" else 2.78 if text in "]!" else 5.0) * scale), i
    if text in _PUNCT:
        return _Atom("punct", 2.78 * scale), i
    if text == "|":
        return _Atom("ord", 2.78 * scale), i
    if text == "&" or text == r"\\":
        return None, i
    if text.startswith("\\"):
        name = text[1:]
        return _Atom("ord", _GREEK.get(name, 7.0) * scale), i
    if text.isdigit():
        return _Atom("ord", 5.0 * scale), i
    if text.isalpha() and len(text) == 1:
        return _Atom("ord", _ITALIC.get(text, 5.5) * scale), i
    if text == "/":
        return _Atom("ord", 5.0 * scale), i
    if text == ".":
        return _Atom("ord", 2.78 * scale), i
    return _Atom("ord", _UPRIGHT.get(text, 6.0) * scale), i


def _split_rows(nodes) -> list[tuple]:
    rows, current = [], []
    for node in nodes:
        if isinstance(node, Tok) and node.text == r"\\":
            rows.append(tuple(current))
            current = []
        else:
            current.append(node)
    rows.append(tuple(current))
    return [r for r in rows if r]


def _split_cells(row) -> list[tuple]:
    cells, current = [], []
    for node in row:
        if isinstance(node, Tok) and node.text == "&":
            cells.append(tuple(current))
            current = []
        else:
            current.append(node)
    cells.append(tuple(current))
    return cells


def _env_atom(node: Env, style) -> _Atom:
    scale = _SCALE[style]
    rows = [_split_cells(r) for r in _split_rows(node.children)]
    matrix = node.name in ("matrix", "bmatrix", "pmatrix", "vmatrix", "Vmatrix", "Bmatrix", "smallmatrix", "cases",
                           "array")
    cell_style = ("S" if node.name == "smallmatrix" else "T") if matrix else "D"
    columns = max((len(r) for r in rows), default=0)
    widths = [max((_list_width(r[c], cell_style) for r in rows if c < len(r)), default=0.0) for c in range(columns)]
    if matrix:
        gap = 5.0 if node.name == "smallmatrix" else 10.0
        w = sum(widths) + gap * max(columns - 1, 0)
        delim = {"bmatrix": 2 * 4.5, "pmatrix": 2 * 5.5, "vmatrix": 2 * 3.0, "Vmatrix": 2 * 5.0,
                 "Bmatrix": 2 * 6.0, "cases": 9.0 + 10.0}.get(node.name, 0.0)
        return _Atom("inner", (w + delim) * scale, tall=True, height=4)
    # aligned-like: pairs of right/left columns
    return _Atom("ord", sum(widths) * scale, tall=True, height=4)


# ---------------------------------------------------------------------------------------------
# breaking

_BREAK_PRIORITY = [
    {"+", "-"},
    {r"\odot", r"\cdot", r"\times", r"\otimes", r"\pm", r"\mp", r"\circ"},
]


def _bigger(tall: bool) -> tuple[str, str]:
    return (r"\biggl", r"\biggr") if tall else (r"\bigl", r"\bigr")


def _binary_positions(nodes, operators) -> list[int]:
    """Indices of top-level binary operators in ``operators`` (not unary, not leading, not a script)."""
    kinds = []
    for node in nodes:
        t = node.text if isinstance(node, Tok) else None
        kinds.append("bin" if t in _BIN else "rel" if t in _REL else "open" if t in _OPEN else
                     "punct" if t in _PUNCT else "script" if t in ("^", "_") else
                     "op" if t in _BIG_OPS or t in _NAMED_OPS else "ord")
    return [i for i, node in enumerate(nodes)
            if i > 0 and kinds[i] == "bin" and node.text in operators
            and kinds[i - 1] not in ("bin", "rel", "open", "punct", "op", "script")]


def _widest_paren(nodes) -> int | None:
    best, best_width = None, 0.0
    for idx, node in enumerate(nodes):
        if isinstance(node, LeftRight):
            w = _list_width(node.children, "D")
            if w > best_width:
                best, best_width = idx, w
    return best


def _open_one(nodes, idx) -> list:
    node = nodes[idx]
    left, right = _bigger(is_tall(node.children))
    opened = []
    if node.open != ".":
        opened += [Tok(left), Tok(node.open)]
    opened.extend(node.children)
    if node.close != ".":
        opened += [Tok(right), Tok(node.close)]
    return list(nodes[:idx]) + opened + list(nodes[idx + 1:])


def break_lines(nodes, first: float, rest: float, depth: int = 0) -> list[list]:
    """Cut ``nodes`` into lines: the first at most ``first`` points wide, the others ``rest``.

    Cuts go before top-level binary operators (``+``/``-`` first); a term still too long has its
    widest ``\\left(…\\right)`` opened into ``\\bigl(…\\bigr)`` and is cut inside. Lines that
    cannot be cut stay whole (the caller sees them in the result's widths).
    """
    nodes = list(nodes)
    if nodes_width(nodes) <= first:
        return [nodes]
    for operators in _BREAK_PRIORITY:
        positions = _binary_positions(nodes, operators)
        if not positions:
            continue
        pieces = []
        start = 0
        for p in positions:
            pieces.append(nodes[start:p])
            start = p
        pieces.append(nodes[start:])
        lines: list[list] = []
        current: list = []
        for piece in pieces:
            limit = first if not lines else rest
            if current and nodes_width(current + piece) > limit:
                lines.append(current)
                current = []
            current = current + piece
        lines.append(current)
        # a line still too long: cut inside it
        fixed: list[list] = []
        for number, line in enumerate(lines):
            limit = first if not fixed else rest
            if nodes_width(line) > limit and depth < 6:
                fixed.extend(break_lines(line, limit, rest, depth + 1))
            else:
                fixed.append(line)
        if len(fixed) > 1 or nodes_width(fixed[0]) <= first:
            return fixed
    idx = _widest_paren(nodes)
    if idx is not None and depth < 6:
        return break_lines(_open_one(nodes, idx), first, rest, depth + 1)
    return [nodes]


def line_tex(nodes, continuation: bool) -> str:
    """LaTeX of one line; a continuation that starts with a binary operator keeps it binary."""
    text = write(nodes)
    if continuation and nodes and isinstance(nodes[0], Tok) and nodes[0].text in _BIN:
        return "{}" + text
    return text
