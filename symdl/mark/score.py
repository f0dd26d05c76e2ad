r"""A sheet's verdicts per line, and each question's score.

**Line verdict.** A sheet line is *wrong* ✗ when any claim on it is wrong (a step that fails, a
value that carries an earlier error, an answer that is not the key's); *right* ✓ when it makes at
least one claim and every claim on it is right; otherwise *not checked* · (with why). Data
(``x = (1, -1)``) and definitions (``z = W^{(1)} x``) are not claims; a line of only those has no
verdict, and struck-out work is never marked.

**Score.** Each part of the key (a ``[[question]]`` table) earns its ``points`` when its answer is
found on the sheet and is the key's value (even when a step before it was left unchecked). A part whose answer is found wrong only because it carries an earlier
error (its own steps hold) earns ``carried × points`` (``carried`` = 0 by default; 0.5 gives half
credit for error carried forward). A part whose answer is not found earns nothing and is listed as
"not found", for a person to look at. A question's score is the sum over its parts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MARKS = {"right": "✓", "wrong": "✗", "unchecked": "·"}


@dataclass
class LineVerdict:
    line: int
    text: str
    latex: str
    verdict: str  # right, wrong, unchecked
    diagnosis: str | None = None
    expected: str | None = None
    why: str = ""
    carried_from: int | None = None

    @property
    def mark(self) -> str:
        return MARKS[self.verdict]

    def to_dict(self) -> dict:
        out = {"line": self.line, "latex": self.latex, "verdict": self.verdict, "diagnosis": self.diagnosis,
               "expected": self.expected}
        if self.why:
            out["why"] = self.why
        if self.carried_from:
            out["carried_from"] = self.carried_from
        return out


@dataclass
class PartScore:
    number: int
    title: str
    points: float
    score: float
    line: int | None  # where its answer was found
    status: str  # right, wrong, carried, not found


@dataclass
class QuestionMark:
    label: str
    points: float
    score: float
    claims: list = field(default_factory=list)
    parts: list = field(default_factory=list)
    start: int | None = None  # the sheet line where the question starts

    def to_dict(self) -> dict:
        return {"label": self.label, "score": self.score, "points": self.points, "start": self.start,
                "claims": [c.to_dict() for c in self.claims],
                "parts": [{"title": p.title, "points": p.points, "score": p.score, "line": p.line,
                           "status": p.status} for p in self.parts]}


def line_verdicts(sheet_line, results: list) -> LineVerdict | None:
    """The one verdict of a sheet line from its segments' results (None: the line claims nothing)."""
    latex = " , ".join(r.segment.latex for r in results) if results else ""
    if sheet_line.only_struck and not results:
        struck = " , ".join(text.strip().strip("$").strip() for text in sheet_line.struck)
        return LineVerdict(sheet_line.number, sheet_line.text, struck, "unchecked",
                           why="struck out: withdrawn work is not marked")
    claims = [r for r in results if r.verdict is not None]
    if not claims:
        return None
    wrong = next((r for r in claims if r.verdict == "wrong"), None)
    if wrong is not None:
        carried = wrong.carried_from if wrong.carried_from and wrong.carried_from > 0 else None
        return LineVerdict(sheet_line.number, sheet_line.text, latex, "wrong", wrong.diagnosis, wrong.expected,
                           wrong.detail, carried)
    if all(r.verdict == "right" for r in claims) and not any(r.kind == "unread" for r in results):
        return LineVerdict(sheet_line.number, sheet_line.text, latex, "right", why=claims[0].detail)
    doubtful = next((r for r in results if r.verdict == "unchecked"), claims[0])
    return LineVerdict(sheet_line.number, sheet_line.text, latex, "unchecked", why=doubtful.detail or "not checked")


def part_scores(parts: list, found: dict, carried: float = 0.0) -> list:
    scores = []
    for part in parts:
        result, _ = found.get(part.number, (None, None))
        if result is None:
            scores.append(PartScore(part.number, part.title, part.points, 0.0, None, "not found"))
        elif result.verdict == "right" or result.verdict == "unchecked" and result.key_right:
            scores.append(PartScore(part.number, part.title, part.points, part.points, result.line, "right"))
        elif result.carried_from:
            scores.append(PartScore(part.number, part.title, part.points, round(carried * part.points, 4),
                                    result.line, "carried"))
        else:
            scores.append(PartScore(part.number, part.title, part.points, 0.0, result.line, "wrong"))
    return scores


__all__ = ["LineVerdict", "PartScore", "QuestionMark", "line_verdicts", "part_scores"]
