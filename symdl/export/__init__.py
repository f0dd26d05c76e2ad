r"""Export derivations as documents: LaTeX, Markdown, Jupyter notebooks and self-contained HTML.

>>> from symdl.export import export
>>> export(["residual-block"], "tex", "residual.tex")          # doctest: +SKIP
>>> export(["example-assignment"], "html", "sheet.html")        # doctest: +SKIP

Each derivation in the document gets its statement and assumptions, its steps each with the rule
that justifies it, the boxed results, its figures, and a verification certificate: which numeric
check ran on which numbered equation, the seed, the points, the largest error, the symdl version.
A derivation whose checks fail is refused (:class:`~symdl.errors.VerificationError`) unless
``allow_unverified``; then it is marked in the document. Files are written atomically: a
temporary file beside the target, then a rename; figures for ``.md`` and ``.tex`` go in a
``NAME_files/`` folder beside the document, moved into place the same way.

One writer per format: :mod:`.tex`, :mod:`.markdown`, :mod:`.notebook`, :mod:`.html`; assignment
files are read by :mod:`.assignment`.
"""

from __future__ import annotations

from pathlib import Path

from symdl.export.atomic import OutputError, check_target, companion_dir, write_export
from symdl.export.certificate import CERTIFICATE_MODES
from symdl.export.document import Document, Entry, ExportError, build_document
from symdl.verify import DEFAULT_SEED

FORMATS = ("tex", "md", "ipynb", "html")
_SUFFIXES = {".tex": "tex", ".md": "md", ".markdown": "md", ".ipynb": "ipynb", ".html": "html", ".htm": "html"}


def format_for(path) -> str | None:
    """The format a file name implies (``notes.tex`` → ``tex``), or None."""
    return _SUFFIXES.get(Path(path).suffix.lower())


def export(sources, fmt: str | None, output, *, fragment: bool = False, allow_unverified: bool = False,
           params: dict | None = None, seed: int = DEFAULT_SEED, command: str = "",
           certificate: str = "full") -> list[Path]:
    r"""Write the derivations named by ``sources`` to ``output`` in format ``fmt``.

    ``sources``: derivation names, assignment files (``.toml``), names of built-in assignments,
    or :class:`~symdl.derivation.Derivation` objects. ``fmt``: ``tex``, ``md``, ``ipynb`` or
    ``html`` (None: from the output's suffix). ``params`` go to every derivation named directly.
    ``fragment`` writes the body only (no ``\documentclass``; Markdown/HTML without the page).
    ``certificate``: ``full`` (the summary and one table of the checks by method), ``short`` (the
    summary sentence) or ``none``.
    Returns the paths written, the document first. Raises :class:`~symdl.errors.SymdlError`
    subclasses for bad input; nothing is left behind when it fails.
    """
    if fmt is None:
        fmt = format_for(output)
        if fmt is None:
            raise ExportError(f"cannot tell the format from {str(output)!r}: give --format "
                              f"({', '.join(FORMATS)})")
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    if certificate not in CERTIFICATE_MODES:
        raise ExportError(f"unknown certificate {certificate!r}; known: {', '.join(CERTIFICATE_MODES)}")
    if fragment and fmt == "ipynb":
        raise ExportError("--fragment applies to tex, md and html; a notebook is always whole")
    output = check_target(output)
    document = build_document(sources, params=params, allow_unverified=allow_unverified, seed=seed,
                              command=command)
    main, companions = render(document, fmt, output, fragment=fragment, certificate=certificate)
    return write_export(output, main, companions)


def render(document: Document, fmt: str, output, *, fragment: bool = False,
           certificate: str = "full") -> tuple[bytes, dict[str, bytes]]:
    """The bytes of the document and of its companion files (names relative to ``NAME_files/``)."""
    output = Path(output)
    folder = companion_dir(output).name
    if fmt == "tex":
        from symdl.export import tex

        companions, paths = _image_files(document, folder, want_tikz=True)
        return (tex.render(document, fragment=fragment, figure_files=paths, certificate=certificate).encode("utf-8"),
                companions)
    if fmt == "md":
        from symdl.export import markdown

        companions, paths = _image_files(document, folder, want_tikz=False)
        return (markdown.render(document, fragment=fragment, figure_files=paths, certificate=certificate)
                .encode("utf-8"), companions)
    if fmt == "ipynb":
        from symdl.export import notebook

        return notebook.render(document, certificate=certificate).encode("utf-8"), {}
    if fmt == "html":
        from symdl.export import html

        return html.render(document, fragment=fragment, certificate=certificate).encode("utf-8"), {}
    raise ExportError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")


def figure_stem(entry: Entry, k: int) -> str:
    """A figure's file stem, unique in the document (several entries may draw the same figure)."""
    stem = entry.figures[k].name
    return f"{entry.index}-{stem}" if entry.numbered else stem


def _image_files(document: Document, folder: str, want_tikz: bool):
    """Companion image files and, per (entry, figure), the path the document links to.

    For LaTeX a figure with TikZ code needs no file; otherwise PNG is preferred (SVG for Markdown
    when there is no PNG).
    """
    companions: dict[str, bytes] = {}
    paths: dict[tuple[int, int], str] = {}
    for entry in document.entries:
        for k, figure in enumerate(entry.figures):
            if want_tikz and figure.tikz:
                continue
            stem = figure_stem(entry, k)
            if figure.png is not None:
                name, data = f"{stem}.png", figure.png
            elif figure.svg is not None and not want_tikz:
                name, data = f"{stem}.svg", figure.svg.encode("utf-8")
            else:
                continue
            companions[name] = data
            paths[(entry.index, k)] = f"{folder}/{name}"
    return companions, paths


__all__ = ["FORMATS", "Document", "Entry", "ExportError", "OutputError", "build_document", "export",
           "format_for", "render"]
