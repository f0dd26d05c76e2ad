r"""The marked sheet as the student reads it: their own text, a gutter mark beside each checked
line (✓ right, ✗ wrong, · not checked) with a short comment, and a score per question.

HTML: one self-contained page (math as MathML through :func:`symdl.report.mathml`, which keeps a
whitelist; no script, no network), laid out in one narrow column that fits a phone. Markdown: the
student's lines as written (their ``$…$`` math renders where Markdown math does), the mark in front,
the comment under it. Everything the student wrote is escaped.

Both take marked sheets as dicts (:meth:`symdl.mark.MarkedSheet.to_dict` with ``lines``, the sheet's
text lines), so results from worker processes are written the same way.
"""

from __future__ import annotations

import html
import re

from symdl.mark.score import MARKS

_MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$]+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]")
_STRUCK = re.compile(r"~~(.+?)~~")
NAMES = {"right": "right", "wrong": "wrong", "unchecked": "not checked"}

STYLE = """
:root { --right: #1d7a35; --wrong: #b3261e; --muted: #6b6b6b; }
* { box-sizing: border-box; }
body { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1b1b1b; background: #fafafa; }
main { max-width: 44rem; margin: 0 auto; padding: 0.75rem; }
h1 { font-size: 1.25rem; margin: 0.5rem 0; }
h2 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; display: flex; justify-content: space-between; gap: 0.5rem;
     border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
.total { font-weight: 600; }
.score { white-space: nowrap; font-variant-numeric: tabular-nums; }
.line { display: grid; grid-template-columns: 1.6rem 1fr; column-gap: 0.35rem; padding: 0.15rem 0; }
.mark { font-weight: 700; text-align: center; }
.mark.right { color: var(--right); } .mark.wrong { color: var(--wrong); } .mark.unchecked { color: var(--muted); }
.text { overflow-wrap: anywhere; min-width: 0; }
.text math { max-width: 100%; overflow-x: auto; display: inline-block; vertical-align: middle; }
.no { color: var(--muted); font-size: 0.8rem; margin-right: 0.3rem; font-variant-numeric: tabular-nums; }
.note { grid-column: 2; font-size: 0.88rem; color: #333; background: #fff; border-left: 3px solid var(--muted);
        padding: 0.15rem 0.5rem; margin: 0.1rem 0 0.3rem; }
.note.wrong { border-color: var(--wrong); } .note.right { border-color: var(--right); }
del { color: var(--muted); }
code { font-size: 0.9em; overflow-wrap: anywhere; }
.parts { font-size: 0.85rem; color: #333; margin: 0.3rem 0 0 1.95rem; padding: 0; list-style: none; }
.legend { font-size: 0.85rem; color: var(--muted); }
"""


def _h(text) -> str:
    return html.escape(str(text), quote=True)


def _math_html(latex: str) -> str:
    from symdl.report import mathml

    converted = mathml(latex)
    return converted if converted is not None else f"<code>{_h(latex)}</code>"


def _line_html(text: str) -> str:
    """A sheet line with its math as MathML and its strikes as <del>; the rest escaped."""
    text = re.sub(r"^\s*#{1,6}\s*", "", text)
    out, position = [], 0
    for match in _STRUCK.finditer(text):
        out.append(_unstruck_html(text[position:match.start()]))
        out.append(f"<del>{_unstruck_html(match.group(1))}</del>")
        position = match.end()
    out.append(_unstruck_html(text[position:]))
    return "".join(out)


def _unstruck_html(text: str) -> str:
    out, position = [], 0
    for match in _MATH.finditer(text):
        out.append(_prose_html(text[position:match.start()]))
        latex = next(g for g in match.groups() if g is not None)
        out.append(_math_html(latex))
        position = match.end()
    out.append(_prose_html(text[position:]))
    return "".join(out)


_PROSE_COMMANDS = {r"\rightarrow": "→", r"\Rightarrow": "⇒", r"\to": "→", r"\approx": "≈", r"\times": "×",
                   r"\therefore": "∴", r"\leftarrow": "←"}


def _prose_html(text: str) -> str:
    """Words as written: a few LaTeX commands OCR leaves in prose shown as their symbols, bold kept."""
    for command, symbol in _PROSE_COMMANDS.items():
        text = re.sub(re.escape(command) + r"(?![A-Za-z])", symbol, text)
    text = re.sub(r"\\text\{([^{}]*)\}", r"\1", text)
    escaped = _h(text).replace("~~", "")
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)


def _comment(claim: dict) -> str:
    parts = []
    if claim["verdict"] == "wrong":
        parts.append(claim.get("diagnosis") or "wrong")
        if claim.get("expected"):
            parts.append(f"expected {claim['expected']}")
    elif claim["verdict"] == "unchecked":
        parts.append(claim.get("why") or "not checked")
    return "; ".join(p for p in parts if p)


def _score(value: float) -> str:
    return f"{value:g}"


def render_html(marked: list) -> str:
    """One page for one or several marked sheets."""
    body = []
    for sheet in marked:
        body.append(_sheet_html(sheet))
    title = marked[0].get("title", "Marked sheet") if len(marked) == 1 else "Marked sheets"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_h(title)}</title><style>{STYLE}</style></head><body><main>"
            + "".join(body) + "</main></body></html>\n")


def _sheet_html(sheet: dict) -> str:
    lines = sheet.get("lines") or []
    claims = {c["line"]: (q, c) for q in sheet["questions"] for c in q["claims"]}
    starts = _question_starts(sheet)
    out = [f"<section><h1>{_h(sheet.get('title', ''))}</h1>",
           f"<p><span class=\"total\">{_h(sheet['sheet'])}: {_score(sheet['score'])} / {_score(sheet['points'])}</span>"
           "<br><span class=\"legend\">✓ right · ✗ wrong · “·” not checked (why is said)</span></p>"]
    for number, text in enumerate(lines, start=1):
        if number in starts:
            question = starts[number]
            out.append(f"<h2><span>Question {_h(question['label'])}</span><span class=\"score\">"
                       f"{_score(question['score'])} / {_score(question['points'])}</span></h2>")
            out.append(_parts_html(question))
        if not text.strip():
            continue
        entry = claims.get(number)
        if entry is None:
            out.append(f"<div class=\"line\"><span class=\"mark\"></span><div class=\"text\">"
                       f"<span class=\"no\">{number}</span>{_line_html(text)}</div></div>")
            continue
        _, claim = entry
        verdict = claim["verdict"]
        note = _comment(claim)
        out.append(f"<div class=\"line\"><span class=\"mark {verdict}\" title=\"{NAMES[verdict]}\">"
                   f"{MARKS[verdict]}</span><div class=\"text\"><span class=\"no\">{number}</span>"
                   f"{_line_html(text)}</div>"
                   + (f"<div class=\"note {verdict}\">{_note_html(note, claim)}</div>" if note else "") + "</div>")
    out.append("</section>")
    return "".join(out)


def _note_html(note: str, claim: dict) -> str:
    expected = claim.get("expected")
    if claim["verdict"] == "wrong" and expected:
        head = note[: -len(f"expected {expected}")] if note.endswith(f"expected {expected}") else note + "; "
        return f"{_h(head)}expected {_math_html(expected)}"
    return _h(note)


def _parts_html(question: dict) -> str:
    rows = []
    for part in question.get("parts", []):
        where = f" (line {part['line']})" if part.get("line") else ""
        rows.append(f"<li>{_h(part['title'])}: {_score(part['score'])} / {_score(part['points'])}"
                    f" · {_h(part['status'])}{_h(where)}</li>")
    return f"<ul class=\"parts\">{''.join(rows)}</ul>" if rows else ""


def _question_starts(sheet: dict) -> dict:
    """The line where each question starts (its marker), from the claims' lines and the labels."""
    starts = {}
    for question in sheet["questions"]:
        line = question.get("start") or (question["claims"][0]["line"] if question["claims"] else None)
        if line:
            starts[line] = question
    return starts


def render_markdown(marked: list) -> str:
    out = []
    for sheet in marked:
        lines = sheet.get("lines") or []
        claims = {c["line"]: c for q in sheet["questions"] for c in q["claims"]}
        starts = _question_starts(sheet)
        out.append(f"# {_md(sheet.get('title', ''))}\n")
        out.append(f"**{_md(sheet['sheet'])}: {_score(sheet['score'])} / {_score(sheet['points'])}**  "
                   "(✓ right, ✗ wrong, · not checked)\n")
        for number, text in enumerate(lines, start=1):
            if number in starts:
                question = starts[number]
                out.append(f"\n## Question {_md(question['label'])}: "
                           f"{_score(question['score'])} / {_score(question['points'])}\n")
                for part in question.get("parts", []):
                    out.append(f"- {_md(part['title'])}: {_score(part['score'])} / {_score(part['points'])} "
                               f"({_md(part['status'])})")
                out.append("")
            if not text.strip():
                continue
            claim = claims.get(number)
            mark = MARKS[claim["verdict"]] if claim else " "
            out.append(f"`{mark} {number:>3}` {_md_line(text)}  ")
            note = _comment(claim) if claim else ""
            if note:
                out.append(f"> {_md(note)}\n")
        out.append("")
    return "\n".join(out) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")


def _md(text) -> str:
    """Text shown as text in Markdown: control characters out, HTML and Markdown syntax escaped."""
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "\ufffd", str(text)).replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def _md_line(text: str) -> str:
    """A student's line: math kept for Markdown to render (``<`` as ``\\lt``), HTML tags neutralised
    outside it, the rest as written."""
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "\ufffd", text)
    out, position = [], 0
    for match in _MATH.finditer(text):
        out.append(text[position:match.start()].replace("<", "&lt;"))
        out.append(match.group(0).replace("<", r"\lt "))
        position = match.end()
    out.append(text[position:].replace("<", "&lt;"))
    return "".join(out)


__all__ = ["render_html", "render_markdown"]
