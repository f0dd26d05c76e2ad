"""Assignment files: the TOML format, expression questions and errors that name question and field."""

import dataclasses

import pytest
import sympy as sp

from symdl.cli import main
from symdl.export import assignment
from symdl.export.assignment import AssignmentError, expression_derivation
from symdl.verify import verify


def test_the_example_is_built_in():
    assert "example-assignment" in assignment.builtin_names()
    sheet = assignment.load(assignment.find("example-assignment"))
    assert sheet.title.startswith("Example sheet") and len(sheet.questions) >= 5
    kinds = {q.derivation or "expression" for q in sheet.questions}
    assert {"residual-block", "tanh-sigmoid", "hessian-quadratic", "expression"} <= kinds
    for question in sheet.questions:
        derivation, recipe = assignment.build_question(question)
        assert all(r.passed for r in verify(derivation)), question.title


def test_params_read_like_the_command_line():
    sheet_question = assignment._question("f.toml", 1, {"title": "t", "derivation": "hessian-quadratic",
                                                         "params": {"H": "[[4,1],[1,3]]", "D": 2}})
    assert sheet_question.params == {"H": [[4, 1], [1, 3]], "D": 2}
    derivation, recipe = assignment.build_question(sheet_question)
    assert derivation.params["H"] == [[4, 1], [1, 3]] and recipe.params["H"] == [[4, 1], [1, 3]]


def test_expression_question_steps_and_check():
    d = expression_derivation("(D+1) M + (M+1) K", {"D": 784, "M": 100, "K": 10}, title="Weights")
    assert d.title == "Weights" and list(d.results.values()) == [sp.Integer(79510)]
    assert [s.rule for s in d.steps] == ["substitute $D = 784$, $M = 100$, $K = 10$", "evaluate exactly"]
    assert d.steps[0].lhs == "(D+1) M + (M+1) K"  # as written
    results = verify(d)
    assert len(results) == 1 and results[0].passed and results[0].method == "floating-point evaluation (NumPy)"


def test_expression_with_a_decimal_value():
    d = expression_derivation(r"-\log \frac{e^{z_1}}{e^{z_1} + e^{z_2}}", {"z_1": 2.0, "z_2": "1.0"})
    assert d.steps[-1].relation == r"\approx" and abs(float(d.steps[-1].rhs) - 0.31326169) < 1e-8
    assert all(r.passed for r in verify(d))


def test_the_check_is_independent_of_the_exact_value():
    d = expression_derivation("(D+1) M", {"D": 2, "M": 3})
    wrong = dataclasses.replace(d, steps=tuple(dataclasses.replace(s, rhs=sp.Integer(10)) if s.check else s
                                               for s in d.steps))
    results = verify(wrong)
    assert results and not any(r.passed for r in results)


def test_negative_and_fractional_data_are_shown_as_given():
    d = expression_derivation(r"\sqrt{2} x + y", {"x": -0.5, "y": "-3"})
    assert d.steps[0].rule == "substitute $x = -0.5$, $y = -3$"
    assert r"\left(-0.5\right)" in d.steps[0].rhs
    assert all(r.passed for r in verify(d))


@pytest.mark.parametrize("expression, given, message", [
    ("(D+1) M", {"D": 1}, "field 'given': no value for M"),
    ("D", {"D": 1, "Q": 2}, "field 'given': Q does not appear in the expression"),
    (r"\frac{1}{x}", {"x": 0}, "field 'expression': is not a finite real number"),
    ("x +", {}, "field 'expression': parse_error"),
    ("x", {"x": "abc"}, "field 'given': the value of x must be a number"),
    (r"\sqrt{x}", {"x": -1}, "not a finite real number"),
])
def test_expression_errors(expression, given, message):
    with pytest.raises(AssignmentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        expression_derivation(expression, given)


SHEETS = {
    "not toml": ("title = ", "not valid TOML"),
    "no title": ("[[question]]\ntitle = 'a'\nderivation = 'residual-block'\n", "field 'title'"),
    "unknown top": ("title = 't'\nauthors = 'x'\n[[question]]\ntitle = 'a'\nderivation = 'residual-block'\n",
                    "unknown field 'authors'"),
    "no questions": ("title = 't'\n", "no questions"),
    "both kinds": ("title = 't'\n[[question]]\ntitle = 'a'\nderivation = 'residual-block'\nexpression = 'x'\n",
                   "question 1: give exactly one of 'derivation' or 'expression'"),
    "neither": ("title = 't'\n[[question]]\ntitle = 'a'\n", "question 1: give exactly one of"),
    "unknown question key": ("title = 't'\n[[question]]\ntitle = 'a'\nderivation = 'residual-block'\nparam = 1\n",
                             "question 1: unknown field 'param'"),
    "question title": ("title = 't'\n[[question]]\nderivation = 'residual-block'\n", "question 1: field 'title'"),
    "unknown derivation": ("title = 't'\n[[question]]\ntitle = 'a'\nderivation = 'residual-block'\n"
                           "[[question]]\ntitle = 'b'\nderivation = 'nope'\n",
                           "question 2: field 'derivation': unknown derivation 'nope'"),
    "bad params": ("title = 't'\n[[question]]\ntitle = 'a'\nderivation = 'residual-block'\nparams = { n = 0 }\n",
                   "question 1: field 'params': parameter n must be between 1"),
    "unknown param": ("title = 't'\n[[question]]\ntitle = 'a'\nderivation = 'residual-block'\nparams = { k = 1 }\n",
                      "question 1: field 'params': unknown parameter 'k'"),
    "params not a table": ("title = 't'\n[[question]]\ntitle = 'a'\nderivation = 'residual-block'\nparams = 3\n",
                           "question 1: field 'params': must be a table"),
    "given on derivation": ("title = 't'\n[[question]]\ntitle = 'a'\nderivation = 'residual-block'\n"
                            "given = { x = 1 }\n", "question 1: field 'given': belongs to expression questions"),
    "params on expression": ("title = 't'\n[[question]]\ntitle = 'a'\nexpression = 'x'\nparams = { x = 1 }\n",
                             "question 1: field 'params': belongs to derivation questions"),
    "bad given value": ("title = 't'\n[[question]]\ntitle = 'a'\nexpression = 'x'\ngiven = { x = [1, 2] }\n",
                        "question 1: field 'given': the value of x must be a number"),
    "bad expression": ("title = 't'\n[[question]]\ntitle = 'a'\nexpression = '\\\\frac{1}{'\n",
                       "question 1: field 'expression'"),
}


@pytest.mark.parametrize("case", list(SHEETS))
def test_bad_sheets_name_question_and_field(capsys, tmp_path, case):
    text, message = SHEETS[case]
    sheet = tmp_path / "sheet.toml"
    sheet.write_text(text)
    code = main(["export", str(sheet), "-o", str(tmp_path / "out.md")])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err, err
    assert str(sheet) in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.toml"]
