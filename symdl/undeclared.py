r"""Names whose shape nobody declared: read as numbers, they may agree where the matrices and vectors
their notation suggests do not.

Without ``--shape`` every name is a number, so ``(W^{(2)})^{T}\delta`` equals ``W^{(2)}\delta`` and
``\|x\|_1`` equals ``\|x\|_2``. When the notation says otherwise (a transpose, ``\odot``, a norm, a
trace or determinant, a derivative by a capital, bold letters), an "equivalent" found with numbers
is checked again with the shapes the course convention infers from the expected result (capitals are
matrices, lower-case Latin letters column vectors, sizes unified by the operations), at two sets of
sizes of different parity. A claim that fails there is "undecided", never "equivalent".
"""

from __future__ import annotations

import re

import sympy as sp

from symdl.decide import Verdict, undecided
from symdl.errors import SymdlError

#: Notation that only means something for matrices and vectors.
SIGNAL = re.compile(
    r"\\det\b|\\(?:operatorname|mathrm|text|rm)\s*\{\s*(?:tr|Tr|trace|det|diag|logdet|rank|vec)\s*\}"
    r"|\\frac\s*\{\s*\\partial[^{}]*\}\s*\{\s*\\partial\s*(?:\\mathbf\s*\{\s*|\\boldsymbol\s*\{\s*)?[A-Z]"
    # a transpose however it is set: ^T, ^{T}, ^{\top}, ^{\mathrm{T}}, ^{\text{T}}, ^{\!\top}, ^{-T}
    r"|\^\s*\{?(?:\s|\\[!,;:])*-?\s*(?:T\b|\\top|\\intercal|\\(?:mathsf|mathrm|text|rm|mathit)\s*\{\s*T\s*\})"
    r"|\\\||\\otimes|\\odot|\\circ|\\mathbf\s*\{|\\boldsymbol\s*\{|\\bm\s*\{"
    # a capital beside a lower-case name or a Greek letter, either way round (W x, H^{-1}g, W\delta);
    # not d (dL) or e (Euler's number)
    r"|(?<![\\A-Za-z])[A-Z](?:\s*[_^]\s*(?:\{[^{}]*\}|\w))*\s*(?:[abcf-hk-z]|\\[a-z]+)(?![A-Za-z])"
    r"|(?<![\\A-Za-z])(?:[abcf-hk-z]|\\(?:alpha|beta|gamma|delta|epsilon|mu|nu|xi|rho|tau|phi|psi|omega|theta|eta"
    r"|zeta|chi))(?:\s*[_^]\s*(?:\{[^{}]*\}|\w))*\s*[A-Z](?![A-Za-z])")


def has_matrix_notation(texts) -> bool:
    return any(SIGNAL.search(text) for text in texts if isinstance(text, str))


_LAYER_GREEK = re.compile(r"\\(alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|mu|nu|xi|pi|rho|sigma|tau|phi"
                          r"|varphi|chi|psi|omega)\s*\^\s*\{\s*[(\[]")


_GREEK_BY_HADAMARD = re.compile(r"\\(alpha|beta|gamma|delta|epsilon|mu|nu|xi|rho|tau|phi|psi|omega|theta|eta|zeta)"
                                r"(?:\s*[_^]\s*(?:\{[^{}]*\}|\w))*\s*(?=\\odot)|(?<=\\odot)\s*\\(alpha|beta|gamma|delta"
                                r"|epsilon|mu|nu|xi|rho|tau|phi|psi|omega|theta|eta|zeta)")


def _greek_vectors(text: str) -> dict:
    """Lower-case Greek names with a layer index (\\delta^{(l)}, \\mu^{[2]}) are vectors in course notation,
    not the scalars a bare Greek letter is."""
    from symdl.expr.shapes import names_in

    hadamard = {g for pair in _GREEK_BY_HADAMARD.findall(text) for g in pair if g}
    if not _LAYER_GREEK.search(text) and not hadamard and "\\delta" not in text:
        return {}
    try:
        names = names_in(text, {})
    except (SymdlError, ValueError, TypeError, RecursionError):
        return {}
    # \delta is backprop's error vector; a Greek letter in a Hadamard product (\gamma\odot\hat{x}) a vector
    return {name: ("?", 1) for name in names
            if (re.match(r"\\[a-z]+\^\{[(\[]", name) or re.match(r"\\delta(?![a-z])", name)
                or any(re.match(rf"\\{g}(?![a-z])", name) for g in hadamard))
            and not name.startswith("\\sigma'")}


def inferred_shapes(text: str, declared: dict, scalars=()) -> dict | None:
    """Concrete shapes for the undeclared non-scalar names of ``text`` by the course convention, at two
    sets of sizes; None when the notation gives none or they cannot be inferred. ``scalars`` are names
    the text itself shows to be numbers (a sum's bound N)."""
    from symdl.expr.shapes import infer

    try:
        shapes = infer(text, {**_greek_vectors(text), **{name: (1, 1) for name in scalars}}, [])
    except (SymdlError, sp.ShapeError, ValueError, TypeError, AttributeError, RecursionError):
        return None
    found = {name: shape for name, shape in shapes.matrices.items() if name not in declared}
    if not found:
        return None
    variants = []
    for shift in (0, 1):  # sizes of both parities: \det(-A) = -\det A holds for odd sizes only
        sizes = {symbol: value + shift for symbol, value in shapes.sizes.items()}
        try:
            variants.append({name: tuple(int(sp.sympify(d).xreplace(sizes)) for d in shape)
                             for name, shape in found.items()})
        except (TypeError, ValueError):
            return None
    return {"variants": variants, "names": sorted(found)}


HELD = "held"  # check_as_matrices: the claim holds with the inferred shapes too


def check_as_matrices(texts: list, declared: dict, rerun, scalars=()):
    """"undecided" (a Verdict) when an "equivalent" found with numbers fails with the inferred shapes,
    ``HELD`` when it holds there too, None when the notation gives no shapes. ``rerun(shapes)`` checks
    again with ``shapes``."""
    reading = read_as_matrices(texts, declared, rerun, scalars)
    if reading is None:
        return None
    shapes, verdict = reading
    if verdict.verdict != "equivalent":
        return undecided(f"equal if the names are numbers, but not as the shapes the notation suggests "
                         f"({shown(shapes)}): declare the shapes with --shape to decide")
    return HELD


def read_as_matrices(texts: list, declared: dict, rerun, scalars=()):
    """(shapes, verdict) of the claim read with the shapes the notation suggests: the first variant's
    shapes, and its verdict, or the first one that is not "equivalent"; None when the notation gives
    no shapes."""
    if not has_matrix_notation(texts):
        return None
    inferred = inferred_shapes(texts[0], declared, scalars) or inferred_shapes(texts[1], declared, scalars)
    if inferred is None:
        return None
    first = None
    for shapes in inferred["variants"]:
        try:
            verdict = rerun(shapes)
        except SymdlError as exc:
            verdict = undecided(str(exc))
        first = first or (shapes, verdict)
        if verdict.verdict != "equivalent":
            return shapes, verdict
    return first


def shown(shapes: dict) -> str:
    return ", ".join(f"{name} {r}×{c}" for name, (r, c) in shapes.items())


__all__ = ["HELD", "SIGNAL", "has_matrix_notation", "inferred_shapes", "check_as_matrices", "read_as_matrices", "shown"]
