r"""Stage 1, tokens: the source text as a list of :class:`Tok` with their 1-based columns.

It refuses control characters and stray Unicode, maps the common Unicode math characters onto
their commands, and reads the argument of text-like commands (``\text``, ``\mathrm``,
``\mathbf``...) raw, so that whatever a student writes inside ``\text{...}`` never reaches a
parser as mathematics.
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass

from symdl.errors import ParseError

MAX_LENGTH = 10_000

ASCII_LETTERS = frozenset(string.ascii_letters)
DIGITS = frozenset(string.digits)

# Commands whose braced argument is read raw: it is text or a font, never parsed as mathematics.
TEXT_COMMANDS = frozenset({
    r"\text", r"\textrm", r"\textit", r"\textbf", r"\textsf", r"\texttt", r"\textnormal", r"\mbox",
    r"\mathrm", r"\operatorname", r"\mathbf", r"\boldsymbol", r"\bm", r"\mathit", r"\mathsf",
    r"\mathtt", r"\mathnormal", r"\mathcal", r"\mathscr", r"\mathfrak", r"\mathbb", r"\mathds",
    r"\vec", r"\pmb",
})

# Commands that only change spacing or delimiter size: dropped.
IGNORED_COMMANDS = frozenset({
    r"\,", r"\;", r"\:", r"\!", r"\ ", r"\quad", r"\qquad", r"\displaystyle", r"\textstyle",
    r"\limits", r"\nolimits", r"\big", r"\Big", r"\bigg", r"\Bigg", r"\bigl", r"\bigr", r"\Bigl",
    r"\Bigr", r"\biggl", r"\biggr", r"\Biggl", r"\Biggr", r"\bigm", r"\Bigm", r"\mathstrut",
    r"\thinspace", r"\medspace", r"\thickspace", r"\negthinspace", r"\enspace", r"\hspace*",
})

# Unicode that students paste from other tools, mapped onto the LaTeX it stands for.
UNICODE_COMMANDS = {
    "−": "-", "–": "-", "·": r"\cdot", "⋅": r"\cdot", "×": r"\times", "÷": r"\div",
    "⊙": r"\odot", "∘": r"\circ", "∑": r"\sum", "∏": r"\prod", "√": r"\sqrt", "∂": r"\partial",
    "∞": r"\infty", "′": "'", "≈": r"\approx", "≤": r"\leq", "≥": r"\geq", "≠": r"\neq",
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\epsilon",
    "ϵ": r"\epsilon", "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ι": r"\iota", "κ": r"\kappa",
    "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu", "ξ": r"\xi", "π": r"\pi", "ρ": r"\rho",
    "σ": r"\sigma", "τ": r"\tau", "υ": r"\upsilon", "φ": r"\phi", "ϕ": r"\phi", "χ": r"\chi",
    "ψ": r"\psi", "ω": r"\omega", "Γ": r"\Gamma", "Δ": r"\Delta", "Θ": r"\Theta", "Λ": r"\Lambda",
    "Ξ": r"\Xi", "Π": r"\Pi", "Σ": r"\Sigma", "Φ": r"\Phi", "Ψ": r"\Psi", "Ω": r"\Omega",
    "\u00a0": " ",
}


@dataclass(frozen=True)
class Tok:
    r"""One token. ``kind`` is ``cmd`` (``\frac``), ``char`` (``x``, ``+``), ``text`` (the raw
    argument of a text-like command, with the command in ``command``), ``begin`` or ``end``."""

    kind: str
    value: str
    col: int
    space_before: bool = False
    command: str = ""

    def is_char(self, *values: str) -> bool:
        return self.kind == "char" and (not values or self.value in values)

    def is_cmd(self, *values: str) -> bool:
        return self.kind == "cmd" and (not values or self.value in values)



def check_text(text: str) -> None:
    """Refuse what must never reach a parser: non-strings, empty or huge input, control chars."""
    if not isinstance(text, str):
        raise ParseError(f"expected LaTeX text, got {type(text).__name__}", 1)
    if len(text) > MAX_LENGTH:
        raise ParseError(f"input longer than {MAX_LENGTH} characters", MAX_LENGTH + 1)
    for index, char in enumerate(text):
        if char in "\t\n\r":
            continue
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            raise ParseError(f"control character U+{ord(char):04X}", index + 1)
    if not text.strip():
        raise ParseError("empty input", 1)


def tokenize(text: str, offset: int = 0) -> list[Tok]:
    """Tokens of ``text``; ``offset`` is added to columns (for re-tokenized command arguments)."""
    tokens: list[Tok] = []
    index, space = 0, False
    while index < len(text):
        char, col = text[index], index + 1 + offset
        if char in " \t\n\r~" or char == "\u00a0":
            space, index = True, index + 1
            continue
        if char == "\\":
            token, index = _read_command(text, index, offset, space)
        elif char in UNICODE_COMMANDS:
            token, index = _mapped_unicode(char, col, space), index + 1
        elif ord(char) < 128:
            token, index = Tok("char", char, col, space), index + 1
        else:
            raise ParseError(f"unexpected character {char!r}", col)
        if token is None:  # an ignored command works as a space
            space = True
            continue
        tokens.append(token)
        space = False
    return tokens


def _mapped_unicode(char: str, col: int, space: bool) -> Tok | None:
    mapped = UNICODE_COMMANDS[char]
    if mapped == " ":
        return None
    kind = "cmd" if mapped.startswith("\\") else "char"
    return Tok(kind, mapped, col, space)


def _read_command(text: str, index: int, offset: int, space: bool) -> tuple[Tok | None, int]:
    col = index + 1 + offset
    end = index + 1
    while end < len(text) and text[end] in ASCII_LETTERS:
        end += 1
    if end == index + 1:  # a one-character command: \\ \, \{ \| \%
        if end >= len(text):
            raise ParseError("a lone backslash ends the input", col)
        name = "\\" + text[end]
        end += 1
    else:
        name = text[index:end]
        if end < len(text) and text[end] == "*" and name in (r"\operatorname", r"\hspace"):
            name, end = name + "*", end + 1
    if name in IGNORED_COMMANDS:
        return None, end
    if name == r"\hspace" or name == r"\hspace*":
        _, end = _read_raw_argument(text, end, offset, col)
        return None, end
    if name == r"\%":
        return Tok("char", "%", col, space), end
    if name.rstrip("*") in TEXT_COMMANDS:
        (content, content_col), end = _read_raw_argument(text, end, offset, col)
        return Tok("text", content, content_col, space, command=name.rstrip("*")), end
    if name in (r"\begin", r"\end"):
        (content, _), end = _read_raw_argument(text, end, offset, col)
        return Tok(name[1:], content.strip(), col, space), end
    return Tok("cmd", name, col, space), end


def _read_raw_argument(text: str, index: int, offset: int, command_col: int):
    """The raw text of a command's argument: a balanced ``{...}`` or a single token."""
    while index < len(text) and text[index] in " \t\n\r":
        index += 1
    if index >= len(text):
        raise ParseError("a command is missing its argument", command_col)
    if text[index] != "{":
        if text[index] == "\\":
            end = index + 1
            while end < len(text) and text[end] in ASCII_LETTERS:
                end += 1
            end = max(end, index + 2)
        else:
            end = index + 1
        return (text[index:end], index + 1 + offset), end
    depth, end = 0, index
    while end < len(text):
        char = text[end]
        if char == "\\":
            end += 2
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0:
            return (text[index + 1:end], index + 2 + offset), end + 1
        end += 1
    raise ParseError("'{' is never closed", index + 1 + offset)

def math_span(text: str) -> tuple[int, int]:
    """Where the mathematics is: inside $...$, \\[...\\] or \\(...\\), without end punctuation."""
    start, end = 0, len(text)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    for opening, closing in (("$$", "$$"), ("$", "$"), (r"\[", r"\]"), (r"\(", r"\)")):
        if text.startswith(opening, start) and text.endswith(closing, 0, end) \
                and end - start >= len(opening) + len(closing):
            start, end = start + len(opening), end - len(closing)
            break
    while end > start and text[end - 1].isspace():
        end -= 1
    closing_dot = text[start:end - 1].rstrip().endswith(r"\right")  # \left\{ ... \right.
    if end > start and text[end - 1] in ".," and not text[end - 2:end - 1].isdigit() \
            and not closing_dot:
        end -= 1
    return start, end
