r"""Assignment files: a TOML list of questions that becomes one solution sheet.

::

    title = "Sheet B: forward passes and CNN arithmetic"
    author = "optional"

    [[question]]
    title = "Multiplications of a 1x1 convolution"
    derivation = "mult-count"          # a built-in derivation ...
    params = { input = "28x28x192" }   # ... with parameters (as --param parses them; TOML numbers/lists too)

    [[question]]
    title = "Number of weights"
    expression = '(D+1) M + (M+1) K'   # ... or a LaTeX expression in the course dialect ...
    given = { D = 784, M = 100, K = 10 } # ... evaluated with this data (symbol -> number)

An expression question becomes a small :class:`~symdl.derivation.Derivation`: the expression with
the data substituted, its exact value (and a decimal when that is not an integer), checked by a
:class:`~symdl.verify.Computed` check that evaluates the expression in floating point through
NumPy, independently of SymPy's exact arithmetic. The expression is read by :func:`symdl.parse.parse`,
never evaluated as Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import sympy as sp

from symdl import tomlfile
from symdl.errors import SymdlError


class AssignmentError(SymdlError):
    """An assignment file that cannot be used; the message names the file, question and field."""


QUESTION_KEYS = {"title", "derivation", "params", "expression", "given"}
KEY_FIELDS = {"label", "answer", "points", "digits"}  # an answer key's own fields (symdl.mark.key); export ignores them
TOP_KEYS = {"title", "author", "question"}


@dataclass(frozen=True)
class Question:
    number: int
    title: str
    derivation: str | None = None
    params: dict = field(default_factory=dict)
    expression: str | None = None
    given: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Assignment:
    title: str
    author: str | None
    questions: tuple[Question, ...]
    path: Path


def _folders() -> list[Path]:
    from symdl import registry

    try:
        return list(registry._folders())
    except AttributeError:  # pragma: no cover - registry without the helper
        package = Path(registry.__file__).resolve().parent
        return [p for p in (package / "derivations", package.parent / "derivations") if p.is_dir()]


def builtin_names() -> list[str]:
    """Names of the assignment files shipped in ``derivations/`` (``example-assignment``)."""
    names: list[str] = []
    for folder in _folders():
        for path in sorted(folder.glob("*.toml")):
            if path.stem not in names:
                names.append(path.stem)
    return names


def find(source: str) -> Path | None:
    """The assignment file a source names: a path to a ``.toml`` file or a built-in's name."""
    path = Path(source)
    if path.suffix == ".toml" or path.is_file():
        if not path.is_file():
            raise AssignmentError(f"{source}: no such assignment file")
        return path
    for folder in _folders():
        candidate = folder / f"{source}.toml"
        if candidate.is_file():
            return candidate
    return None


def load(path) -> Assignment:
    """Read and check an assignment file; errors name the file, the question number and the field."""
    path = Path(path)
    where = str(path)
    data = tomlfile.read(path, AssignmentError)
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise AssignmentError(f"{where}: unknown field {unknown[0]!r}; an assignment has title, author and "
                              "[[question]] tables")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise AssignmentError(f"{where}: field 'title': a non-empty string is required")
    author = data.get("author")
    if author is not None and not isinstance(author, str):
        raise AssignmentError(f"{where}: field 'author': must be a string")
    raw = data.get("question")
    if not isinstance(raw, list) or not raw:
        raise AssignmentError(f"{where}: no questions: add [[question]] tables")
    questions = tuple(_question(where, number, table) for number, table in enumerate(raw, start=1))
    return Assignment(title.strip(), (author or "").strip() or None, questions, path)


def _question(where: str, number: int, table) -> Question:
    at = f"{where}: question {number}"
    if not isinstance(table, dict):
        raise AssignmentError(f"{at}: must be a [[question]] table")
    unknown = sorted(set(table) - QUESTION_KEYS - KEY_FIELDS)
    if unknown:
        raise AssignmentError(f"{at}: unknown field {unknown[0]!r}; a question has title, and derivation "
                              "(with params) or expression (with given)")
    title = table.get("title")
    if not isinstance(title, str) or not title.strip():
        raise AssignmentError(f"{at}: field 'title': a non-empty string is required")
    derivation, expression = table.get("derivation"), table.get("expression")
    if (derivation is None) == (expression is None):
        raise AssignmentError(f"{at}: give exactly one of 'derivation' or 'expression'")
    if derivation is not None:
        if not isinstance(derivation, str):
            raise AssignmentError(f"{at}: field 'derivation': must be a derivation name (a string)")
        if "given" in table:
            raise AssignmentError(f"{at}: field 'given': belongs to expression questions; use 'params'")
        params = table.get("params", {})
        if not isinstance(params, dict):
            raise AssignmentError(f"{at}: field 'params': must be a table, e.g. params = {{ n = 3 }}")
        return Question(number, title.strip(), derivation=derivation, params=_params(params))
    if not isinstance(expression, str) or not expression.strip():
        raise AssignmentError(f"{at}: field 'expression': a LaTeX expression (a string) is required")
    if "params" in table:
        raise AssignmentError(f"{at}: field 'params': belongs to derivation questions; use 'given'")
    given = table.get("given", {})
    if not isinstance(given, dict):
        raise AssignmentError(f"{at}: field 'given': must be a table, e.g. given = {{ D = 784 }}")
    for name, value in given.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise AssignmentError(f"{at}: field 'given': the value of {name} must be a number, got {value!r}")
    return Question(number, title.strip(), expression=expression.strip(), given=dict(given))


def _params(params: dict) -> dict:
    """Parameter values as ``--param`` reads them: strings are parsed, TOML values kept."""
    from symdl.params import parse_value

    return {key: parse_value(value) if isinstance(value, str) else value for key, value in params.items()}


def build_question(question: Question, path=None):
    """The question's derivation and the recipe a notebook uses to rebuild it."""
    from symdl import registry
    from symdl.export.document import Recipe

    at = f"{path}: question {question.number}" if path else f"question {question.number}"
    if question.derivation is not None:
        if question.derivation not in registry.names():
            raise AssignmentError(f"{at}: field 'derivation': unknown derivation {question.derivation!r}; "
                                  f"known: {', '.join(registry.names())}")
        try:
            derivation = registry.build(question.derivation, **question.params)
        except SymdlError as exc:
            raise AssignmentError(f"{at}: field 'params': {exc}") from None
        return derivation, Recipe("registry", name=question.derivation, params=dict(question.params))
    try:
        derivation = expression_derivation(question.expression, question.given, title=question.title)
    except AssignmentError as exc:
        raise AssignmentError(f"{at}: {exc}") from None
    return derivation, Recipe("expression", expression=question.expression, given=dict(question.given),
                              title=question.title)


def _number(name: str, value) -> sp.Rational:
    """A given value as an exact number: ``0.1`` is 1/10, as written."""
    from symdl.params import parse_value

    if isinstance(value, str):
        parsed = parse_value(value)
        if isinstance(parsed, bool) or not isinstance(parsed, (int, float)):
            raise AssignmentError(f"field 'given': the value of {name} must be a number, got {value!r}")
        value = parsed
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AssignmentError(f"field 'given': the value of {name} must be finite, got {value!r}")
        return sp.Rational(repr(value))
    return sp.Integer(value)


def _value_name(value: sp.Rational, written) -> str:
    """How a given value is printed when substituted: as written, negatives in parentheses."""
    text = str(written) if not isinstance(written, str) else written.strip()
    if isinstance(written, float):
        text = repr(written)
    if value.is_Rational and not value.is_Integer and not isinstance(written, (float, str)):
        text = rf"\frac{{{abs(value.p)}}}{{{value.q}}}"
    if value < 0:
        return rf"\left({text}\right)"
    return text


def _positive(written):
    """The written form of a negative value without its sign."""
    if isinstance(written, str):
        return written.strip().lstrip("-").strip()
    return -written


def expression_derivation(expression: str, given: dict, title: str = "Evaluate an expression"):
    """A :class:`~symdl.derivation.Derivation` that evaluates ``expression`` with the ``given`` data.

    Steps: the data substituted, the exact value and (when not an integer) a decimal; the value is
    checked against a floating-point evaluation of the expression through NumPy.
    """
    from symdl.derivation import Derivation, Step
    from symdl.errors import ParseError, UnsupportedError
    from symdl.latex import DLLatexPrinter, to_latex
    from symdl.numeric import compile_numeric
    from symdl.parse import parse
    from symdl.verify import Computed

    try:
        parsed = parse(expression)
    except (ParseError, UnsupportedError) as exc:
        raise AssignmentError(f"field 'expression': {exc}") from None
    expr = parsed.expr
    if getattr(expr, "is_Matrix", False) or not isinstance(expr, sp.Expr):
        raise AssignmentError("field 'expression': must be a scalar expression")
    symbols = {str(s): s for s in expr.free_symbols}
    values: dict = {}
    written: dict = {}
    for key, value in given.items():
        try:
            read = parse(str(key)).expr
        except (ParseError, UnsupportedError) as exc:
            raise AssignmentError(f"field 'given': cannot read the name {key!r}: {exc}") from None
        name = str(read)
        if name not in symbols:
            used = ", ".join(sorted(symbols)) or "no symbols"
            raise AssignmentError(f"field 'given': {key} does not appear in the expression (it uses {used})")
        values[symbols[name]] = _number(key, value)
        written[symbols[name]] = value
    missing = sorted(n for n, s in symbols.items() if s not in values)
    if missing:
        raise AssignmentError(f"field 'given': no value for {', '.join(missing)}")
    exact = expr.xreplace(values)
    exact = exact.doit() if hasattr(exact, "doit") else exact
    if exact.free_symbols or not exact.is_number:
        raise AssignmentError("field 'expression': does not evaluate to a number with the given data")
    if exact.is_real is False or exact.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise AssignmentError("field 'expression': is not a finite real number with the given data")
    order = list(values)  # as given
    function = compile_numeric([expr], order) if order else None
    floats = [float(values[s]) for s in order]

    def in_floating_point():
        if function is None:
            return float(sp.N(expr, 17))
        return float(function(*floats)[0])

    check = Computed(in_floating_point, method="floating-point evaluation (NumPy)")
    substituted_printer = DLLatexPrinter({"mul_symbol": "dot"})
    shown = expr.xreplace({s: sp.Symbol(_value_name(values[s], written[s])) for s in values})
    substituted = substituted_printer.doprint(shown)
    data = ", ".join(f"${to_latex(s)} = {_value_name(abs(values[s]), written[s]) if values[s] >= 0 else '-' + _value_name(abs(values[s]), _positive(written[s]))}$"
                     for s in order)
    shown_expression = " ".join(expression.split())  # as written, on one line
    steps = [Step(shown_expression, substituted, f"substitute {data}")] if data else []
    steps.append(Step(shown_expression, exact, "evaluate exactly", check=check))
    if not exact.is_Integer:
        decimal = sp.Float(sp.N(exact, 20), 8)
        steps.append(Step(shown_expression, decimal, "as a decimal (8 significant digits)", relation=r"\approx",
                          check=Computed(in_floating_point, method="floating-point evaluation (NumPy)",
                                         tolerance=1e-7)))
    statement = f"Evaluate ${expression}$" + (f" with {data}." if data else ".")
    return Derivation(
        name="expression",
        title=title,
        summary=f"evaluate {expression}",
        statement=statement,
        steps=tuple(steps),
        results={shown_expression: exact},
        params={"expression": expression, "given": dict(given)},
    )
