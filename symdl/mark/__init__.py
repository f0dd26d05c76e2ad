r"""Marking a whole answer sheet: OCR'd Markdown in, per-line verdicts and scores out.

Stages (data flows one way): :mod:`symdl.parse.sheet` (questions, lines, math) ·
:mod:`~symdl.mark.key` (the answer key) · :mod:`~symdl.mark.claims` (every chain checked, with
:mod:`~symdl.mark.steps` (the step rules), :mod:`~symdl.mark.data` (the section's values) and
:mod:`~symdl.mark.backprop` (derivative formulas against the sheet's forward pass)) ·
:mod:`~symdl.mark.answers` (the key's answers found on the sheet) · :mod:`~symdl.mark.score`
(line verdicts, scores) · :mod:`~symdl.mark.annotate` (HTML and Markdown feedback) ·
:mod:`~symdl.mark.lms` (grade files) · :mod:`~symdl.mark.batch` (several sheets, in workers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from symdl.errors import SymdlError
from symdl.mark.key import Key, KeyFileError, Part, load_key
from symdl.mark.score import LineVerdict, QuestionMark, line_verdicts, part_scores


@dataclass
class MarkedSheet:
    sheet: str
    title: str
    questions: list = field(default_factory=list)
    lines: list = field(default_factory=list)  # every line of the sheet's text, for the annotated copy
    missing: list = field(default_factory=list)  # labels of the key not found on the sheet

    @property
    def score(self) -> float:
        return round(sum(q.score for q in self.questions), 4)

    @property
    def points(self) -> float:
        return round(sum(q.points for q in self.questions), 4)

    def to_dict(self, lines: bool = False) -> dict:
        """The JSON result; with ``lines``, the sheet's text lines too (for the annotated copy)."""
        out = {"sheet": self.sheet, "title": self.title, "score": self.score, "points": self.points,
               "questions": [q.to_dict() for q in self.questions], "missing": self.missing}
        if lines:
            out["lines"] = list(self.lines)
        return out


def read_text(path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SymdlError(f"cannot read the sheet {path}: {exc}") from None


def mark_text(text: str, key: Key, *, sheet: str = "<sheet>", carried: float = 0.0) -> MarkedSheet:
    """Mark the sheet ``text`` against ``key``."""
    from symdl.mark.answers import mark_carried, match_answers, match_formulas
    from symdl.mark.claims import check_chains
    from symdl.parse.sheet import read_sheet

    read = read_sheet(text, key.labels)
    marked = MarkedSheet(sheet, key.title, lines=[line.text for line in read.lines])
    by_line = {line.number: line for line in read.lines}
    every, pending = [], []
    for label in key.labels:
        lines = read.question_lines(label)
        parts = key.parts_of(label)
        if not lines:
            marked.missing.append(label)
        segments = [s for line in lines for s in line.segments]
        digits = next((p.digits for p in parts if p.digits), None)
        targets = tuple(v for v in (p.value() for p in parts) if v is not None)
        results = check_chains(segments, digits, targets)
        found = match_answers(parts, results, {n: l.text for n, l in by_line.items()})
        for number, answer in match_formulas(parts, results).items():
            found.setdefault(number, answer)
        every += results
        pending.append((label, lines, parts, results, found))
    mark_carried(every)  # an error carried forward may cross questions (a size from 3 used in 4)
    for label, lines, parts, results, found in pending:
        claims = []
        for line in lines:
            verdict = line_verdicts(line, [r for r in results if r.line == line.number])
            if verdict is not None:
                claims.append(verdict)
        scores = part_scores(parts, found, carried)
        marked.questions.append(QuestionMark(label, key.points(label), round(sum(s.score for s in scores), 4),
                                             claims, scores, lines[0].number if lines else None))
    return marked


def mark_sheet(path, key, *, carried: float = 0.0) -> MarkedSheet:
    """Mark the sheet file ``path`` against ``key`` (a :class:`Key` or the path of a key file)."""
    key = key if isinstance(key, Key) else load_key(key)
    return mark_text(read_text(path), key, sheet=str(path), carried=carried)


__all__ = ["Key", "KeyFileError", "LineVerdict", "MarkedSheet", "Part", "load_key", "mark_sheet", "mark_text"]
