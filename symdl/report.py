r"""The grading report: ``symdl grade FILE -o OUT --report report.html|report.md``.

:func:`write_report` takes the graded records and their result rows and writes, by the path's
suffix, one self-contained HTML page (math as MathML, the chart as a ``data:`` URI, no script,
no network) or a Markdown page (``$…$`` math, the chart as a PNG file beside it) with

- per-question statistics: answers are grouped by their ``question`` field, else by the derivation
  and the result the answer's left side names, else by the expected LaTeX;
- a histogram of the verdicts (an image when matplotlib is installed, and always a table);
- the most common diagnoses (sign flipped, off by a constant factor, transposed, ...);
- feedback on every answer: the student's LaTeX rendered beside the expected result, the verdict,
  the detail and the counterexample.

Everything a student wrote is hostile: it is escaped in both formats, and LaTeX becomes MathML only
through :func:`mathml`, which keeps a whitelist of MathML elements and attributes and otherwise
shows the source as escaped code. Files are written to a temporary file and renamed into place.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import re
import secrets
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from symdl.errors import SymdlError
from symdl.export.mathml import STYLES

SUFFIXES = (".html", ".htm", ".md")
VERDICTS = ("equivalent", "not_equivalent", "error")
NOT_GRADED = "not graded"
MAX_SHOWN = 2000  # characters of an answer shown; longer ones are cut (the rest is counted)
FORMULA_WIDTH = 110.0  # points at 10pt that an answer's cell holds; a longer formula is broken into rows
RESOLVE_TIMEOUT = 5.0  # seconds to find which result an answer's left side names


def check_report_path(path) -> Path:
    """The report's path, refused early (before grading) when its suffix names no format."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise SymdlError(f"report {path}: the name must end in .html or .md")
    if not path.parent.is_dir():
        raise SymdlError(f"cannot write {path}: no such directory {path.parent}")
    return path


# --- collecting ------------------------------------------------------------------------------------
@dataclass
class Entry:
    id: str
    group: str  # key of the question
    answer: str
    expected: list[str]  # LaTeX lines of the expected result(s)
    verdict: str
    detail: str = ""
    diagnosis: str | None = None
    counterexample: object = None
    steps: list | None = None  # a working's step verdicts ({line, verdict, diagnosis}), as grade wrote them
    first_wrong: int | None = None

    def gutter(self) -> list[tuple[str, str, str]] | None:
        """A working's lines as (mark, LaTeX, note): ✓ right, ✗ wrong, · not checked; None for one answer."""
        if not isinstance(self.steps, list):
            return None
        from symdl.errors import SymdlError
        from symdl.parse.working import read_working

        try:
            lines = [" ".join(f"{side.relation} {side.text}" if side.relation else side.text for side in line.sides)
                     for line in read_working(self.answer)]
        except SymdlError:
            return None
        rows = []
        for index, text in enumerate(lines):
            verdicts = [s for s in self.steps if isinstance(s, dict) and s.get("line") == index]
            wrong = [s for s in verdicts if s.get("verdict") == "not_equivalent"]
            mark = "✗" if wrong else "✓" if verdicts and all(s.get("verdict") == "equivalent" for s in verdicts) \
                else "·"
            note = (wrong[0].get("diagnosis") or "wrong") if wrong and index == self.first_wrong else ""
            rows.append((mark, text, str(note)))
        return rows


@dataclass
class Question:
    key: str
    text: str  # plain text part of its name
    math: str | None  # LaTeX part of its name
    verdicts: Counter = field(default_factory=Counter)
    diagnoses: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.verdicts.values())


@dataclass
class Report:
    entries: list[Entry]
    questions: dict[str, Question]
    verdicts: Counter
    diagnoses: Counter  # category -> count
    diagnosis_examples: dict  # category -> ids


def diagnosis_category(diagnosis) -> str | None:
    """``"off by a constant factor 2"`` -> ``"off by a constant factor"``: one bucket per kind."""
    if not diagnosis:
        return None
    text = str(diagnosis).split(":")[0].strip()
    for prefix in ("off by a constant factor", "equal only up to a constant", "differs by an additive term"):
        if text.startswith(prefix):
            return prefix
    return text


def _params(record) -> dict:
    params = record.get("params") or record.get("param") or {}
    if isinstance(params, str):
        from symdl.params import parse_assignments

        try:
            params = parse_assignments(params.split())
        except SymdlError:
            params = {}
    return params if isinstance(params, dict) else {}


def _lhs(answer: str) -> str | None:
    """The text left of the answer's top-level ``=``, or None for a bare answer."""
    depth = 0
    for n, char in enumerate(answer):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "=" and depth == 0:
            return answer[:n].strip()
    return None


def _resolve(payload: dict) -> dict:
    """In a worker: the result of the derivation that the answer's left side names."""
    import dataclasses

    from symdl.check import _bind, _derivation
    from symdl.latex import to_latex
    from symdl.parse import DerivativeTarget, parse

    derivation, context, targets = _derivation(payload["name"], payload["params"])
    if payload["lhs"] is None:
        key = next(iter(derivation.results), None)
        return {"key": key, "target": key, "expected": to_latex(derivation.results[key])} if key else {}
    parsed = parse(f"{payload['lhs']} = 0", context)
    for key, target in targets.items():
        assignment = _bind(target, parsed.lhs)
        if assignment is None:
            continue
        if isinstance(target, DerivativeTarget) and assignment:
            shown = dataclasses.replace(target, wrt=target.wrt.xreplace(assignment)).latex()
        else:
            shown = key
        return {"key": key, "target": shown, "expected": to_latex(derivation.results[key].xreplace(assignment))}
    return {}


def _derivation_results(name: str, params: dict) -> list[str]:
    """Every result of the derivation, as ``target = expression`` lines (empty if it cannot be built)."""
    from symdl import registry
    from symdl.latex import to_latex

    try:
        derivation = registry.build(name, **params)
    except Exception:  # noqa: BLE001 - an unknown name or bad parameter: the result row says why
        return []
    return [f"{key} = {to_latex(expr)}" for key, expr in derivation.results.items()]


def _resolve_all(tasks: dict, timeout: float) -> dict:
    """Run :func:`_resolve` on each task in killable workers (answers are hostile), after building
    each derivation here once, so that forked workers inherit it."""
    if not tasks:
        return {}
    from symdl.check import _derivation
    from symdl.sandbox import WorkerPool, default_jobs

    for name, params in {(t["name"], t["params"]) for t in tasks.values()}:
        try:
            _derivation(name, params)
        except Exception:  # noqa: BLE001 - the workers will fail on it too, and fall back
            pass
    found = {}
    with WorkerPool(_resolve, min(len(tasks), default_jobs(), 8), timeout) as pool:
        for key, result in pool.run(list(tasks.items())):
            found[key] = result if isinstance(result, dict) and "verdict" not in result else {}
    return found


def _counterexample(value):
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def collect(records: list[dict], results: list[dict], *, timeout: float = RESOLVE_TIMEOUT) -> Report:
    """Pair records with results (by id; ids default to the line number, as in grading) and group them."""
    records = [dict(r) for r in records]
    for number, record in enumerate(records, start=1):
        if record.get("id") in (None, ""):
            record["id"] = str(number)
    by_id = {}
    for row in results:
        by_id.setdefault(str(row.get("id")), row)
    if len(by_id) < len(results) or not all(str(r.get("id")) in by_id for r in records):
        # ids repeat or are missing: fall back to the order, as documented
        by_id = None
    tasks, plan = {}, []
    for n, record in enumerate(records):
        row = (by_id.get(str(record["id"])) if by_id is not None else (results[n] if n < len(results) else None)) or {}
        answer = record.get("answer") if isinstance(record.get("answer"), str) else ""
        task = None
        if record.get("derivation"):
            params = _params(record)
            try:
                frozen = tuple(sorted(params.items()))
                hash(frozen)
            except TypeError:
                frozen = None
            lhs = _lhs(answer)
            if frozen is not None and (lhs is None or len(lhs) <= 300):
                task = f"{record['derivation']}\x00{frozen!r}\x00{lhs}"
                tasks.setdefault(task, {"name": str(record["derivation"]), "params": frozen, "lhs": lhs})
        plan.append((record, row, answer, task))
    resolved = _resolve_all(tasks, timeout)

    entries, questions = [], {}
    for record, row, answer, task in plan:
        if isinstance(record.get("question"), str) and record["question"].strip():
            key, text, math = f"question\x00{record['question']}", record["question"].strip(), None
        elif record.get("derivation"):
            name, params = str(record["derivation"]), _params(record)
            suffix = " (" + ", ".join(f"{k}={v}" for k, v in sorted(params.items())) + ")" if params else ""
            found = resolved.get(task) or {}
            key = f"derivation\x00{name}{suffix}\x00{found.get('key')}"
            text, math = name + suffix, found.get("target")
        else:
            expected = record.get("expected") if isinstance(record.get("expected"), str) else ""
            key, text, math = f"expected\x00{expected}", "", expected
        if record.get("derivation"):
            found = resolved.get(task) or {}
            if found.get("expected"):
                expected_lines = [f"{found['target']} = {found['expected']}"]
            else:
                expected_lines = _derivation_results(str(record["derivation"]), _params(record))
        else:
            expected_lines = [record["expected"]] if isinstance(record.get("expected"), str) else []
        verdict = str(row.get("verdict") or NOT_GRADED)
        entry = Entry(str(record["id"]), key, answer, expected_lines, verdict, str(row.get("detail") or ""),
                      row.get("diagnosis") or None, _counterexample(row.get("counterexample")),
                      _json_field(row.get("steps")), _first_wrong(row.get("first_wrong")))
        entries.append(entry)
        question = questions.setdefault(key, Question(key, text, math))
        question.verdicts[verdict] += 1
        if diagnosis_category(entry.diagnosis):
            question.diagnoses[diagnosis_category(entry.diagnosis)] += 1
    verdicts = Counter(e.verdict for e in entries)
    diagnoses, examples = Counter(), {}
    for e in entries:
        category = diagnosis_category(e.diagnosis)
        if category:
            diagnoses[category] += 1
            examples.setdefault(category, []).append(e.id)
    return Report(entries, questions, verdicts, diagnoses, examples)


def _json_field(value):
    """A list grade wrote: as is from JSON Lines, or JSON text from a CSV cell."""
    if isinstance(value, str) and value.startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, list) else None


def _first_wrong(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _working_html(entry: Entry) -> str | None:
    rows = entry.gutter()
    if rows is None:
        return None
    names = {"✓": "right", "✗": "wrong", "·": "unchecked"}
    out = []
    for mark, text, note in rows:
        extra = f' <span class="small">← {_h(note)}</span>' if note else ""
        out.append(f'<div class="step"><span class="mark {names[mark]}" title="{names[mark]}">{mark}</span> '
                   f"{_html_math(text, FORMULA_WIDTH - 10)}{extra}</div>")
    return "".join(out)


def _verdict_order(counter: Counter) -> list[str]:
    return [v for v in VERDICTS] + sorted(v for v in counter if v not in VERDICTS)


def _ranked(counter: Counter) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def _summary(report) -> str:
    return ", ".join(f"{v.replace('_', ' ')} {report.verdicts.get(v, 0)}" for v in _verdict_order(report.verdicts))


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%" if total else "-"


# --- the chart -------------------------------------------------------------------------------------
_BAR_COLOURS = {"equivalent": "#3a8a3a", "not_equivalent": "#d9822b", "error": "#8a8a8a"}


def histogram_png(verdicts: Counter) -> bytes | None:
    """A bar chart of the verdict counts (PNG), or None without matplotlib."""
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    names = _verdict_order(verdicts)
    counts = [verdicts.get(n, 0) for n in names]
    with matplotlib.rc_context({"font.family": "DejaVu Sans", "font.size": 9}):
        fig = Figure(figsize=(5.0, 2.6), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.1, 0.16, 0.86, 0.76))
        bars = ax.bar([n.replace("_", " ") for n in names], counts,
                      color=[_BAR_COLOURS.get(n, "#5a6f91") for n in names])
        for bar, count in zip(bars, counts):
            ax.annotate(str(count), (bar.get_x() + bar.get_width() / 2, bar.get_height()), xytext=(0, 2),
                        textcoords="offset points", ha="center", va="bottom")
        ax.set_ylabel("answers")
        ax.set_ylim(0, max(counts + [1]) * 1.18)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_title("Verdicts", fontsize=10)
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=150, metadata={"Software": None})
    return out.getvalue()


# --- safe text -------------------------------------------------------------------------------------
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _clean(text, limit: int = MAX_SHOWN) -> str:
    """Printable text on one line, cut to ``limit`` characters (saying how many there were)."""
    text = _CONTROL.sub("\ufffd", str(text)).replace("\t", " ").replace("\r", " ").replace("\n", " ")
    if len(text) > limit:
        return text[:limit] + f" ... ({len(text)} characters)"
    return text


_MATHML = "http://www.w3.org/1998/Math/MathML"
_TAGS = {"math", "mi", "mn", "mo", "ms", "mtext", "mspace", "mrow", "mfrac", "msqrt", "mroot", "mstyle", "merror",
         "mpadded", "mphantom", "menclose", "msub", "msup", "msubsup", "munder", "mover", "munderover",
         "mmultiscripts", "mprescripts", "none", "mtable", "mtr", "mtd", "mlabeledtr", "semantics", "annotation"}
_ATTRIBUTES = {"display", "mathvariant", "stretchy", "fence", "form", "separator", "lspace", "rspace", "minsize",
               "maxsize", "symmetric", "largeop", "movablelimits", "accent", "accentunder", "notation", "width",
               "height", "depth", "linethickness", "displaystyle", "scriptlevel", "columnalign", "rowalign",
               "columnspacing", "rowspacing", "columnlines", "rowlines", "frame", "framespacing", "align",
               "columnspan", "rowspan", "encoding", "bevelled", "numalign", "denomalign", "mathsize",
               "mathcolor", "mathbackground", "voffset"}
_SAFE_VALUE = re.compile(r"^[\w .,:#%+\-]*$")


def mathml(latex: str, width: float | None = None) -> str | None:
    """Sanitised MathML of ``latex``, or None when it cannot be shown as math: a conversion failure, an
    element or attribute outside the whitelist, text with markup.

    The conversion is the HTML export's (:func:`symdl.export.mathml.to_mathml`: the course dialect,
    fences, primes and signs as Chromium shows them well); with ``width`` (points at 10pt) a longer
    formula is broken into rows that fit, rather than cut off by its table cell.
    """
    from symdl.export.equations import lay_out_formula
    from symdl.export.mathml import shrunk, table, to_mathml

    text = _clean(latex)
    if len(text) >= MAX_SHOWN or not text.strip() or (re.search(r"(?<!\\)&", text) and r"\begin" not in text):
        return None  # the export drops a stray alignment &; a student's text is shown as written
    try:
        layout = lay_out_formula(text, width) if width is not None else None
        converted = table(layout.rows, display=False) if layout and not layout.single else to_mathml(text)
        if layout and layout.width > width:
            converted = shrunk(converted, width / layout.width)
        root = ET.fromstring(converted)
    except Exception:  # noqa: BLE001 - whatever the converter does with hostile text, show it as code
        return None
    out = []

    def emit(element) -> bool:
        tag = element.tag.split("}", 1)[-1] if element.tag.startswith("{") else element.tag
        if element.tag.startswith("{") and not element.tag.startswith("{" + _MATHML + "}"):
            return False
        if tag not in _TAGS:
            return False
        attributes = []
        for name, value in sorted(element.attrib.items()):
            if name == "style" and value in STYLES:  # the few styles symdl's own MathML writes
                pass
            elif name not in _ATTRIBUTES or not _SAFE_VALUE.match(value):
                return False
            attributes.append(f' {name}="{html.escape(value, quote=True)}"')
        if tag == "math":
            attributes.insert(0, f' xmlns="{_MATHML}"')
        out.append(f"<{tag}{''.join(attributes)}>")
        out.append(html.escape(element.text or "", quote=False))
        for child in element:
            if not emit(child):
                return False
            out.append(html.escape(child.tail or "", quote=False))
        out.append(f"</{tag}>")
        return True

    return "".join(out) if emit(root) else None


def _html_math(latex: str, width: float | None = None) -> str:
    converted = mathml(latex, width)
    if converted is not None:
        return converted
    return f'<code class="tex">{html.escape(_clean(latex), quote=True)}</code>'


def _h(text) -> str:
    return html.escape(_clean(text), quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|$~!#{}])")


def _md_text(text) -> str:
    """Plain text for Markdown: no markup, no HTML, on one line."""
    escaped = html.escape(_clean(text), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", escaped)


def _md_code(text) -> str:
    text = _clean(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


_TAG_LIKE = re.compile(r"<\s*[/!?A-Za-z]")  # markup, not a less-than sign


def _md_math(latex) -> str:
    """``$…$`` that MathJax and KaTeX render, or code when the LaTeX could break out of the math."""
    text = _clean(latex).strip()
    if not text or len(text) >= MAX_SHOWN or "$" in text or "`" in text or text.endswith("\\") \
            or text.count("{") != text.count("}") or _TAG_LIKE.search(text):
        return _md_code(latex)
    text = text.replace("<", r"\lt ").replace(">", r"\gt ")
    return f"${text}$"


def _counterexample_text(value) -> str:
    """``at x = 0.5: expected 1, answer 2``; without a point (nothing free to vary), just the values."""
    from symdl.text import latex_to_text

    if not value:
        return ""
    if isinstance(value, dict):
        point = value.get("point") or {}
        where = ", ".join(f"{latex_to_text(_clean(k, 200))} = {_number(v)}" for k, v in list(point.items())[:4])
        more = ", ..." if len(point) > 4 else ""
        values = (f"expected {_shaped(value.get('expected'), value.get('expected_shape'))}, "
                  f"answer {_shaped(value.get('answer'), value.get('answer_shape'))}")
        return f"at {where}{more}: {values}" if where else values
    return _readable(str(value))


def _shaped(values, shape) -> str:
    """A matrix's values with its shape (``3×1 [...]``), so a transposed answer does not read as the same."""
    if isinstance(shape, list) and len(shape) == 2 and isinstance(values, list):
        return f"{shape[0]}×{shape[1]} {_number(values)}"
    return _number(values)


_TUPLE = re.compile(r"\('((?:[^'\\]|\\.)*)'((?:, [^()']*)*)\)")
_MATH_TAIL = re.compile(r"^(.*?=\s*)(\S.*\\[A-Za-z].*)$")  # "answer − expected = \left(…\right)"


def _readable(text: str) -> str:
    """A Python tuple in a message as words: ``('Matrices are not aligned', 2, 3)`` → ``Matrices are not
    aligned (2, 3)``."""
    return _TUPLE.sub(lambda m: m.group(1) + (f" ({m.group(2)[2:]})" if m.group(2) else ""), text)


def feedback_parts(detail) -> tuple[str, str | None]:
    """A verdict's detail as its words and the formula it ends with (LaTeX), if it ends with one."""
    text = _readable(_clean(detail))
    found = _MATH_TAIL.match(text)
    return (found.group(1), found.group(2)) if found else (text, None)


def _feedback_html(detail) -> str:
    words, formula = feedback_parts(detail)
    return _h(words) + (_html_math(formula, FORMULA_WIDTH) if formula else "")


def _feedback_md(detail) -> str:
    words, formula = feedback_parts(detail)
    return _md_text(words) + (_md_math(formula) if formula else "")


def _number(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        shown = ", ".join(_number(v) for v in value[:6])
        return f"[{shown}{', ...' if len(value) > 6 else ''}]"
    return str(value)


# --- writing ---------------------------------------------------------------------------------------
def write_report(records: list[dict], results: list[dict], path, *, timeout: float = RESOLVE_TIMEOUT) -> None:
    """Write the grading report of ``records`` and their ``results`` to ``path`` (.html or .md)."""
    path = check_report_path(path)
    report = collect(records, results, timeout=timeout)
    chart = histogram_png(report.verdicts)
    if path.suffix.lower() == ".md":
        image = f"{path.stem}-verdicts.png" if chart else None
        if chart:
            _write_atomic(path.with_name(image), chart)
        _write_atomic(path, render_markdown(report, image).encode("utf-8"))
    else:
        _write_atomic(path, render_html(report, chart).encode("utf-8"))


def _write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except OSError as exc:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise SymdlError(f"cannot write {path}: {exc.strerror or exc}") from None


def _question_html(question: Question) -> str:
    parts = []
    if question.text:
        parts.append(_h(question.text))
    if question.math:
        parts.append(_html_math(question.math))
    return ": ".join(parts) if parts else "(no expected result)"


def _question_md(question: Question) -> str:
    parts = []
    if question.text:
        parts.append(_md_text(question.text))
    if question.math:
        parts.append(_md_math(question.math))
    return ": ".join(parts) if parts else "(no expected result)"


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; vertical-align: top; text-align: left; }
th { background: #f3f3f3; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
code.tex { white-space: pre-wrap; word-break: break-all; background: #f6f6f6; padding: 0 0.2em; }
.equivalent { color: #2d7a2d; font-weight: bold; }
.not_equivalent { color: #b35c00; font-weight: bold; }
.error { color: #666; font-weight: bold; }
.undecided { color: #5a4fcf; font-weight: bold; }
math { font-size: 1.1em; font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", math; }
figure { margin: 0 0 1em; }
#answer-table { table-layout: fixed; width: 100%; }
#answer-table td > div { overflow-x: auto; overflow-y: hidden; padding: 0.2em 0; }
.small { font-size: 0.9em; color: #444; }
.step { margin: 0.15em 0; }
.mark { display: inline-block; width: 1.2em; font-weight: bold; }
.mark.right { color: #2d7a2d; }
.mark.wrong { color: #b35c00; }
.mark.unchecked { color: #888; }
""".strip()


def render_html(report: Report, chart: bytes | None) -> str:
    from symdl import __version__

    total = len(report.entries)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
        "style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Grading report</title>",
        f"<style>\n{_STYLE}\n</style>",
        "</head>",
        "<body>",
        "<h1>Grading report</h1>",
        f"<p>{total} answer{'s' if total != 1 else ''} to {len(report.questions)} "
        f"question{'s' if len(report.questions) != 1 else ''}; graded by symdl {html.escape(__version__)}.</p>",
        '<h2 id="verdicts">Verdicts</h2>',
    ]
    if chart:
        summary = _summary(report)
        out.append(f'<figure><img src="data:image/png;base64,{base64.b64encode(chart).decode("ascii")}" '
                   f'alt="Histogram of verdicts: {html.escape(summary, quote=True)}" width="500"></figure>')
    out += ['<table id="verdict-table">', "<caption>Verdicts</caption>",
            '<thead><tr><th scope="col">verdict</th><th scope="col">answers</th>'
            '<th scope="col">share</th></tr></thead>',
            "<tbody>"]
    for verdict in _verdict_order(report.verdicts):
        count = report.verdicts.get(verdict, 0)
        out.append(f'<tr><th scope="row" class="{_h(verdict)}">{_h(verdict.replace("_", " "))}</th>'
                   f'<td class="n">{count}</td><td class="n">{_share(count, total)}</td></tr>')
    verdicts = _verdict_order(report.verdicts)  # a verdict symdl has no column for yet gets one too
    out += ["</tbody>", "</table>", '<h2 id="questions">Per question</h2>', '<table id="question-table">',
            "<thead><tr>" + "".join(f'<th scope="col">{_h(c)}</th>' for c in
                                    ("question", "answers", *(v.replace("_", " ") for v in verdicts), "correct",
                                     "commonest diagnosis")) + "</tr></thead>", "<tbody>"]
    for question in report.questions.values():
        top = _ranked(question.diagnoses)
        out.append("<tr>" + f"<td>{_question_html(question)}</td>" + f'<td class="n">{question.total}</td>'
                   + "".join(f'<td class="n">{question.verdicts.get(v, 0)}</td>' for v in verdicts)
                   + f'<td class="n">{_share(question.verdicts.get("equivalent", 0), question.total)}</td>'
                   + f"<td>{_h(f'{top[0][0]} ({top[0][1]})') if top else ''}</td></tr>")
    out += ["</tbody>", "</table>", '<h2 id="diagnoses">Most common diagnoses</h2>']
    wrong = report.verdicts.get("not_equivalent", 0)
    if report.diagnoses:
        out += ['<table id="diagnosis-table">',
                '<thead><tr><th scope="col">diagnosis</th><th scope="col">answers</th>'
                '<th scope="col">share of wrong answers</th><th scope="col">for example</th></tr></thead>', "<tbody>"]
        for category, count in _ranked(report.diagnoses):
            examples = ", ".join(report.diagnosis_examples[category][:5])
            out.append(f"<tr><td>{_h(category)}</td><td class=\"n\">{count}</td>"
                       f'<td class="n">{_share(count, wrong)}</td><td>{_h(examples)}</td></tr>')
        out += ["</tbody>", "</table>"]
    else:
        out.append("<p>No wrong answer had a diagnosis.</p>")
    out += ['<h2 id="answers">Feedback per answer</h2>', '<table id="answer-table">',
            '<colgroup><col style="width: 6%"><col style="width: 14%"><col style="width: 9%">'
            '<col style="width: 28%"><col style="width: 28%"><col style="width: 15%"></colgroup>',
            "<thead><tr>" + "".join(f'<th scope="col">{c}</th>' for c in
                                    ("id", "question", "verdict", "answer", "expected", "feedback")) + "</tr></thead>",
            "<tbody>"]
    for entry in report.entries:
        question = report.questions[entry.group]
        expected = "<br>".join(_html_math(line, FORMULA_WIDTH) for line in entry.expected) or "-"
        feedback = [_feedback_html(entry.detail)] if entry.detail else []
        if entry.diagnosis:
            feedback.append(f"<strong>diagnosis:</strong> {_h(entry.diagnosis)}")
        if entry.counterexample:
            feedback.append(f'<span class="small"><strong>counterexample:</strong> '
                            f"{_h(_counterexample_text(entry.counterexample))}</span>")
        out.append(f"<tr><td><div>{_h(entry.id)}</div></td><td><div>{_question_html(question)}</div></td>"
                   f'<td class="{_h(entry.verdict)}">{_h(entry.verdict.replace("_", " "))}</td>'
                   f"<td><div>{_answer_html(entry)}</div></td>"
                   f"<td><div>{expected}</div></td><td>{'<br>'.join(feedback)}</td></tr>")
    out += ["</tbody>", "</table>", "</body>", "</html>", ""]
    return "\n".join(out)


def _answer_html(entry: Entry) -> str:
    if not entry.answer:
        return "-"
    return _working_html(entry) or _html_math(entry.answer, FORMULA_WIDTH)


def render_markdown(report: Report, image: str | None) -> str:
    from symdl import __version__

    total = len(report.entries)
    out = ["# Grading report", "",
           f"{total} answer{'s' if total != 1 else ''} to {len(report.questions)} "
           f"question{'s' if len(report.questions) != 1 else ''}; graded by symdl {__version__}.", "",
           "## Verdicts", ""]
    if image:
        summary = _summary(report)
        out += [f"![Histogram of verdicts: {summary}]({image})", ""]
    out += ["| verdict | answers | share |", "| --- | ---: | ---: |"]
    for verdict in _verdict_order(report.verdicts):
        count = report.verdicts.get(verdict, 0)
        out.append(f"| {_md_text(verdict.replace('_', ' '))} | {count} | {_share(count, total)} |")
    verdicts = _verdict_order(report.verdicts)
    out += ["", "## Per question", "",
            "| question | answers | " + " | ".join(_md_text(v.replace("_", " ")) for v in verdicts)
            + " | correct | commonest diagnosis |",
            "| --- | ---: | " + " | ".join("---:" for _ in verdicts) + " | ---: | --- |"]
    for question in report.questions.values():
        top = _ranked(question.diagnoses)
        cells = [_question_md(question), str(question.total)]
        cells += [str(question.verdicts.get(v, 0)) for v in verdicts]
        cells += [_share(question.verdicts.get("equivalent", 0), question.total),
                  _md_text(f"{top[0][0]} ({top[0][1]})") if top else ""]
        out.append("| " + " | ".join(cells) + " |")
    out += ["", "## Most common diagnoses", ""]
    wrong = report.verdicts.get("not_equivalent", 0)
    if report.diagnoses:
        out += ["| diagnosis | answers | share of wrong answers | for example |", "| --- | ---: | ---: | --- |"]
        for category, count in _ranked(report.diagnoses):
            examples = ", ".join(report.diagnosis_examples[category][:5])
            out.append(f"| {_md_text(category)} | {count} | {_share(count, wrong)} | {_md_text(examples)} |")
    else:
        out.append("No wrong answer had a diagnosis.")
    out += ["", "## Feedback per answer", ""]
    for entry in report.entries:
        question = report.questions[entry.group]
        out += [f"### {_md_text(entry.id)}: {_md_text(entry.verdict.replace('_', ' '))}", "",
                f"- question: {_question_md(question)}",
                f"- answer: {_md_math(entry.answer) if entry.answer else '-'}"]
        rows = entry.gutter()
        if rows:
            out[-1] = "- answer, line by line (✓ right, ✗ wrong, · not checked):"
            out += [f"  - {mark} {_md_math(text)}" + (f" ← {_md_text(note)}" if note else "") for mark, text, note in rows]
        if len(entry.expected) == 1:
            out.append(f"- expected: {_md_math(entry.expected[0])}")
        elif entry.expected:
            out.append("- expected, one of:")
            out += [f"  - {_md_math(line)}" for line in entry.expected]
        if entry.detail:
            out.append(f"- feedback: {_feedback_md(entry.detail)}")
        if entry.diagnosis:
            out.append(f"- diagnosis: {_md_text(entry.diagnosis)}")
        if entry.counterexample:
            out.append(f"- counterexample: {_md_code(_counterexample_text(entry.counterexample))}")
        out.append("")
    return "\n".join(out)


__all__ = ["write_report", "check_report_path", "collect", "render_html", "render_markdown", "mathml",
           "histogram_png", "diagnosis_category", "Report", "Question", "Entry"]
