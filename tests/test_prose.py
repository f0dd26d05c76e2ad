"""The words around the math (issue 14, items 2 and 12): variables and formulas are math in every
statement, assumption, rule, heading and caption; no rule is a bare formula; what a step says it shows."""

import re

import pytest
import sympy as sp

from symdl import registry
from symdl.export.assignment import builtin_names, find, load
from symdl.export.prose import split_math

NAMES = registry.names()
# Outside $…$: an equation, a script, an ASCII ellipsis, a one-letter variable in an operation, or a
# one-letter name standing alone (not the words "a", "A", "I", nor "e.g." or "D.1").
ASCII_MATH = re.compile(r"=|\^|_|\.\.\.|\b[a-zA-Z]\b\s*[<>≤≥+*/-]\s*\w|(?<![\w'.\-])[b-zB-HJ-Z](?![\w'.\-])")


@pytest.fixture(scope="module")
def built():
    return {name: registry.build(name) for name in NAMES}


def prose(derivation):
    yield "statement", derivation.statement
    yield "title", derivation.title
    for assumption in derivation.assumptions:
        yield "assumption", assumption
    for k, step in enumerate(derivation.steps, start=1):
        yield f"rule ({k})", step.rule
        yield f"note ({k})", step.note


@pytest.mark.parametrize("name", NAMES)
def test_math_in_prose_is_written_as_math(built, name):
    found = [(where, chunk) for where, text in prose(built[name])
             for is_math, chunk in split_math(text) if not is_math and ASCII_MATH.search(chunk)]
    assert not found, found[:3]


@pytest.mark.parametrize("name", NAMES)
def test_no_rule_is_a_bare_formula(built, name):
    """A rule that is only a formula reads as a second equation beside the step's."""
    for k, step in enumerate(built[name].steps, start=1):
        words = "".join(chunk for is_math, chunk in split_math(step.rule) if not is_math)
        assert re.search(r"[A-Za-z]{2,}", words), f"rule ({k}) of {name} is a bare formula: {step.rule}"


@pytest.mark.parametrize("sheet", builtin_names())
def test_headings_write_their_math_as_math(sheet):
    for question in load(find(sheet)).questions:
        words = "".join(chunk for is_math, chunk in split_math(question.title) if not is_math)
        assert not re.search(r"\^|_|=|\b(sigma|lambda|sqrt)\b|'\(|\d+x\d+", words), question.title


def test_the_contour_step_shows_that_it_is_one(built):
    """hessian-quadratic said 'this is 1' on the contour but showed no '= 1'."""
    steps = built["hessian-quadratic"].steps
    assert any(step.rhs == sp.S.One and "contour" in step.rule for step in steps)
    assert not any("this is $1$" in step.rule for step in steps)
