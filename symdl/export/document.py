"""What an export holds, independent of format: derivations, their numbers, certificates and figures.

:func:`build_document` resolves the sources given to :func:`symdl.export.export` (derivation names,
assignment files, built-in assignment names), builds and verifies each derivation, numbers its
equations (steps first, then the boxed results) and collects its figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from symdl.errors import ParameterError, SymdlError, VerificationError
from symdl.export.certificate import Certificate, certify
from symdl.verify import DEFAULT_SEED


class ExportError(SymdlError):
    """An export that cannot be made: unknown format, unwritable path, bad source."""


@dataclass(frozen=True)
class Recipe:
    """How a notebook rebuilds the derivation with the symdl API."""

    kind: str  # "registry" (name, params) or "expression" (expression, given, title) or "object"
    name: str = ""
    params: dict = field(default_factory=dict)
    expression: str = ""
    given: dict = field(default_factory=dict)
    title: str = ""


@dataclass(frozen=True)
class Entry:
    """One derivation in the document."""

    index: int  # 1-based position in the document
    derivation: Any
    heading: str | None  # e.g. "Question 2: Number of weights" in an assignment
    recipe: Recipe
    certificate: Certificate
    figures: tuple
    step_numbers: tuple[str, ...]  # printed equation number of each step
    result_numbers: dict  # target -> printed number
    numbered: bool  # True when the document numbers equations "k.n" (several entries)

    @property
    def verified(self) -> bool:
        return self.certificate.passed

    def label(self, number: int) -> str:
        return f"{self.index}.{number}" if self.numbered else str(number)

    @property
    def slug(self) -> str:
        return re.sub(r"[^A-Za-z0-9_-]+", "-", self.derivation.name).strip("-") or f"derivation-{self.index}"


@dataclass(frozen=True)
class Document:
    title: str
    author: str | None
    entries: tuple[Entry, ...]
    command: str  # how it was made, for the header comment

    @property
    def verified(self) -> bool:
        return all(e.verified for e in self.entries)


@dataclass(frozen=True)
class _Item:
    derivation: Any
    heading: str | None
    recipe: Recipe


def build_document(sources, *, params: dict | None = None, allow_unverified: bool = False,
                   seed: int = DEFAULT_SEED, command: str = "") -> Document:
    from symdl import registry
    from symdl.export import assignment

    if isinstance(sources, (str, Path)) or not hasattr(sources, "__iter__"):
        sources = [sources]
    sources = list(sources)
    if not sources:
        raise ExportError("nothing to export: give at least one derivation name or assignment file")
    items: list[_Item] = []
    titles: list[str] = []
    authors: list[str] = []
    named = [s for s in sources if isinstance(s, str) and _is_derivation_name(s)]
    if params and not named:
        raise ExportError("--param applies to derivations named on the command line; an assignment file "
                          "gives each question its own params")
    for source in sources:
        if not isinstance(source, (str, Path)):  # a Derivation object
            items.append(_Item(source, None, Recipe("object", name=getattr(source, "name", ""))))
            titles.append(getattr(source, "title", ""))
            continue
        text = str(source)
        if isinstance(source, str) and _is_derivation_name(text):
            try:
                derivation = registry.build(text, **(params or {}))
            except ParameterError as exc:
                raise ParameterError(f"{text}: {exc}") from None
            items.append(_Item(derivation, None, Recipe("registry", name=text, params=dict(params or {}))))
            titles.append(derivation.title)
            continue
        path = assignment.find(text)
        if path is None:
            known = ", ".join(registry.names())
            extra = ", ".join(assignment.builtin_names())
            raise ExportError(f"unknown derivation or assignment {text!r}; derivations: {known}"
                              + (f"; assignments: {extra}" if extra else "")
                              + ("; assignment files end in .toml" if not text.endswith(".toml") else ""))
        sheet = assignment.load(path)
        titles.append(sheet.title)
        if sheet.author:
            authors.append(sheet.author)
        for question in sheet.questions:
            derivation, recipe = assignment.build_question(question, path)
            items.append(_Item(derivation, f"Question {question.number}: {question.title}", recipe))
    numbered = len(items) > 1
    entries = []
    for index, item in enumerate(items, start=1):
        entries.append(_entry(index, item, numbered, seed, allow_unverified))
    if len(titles) == 1:
        title = titles[0]
    else:
        title = "Derivations: " + "; ".join(t for t in titles if t)
    return Document(title=title, author="; ".join(dict.fromkeys(authors)) or None, entries=tuple(entries),
                    command=command)


def _is_derivation_name(text: str) -> bool:
    from symdl import registry

    return text in registry.names() or registry.is_network(text)


def _entry(index: int, item: _Item, numbered: bool, seed: int, allow_unverified: bool) -> Entry:
    from symdl.latex import to_latex

    derivation = item.derivation
    steps = list(derivation.steps)
    step_numbers = list(range(1, len(steps) + 1))
    result_numbers = {target: len(steps) + k for k, target in enumerate(derivation.results, start=1)}
    left = {n: to_latex(s.lhs) for n, s in zip(step_numbers, steps)}
    left.update({n: t for t, n in result_numbers.items()})
    certificate = certify(derivation, step_numbers, result_numbers, seed=seed, left_sides=left)
    if not certificate.passed and not allow_unverified:
        first = certificate.failed[0]
        detail = " ".join(first.result.detail.split())
        if len(detail) > 160:
            detail = detail[:157] + "..."
        where = f"result {first.what}" if first.is_result else f"step {first.number} ({first.result.step})"
        raise VerificationError(
            f"{derivation.name} fails verification: {len(certificate.failed)} check(s) failed, first {where}: "
            f"{first.result.method} error {first.result.max_error:.2e}" + (f" ({detail})" if detail else "")
            + "; pass --allow-unverified to export it marked as unverified")
    label = (lambda n: f"{index}.{n}") if numbered else str
    return Entry(index=index, derivation=derivation, heading=item.heading, recipe=item.recipe,
                 certificate=certificate, figures=_figures(derivation),
                 step_numbers=tuple(label(n) for n in step_numbers),
                 result_numbers={t: label(n) for t, n in result_numbers.items()}, numbered=numbered)


def _figures(derivation) -> tuple:
    """The derivation's figures from :mod:`symdl.figures`."""
    from symdl.figures import figures_for

    return tuple(figures_for(derivation))
