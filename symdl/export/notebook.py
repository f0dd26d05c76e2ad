"""The Jupyter writer: an nbformat v4 notebook that rebuilds and re-verifies each derivation.

Markdown cells carry the prose, steps, results and certificate (as in the Markdown export) and the
figures (as cell attachments, so the notebook is one file). Code cells rebuild each derivation
with the symdl API (``registry.build(NAME, **params)``, or the assignment module for an expression
question), display it, and re-run the numeric verification with the same seed, asserting that
every check passes and printing the largest error. The notebook is written unexecuted.
"""

from __future__ import annotations

import base64
import json

from symdl.export import markdown
from symdl.export.prose import md_escape, md_prose


def render(document, certificate: str = "full") -> str:
    import nbformat
    from nbformat import v4

    from symdl import __version__

    cells = []
    intro = f"# {md_prose(document.title)}"
    if document.author:
        intro += f"\n\n*{md_escape(document.author)}*"
    intro += (f"\n\nExported by symdl {__version__}. Run all cells to rebuild "
              + ("the derivation" if len(document.entries) == 1 else "each derivation")
              + " with the symdl API and re-run its numeric verification.")
    cells.append(v4.new_markdown_cell(intro))
    cells.append(v4.new_code_cell("import symdl\nfrom symdl import registry\nfrom symdl.verify import verify\n\n"
                                  "print('symdl', symdl.__version__)"))
    for entry in document.entries:
        cells += _entry_cells(entry, v4, certificate)
    notebook = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "symdl": {"version": __version__, "command": document.command},
    })
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def _build_code(entry) -> str | None:
    recipe = entry.recipe
    if recipe.kind == "registry":
        params = f", **{_literal(recipe.params)}" if recipe.params else ""
        return f"d = registry.build({recipe.name!r}{params})\nd"
    if recipe.kind == "expression":
        return ("from symdl.export.assignment import expression_derivation\n\n"
                f"d = expression_derivation({_text(recipe.expression)}, {_literal(recipe.given)}, "
                f"title={_text(recipe.title)})\nd")
    return None


def _text(value: str) -> str:
    """A Python string literal, raw when that reads better (LaTeX backslashes)."""
    if "\\" in value and "'" not in value and "\n" not in value and not value.endswith("\\"):
        return f"r'{value}'"
    return repr(value)


def _literal(value) -> str:
    """A Python literal for parameters (JSON-compatible values)."""
    try:
        return repr(json.loads(json.dumps(value)))
    except (TypeError, ValueError):
        return repr(value)


def _verify_code(entry) -> str:
    seed = entry.certificate.seed
    lines = [f"results = verify(d, seed={seed})",
             "failed = [r for r in results if not r.passed]",
             "for r in failed:",
             "    print(r.line())"]
    if entry.verified:
        lines.append('assert not failed, f"{len(failed)} of {len(results)} checks failed"')
    else:
        lines.append("# exported with --allow-unverified: these checks are known to fail")
    lines.append('print(f"{len(results) - len(failed)} of {len(results)} checks passed; "\n'
                 '      f"largest relative error {max((r.max_error for r in results), default=0.0):.2e}")')
    return "\n".join(lines)


def _entry_cells(entry, v4, certificate: str = "full") -> list:
    cells = [v4.new_markdown_cell(markdown.intro(entry, heading=True, level=2))]
    build = _build_code(entry)
    if build:
        cells.append(v4.new_code_cell(build))
    body = [markdown.steps(entry)]
    if entry.derivation.results:
        body.append(markdown.results(entry))
    cells.append(v4.new_markdown_cell("\n\n".join(b for b in body if b)))
    for k, figure in enumerate(entry.figures):
        attachment = _attachment(figure)
        if attachment is None:
            continue
        name, mime, data = attachment
        cell = v4.new_markdown_cell(markdown.figure_markdown(figure, f"attachment:{name}"))
        cell["attachments"] = {name: {mime: data}}
        cells.append(cell)
    if certificate != "none":
        cells.append(v4.new_markdown_cell(markdown.certificate_markdown(entry, full=certificate == "full")))
    if build:
        cells.append(v4.new_code_cell(_verify_code(entry)))
    else:
        cells.append(v4.new_markdown_cell("*This derivation was not built from the registry, so the notebook "
                                          "cannot rebuild it.*"))
    return cells


def _attachment(figure):
    if figure.png is not None:
        return f"{figure.name}.png", "image/png", base64.b64encode(figure.png).decode("ascii")
    if figure.svg is not None:
        return f"{figure.name}.svg", "image/svg+xml", figure.svg
    return None
