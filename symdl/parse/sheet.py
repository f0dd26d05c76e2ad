r"""An OCR'd answer sheet (Markdown with math) read into questions, lines and math segments.

- Math is found in ``$…$``, ``$$…$$`` (also across lines), ``\(…\)``, ``\[…\]`` and bare
  ``\begin{aligned}…\end{aligned}``; in prose, a plain relation of numbers such as
  ``e(1.5) = 4.4817`` is math too.
- Crossed-out work (``~~…~~``) is kept as text and marked struck; it is never checked.
- Questions start at the markers students use: ``1.``, ``(1)``, ``①``, ``Q2)``, ``Question 3``,
  ``2(a)``; a marker counts only when its label is one of the labels asked for (the key's).
- A segment that starts with ``=`` with nothing but space before it, since the last segment,
  continues that segment's chain; after prose (``mults $= …$``) it starts its own.
- OCR damage is repaired only where one reading is possible (:func:`repair`); a segment whose
  reading is in doubt carries a ``problem`` and is reported "not read", with its text.

Nothing here evaluates anything: it only cuts text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CIRCLED = {chr(0x2460 + i): str(i + 1) for i in range(20)}
_MARKER = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:[*_]{1,2}\s*)?"
    r"(?:(?:Q|Ques|Question|Problem|Ex|Exercise|Ans|Answer|Sol|Solution)\s*\.?\s*(?:No\.?\s*)?(?P<q>\d+)"
    r"\s*(?:\(\s*(?P<qs>[a-z])\s*\))?\s*[).:]?"
    r"|\(\s*(?P<p>\d+)\s*\)"
    r"|\(\s*(?P<sub>[a-h])\s*\)(?=\s)"
    r"|(?P<n>\d+)\s*\(\s*(?P<ns>[a-z])\s*\)"
    r"|(?P<d>\d+)\s*[.)](?![\d])"
    r"|(?P<c>[\u2460-\u2473]))", re.I)
_STRUCK = re.compile(r"~~(.+?)~~", re.S)
_MATH = re.compile(r"\$\$(?P<dd>.+?)\$\$|\\\[(?P<sb>.+?)\\\]|\\\((?P<rb>.+?)\\\)|\$(?P<d>[^$]+?)\$"
                   r"|(?P<env>\\begin\{(?P<name>aligned|align\*?|gathered|equation\*?|split)\}.+?\\end\{(?P=name)\})",
                   re.S)
# In prose: "e(1.5) = 4.4817" — numbers, e(…), exp(…), operators; no words.
_BARE = re.compile(r"^(?:e|exp)?[\d\s().+\-*/^]*(?:(?:e|exp)\([\d\s.+\-]*\)[\d\s().+\-*/^]*)*=\s*-?[\d.]+$")
_RELATION = re.compile(r"=|\\approx|\\simeq|\\Rightarrow|\\implies|\\le|\\ge|<|>")
FURNITURE = re.compile(r"^\s*(?:Date|Page|Name|Roll|Roll No|Reg\.? No)\b[\s:._]*", re.I)


@dataclass(frozen=True)
class Segment:
    """One piece of math on a line: its repaired LaTeX, as written, and how it joins the one before."""

    latex: str
    written: str
    line: int  # 1-based line of the sheet where it starts
    display: bool = False
    continues: bool = False  # starts with "=" right after another segment: the same chain
    problem: str | None = None  # why it cannot be read (then it is reported "not read")
    bare: bool = False  # found in prose, not between math delimiters
    given: bool = False  # data stated in words ("D = 100 inputs"): a value, never a claim


@dataclass
class SheetLine:
    number: int  # 1-based
    text: str
    question: str | None = None
    segments: list = field(default_factory=list)
    struck: list = field(default_factory=list)  # struck-out text (withdrawn work)
    prose: str = ""  # the text outside math (and outside strikes)

    @property
    def only_struck(self) -> bool:
        return bool(self.struck) and not self.segments and not self.prose.strip(" ,.:;-")


@dataclass
class Sheet:
    lines: list
    labels: list  # question labels in the order found

    def question_lines(self, label: str) -> list:
        return [line for line in self.lines if line.question == label]


def label_key(label: str) -> str:
    """A question label in one spelling: ``①``, ``1.``, ``Q1)``, ``(1)`` → ``1``; ``2(a)`` → ``2a``."""
    text = str(label).strip()
    if text in CIRCLED:
        return CIRCLED[text]
    match = _MARKER.match(text)
    if match:
        return _marker_label(match)
    return re.sub(r"[\s().:]", "", text).lower()


def _marker_label(match) -> str:
    g = match.groupdict()
    if g["c"]:
        return CIRCLED[g["c"]]
    if g.get("sub"):
        return g["sub"].lower()
    number = g["q"] or g["p"] or g["n"] or g["d"]
    sub = g["qs"] or g["ns"] or ""
    return f"{int(number)}{sub.lower()}"


def read_sheet(text: str, labels=None) -> Sheet:
    """The sheet's lines with their question and math; ``labels`` are the questions to look for."""
    wanted = {label_key(label): label for label in labels} if labels else None
    raw_lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")  # a BOM, CRLF
    lines = [SheetLine(number, raw) for number, raw in enumerate(raw_lines, start=1)]
    _assign_questions(lines, wanted)
    if wanted is not None and len(wanted) == 1 and all(line.question is None for line in lines):
        for line in lines:  # a key of one question and a page without markers: the page answers it
            line.question = next(iter(wanted.values()))
    _find_math(lines)
    found = []
    for line in lines:
        if line.question is not None and line.question not in found:
            found.append(line.question)
    return Sheet(lines, found)


def _assign_questions(lines: list, wanted) -> None:
    """Each line's question. ``Q2)``, ``Question 3``, ``①`` and ``2(a)`` always start one (one the key
    does not ask for ends the current one: its lines are not marked); a bare ``1.`` or ``(1)`` only
    when its question has not started yet (else it is a numbered step of the answer); ``(b)`` is part
    b of the current question when the key asks for it."""
    current, number, started = None, None, set()
    for line in lines:
        match = _MARKER.match(line.text)
        if match:
            groups = match.groupdict()
            if groups["sub"]:
                key = f"{number}{groups['sub'].lower()}" if number else None
            else:
                key = _marker_label(match)
            weak = bool(groups["d"] or groups["p"] or groups["sub"])
            chosen = None
            if key is not None and (wanted is None or key in wanted):
                chosen = wanted[key] if wanted else key
            elif key is not None and key[:-1] in (wanted or {}) and key[-1].isalpha():  # 2(a) under a key "2"
                chosen = wanted[key[:-1]]
            elif key is not None and not weak and key.isdigit() and wanted and f"{key}a" in wanted:  # Q2), then (a)
                chosen = wanted[f"{key}a"]
            if chosen is None and not weak and wanted is not None:
                current = None  # a question the key does not ask: its lines are not marked
            elif chosen is not None and not (weak and chosen in started and chosen != current):
                current = chosen
                started.add(chosen)
                number = re.match(r"\d+", label_key(chosen)).group(0) if re.match(r"\d+", label_key(chosen)) else number
        line.question = current


def _find_math(lines: list) -> None:
    """Cut each line into math segments; ``$$`` blocks may run over several lines."""
    text = "\n".join(line.text for line in lines)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line.text) + 1)

    def line_at(offset: int) -> SheetLine:
        low, high = 0, len(lines) - 1
        while low < high:
            mid = (low + high + 1) // 2
            if starts[mid] <= offset:
                low = mid
            else:
                high = mid - 1
        return lines[low]

    struck_spans = [(m.start(), m.end()) for m in _STRUCK.finditer(text)]
    for start, end in struck_spans:
        line_at(start).struck.append(text[start + 2:end - 2])
    position, last_end = 0, None
    prose_pieces: dict = {}
    for match in _MATH.finditer(text):
        start, end = match.span()
        in_strike = any(s <= start < e for s, e in struck_spans)
        gap = text[position:start]
        _add_prose(gap, position, struck_spans, line_at, prose_pieces)
        position = end
        if in_strike:
            continue
        key = next(k for k in ("dd", "sb", "rb", "d", "env") if match.group(k) is not None)
        body, offset = match.group(key), match.start(key)
        between = text[last_end:start] if last_end is not None else None
        display = key in ("dd", "sb", "env")
        for row, (piece, at) in enumerate(_rows(body, offset) if display else [(body, offset)]):
            _add_segments(line_at(at), piece, display, between if row == 0 else "", row > 0)
        last_end = end
    _add_prose(text[position:], position, struck_spans, line_at, prose_pieces)
    for line in lines:
        line.prose = " ".join(prose_pieces.get(line.number, []))
        if "$" in line.prose:
            line.segments.append(Segment(line.prose, line.prose, line.number,
                                         problem="a '$' without its partner: the math is cut short"))
        elif not line.segments and not line.struck:
            _bare_math(line)
        if not any(segment.bare for segment in line.segments):
            _prose_data(line)


_PROSE_DATUM = re.compile(r"(?<![\w\\])([A-Za-z])(?:_\{?([A-Za-z0-9]+)\}?)?\s*=\s*(-?\d+(?:\.\d+)?)(?![\w.])")


def _prose_data(line: SheetLine) -> None:
    """``D = 100 inputs , M = 50 hidden``, ``p = 0.99`` in words: the data a question gives."""
    for match in _PROSE_DATUM.finditer(line.prose):
        name = match.group(1) + (f"_{{{match.group(2)}}}" if match.group(2) else "")
        latex = f"{name} = {match.group(3)}"
        line.segments.append(Segment(latex, match.group(0), line.number, given=True))


def _add_prose(gap: str, offset: int, struck_spans, line_at, pieces: dict) -> None:
    index = 0
    for part in gap.split("\n"):
        absolute = offset + index
        index += len(part) + 1
        kept = _STRUCK.sub(" ", part) if not any(s <= absolute < e for s, e in struck_spans) else ""
        if kept.strip():
            pieces.setdefault(line_at(absolute).number, []).append(kept.strip())


_ROW_ENVIRONMENTS = re.compile(r"^\s*\\begin\{(aligned|align\*?|gathered|gather\*?|eqnarray\*?|split|array)\}"
                               r"(?:\{[^}]*\})?(.*)\\end\{\1\}\s*$", re.S)


def _rows(body: str, offset: int) -> list:
    """A display block's rows, each with where it starts in the file: an ``aligned`` block (or lines
    joined by ``\\\\``) written over several lines is marked line by line. ``&`` marks are dropped."""
    inner, start = body, offset
    match = _ROW_ENVIRONMENTS.match(body)
    if match:
        inner, start = match.group(2), offset + match.start(2)
    pieces, position = [], 0
    for _, piece in _top_level_split(inner, ("\\\\",)):
        at = inner.find(piece, position) if piece else position
        position = at + len(piece)
        lead = len(piece) - len(piece.lstrip())
        if piece.strip():
            pieces.append((piece.replace("&", " ").strip(), start + at + lead))
    if len(pieces) <= 1:
        return [(body, offset + len(body) - len(body.lstrip()))]
    return pieces


def _add_segments(line: SheetLine, body: str, display: bool, between: str | None, row: bool = False) -> None:
    pieces = split_claims(body)
    for index, piece in enumerate(pieces):
        latex, problem = repair(piece)
        stripped = latex.lstrip()
        starts_with_relation = stripped.startswith("=") or stripped.startswith(r"\approx")
        continues = False
        if starts_with_relation:
            if index == 0 and (row or between is not None and not between.strip(" \t\n,")):
                continues = True
            elif stripped.startswith("="):
                latex = stripped[1:].strip()  # "mults $= …$": its left side is prose
        line.segments.append(Segment(latex, piece, line.number, display, continues, problem))


def _bare_math(line: SheetLine) -> None:
    """Relations of plain numbers written without delimiters (``e(1.5) = 4.4817 , e(0.5) = 1.6487``)."""
    text = FURNITURE.sub("", line.text)
    pieces = [p.strip() for p in re.split(r"\s,\s|\\rightarrow|->|→", text) if p.strip()]
    found = [p for p in pieces if "=" in p and _BARE.match(p)]
    if not found:
        return
    for piece in pieces:
        if piece in found:
            latex, problem = repair(piece)
            line.segments.append(Segment(latex, piece, line.number, problem=problem, bare=True))
        elif "=" in piece:  # a relation we cannot read as math ("sum = 5.1193"): part of the line unread
            line.segments.append(Segment(piece, piece, line.number, problem="words and numbers, not read as math",
                                         bare=True))


def split_claims(body: str) -> list[str]:
    r"""Separate claims in one math block: ``a = 1 , b = 2`` and ``… \quad , \quad …``; a
    ``\rightarrow`` (or ``\to``) ends a claim: what follows it is a remark unless it is a claim."""
    parts = _top_level_split(body, (r"\rightarrow", r"\to ", r"\longrightarrow", r"\quad", r"\qquad", ","))
    claims = []
    for kind, text in parts:
        if not text.strip():
            continue
        if claims and kind == "," and not _RELATION.search(text):
            claims[-1] += "," + text  # a tuple or list, not a new claim
            continue
        if kind in (r"\quad", r"\qquad") and claims and not _RELATION.search(text):
            claims[-1] += " " + kind + " " + text if not _is_remark(text) else ""
            continue
        if kind in (r"\rightarrow", r"\to ", r"\longrightarrow") and not _RELATION.search(text):
            if re.fullmatch(r"\s*-?\d+(?:\.\d+)?\s*", text):
                claims.append(text)  # "= 22.4 \rightarrow 23": the value the student settles on
            continue  # "\rightarrow 32 \times 32 \times 16": a remark
        claims.append(text)
    return [c.strip() for c in claims if c.strip()] or [body.strip()]


def top_level_terms(text: str) -> list[str]:
    """The terms of a sum as written (``A + B^T c - d`` → ``A``, ``B^T c``, ``d``), cut outside brackets."""
    return [t.strip() for _, t in _top_level_split(text, ("+", "-")) if t.strip()]


def top_level_sides(text: str) -> list[str]:
    """The sides of ``a = b = c`` as written, cut at ``=`` outside brackets (``P(y=1)`` stays whole)."""
    return [t.strip() for _, t in _top_level_split(text, ("=",))]


def _is_remark(text: str) -> bool:
    return bool(re.fullmatch(r"\s*(?:\\text\{[^}]*\}|\\mathrm\{[^}]*\}|[,.;]|\s)*", text))


def _top_level_split(body: str, separators: tuple) -> list[tuple]:
    """(separator before, text) pieces, cutting only outside braces, brackets and environments."""
    out, depth, env, start, kind, i = [], 0, 0, 0, None, 0
    while i < len(body):
        ch = body[i]
        if body.startswith(r"\begin{", i):
            env += 1
        elif body.startswith(r"\end{", i):
            env -= 1
        if ch == "\\" and body.startswith(r"\left", i):
            depth += 1
        elif ch == "\\" and body.startswith(r"\right", i) and not body.startswith(r"\rightarrow", i):
            depth -= 1
        elif ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        if depth <= 0 and env <= 0:
            for sep in separators:
                if body.startswith(sep, i) and not (sep.startswith("\\") and body[i + len(sep):i + len(sep) + 1].isalpha()
                                                    and not sep.endswith(" ")):
                    out.append((kind, body[start:i]))
                    kind, start = sep, i + len(sep)
                    i += len(sep) - 1
                    break
        if ch == "\\" and i + 1 < len(body) and not body[i + 1].isalpha():
            i += 1  # an escaped character such as \{ or \,
        i += 1
    out.append((kind, body[start:]))
    return out


_PARTIAL_AS_TWO = re.compile(r"\\frac\{\s*2\s*[A-Za-z]")
_UNREAD: list = []


def repair(latex: str) -> tuple[str, str | None]:
    r"""OCR damage repaired where only one reading exists, or the reason the segment is not read.

    Repairs: ``\text{softmax}``/``\text{ReLu}``/``\text{tr}`` → ``\operatorname{…}``; ``e(x)`` (e before a
    parenthesis, never part of a name) → ``e^{x}``; ``\therefore``/``\because`` and a trailing
    ``\text{Ans.}`` dropped; ``\simeq`` read as ``\approx`` by the working reader.
    Not read: ``\frac{2L}{2x}`` (a '2' for the partial sign), unbalanced braces.
    """
    text = latex.strip()
    text = re.sub(r"\\(?:therefore|because)\b\s*", "", text)
    text = re.sub(r"^\\(?:Rightarrow|implies|Longrightarrow)\b\s*", "", text)  # "⇒ E = 0": a new statement
    text = re.sub(r"\\(?:quad|qquad)?\s*\\text\{\s*(?:Ans\.?|ans\.?|Answer)\s*\}\s*$", "", text).strip()
    text = re.sub(r"\\(?:text|mathrm)\{\s*tr\s*\}", r"\\operatorname{tr}", text)
    text = re.sub(r"\\text\{\s*(softmax|ReLU|ReLu|relu|sigmoid|tanh)\s*\}", lambda m: rf"\operatorname{{{m.group(1)}}}",
                  text)
    text = _exp_calls(text)
    if _PARTIAL_AS_TWO.search(text) and re.search(r"\\frac\{\s*2\s*[A-Za-z][^}]*\}\{\s*2\s*[A-Za-z]", text):
        return text, "looks like OCR damage ('2' where a partial sign ∂ is meant)"
    for pattern, why in _UNREAD:
        if why and pattern.search(text):
            return text, why
    if text.count("{") != text.count("}"):
        return text, "unbalanced braces"
    if re.search(r"\\left\b", text) and len(re.findall(r"\\left\b", text)) != len(re.findall(r"\\right\b", text)):
        return text, r"a \left without its \right: the math is cut short"
    return text, None


def _exp_calls(text: str) -> str:
    r"""``e(z_i)`` → ``e^{z_i}``: 'e' alone before '(' (not in a name, not a subscript) is the exponential."""
    out, i = [], 0
    pattern = re.compile(r"(?<![A-Za-z\\_^])e\s*\(")
    while True:
        match = pattern.search(text, i)
        if not match:
            out.append(text[i:])
            return "".join(out)
        depth, j = 0, match.end() - 1
        while j < len(text):
            if text[j] == "(":
                depth += 1
            elif text[j] == ")":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j >= len(text):
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:match.start()])
        out.append("e^{" + text[match.end():j] + "}")
        i = j + 1


__all__ = ["Segment", "Sheet", "SheetLine", "label_key", "read_sheet", "repair", "split_claims", "top_level_sides",
           "top_level_terms"]
