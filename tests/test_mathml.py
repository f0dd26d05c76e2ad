"""MathML as Chromium shows it well (issue 14, item 7): ``\\left(`` rendered as a spaced ``σ ( a )``,
primes floated (``tanh′``), unary minus was spaced ``( − 1.3 )``, and matrix brackets looked dashed."""

import xml.etree.ElementTree as ET

from symdl.export.mathml import to_mathml

M = "{http://www.w3.org/1998/Math/MathML}"


def tree(tex):
    return ET.fromstring(to_mathml(tex))


def test_fences_around_a_line_do_not_stretch():
    fences = [mo for mo in tree(r"\sigma\left(a\right)").iter(M + "mo") if mo.get("fence") == "true"]
    assert len(fences) == 2 and all(mo.get("stretchy") == "false" for mo in fences)


def test_fences_around_a_fraction_still_stretch():
    fences = [mo for mo in tree(r"\left(\frac{1}{x}\right)").iter(M + "mo") if mo.get("fence") == "true"]
    assert fences and all(mo.get("stretchy") == "true" for mo in fences)


def test_a_prime_follows_its_base():
    root = tree(r"\tanh'(a) + \sigma'\left(a\right)")
    assert not [s for s in root.iter(M + "msup") if "′" in "".join(s.itertext())]
    primes = [mo for mo in root.iter(M + "mo") if mo.text == "′"]
    assert len(primes) == 2 and all(mo.get("lspace") == mo.get("rspace") == "0" for mo in primes)


def test_a_sign_binds_to_its_operand():
    root = tree(r"\left(-1.3\right) - 2 \cdot \left(-e^{-a}\right)")
    minus = [mo for mo in root.iter(M + "mo") if mo.text == "−"]
    assert [mo.get("form") for mo in minus] == ["prefix", None, "prefix", "prefix"]  # the last in e^{-a}


def test_names_and_slashes_are_not_spaced_as_operators():
    root = tree(r"\operatorname{ReLU}\left(h\right) = \max\left(0, h\right) + 1/2")
    assert {mi.text for mi in root.iter(M + "mi")} >= {"ReLU", "max"}
    (slash,) = [mo for mo in root.iter(M + "mo") if mo.text == "/"]
    assert slash.get("lspace") == slash.get("rspace") == "0"


def test_matrix_brackets_are_drawn_whole():
    from symdl.export.mathml import BRACKET_STYLE, HIDDEN_STYLE

    root = tree(r"\begin{bmatrix}0.1 & -0.5 \\ 0.3 & 0.2 \\ 0.4 & -0.1\end{bmatrix}")
    (table,) = root.iter(M + "mtable")
    assert table.get("style") == BRACKET_STYLE
    brackets = [mo for mo in root.iter(M + "mo") if mo.text in "[]"]
    assert len(brackets) == 2 and all(mo.get("style") == HIDDEN_STYLE and mo.get("stretchy") == "false"
                                      for mo in brackets)


def test_the_page_asks_for_a_math_font():
    from symdl.export.html import STYLE

    assert 'math { font-family: "Latin Modern Math"' in STYLE
