r"""Plain text from the course LaTeX: the one renderer behind ``--format text``, figure alt texts and titles.

Everything symdl writes as math is LaTeX first (:func:`symdl.latex.to_latex`, the derivations' own
strings, the ``$…$`` in prose); here that LaTeX is read into the tree of :mod:`symdl.latextree` and
written as Unicode text: ``\frac{\partial L}{\partial W^{(1)}}`` → ``∂L/∂W^(1)``,
``\left(W^{(2)}\right)^{\top}`` → ``(W^(2))ᵀ``, ``H_{l-1}`` → ``H_(l-1)``, ``\sqrt{\lambda_{1}}`` →
``√λ_1``, ``\begin{bmatrix}1 & 2\end{bmatrix}`` → ``[1, 2]``. Spacing follows TeX's classes (binary
operators and relations get spaces, a sign does not), and a command it does not know is written as
its name: the text never holds a backslash.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from symdl.latextree import BIN, CLOSE, IGNORE, NAMED_OPS, OPEN, PUNCT, REL, Env, Group, LeftRight, Tok, read

_DOLLAR = re.compile(r"(?<!\\)\$")


def split_math(text: str) -> list[tuple[bool, str]]:
    """``"a $x$ b"`` → ``[(False, "a "), (True, "x"), (False, " b")]`` (an unclosed ``$`` is text)."""
    parts = _DOLLAR.split(text)
    if len(parts) % 2 == 0:  # odd number of dollars: the last one is literal
        parts = parts[:-2] + [parts[-2] + "$" + parts[-1]]
    return [(k % 2 == 1, chunk) for k, chunk in enumerate(parts) if chunk]


def prose_to_text(text: str) -> str:
    """Prose with ``$…$`` math as plain text: ``"with $\\sigma'(a)$"`` → ``"with σ'(a)"``."""
    return "".join(latex_to_text(chunk) if is_math else chunk.replace("\\$", "$")
                   for is_math, chunk in split_math(text))


def latex_to_text(tex: str) -> str:
    """Math-mode LaTeX as plain Unicode text, on one line."""
    return unicodedata.normalize("NFC", _join(_pieces(read(tex, spaces=True), compact=False), compact=False).strip())


_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "varrho": "ϱ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ",
    "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ",
    "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "ell": "ℓ",
    "partial": "∂", "nabla": "∇", "infty": "∞", "prime": "'", "dots": "…", "ldots": "…", "cdots": "⋯",
    "vdots": "⋮", "ddots": "⋱", "emptyset": "∅", "varnothing": "∅", "forall": "∀", "exists": "∃", "neg": "¬",
    "lnot": "¬", "top": "ᵀ", "bot": "⊥", "star": "⋆", "dagger": "†", "checkmark": "✓", "hbar": "ħ",
    # binary operators
    "cdot": "·", "times": "×", "odot": "⊙", "otimes": "⊗", "oplus": "⊕", "pm": "±", "mp": "∓", "circ": "∘",
    "ast": "*", "div": "÷", "setminus": "∖", "wedge": "∧", "vee": "∨", "land": "∧", "lor": "∨", "cap": "∩",
    "cup": "∪", "bullet": "•", "diamond": "⋄", "ominus": "⊖", "oslash": "⊘",
    # relations
    "approx": "≈", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "leqslant": "≤", "geqslant": "≥", "neq": "≠",
    "ne": "≠", "sim": "~", "simeq": "≃", "in": "∈", "notin": "∉", "mid": "|", "propto": "∝", "equiv": "≡",
    "to": "→", "mapsto": "↦", "coloneqq": ":=", "subset": "⊂", "subseteq": "⊆", "supset": "⊃", "rightarrow": "→",
    "leftarrow": "←", "Rightarrow": "⇒", "Leftarrow": "⇐", "iff": "⇔", "implies": "⇒", "Leftrightarrow": "⇔",
    "leftrightarrow": "↔", "longrightarrow": "⟶", "ll": "≪", "gg": "≫", "perp": "⊥", "parallel": "∥",
    "cong": "≅", "succ": "≻", "prec": "≺", "triangleq": "≜", "doteq": "≐",
    # delimiters
    "{": "{", "}": "}", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "langle": "⟨", "rangle": "⟩",
    "lvert": "|", "rvert": "|", "lVert": "‖", "rVert": "‖", "|": "‖", "Vert": "‖", "vert": "|", "lbrack": "[",
    "rbrack": "]", "colon": ":",
    # big operators
    "sum": "Σ", "prod": "∏", "int": "∫", "oint": "∮", "coprod": "∐", "bigcup": "⋃", "bigcap": "⋂",
    # escaped characters
    "$": "$", "%": "%", "&": "&", "#": "#", "_": "_",
}
_BIG = {r"\sum", r"\prod", r"\int", r"\oint", r"\coprod", r"\bigcup", r"\bigcap"}
_SPACE = {r"\,", r"\:", r"\>", r"\;", r"\ ", r"\quad", r"\qquad", "~", r"\enspace", r"\thinspace", r"\medspace",
          r"\thickspace"}
_SIZED = re.compile(r"\\(?:big|Big|bigg|Bigg)([lrm]?)$")
_DOUBLE_STRUCK = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "P": "ℙ", "1": "1"}
_ACCENT = {r"\hat": "\u0302", r"\widehat": "\u0302", r"\tilde": "\u0303", r"\widetilde": "\u0303",
           r"\bar": "\u0304", r"\overline": "\u0304", r"\vec": "\u20d7", r"\dot": "\u0307", r"\ddot": "\u0308",
           r"\check": "\u030c", r"\breve": "\u0306", r"\acute": "\u0301", r"\grave": "\u0300",
           r"\underline": "\u0332", r"\mathring": "\u030a", r"\overrightarrow": "\u20d7"}
_WORDS = {r"\text", r"\textrm", r"\textit", r"\textbf", r"\mbox", r"\textnormal", r"\textsf", r"\texttt", r"\hbox"}
_UPRIGHT = {r"\mathrm", r"\mathbf", r"\boldsymbol", r"\bm", r"\mathit", r"\mathsf", r"\mathtt", r"\mathcal",
            r"\mathscr", r"\mathfrak", r"\mathnormal", r"\pmb", r"\mathop"}
_DELIMITERS = {"bmatrix": ("[", "]"), "pmatrix": ("(", ")"), "vmatrix": ("|", "|"), "Vmatrix": ("‖", "‖"),
               "Bmatrix": ("{", "}"), "smallmatrix": ("", ""), "matrix": ("", ""), "array": ("", "")}


@dataclass
class _Piece:
    text: str
    kind: str  # ord, op (log, Σ: a space before an argument), bin, rel, punct, open, close, frac, partial, row
    spaced: bool = False  # the source had a space before it
    prefix: bool = False  # ∂, ∇, √: no space after it
    fenced: bool = False  # a \left…\right pair


def _symbol(command: str) -> str:
    return _SYMBOLS.get(command[1:], command[1:])


def _arg(nodes, i):
    """The argument at ``i`` (a group's children or one node) and the index after it; spaces skipped."""
    while i < len(nodes) and nodes[i] == Tok(" "):
        i += 1
    if i >= len(nodes):
        return (), i
    node = nodes[i]
    return (node.children if isinstance(node, Group) else (node,)), i + 1


def _render(nodes, compact: bool) -> str:
    return _join(_pieces(tuple(nodes), compact), compact).strip()


def _simple(text: str) -> bool:
    """Text that needs no parentheses as a script, a fraction's part or a root's argument: nothing at
    its top level that binds more loosely than juxtaposition (``2a``, ``e^(-a)``, ``σ(a)``, ``(x + 1)``)."""
    if not text or text[0] in "+-±":
        return False
    depth = 0
    for char in text:
        depth += (char in "([{⌊⌈") - (char in ")]}⌋⌉")
        if depth == 0 and char in _LOOSE:
            return False
    return True


_LOOSE = set(" +-/·×⊙,;:=<>≤≥≈≠∈|~→")


def _factor(nodes, compact: bool) -> str:
    """A denominator or a root's argument: one atom as it is, several factors wrapped (1/(2c), not 1/2c)."""
    pieces = _pieces(tuple(nodes), compact)
    text = _join(pieces, compact).strip()
    return text if len(pieces) == 1 and _simple(text) else f"({text})"


def _parenthesised(text: str) -> str:
    return text if _simple(text) else f"({text})"


def _script(nodes) -> str:
    inner = _render(nodes, compact=True)
    if inner == "ᵀ" or (inner and set(inner) <= {"'"}):
        return inner
    inner = inner.replace("ᵀ", "T")  # Σ^(-T)
    if re.match(r"[^(\[]*[_^]", inner):  # e^(z_i), not e^z_i
        return f"({inner})"
    return _parenthesised(inner)


def _pieces(nodes, compact: bool) -> list[_Piece]:
    out: list[_Piece] = []
    spaced = False
    i = 0
    while i < len(nodes):
        node = nodes[i]
        i += 1
        piece = None
        if node == Tok(" "):
            spaced = True
            continue
        if isinstance(node, Group):
            inner = _render(node.children, compact)
            piece = _Piece(inner, "ord") if inner else None
        elif isinstance(node, LeftRight):
            left = "" if node.open == "." else _delimiter(node.open)
            right = "" if node.close == "." else _delimiter(node.close)
            piece = _Piece(left + _render(node.children, compact) + right, "ord", fenced=True)
        elif isinstance(node, Env):
            piece = _Piece(_environment(node), "ord")
        else:
            piece, i = _token(node.text, nodes, i, compact)
        if piece is None:
            continue
        if piece.kind == "space":
            spaced = True
            continue
        # scripts and primes attach to what precedes them
        while i < len(nodes) and isinstance(nodes[i], Tok) and nodes[i].text in ("^", "_", "'"):
            mark = nodes[i].text
            if mark == "'":
                piece.text += "'"
                i += 1
                continue
            argument, i = _arg(nodes, i + 1)
            script = _script(argument)
            piece.text += script if script == "ᵀ" or set(script) == {"'"} else mark + script
        piece.spaced = spaced
        spaced = False
        if out and not piece.spaced and _continues(out[-1], piece):
            out[-1] = _Piece(out[-1].text + piece.text, "ord", out[-1].spaced)
        else:
            out.append(piece)
    return out


def _continues(previous: _Piece, piece: _Piece) -> bool:
    """One atom written in pieces: the digits of a number (1.3), a call σ(a), tanh(a), σ^2(a)."""
    if previous.kind == "ord" and piece.kind == "ord" and re.fullmatch(r"\d[\d.]*", previous.text):
        return bool(re.match(r"[\d.]", piece.text))
    return (piece.fenced and previous.kind in ("ord", "op") and piece.text[:1] in "(["
            and bool(re.match(r"[^\W\d_]", previous.text)))


def _delimiter(text: str) -> str:
    return _symbol(text) if text.startswith("\\") else text


def _token(text: str, nodes, i, compact: bool):
    """The piece one token makes (reading its arguments from ``nodes`` at ``i``) and the next index."""
    if text in ("&", r"\\") or text in IGNORE or text in (r"\!", r"\negthinspace", r"\left", r"\right"):
        return None, i
    if text in _SPACE:
        return _Piece(" ", "space"), i
    sized = _SIZED.match(text)
    if sized:
        return None, i  # the delimiter that follows is read on its own
    if text in (r"\frac", r"\dfrac", r"\tfrac", r"\cfrac"):
        numerator, i = _arg(nodes, i)
        denominator, i = _arg(nodes, i)
        top, bottom = _render(numerator, compact), _render(denominator, compact)
        if re.match(r"[∂d]", top) and re.match(r"[∂d]", bottom) and _simple(bottom[1:]):
            return _Piece(f"{top}/{bottom}", "partial"), i
        return _Piece(f"{_parenthesised(top)}/{_factor(denominator, compact)}", "frac"), i
    if text == r"\binom":
        top, i = _arg(nodes, i)
        bottom, i = _arg(nodes, i)
        return _Piece(f"binom({_render(top, True)}, {_render(bottom, True)})", "ord"), i
    if text == r"\sqrt":
        index = ""
        if i < len(nodes) and nodes[i] == Tok("["):
            j = i
            while j < len(nodes) and nodes[j] != Tok("]"):
                j += 1
            index, i = _render(nodes[i + 1:j], True), j + 1
        argument, i = _arg(nodes, i)
        if index:
            return _Piece(f"{_parenthesised(_render(argument, compact))}^(1/{index})", "ord"), i
        return _Piece("√" + _factor(argument, compact), "ord"), i
    if text in (r"\boxed", r"\Aboxed", r"\fbox", r"\phantom", r"\hphantom"):
        argument, i = _arg(nodes, i)
        return (_Piece(_render(argument, compact), "ord") if "phantom" not in text else None), i
    if text in _WORDS:
        argument, i = _arg(nodes, i)
        from symdl.latextree import write

        return _Piece(prose_to_text(write(argument)), "ord"), i
    if text in (r"\operatorname", r"\operatorname*"):
        argument, i = _arg(nodes, i)
        return _Piece(_render(argument, True), "op"), i
    if text in _UPRIGHT:
        argument, i = _arg(nodes, i)
        return _Piece(_render(argument, compact), "ord"), i
    if text == r"\mathbb":
        argument, i = _arg(nodes, i)
        inner = _render(argument, compact)
        return _Piece(_DOUBLE_STRUCK.get(inner, inner), "ord"), i
    if text in _ACCENT:
        argument, i = _arg(nodes, i)
        inner = _render(argument, compact)
        letters = [c for c in inner if not unicodedata.combining(c)]
        if len(letters) == 1:
            return _Piece(inner + _ACCENT[text], "ord"), i
        return _Piece(f"{text[1:]}({inner})", "ord"), i
    if text == r"\substack":
        argument, i = _arg(nodes, i)
        return _Piece(", ".join(_render(row, True) for row in _rows(argument)), "ord"), i
    if text in (r"\overset", r"\underset", r"\stackrel"):
        _, i = _arg(nodes, i)
        base, i = _arg(nodes, i)
        rendered = _pieces(tuple(base), compact)
        return (rendered[0] if len(rendered) == 1 else _Piece(_join(rendered, compact), "ord")), i
    if text in (r"\bmod", r"\mod"):
        return _Piece("mod", "bin"), i
    if text == r"\pmod":
        argument, i = _arg(nodes, i)
        return _Piece(f"(mod {_render(argument, True)})", "ord", spaced=True), i
    if text in NAMED_OPS:
        return _Piece(text[1:], "op"), i
    if text in _BIG:
        return _Piece(_symbol(text), "op"), i
    if text in BIN or text == "*":
        return _Piece(_symbol(text) if text.startswith("\\") else text, "bin"), i
    if text in REL:
        return _Piece(_symbol(text) if text.startswith("\\") else text, "rel"), i
    if text in OPEN or text in (r"\langle", r"\lbrack"):
        return _Piece(_delimiter(text), "open"), i
    if text in CLOSE and text != "!":
        return _Piece(_delimiter(text), "close"), i
    if text in PUNCT:
        return _Piece(_delimiter(text), "punct"), i
    if text.startswith("\\"):
        symbol = _symbol(text)
        return _Piece(symbol, "ord", prefix=text in (r"\partial", r"\nabla")), i
    return _Piece(text, "ord"), i


def _rows(nodes) -> list[list]:
    rows, current = [], []
    for node in nodes:
        if node == Tok(r"\\"):
            rows.append(current)
            current = []
        else:
            current.append(node)
    rows.append(current)
    return [row for row in rows if any(n != Tok(" ") for n in row)]


def _cells(row) -> list[list]:
    cells, current = [], []
    for node in row:
        if node == Tok("&"):
            cells.append(current)
            current = []
        else:
            current.append(node)
    cells.append(current)
    return cells


def _environment(node: Env) -> str:
    rows = [[_render(cell, False) for cell in _cells(row)] for row in _rows(node.children)]
    if node.name in _DELIMITERS:
        left, right = _DELIMITERS[node.name]
        return left + "; ".join(", ".join(row) for row in rows) + right
    if node.name == "cases":
        return "{ " + "; ".join(", ".join(c for c in row if c) for row in rows) + " }"
    return "; ".join(" ".join(c for c in row if c) for row in rows)  # aligned, gathered, split


def _join(pieces: list[_Piece], compact: bool) -> str:
    """The pieces as one string, spaced by their classes as TeX would."""
    kinds = [p.kind for p in pieces]
    for n, kind in enumerate(kinds):  # a sign, not an operation: -x, (−1.3), a + −b
        if kind == "bin" and (n == 0 or kinds[n - 1] in ("bin", "op", "rel", "open", "punct")) \
                and pieces[n].text in ("-", "+", "±", "∓"):
            kinds[n] = "sign"
    out = ""
    previous = None
    for n, (piece, kind) in enumerate(zip(pieces, kinds)):
        text = piece.text
        if kind in ("frac", "partial") and not text.startswith(("∂/", "d/")) and _juxtaposed(kinds, n):
            text = f"({text})"
        if kind in ("bin", "rel"):
            out += text if compact or text == "·" else f" {text} "  # 0.1·0.5: a product of numbers, tight
        elif kind == "punct":
            out += text if compact else f"{text} "
        elif previous is None or previous in ("bin", "rel", "punct", "open", "sign"):
            out += text
        elif kind == "close":
            out += text
        elif previous == "prefix":
            out += text
        elif kind == "open":
            out += (" " if piece.spaced and not compact else "") + text
        elif previous == "op":
            out += ("" if text[:1] in "([|⌊⌈{" and not piece.spaced else " ") + text
        elif _glued(out, text, piece, previous, kind, compact):
            out += text
        else:
            out += " " + text
        previous = "prefix" if piece.prefix else kind
    return re.sub(r" {2,}", " ", out)


def _juxtaposed(kinds, n) -> bool:
    """A fraction written next to a factor is wrapped: ``(1/2) x``, ``(∂L/∂h) xᵀ``."""
    factor = ("ord", "frac", "partial", "op", "open", "close")
    return (n > 0 and kinds[n - 1] in factor) or (n + 1 < len(kinds) and kinds[n + 1] in factor)


def _glued(out: str, text: str, piece: _Piece, previous: str, kind: str, compact: bool) -> bool:
    """Whether two factors are written together: ``2a``, ``σ(a)``; apart when the source spaced them."""
    if previous in ("frac", "partial") or kind in ("frac", "partial"):
        return False
    if not piece.spaced or (compact and len(text) == 1 and len(out.rsplit(" ", 1)[-1]) == 1):
        return True  # δ_ij: one-letter indices run together
    # a number before a letter or a call needs no space: 2 a → 2a, 2 σ(2a) → 2σ(2a)
    return bool(re.search(r"(^|[\s([{+\-·×/=,])\d+(\.\d+)?$", out)) and bool(re.match(r"[^\W\d_]", text))
