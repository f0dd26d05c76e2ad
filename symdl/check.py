r"""Checking a LaTeX answer: against an expected LaTeX result, or against a derivation's result.

The library entry point of the checker. It parses both sides in the course dialect, binds the
answer's names to what they mean (a derivation's ``K`` is its positive integer, ``W^{(1)}`` its
matrix), and decides every claim the answer makes with :mod:`symdl.decide`:

- ``s_0 = s_1 = … = s_k``: every relation is a claim, and the first failing one is reported;
- the left side ``s_0`` must name the target (derivation mode) or equal the expected value
  (expected mode; an expected equation ``x = 2`` names its target ``x``);
- a last side that only restates the target (``\tanh(a) = \tanh(a)``) answers nothing;
- undeclared capitals commute as scalars, so when a verdict depends on that (``AB`` against
  ``BA``) it is "undecided" until their shapes are declared.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from functools import lru_cache

import sympy as sp

from symdl import registry
from symdl.decide import DEFAULT_SEED, Problem, Verdict, error, undecided
from symdl.errors import ParameterError, ParseError, SymdlError, UnsupportedError
from symdl.parse import Context, DerivativeTarget, Parsed, parse, unknown_bound
from symdl.undeclared import HELD, check_as_matrices, read_as_matrices, shown

_SHAPE_ITEM = re.compile(r"^\s*([^=]+?)\s*=\s*(\d+)\s*[x×]\s*(\d+)\s*$")
METHOD_STRENGTH = ("proved", "number", "exact points", "high-precision points", "relative tolerance")


def parse_shapes(shapes) -> dict:
    """``["W=3x4", "x=4x1"]``, ``"W=3x4; x=4x1"`` or ``{"W": [3, 4]}`` → ``{"W": (3, 4)}``."""
    if not shapes:
        return {}
    from symdl.parse.objects import canonical_key

    if isinstance(shapes, dict):
        return {canonical_key(str(k)): _dims(k, v) for k, v in shapes.items()}
    items = re.split(r"[;,]\s*(?=[^=;,]+=)", shapes) if isinstance(shapes, str) else list(shapes)
    found = {}
    for item in items:
        match = _SHAPE_ITEM.match(item)
        if not match:
            raise ParameterError(f"shape {item!r}: expected NAME=ROWSxCOLS, e.g. W=3x4")
        found[canonical_key(match.group(1))] = (int(match.group(2)), int(match.group(3)))
    return found


def _dims(name, value) -> tuple:
    try:
        rows, cols = (int(d) for d in value)
    except (TypeError, ValueError):
        raise ParameterError(f"shape of {name}: expected [rows, cols], e.g. [3, 4]") from None
    if rows < 1 or cols < 1 or rows > 1000 or cols > 1000:
        raise ParameterError(f"shape of {name}: sizes must be from 1 to 1000")
    return rows, cols


def _is_working(answer) -> bool:
    """An answer of several lines (aligned, align*, lines joined by \\): checked line by line."""
    if not isinstance(answer, str) or ("\\\\" not in answer and "\\begin{align" not in answer
                                       and "\\begin{gather" not in answer and "\\begin{eqnarray" not in answer):
        return False
    from symdl.parse.working import is_working

    return is_working(answer)


def _read(text, context, which: str):
    """Parse one side; a shape error is an answer's mistake, not an unreadable input."""
    try:
        return parse(text, context), None
    except sp.ShapeError as exc:
        return None, Verdict("not_equivalent", f"{which}: shape mismatch: {exc}", "shape mismatch", None, "shapes")
    except ParseError as exc:
        return None, error(f"{which}: {exc}")
    except UnsupportedError as exc:
        if str(exc).startswith("shape mismatch"):
            return None, Verdict("not_equivalent", f"{which}: {exc}", "shape mismatch", None, "shapes")
        return None, error(f"{which}: unsupported: {exc}")
    except RecursionError:
        return None, error(f"{which}: parse_error: nested too deeply")


def _read_forwards(ans: Parsed, target) -> Parsed:
    """``2w = \\frac{\\partial L}{\\partial w}``: an equation written right to left, read left to right."""
    if target is None or len(ans.sides) != 2 or not _restates(ans.sides[1].value, target) \
            or _restates(ans.sides[0].value, target):
        return ans
    right, left = ans.sides
    return dataclasses.replace(ans, sides=(left, right), expr=right.value, tolerance=right.tolerance,
                               lhs=left.target if left.target is not None else left.value)


def _bounded_like(ans: Parsed, expected) -> Parsed:
    r"""An answer's ``\sum_i`` written without bounds runs like the expected result's sum over ``i``
    (``\sum_i x_i`` for ``\sum_{i=1}^{n} x_i``), when the expected result sums over ``i`` one way only."""
    ranges: dict = {}
    for node in sp.preorder_traversal(expected):
        if isinstance(node, (sp.Sum, sp.Product)) or type(node).__name__ == "MatrixSum":
            for variable, start, end in node.limits:
                ranges.setdefault(variable, set()).add((start, end))
    # only a whole range 1..n (n a name or a number) is what a bare \sum_i can mean; not 1..n-1
    ranges = {v: spans for v, spans in ranges.items() if all(s == 1 and (e.is_Symbol or e.is_Integer)
                                                               for s, e in spans)}
    bounds = {unknown_bound(v): end for v, spans in ranges.items() if len(spans) == 1
              for start, end in spans}
    every_span = set().union(*ranges.values()) if ranges else set()
    if len(every_span) == 1 and next(iter(every_span))[0] == 1:  # one range throughout: any letter runs over it
        end = next(iter(every_span))[1]
        bounds.update({s: end for s in ans.expr.free_symbols if isinstance(s, sp.Symbol)
                       and s.name.startswith("n_") and s == unknown_bound(sp.Symbol(s.name[2:], integer=True))})
    bounds = {k: v for k, v in bounds.items() if ans.expr.has(k) or any(s.value.has(k) for s in ans.sides
                                                                          if isinstance(s.value, sp.Basic))}
    if not bounds:
        return ans

    def bounded(value):
        return value.xreplace(bounds) if isinstance(value, sp.Basic) else value

    sides = tuple(dataclasses.replace(side, value=bounded(side.value)) for side in ans.sides)
    return dataclasses.replace(ans, expr=bounded(ans.expr), lhs=bounded(ans.lhs), sides=sides)


# --- claims ----------------------------------------------------------------------------------

@dataclasses.dataclass
class Claim:
    """One relation the answer asserts: ``left`` equals ``right`` (``right`` may be a rounded decimal)."""

    expected: sp.Basic
    answer: sp.Basic
    tolerance: object
    label: str


def _claims_of_chain(parsed: Parsed, first_value) -> list[Claim]:
    """The relations s_{i-1} = s_i of a chain, with s_0 read as ``first_value``."""
    claims = []
    values = [first_value] + [side.value for side in parsed.sides[1:]]
    for n in range(1, len(parsed.sides)):
        before, after = parsed.sides[n - 1], parsed.sides[n]
        left, right = values[n - 1], values[n]
        tolerance = after.tolerance
        if tolerance is None and before.tolerance is not None and n - 1 > 0:
            left, right, tolerance = right, left, before.tolerance  # "0.66 = \frac{e}{e+1}": the decimal is the answer
        relation = parsed.relations[n - 1] if n - 1 < len(parsed.relations) else "="
        claims.append(Claim(left, right, tolerance,
                            f"the claim {_brief(before.text)} {_relation_text(relation)} {_brief(after.text)}"))
    return claims


def _relation_text(relation: str) -> str:
    return {"=": "=", r"\approx": "≈", r"\equiv": "≡"}.get(relation, relation)


def _brief(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _decide_claims(claims: list[Claim], problem_of, *, rtol, digits, seed) -> Verdict:
    """Every claim in order; the first that fails (or cannot be decided) is the verdict."""
    verdicts = []
    for number, claim in enumerate(claims):
        verdict = decide(problem_of(claim), tolerance=claim.tolerance, rtol=rtol, digits=digits, seed=seed)
        if verdict.verdict != "equivalent":
            if len(claims) > 1 and verdict.verdict in ("not_equivalent", "undecided"):
                detail = f"{claim.label} fails: {verdict.detail}" if verdict.verdict == "not_equivalent" \
                    else f"{claim.label} is undecided: {verdict.detail}"
                verdict = dataclasses.replace(verdict, detail=detail)
            return verdict
        verdicts.append(verdict)
    last = verdicts[-1]
    if len(verdicts) == 1:
        return last
    weakest = max((v.method for v in verdicts), key=lambda m: METHOD_STRENGTH.index(m) if m in METHOD_STRENGTH else 0)
    return dataclasses.replace(last, detail=f"every claim holds ({len(verdicts)} checked); last: {last.detail}",
                               method=weakest)


def decide(problem: Problem, *, tolerance=None, mode="value", wrt=None, rtol=None, digits=None,
           seed=DEFAULT_SEED) -> Verdict:
    """The verdict on one pair of expressions (value or objective mode)."""
    from symdl.decide.compare import compare
    from symdl.decide.numbers import compare_numbers
    from symdl.decide.objective import compare_objective

    try:
        if mode == "objective":
            names = [wrt] if isinstance(wrt, str) else list(wrt or [])
            if not names:
                return error("objective mode needs --wrt: the variables the objective is minimised over")
            return compare_objective(problem, names, seed=seed)
        if mode != "value":
            return error(f"unknown mode {mode!r}; use value or objective")
        number = compare_numbers(problem.expected, problem.answer, tolerance, rtol, digits)
        if number is not None:
            return number
        return compare(problem, rtol=rtol, seed=seed)
    except SymdlError as exc:
        return error(str(exc))
    except RecursionError:
        return undecided("the expression is nested too deeply to evaluate")
    except (ValueError, TypeError, AttributeError, NotImplementedError, IndexError, KeyError, sp.ShapeError) as exc:
        # SymPy raises these on expressions it cannot handle; the caller gets a verdict, not a traceback.
        return undecided(f"symdl could not evaluate this expression ({_reason(exc)})")


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return text[:120] if text and not text.startswith("(") else type(exc).__name__


def _restates(final, target) -> bool:
    """Whether the last side still contains the target: it shows nothing about it."""
    if target is None or not isinstance(final, sp.Basic):
        return False
    try:
        return final == target or (not target.is_Number and final.has(target))
    except (TypeError, AttributeError):
        return False


_D = r"(?:d|\\partial|\\mathrm\s*\{\s*d\s*\}|\\mathrm\s+d|\\text\s*\{\s*d\s*\}|\\operatorname\s*\{\s*d\s*\})"
# d/dx f (the operator alone on top), or d f(x)/dx with a function or bracket on top (not dL/dw, a name)
_DERIVATIVE_OPERATOR = re.compile(
    r"\\[dtc]?frac\s*\{\s*" + _D + r"\s*(?:\^\s*\{?\s*\d\s*\}?)?\s*\}"
    r"|\\[dtc]?frac\s*\{\s*" + _D + r"\s*(?:\^\s*\{?\s*\d\s*\}?)?\s*(?:\(|\\left|\\[A-Za-z]+\s*\(|\\[A-Za-z]+\s*\\left"
    r"|[A-Za-z]\s*\(|\\(?:tanh|sigma|sin|cos|exp|log|ln|sqrt|frac)\b)")


def _last_text(parsed: Parsed, text: str) -> str:
    return parsed.sides[-1].text if parsed.sides else text


def _writes_a_derivative_operator(text: str) -> bool:
    r"""``\frac{d}{da}\sigma(a)``: the derivative left to be taken, not taken."""
    return bool(_DERIVATIVE_OPERATOR.search(text))


def _asks_for_a_derivative(key: str) -> bool:
    r"""A result that is itself a derivative: ``\sigma'(a)``, ``\frac{\partial L}{\partial x}``."""
    return "'" in key or r"\prime" in key or r"\partial" in key or re.search(r"\frac\{d", key) is not None


# --- against an expected result --------------------------------------------------------------

def check(expected: str, answer: str, *, mode: str = "value", wrt=None, shapes=None, rtol: float | None = None,
          digits: int | None = None, seed: int = DEFAULT_SEED, _shape_probe: bool = True) -> Verdict:
    """Is ``answer`` (LaTeX) equal to ``expected`` (LaTeX)?

    ``mode="objective"`` accepts a positive multiple plus a term constant in ``wrt``.
    ``shapes`` declares matrices (``{"W": (3, 4)}`` or ``["W=3x4"]``); ``rtol`` replaces the
    rounding rule for decimal answers; ``digits`` sets how many significant figures a rounded
    answer needs (2 by default).
    """
    if mode == "value" and _is_working(answer):
        from symdl.working import check_working

        return check_working(answer, expected=expected, shapes=shapes, digits=digits, rtol=rtol, seed=seed).verdict
    try:
        context = Context(matrices=parse_shapes(shapes))
    except ParameterError as exc:
        return error(str(exc))
    exp, failed = _read(expected, context, "expected")
    if failed:
        return failed if failed.verdict == "error" else error(failed.detail)
    ans, failed = _read(answer, context, "answer")
    if failed:
        return failed
    ans = _bounded_like(ans, exp.expr)
    target = exp.sides[0].value if len(exp.sides) > 1 else None
    ans = _read_forwards(ans, target)
    if mode == "objective":
        verdict = decide(Problem(exp.expr, ans.expr), mode=mode, wrt=wrt, seed=seed)
        return _undeclared_shapes(verdict, expected, answer, context, [Claim(exp.expr, ans.expr, None, "")],
                                  mode=mode, wrt=wrt, rtol=rtol, digits=digits, seed=seed) if _shape_probe else verdict
    if _restates(ans.expr, target) and not _restates(exp.expr, target):
        return Verdict("not_equivalent", f"not an answer: the last side only restates {_brief(exp.sides[0].text)}",
                       "restates the target")
    if _writes_a_derivative_operator(_last_text(ans, answer)) and not _writes_a_derivative_operator(_last_text(exp, expected)):
        return Verdict("not_equivalent", "not an answer: the last side writes a derivative without taking it",
                       "restates the target")
    claims = []
    if len(ans.sides) > 1:
        first = ans.sides[0]
        if target is not None:
            claims.append(Claim(target, first.value, None,
                                f"the left side {_brief(first.text)} (the quantity asked for is {_brief(exp.sides[0].text)})"))
        else:
            claims.append(Claim(exp.expr, first.value, first.tolerance,
                                f"the left side {_brief(first.text)} (it should equal the expected value)"))
        claims += _claims_of_chain(ans, exp.expr)  # once the left side is right, it stands for the expected value
    if len(ans.sides) != 2:  # with two sides the one relation is the answer
        claims.append(Claim(exp.expr, ans.expr, ans.tolerance, "the answer"))
    verdict = _decide_claims(claims, lambda claim: Problem(claim.expected, claim.answer), rtol=rtol, digits=digits,
                             seed=seed)
    if _shape_probe:
        verdict = _undeclared_shapes(verdict, expected, answer, context, claims, mode=mode, wrt=wrt, rtol=rtol,
                                     digits=digits, seed=seed)
    return verdict


def _undeclared_shapes(verdict: Verdict, expected: str, answer: str, context: Context, claims, **options) -> Verdict:
    """An "equivalent" found with undeclared names read as numbers must hold as the matrices their
    notation suggests, as square matrices under a determinant or trace, and without commuting."""
    def rerun(declared):
        return check(expected, answer, shapes={**context.matrices, **declared}, _shape_probe=False, **options)

    texts = [expected, answer]
    exprs = [c.expected for c in claims] + [c.answer for c in claims]
    scalars = set().union(*(_scalar_capitals(e) for e in exprs if isinstance(e, sp.Basic)))
    scalars |= {m for text in texts for m in _DIVISOR.findall(text)}  # \frac{…}{N}: N is a number
    if verdict.verdict == "not_equivalent":
        # x^{T}Ax against \sum_i\sum_j A_{ij}x_ix_j: wrong with numbers, right as the matrices the notation
        # says (at both sets of sizes): the notation is what the answer means
        reading = read_as_matrices(texts, context.matrices, rerun, scalars)
        if reading is not None and reading[1].verdict == "equivalent":
            held = reading[1]
            return dataclasses.replace(held, detail=f"{held.detail} (with the shapes the notation suggests: "
                                                    f"{shown(reading[0])})")
        return verdict
    if not verdict.equivalent:
        return verdict
    as_matrices = check_as_matrices(texts, context.matrices, rerun, scalars)
    if as_matrices == HELD:  # the shapes the notation suggests were tried, at two sets of sizes
        return verdict
    return as_matrices or _matrix_operator_on_undeclared(texts, context, claims, rerun) \
        or _commuting_probe(verdict, texts, context, claims) or verdict


# --- capitals that might be matrices ---------------------------------------------------------

def _capitals(expr, context: Context) -> set:
    names = set()
    # an entry A_{ij} is a number, and A only names the entries: neither is a matrix that could fail to commute
    entries = {e.base.label.name for e in expr.atoms(sp.Indexed)} if isinstance(expr, sp.Basic) else set()
    for symbol in getattr(expr, "free_symbols", ()):
        if isinstance(symbol, sp.Indexed):
            continue
        name = getattr(symbol, "name", "")
        if name in entries:
            continue
        base = name.lstrip("\\")[:1] if name.startswith("\\") else name[:1]
        if base.isupper() and name not in context.matrices and name not in context.symbols \
                and not symbol.is_integer:
            names.add(name)
    return names


def _scalar_capitals(expr) -> set:
    """Capitals the input itself shows to be numbers: added to a number, in an exponent or a bound."""
    found = set()
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Add) and any(arg.is_Number for arg in node.args):
            found |= {s.name for s in node.free_symbols if isinstance(s, sp.Symbol) and s in node.args}
        elif isinstance(node, sp.Pow) and not node.exp.is_Number:
            found |= {s.name for s in node.exp.free_symbols}
        elif isinstance(node, (sp.Sum, sp.Product)):
            for _, *bounds in node.limits:
                found |= {s.name for b in bounds for s in b.free_symbols}
    return found


_TRANSPOSED = re.compile(r"([A-Za-z]|\\[A-Za-z]+)(?:_\{?[^{}^]*\}?)?\}?\^\{?(?:\s|\\[!,;:])*(?:T|\\top|\\intercal"
                         r"|\\(?:mathsf|mathrm|text|rm|mathit)\s*\{\s*T\s*\})")
_TRANSPOSED_GROUP = re.compile(r"\(([^()]*)\)\s*\^\s*\{?\s*(?:T|\\top|\\intercal)\b")
_BOLD = re.compile(r"\\(?:mathbf|boldsymbol|bm)\{\s*(\\?[A-Za-z]+)\s*\}")


def _written_as_arrays(texts: list, context: Context) -> set:
    """Undeclared names the text writes as matrices or vectors: transposed, or in bold."""
    names = set()
    for text in texts:
        names |= {m.group(1) for m in _TRANSPOSED.finditer(text)} | {m.group(1) for m in _BOLD.finditer(text)}
        for group in _TRANSPOSED_GROUP.findall(text):  # (y_n - f_n)^{T}: every name inside is an array
            names |= set(re.findall(r"(?<![\\A-Za-z])([A-Za-z])(?![A-Za-z])", re.sub(r"\\[A-Za-z]+", " ", group)))
    return {n for n in names if n not in context.matrices and n not in context.symbols}


# Operators that only mean something for a matrix: on a name of unknown shape, read as a number, they
# vanish (\det a = a, \operatorname{tr} a = a, \partial/\partial X entry by entry of a 1x1 X).
_MATRIX_OPERATOR = re.compile(
    r"\\det\b|\\(?:operatorname|mathrm|text|rm)\s*\{\s*(?:tr|Tr|trace|det|diag|logdet|rank|vec)\s*\}"
    r"|\\frac\s*\{\s*\\partial[^{}]*\}\s*\{\s*\\partial\s*(?:\\mathbf\s*\{\s*|\\boldsymbol\s*\{\s*)?[A-Z]"
    r"|\^\s*\{\s*-\s*(?:T|\\top)\s*\}|\\\|\s*_\s*\{?\s*F|\\otimes")


_OPERATOR_ARGUMENT = re.compile(r"(?:\\det|\\(?:operatorname|mathrm)\s*\{\s*(?:tr|Tr|det)\s*\})\s*\(([^()]*)\)")
_DIVISOR = re.compile(r"\\[dt]?frac\s*\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}\s*\{\s*([A-Z])\s*\}")
_CAPITAL_LETTER = re.compile(r"(?<![A-Za-z])([A-Z])(?![A-Za-z])")
_TRANSPOSE_MARK = re.compile(r"\^\s*(?:\{(?:\s|\\[!,;:])*-?\s*(?:T|\\top|\\intercal|\\(?:mathsf|mathrm|text|rm|mathit)"
                             r"\s*\{\s*T\s*\})\s*\}|T\b|\\top)")


def _matrix_operator_on_undeclared(texts: list, context: Context, claims, rerun) -> Verdict | None:
    r""""undecided" when a determinant, trace, derivative by a capital, ... applies to names whose shape is
    not declared and the two sides, equal as numbers, differ as square matrices (\det(2A) = 2\det A)."""
    if not any(_MATRIX_OPERATOR.search(text) for text in texts):
        return None
    exprs = [c.expected for c in claims] + [c.answer for c in claims]
    plain = [_TRANSPOSE_MARK.sub(" ", re.sub(r"\\(?:mathbf|boldsymbol|bm)\s*\{\s*([A-Za-z])\s*\}", r"\1", t))
             for t in texts]
    names = set().union(*(_capitals(e, context) for e in exprs))
    names |= {name for text in plain for name in _CAPITAL_LETTER.findall(re.sub(r"\\[A-Za-z]+", " ", text))}
    names -= set().union(*(_scalar_capitals(e) for e in exprs if isinstance(e, sp.Basic)))
    names |= {name for text in plain for argument in _OPERATOR_ARGUMENT.findall(text)
              for name in re.findall(r"(?<![\\A-Za-z])([a-z])(?![A-Za-z])", argument)}  # \operatorname{tr}(ab)
    names = {n for n in names if n not in context.matrices and n not in context.symbols}
    vectors = {n for n in _written_as_arrays(texts, context) if n[:1].islower()} - names
    if not names:
        return None
    verdicts = []
    for side in (2, 3):  # an even and an odd size: \det(-A) = -\det A holds for 3x3 only
        try:
            verdicts.append(rerun({**{n: (side, side) for n in names}, **{n: (side, 1) for n in vectors}}).verdict)
        except SymdlError:
            verdicts.append("error")
        if verdicts[-1] != "equivalent":
            break
    if verdicts == ["equivalent", "equivalent"]:
        return None
    first = sorted(names)[0]
    these = ", ".join(sorted(names))
    return undecided(f"equal if {these} {'are numbers' if len(names) > 1 else 'is a number'}, but a determinant, "
                     f"trace or derivative by a matrix applies and no shape is declared: declare the shapes "
                     f"(e.g. --shape {first}=3x3)")


def _opaque_inverses(expr):
    """Inverses of non-commuting quantities as names of their own: SymPy's algebra would take
    (X^{T}X)^{-1} = X^{-1}X^{-T}, true only for a square X, and hide the commonest mistake."""
    if not isinstance(expr, sp.Basic):
        return expr
    return expr.replace(
        lambda e: isinstance(e, sp.Pow) and e.exp.is_negative and not e.base.is_commutative,
        lambda e: sp.Pow(sp.Symbol(f"({sp.srepr(e.base)})^{{-1}}", commutative=False), -e.exp))


def _commuting_probe(verdict: Verdict, texts: list, context: Context, claims) -> Verdict | None:
    """"undecided" when the answer is right only because undeclared names commute: two capitals, or
    names written transposed or in bold (``(X^TX)^{-1}X^Ty`` is not ``X^{-1}y`` for a tall X)."""
    exprs = [c.expected for c in claims] + [c.answer for c in claims]
    scalar = set().union(*(_scalar_capitals(e) for e in exprs if isinstance(e, sp.Basic)))
    capitals = set().union(*(_capitals(e, context) for e in exprs)) - scalar
    arrays = _written_as_arrays(texts, context) - scalar
    if len(capitals) < 2 and not arrays:
        return None
    present = {getattr(s, "name", "") for e in exprs for s in getattr(e, "free_symbols", ())}
    suspects = (capitals | arrays) & present or capitals | arrays
    if not suspects:
        return None
    kept_scalar = {name: sp.Symbol(name, real=True) for name in
                   set().union(*(_capitals(e, context) for e in exprs)) - suspects}
    probe = dataclasses.replace(context, commuting=False, noncommuting=frozenset(suspects),
                                symbols={**context.symbols, **kept_scalar})
    try:
        sides = [parse(text, probe).sides for text in texts]
    except SymdlError:
        return None
    values = [_opaque_inverses(side.value) for chain in sides for side in chain]
    target = values[0]
    names = ", ".join(sorted(suspects))
    for value in values[1:]:
        try:
            if sp.expand(value - target) != 0:
                return undecided(f"equal only if {names} commute as numbers do; declare their shapes "
                                 f"(e.g. --shape {sorted(suspects)[0]}=3x2)")
        except Exception:  # noqa: BLE001 - SymPy's non-commutative algebra fails on odd input
            return undecided(f"equal only if {names} commute as numbers do; declare their shapes")
    return None


# --- answers to a derivation -----------------------------------------------------------------

def _frozen(value):
    """A parameter value as a hashable key: lists (shapes ``[3,3]``, matrices) become tuples."""
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


def _thawed(value):
    """The inverse of :func:`_frozen` for sequences: derivations get lists back, as parse_value gives them."""
    return [_thawed(v) for v in value] if isinstance(value, tuple) else value


def _named_objects(derivation) -> dict:
    """The derivation's own symbols by name, so an answer's ``K`` or ``\\lambda_i`` means the same."""
    found = {}
    pools = list(derivation.results.values()) + list(derivation.definitions.values()) + list(derivation.definitions)
    for step in derivation.steps:
        pools += [step.lhs, step.rhs]
    for expr in pools:
        if not isinstance(expr, sp.Basic):
            continue
        for atom in expr.atoms(sp.Symbol, sp.Indexed):
            if isinstance(atom, sp.Indexed):
                found.setdefault(atom.base.label.name, atom.base)
            elif not isinstance(atom, sp.Dummy):
                found.setdefault(atom.name, atom)
        if isinstance(expr, sp.IndexedBase):
            found.setdefault(expr.label.name, expr)
    return found


@lru_cache(maxsize=64)
def _derivation(name: str, params: tuple):
    derivation = registry.build(name, **{k: _thawed(v) for k, v in params})
    context = Context(matrices=dict(derivation.matrices), indexed=dict(derivation.indexed),
                      symbols=_named_objects(derivation))
    targets = {}
    for key in derivation.results:
        try:
            targets[key] = parse(f"{key} = 0", context).lhs
        except SymdlError:
            continue  # a result the dialect cannot name cannot be asked for; the others still can
    return derivation, context, targets


def _name(expr) -> str:
    if isinstance(expr, sp.Indexed):
        return str(expr.base.label)
    return getattr(expr, "name", str(expr))


def _bind(target, lhs) -> dict | None:
    """Index values that make the result's target the answer's left side, or None if it is another."""
    if isinstance(target, DerivativeTarget) != isinstance(lhs, DerivativeTarget):
        return None
    if not isinstance(target, DerivativeTarget):
        return {} if target == lhs else None
    of = _bind_of(target.of, lhs.of)
    if of is None:
        return None
    t, a = target.wrt, lhs.wrt
    if _name(t) != _name(a):
        return None
    if isinstance(t, sp.Indexed) and isinstance(a, sp.Indexed):
        if len(t.indices) != len(a.indices):
            return None
        found = {ti: ai for ti, ai in zip(t.indices, a.indices) if ti != ai}
        if any(of.get(k, v) != v for k, v in found.items()):
            return None  # one index letter bound to two values
        return {**of, **found}
    return of if type(t) is type(a) else None


_SUBSCRIPTED_NAME = re.compile(r"^(?P<head>.+)_\{(?P<sub>[^{}]+)\}$")


def _bind_of(target_of: str, answer_of: str) -> dict | None:
    """``p_{i}`` in a target and ``p_{1}`` (or ``p_{k}``) in an answer: the index value it binds."""
    if target_of == answer_of:
        return {}
    want, got = _SUBSCRIPTED_NAME.match(target_of), _SUBSCRIPTED_NAME.match(answer_of)
    if not (want and got and want["head"] == got["head"]):
        return None
    letter, value = want["sub"], got["sub"]
    if not (len(letter) == 1 and letter.isalpha()):
        return None
    if value.isdigit():
        return {sp.Symbol(letter, integer=True): sp.Integer(int(value))}
    if len(value) == 1 and value.isalpha():
        return {sp.Symbol(letter, integer=True): sp.Symbol(value, integer=True)}
    return None


def check_derivation(name: str, answer: str, *, params: dict | None = None, rtol: float | None = None,
                     digits: int | None = None, seed: int = DEFAULT_SEED) -> Verdict:
    """Check an equation ``target = …`` against the named derivation's result for that target.

    The answer may use the derivation's intermediate quantities (``z^{(1)}``, ``h^{[2]}_k``,
    ``\\frac{\\partial L}{\\partial y}``); they stand for their definitions.
    """
    if _is_working(answer):
        from symdl.working import check_working

        return check_working(answer, derivation=name, params=params, digits=digits, rtol=rtol, seed=seed).verdict
    try:
        derivation, context, targets = _derivation(name, tuple(sorted((k, _frozen(v)) for k, v in (params or {}).items())))
    except SymdlError as exc:
        return error(str(exc))
    parsed, failed = _read(answer, context, "answer")
    if failed:
        return failed
    if not derivation.results:
        return error(f"{name} has no result to check against")
    bounds = {unknown_bound(i): end for i, end in derivation.index_ranges.items()}
    if parsed.lhs is None:
        # A bare answer (``64``) answers the derivation's first result, its headline answer.
        key = next(iter(derivation.results))
        target = targets.get(key)
        return _check_result(derivation, key, {}, parsed, bounds, target, rtol=rtol, digits=digits, seed=seed)
    for key, target in targets.items():
        assignment = _bind(target, parsed.lhs)
        if assignment is not None:
            own = _result_context(context, derivation.results[key])
            if own is not context:  # read again as this result reads its names (y_n a number, not a vector)
                parsed, failed = _read(answer, own, "answer")
                if failed:
                    return failed
            verdict = _check_result(derivation, key, assignment, parsed, bounds, target, rtol=rtol, digits=digits,
                                    seed=seed)
            if verdict.verdict == "not_equivalent" and isinstance(target, DerivativeTarget):
                verdict = _wrong_index(derivation, key, target, assignment, parsed, bounds, verdict, seed) or verdict
            return verdict
    definition = _definition_named(derivation, parsed.sides[0].value)
    if definition is not None:
        problem_of = _problem_maker(derivation, None, bounds)
        claims = _claims_of_chain(parsed, definition)
        return _decide_claims(claims, problem_of, rtol=rtol, digits=digits, seed=seed)
    lhs = parsed.lhs.latex() if isinstance(parsed.lhs, DerivativeTarget) else _brief(parsed.sides[0].text)
    return undecided(f"the left side {lhs} names no result of {name}; its results are: {'; '.join(derivation.results)}")


def _result_context(context: Context, result) -> Context:
    """The context with the vectors dropped whose names a result uses as indexed numbers instead
    (gaussian-sse has the vector ``y_{n}`` and, in its scalar results, the numbers ``y_n``)."""
    bases = {indexed.base.label.name for indexed in result.atoms(sp.Indexed)} if isinstance(result, sp.Basic) else set()
    clashing = {name for name in context.matrices if name.split("_")[0] in bases and "_" in name}
    if not clashing:
        return context
    return dataclasses.replace(context, matrices={k: v for k, v in context.matrices.items() if k not in clashing})


def _definition_named(derivation, value):
    if isinstance(value, (sp.Symbol, sp.MatrixSymbol)) and value in derivation.definitions:
        return derivation.definitions[value]
    return None


def _problem_maker(derivation, key, bounds):
    # Earlier results may be used by name (∂L/∂h^{(3)} inside ∂L/∂W^{(2)}), but not the target itself.
    aliases = {sp.MatrixSymbol(k, *derivation.matrices[k]): v for k, v in derivation.results.items()
               if k in derivation.matrices and k != key}
    # so may named numbers it found (hessian-quadratic's \lambda_1 inside r_1 = \sqrt{2c/\lambda_1})
    aliases.update({sp.Symbol(k): v for k, v in derivation.results.items()
                    if k != key and isinstance(v, sp.Expr) and not v.free_symbols and v.is_number
                    and re.fullmatch(r"\\?[A-Za-z]+(?:_\{?[0-9A-Za-z]+\}?)?", k)})

    def make(claim: Claim) -> Problem:
        return Problem(claim.expected, claim.answer.xreplace(bounds) if isinstance(claim.answer, sp.Basic)
                       else claim.answer, dict(derivation.definitions), dict(derivation.sizes),
                       dict(derivation.index_ranges), aliases=aliases)

    return make


def _target_value(target, parsed: Parsed):
    if isinstance(target, DerivativeTarget):
        return parsed.sides[0].value if parsed.sides and parsed.sides[0].target is not None else None
    return target


def _check_result(derivation, key, assignment, parsed: Parsed, bounds, target, *, rtol, digits, seed) -> Verdict:
    expected = derivation.results[key].xreplace(assignment)
    restated = _target_value(target, parsed) if parsed.lhs is not None else (
        target if not isinstance(target, DerivativeTarget) else None)
    if _restates(parsed.expr, restated) and not _restates(expected, restated):
        return Verdict("not_equivalent", "not an answer: the last side only restates the target", "restates the target")
    if _asks_for_a_derivative(key) and _writes_a_derivative_operator(parsed.sides[-1].text if parsed.sides else ""):
        return Verdict("not_equivalent", "not an answer: the last side only writes the derivative asked for",
                       "restates the target")
    claims = _claims_of_chain(parsed, expected) if len(parsed.sides) > 2 else []
    claims.append(Claim(expected, parsed.expr, parsed.tolerance, "the answer"))
    return _decide_claims(claims, _problem_maker(derivation, key, bounds), rtol=rtol, digits=digits, seed=seed)


def _wrong_index(derivation, key, target, assignment, parsed, bounds, verdict, seed) -> Verdict | None:
    """When the answer is the result for other index values, say which."""
    if not isinstance(target.wrt, sp.Indexed) or not all(getattr(v, "is_Integer", False) for v in assignment.values()):
        return None
    indices = list(target.wrt.indices)
    values = [assignment.get(i, i) for i in indices]
    make = _problem_maker(derivation, key, bounds)
    for permuted in itertools.permutations(values):
        if list(permuted) == values:
            continue
        other = dict(zip(indices, permuted))
        claim = Claim(derivation.results[key].xreplace(other), parsed.expr, parsed.tolerance, "")
        if decide(make(claim), tolerance=parsed.tolerance, seed=seed).equivalent:
            from symdl.latex import to_latex

            where = to_latex(target.wrt.xreplace(other))
            return Verdict("not_equivalent", f"the answer is the result for {where}, not for "
                           f"{to_latex(target.wrt.xreplace(assignment))}", "wrong index", verdict.counterexample,
                           verdict.method)
    return None
