r"""An answer key: the assignment TOML of ``symdl export`` plus, per question, ``label`` (the
question's number as the sheet writes it: ``1``, ``Q2``, ``①``, ``2(a)``) and ``answer`` (the final
value or formula in LaTeX; optional when ``expression`` with ``given`` gives it). Also ``points``
(default 1) and ``digits`` (significant figures a rounded answer needs).

Several ``[[question]]`` tables may share a label: they are the parts of one question on the sheet.
The key still exports to the solution sheet (``symdl export KEY.toml``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import sympy as sp

from symdl.errors import SymdlError
from symdl.export.assignment import AssignmentError, load


class KeyFileError(SymdlError):
    """A key that cannot be used; the message names the file and the question."""


@dataclass(frozen=True)
class Part:
    number: int  # 1-based position in the key
    label: str
    title: str
    expression: str | None = None
    given: dict = field(default_factory=dict)
    answer: str | None = None
    points: float = 1.0
    digits: int | None = None
    derivation: str | None = None

    def value(self):
        """The exact value asked for (a SymPy number or numeric matrix), or None when it is a formula."""
        from symdl.parse import parse

        if self.expression is not None and self.given is not None:
            try:
                expr = parse(self.expression).expr
            except SymdlError:
                expr = None
            if expr is not None:
                names = {str(s): s for s in getattr(expr, "free_symbols", ())}
                values = {}
                for name, number in self.given.items():
                    try:
                        symbol = parse(str(name)).expr
                    except SymdlError:
                        continue
                    if str(symbol) in names:
                        values[names[str(symbol)]] = sp.Rational(repr(number)) if isinstance(number, float) \
                            else sp.sympify(number) if isinstance(number, int) else None
                values = {k: v for k, v in values.items() if v is not None}
                exact = expr.xreplace(values)
                exact = exact.doit() if hasattr(exact, "doit") else exact
                if not getattr(exact, "free_symbols", {1}):
                    return exact
        if self.answer is not None:
            try:
                value = parse(self.answer).expr
            except SymdlError:
                return None
            return value if not getattr(value, "free_symbols", {1}) else None
        return None

    def formula(self):
        """The expression asked for when it keeps free symbols (a formula), else None."""
        from symdl.parse import parse

        text = self.answer if self.answer is not None and self.expression is None else self.expression
        if text is None or self.given:
            return None
        try:
            expr = parse(text).expr
        except SymdlError:
            return None
        return expr if getattr(expr, "free_symbols", ()) else None

    @property
    def shown(self) -> str:
        """The expected answer as LaTeX, for feedback."""
        return self.answer or self.expression or self.title


@dataclass(frozen=True)
class Key:
    title: str
    parts: tuple
    path: Path

    @property
    def labels(self) -> list:
        seen = []
        for part in self.parts:
            if part.label not in seen:
                seen.append(part.label)
        return seen

    def parts_of(self, label: str) -> list:
        return [p for p in self.parts if p.label == label]

    def points(self, label: str) -> float:
        return sum(p.points for p in self.parts_of(label))


def load_key(path) -> Key:
    """Read and check a key; errors name the file, the question number and the field."""
    path = Path(path)
    try:
        assignment = load(path)
    except AssignmentError as exc:
        raise KeyFileError(str(exc)) from None
    tables = tomllib.loads(path.read_text(encoding="utf-8"))["question"]
    parts = []
    for question, table in zip(assignment.questions, tables):
        at = f"{path}: question {question.number}"
        label = table.get("label")
        if not isinstance(label, (str, int)) or not str(label).strip():
            raise KeyFileError(f"{at}: field 'label': the question's number as the sheet writes it is required "
                            "(e.g. label = \"1\" or \"Q2\" or \"①\")")
        answer = table.get("answer")
        if answer is not None and (not isinstance(answer, str) or not answer.strip()):
            raise KeyFileError(f"{at}: field 'answer': a LaTeX string is required")
        points = table.get("points", 1)
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
            raise KeyFileError(f"{at}: field 'points': a number of points (0 or more) is required")
        digits = table.get("digits")
        if digits is not None and (isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 15):
            raise KeyFileError(f"{at}: field 'digits': a whole number of significant figures from 1 to 15 is required")
        parts.append(Part(question.number, str(label).strip(), question.title, question.expression,
                          dict(question.given), answer.strip() if answer else None, float(points), digits,
                          question.derivation))
    return Key(assignment.title, tuple(parts), path)


__all__ = ["Key", "KeyFileError", "Part", "load_key"]
