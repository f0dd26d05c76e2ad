"""Why two expressions differ: the most specific reason the evidence supports, and a counterexample.

Diagnoses: shape mismatch, transposed, domain mismatch, sign flipped, off by a constant factor,
equal only up to a constant, differs by an additive term (shown when it is short).
"""

from __future__ import annotations

import dataclasses

import sympy as sp

from symdl.decide.compare import (
    DIFFERENT, EQUAL, Evidence, _sample, _where, describe_point, float_of, gather,
)
from symdl.decide.precision import start_digits
from symdl.decide.verdict import Problem, Verdict

FEW_DIGITS = 10 ** 80  # how closely a ratio or gap must repeat to name it (values carry ≥ 100 digits)


def diagnose(problem: Problem, evidence: Evidence, seed: int) -> Verdict:
    method = "exact points" if evidence.samples and all(s.exact for s in evidence.samples) else "high-precision points"
    if evidence.shapes is not None:
        return _shape_verdict(problem, evidence, seed)
    if evidence.undefined_answer is not None:
        where = evidence.undefined_answer.where
        return Verdict("not_equivalent", f"the answer has no real value at {_where(where)}, where the expected "
                       "result has one", "domain mismatch", {"point": describe_point(where)}, method)
    different = evidence.different
    example = counterexample(different)
    diagnosis, detail = _reason(problem, evidence, seed)
    return Verdict("not_equivalent", detail, diagnosis, example, method)


def counterexample(sample) -> dict:
    expected = [float_of(v) for v in sample.expected]
    answer = [float_of(v) for v in sample.answer]
    differing = [k for k, (e, a) in enumerate(zip(sample.expected, sample.answer)) if e != a]
    example = {"point": describe_point(sample.where),
               "expected": expected[0] if len(expected) == 1 else expected[:16],
               "answer": answer[0] if len(answer) == 1 else answer[:16]}
    if len(expected) > 1:
        example["differing_entries"] = differing[:16]
    return example


def _shape_verdict(problem: Problem, evidence: Evidence, seed: int) -> Verdict:
    shape_e, shape_a = evidence.shapes
    if shape_e == "?":
        return Verdict("not_equivalent", f"shape mismatch: {shape_a}", "shape mismatch", None, "shapes")
    if tuple(reversed(shape_e)) == tuple(shape_a):
        again = _transposed_evidence(problem, seed)
        if again is not None:
            return Verdict("not_equivalent", "the answer is the transpose of the expected result", "transposed",
                           _transposed_example(again.samples[0], shape_e, shape_a), "shapes")
    return Verdict("not_equivalent", f"shape mismatch: expected {_shape(shape_e)}, the answer is {_shape(shape_a)}",
                   "shape mismatch", None, "shapes")


def _shape(shape) -> str:
    return "x".join(map(str, shape))


def _transposed_evidence(problem: Problem, seed: int) -> Evidence | None:
    """The evidence that the answer's transpose equals the expected result, or None."""
    if not getattr(problem.answer, "is_Matrix", False):
        return None
    again = gather(dataclasses.replace(problem, answer=problem.answer.T), seed, None)
    if again.samples and all(s.outcome == EQUAL for s in again.samples) and again.shapes is None:
        return again
    return None


def _equal_transposed(problem: Problem, seed: int) -> bool:
    return _transposed_evidence(problem, seed) is not None


def _transposed_example(sample, shape_e, shape_a) -> dict:
    """A counterexample showing the answer as written: its entries in its own shape."""
    rows, cols = shape_e
    written = [sample.answer[i * cols + j] for j in range(cols) for i in range(rows)]  # the transpose back
    return {"point": describe_point(sample.where), "expected": [float_of(v) for v in sample.expected][:16],
            "answer": [float_of(v) for v in written][:16], "expected_shape": list(shape_e),
            "answer_shape": list(shape_a)}


def _reason(problem: Problem, evidence: Evidence, seed: int) -> tuple[str | None, str]:
    samples = _more_samples(problem, evidence, seed)
    pairs = [(_real(e), _real(a)) for s in samples for e, a in zip(s.expected, s.answer)]
    if pairs and all(_close(a, -e) for e, a in pairs) and any(e != 0 for e, _ in pairs):
        return "sign flipped", "the answer is the negative of the expected result"
    is_square = getattr(problem.expected, "is_Matrix", False) and problem.expected.shape[0] == problem.expected.shape[1]
    if is_square and _equal_transposed(problem, seed):
        return "transposed", "the answer is the transpose of the expected result"
    nonzero = [(e, a) for e, a in pairs if e != 0]
    if nonzero and all(_close(a, 0 * a) for e, a in pairs if e == 0):
        ratio = nonzero[0][1] / nonzero[0][0]
        if ratio != 0 and not _close(ratio, 1 + 0 * ratio) and all(_close(a / e, ratio) for e, a in nonzero):
            label = _name(ratio)
            return f"off by a constant factor {label}", f"the answer is {label} times the expected result"
    gaps = [a - e for e, a in pairs]
    if len(samples) > 1 and gaps and all(_close(g, gaps[0]) for g in gaps):
        label = _name(gaps[0])
        return "equal only up to a constant", f"the answer exceeds the expected result by the constant {label}"
    term = additive_term(problem)
    if term is not None:
        return "differs by an additive term", f"answer − expected = {term}"
    return None, f"the values differ at {_where(evidence.different.where)}"


def _more_samples(problem, evidence, seed) -> list:
    """The differing sample and a few more points, to tell a constant factor from a coincidence."""
    samples = [s for s in evidence.samples if s.outcome in (EQUAL, DIFFERENT)][-1:]
    first = evidence.different
    start = start_digits(problem.expected, problem.answer)
    from symdl.decide.points import points

    for point in points(seed + 1, dict(first.where["point"].sizes), 4, problem.spd):
        sample = _sample(problem, point, first.where["indices"], start, None, [True], seed, Evidence())
        if hasattr(sample, "expected"):
            samples.append(sample)
    return samples


def _real(value):
    """One kind of number for comparing: exact fractions as 120-digit mpmath numbers."""
    from fractions import Fraction

    from symdl.decide.precision import precise

    return precise(120).number(Fraction(value)) if isinstance(value, (int, Fraction)) else value


def _close(x, y) -> bool:
    if x == y:
        return True
    scale = max(abs(x), abs(y))
    return abs(x - y) * FEW_DIGITS <= scale


def _name(value) -> str:
    """A small rational for a number (2, 1/2, -3/4), else its decimal (``1 + 1e-60`` near 1)."""
    for denominator in (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 100):
        numerator = round(float_of(value) * denominator)
        if numerator and _close(value * denominator, numerator):
            return str(sp.Rational(numerator, denominator))
    near = round(float_of(value))
    if near and abs(float_of(value - near)) < 1e-6:
        return f"{near} {'+' if value > near else '-'} {_decimal(abs(value - near))}"
    return _decimal(value)


def _decimal(value) -> str:
    """Six significant digits, however small or large (a float would show 1e-434 as 0)."""
    if hasattr(value, "_mpf_"):
        import mpmath

        return mpmath.nstr(mpmath.mpf(value), 6)  # at 15 digits: a long mantissa would not print
    return f"{float(value):.6g}"


def additive_term(problem: Problem) -> str | None:
    """LaTeX of ``answer − expected`` when it comes out shorter than either side."""
    from symdl.latex import to_latex

    from symdl.decide.prove import written_out

    try:
        expected, answer = written_out(problem.expected, problem.aliases), written_out(problem.answer, problem.aliases)
        difference = answer - expected
        difference = difference.doit() if getattr(difference, "is_Matrix", False) else sp.expand(difference)
    except Exception:  # noqa: BLE001 - a failed extra probe only means no such diagnosis
        return None
    size = sp.count_ops(difference)
    if difference == 0 or (size > 2 and size >= min(sp.count_ops(expected), sp.count_ops(answer))):
        return None
    return to_latex(difference)
