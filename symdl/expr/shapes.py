r"""The shapes of an expression's names: read from ``--shape`` or inferred, symbolic by default.

A name nobody declares takes the course convention: an upper-case letter (``X``, ``W^{(1)}``,
``\Sigma``) is a matrix, a lower-case Latin letter (``x``, ``w``, ``y_{1}``) a column vector, and a
lower-case Greek letter (``\lambda``) a scalar. Sizes are unknown symbols; the operations that
join names (products, sums, Hadamard products, trace, determinant, inverse) say which sizes are one
size, and those are unified (``X w - y``: ``X`` is m×n, ``w`` n×1, ``y`` m×1). The expression is
then read once more with those shapes, so that every decision of the reader is made with them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from symdl.errors import ParameterError, UnsupportedError

#: Letters given to unknown sizes, in order (a letter the expression uses as a name is skipped).
SIZE_LETTERS = ("n", "m", "p", "q", "k", "r", "s", "d", "l")
#: The concrete size each unknown size takes in the numeric checks (distinct, so that a
#: transposition error shows).
CHECK_SIZES = (3, 4, 2, 5, 6, 7, 8, 9, 10)

IDENTITY_NAMES = {"I", "I_{n}"}
_SPEC = re.compile(r"^\s*(\d+|[A-Za-z])\s*(?:[x×*]\s*(\d+|[A-Za-z]))?\s*$")
_UPPER_GREEK = {r"\Gamma", r"\Delta", r"\Theta", r"\Lambda", r"\Xi", r"\Pi", r"\Sigma", r"\Upsilon",
                r"\Phi", r"\Psi", r"\Omega"}


@dataclass(frozen=True)
class Shapes:
    """Each matrix name's shape (sizes are integers or size symbols), and the check sizes."""

    matrices: dict
    sizes: dict  # size symbol -> the integer the checks use

    def context(self):
        from symdl.parse import Context

        return Context(matrices=self.matrices)


def read_shape(name: str, spec: str):
    """``"3x4"``, ``"mxn"``, ``"n"`` (a column vector), ``"1"`` or ``"scalar"`` → (rows, cols)."""
    if spec.strip() == "scalar":
        return (1, 1)
    match = _SPEC.match(spec)
    if not match:
        raise ParameterError(f"shape of {name}: expected ROWSxCOLS (3x4, mxn), a length (n) or 'scalar', got {spec!r}")
    dims = [match.group(1), match.group(2) or "1"]
    out = []
    for dim in dims:
        if dim.isdigit():
            value = int(dim)
            if not 1 <= value <= 1000:
                raise ParameterError(f"shape of {name}: sizes must be from 1 to 1000")
            out.append(sp.Integer(value))
        elif re.fullmatch(r"[A-Za-z]", dim):
            out.append(sp.Symbol(dim, integer=True, positive=True))
        else:
            raise ParameterError(f"shape of {name}: a size is a number or one letter, got {dim!r}")
    return tuple(out)


def parse_shape_options(items) -> dict:
    """``["X=3x4", "w=n", "y=scalar"]`` → ``{"X": (3, 4), ...}`` (names in canonical form)."""
    from symdl.parse.objects import canonical_key

    found = {}
    for item in items or ():
        name, sep, spec = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"--shape {item!r}: expected NAME=ROWSxCOLS, e.g. X=3x4")
        found[canonical_key(name.strip())] = read_shape(name.strip(), spec)
    return found


def _transposed(text: str, name: str) -> bool:
    """Whether ``name`` is written transposed somewhere in ``text`` (``\\mu^T``, ``\\mu^{\\top}``)."""
    pattern = re.escape(name) + r"\s*\^\s*(\{\s*)?(T|\\top|\\intercal|\\mathsf\{T\})"
    return re.search(pattern, text) is not None


def kind_of(name: str) -> str:
    """"matrix", "vector" or "scalar" by the course convention for an undeclared name."""
    base = re.sub(r"^\\(hat|bar|tilde|vec)\{(.*)\}", r"\2", name)
    base = re.split(r"[_^']", base, maxsplit=1)[0]
    if base in _UPPER_GREEK or re.fullmatch(r"[A-Z]", base):
        return "matrix"
    if re.fullmatch(r"[a-z]", base):
        return "vector"
    return "scalar"


def names_in(text: str, given: dict) -> list[str]:
    """The names the expression uses, in order of first appearance.

    Read with every name a scalar (capital letters run together, ``AXBX``, read as matrices, which
    they are); a plain letter that reading cancelled (``a^T x / b^T x``) is added from the text.
    """
    from symdl.errors import ParseError
    from symdl.parse import Context, parse

    N = sp.Symbol("N", integer=True, positive=True)
    declared = {name: (N, N) for name, shape in given.items() if tuple(shape) != (1, 1)}
    for _ in range(8):
        try:
            expr = parse(text, Context(matrices=declared)).expr
            break
        except (ParseError, UnsupportedError) as error:
            word = re.search(r"'([A-Z]+)' reads as a word", str(error))
            if word:
                declared.update({letter: (N, N) for letter in word.group(1)})
                continue
            guessed = {letter: (N, N) if kind_of(letter) == "matrix" else (N, sp.S.One)
                       for letter in _plain_letters(text) if kind_of(letter) != "scalar" and letter not in declared}
            if not guessed:  # softmax(z) reads only with z a vector: read again with the letters' kinds
                raise
            declared.update(guessed)
    else:
        raise ParseError("too many capital letters run together; separate the matrices with spaces")
    found = []
    symbols = list(expr.free_symbols) + [sp.Symbol(name) for name in declared]
    for s in sorted(symbols, key=lambda s: text.find(s.name.split("_")[0].split("^")[0])):
        if isinstance(s, (sp.Symbol, sp.MatrixSymbol)) and not s.is_integer and s.name not in found and s.name != "N":
            found.append(s.name)
    for letter in _plain_letters(text):
        if letter not in found:
            found.append(letter)
    return found


def _plain_letters(text: str) -> list[str]:
    """Single letters standing as names in ``text``: not in a command, subscript or superscript."""
    stripped = re.sub(r"\\(operatorname|mathrm|text|textrm)\s*\{[^{}]*\}", " ", text)
    stripped = re.sub(r"\\[A-Za-z]+", " ", stripped)
    stripped = re.sub(r"[_^]\s*(\{[^{}]*\}|[A-Za-z0-9])", " ", stripped)
    letters = []
    for match in re.finditer(r"(?<![A-Za-z])[A-Za-z](?![A-Za-z(])", stripped):  # f(x) is a function
        letter = match.group(0)
        if letter not in letters and letter not in ("e", "d", "I"):
            letters.append(letter)
    return letters


def infer(text: str, given: dict, wrt: list[str]) -> Shapes:
    """The shapes of every name of ``text``: ``given`` (canonical name → (rows, cols)), else inferred."""
    from symdl.parse import Context, parse

    names = names_in(text, given)
    for name in wrt:
        if name not in names and name not in given:
            raise ParameterError(f"--wrt {name}: the expression has no name {name!r} (it has {', '.join(names) or 'none'})")
    declared = {}
    for name in names + [n for n in given if n not in names]:
        if name in given:
            shape = given[name]
        else:
            kind = kind_of(name)
            if kind == "scalar" and _transposed(text, name):  # \mu^T: a Greek vector
                kind = "vector"
            if kind == "scalar" or name in IDENTITY_NAMES:  # an undeclared I is the identity
                continue
            shape = ("?", "?") if kind == "matrix" else ("?", 1)
        if tuple(shape) != (1, 1):
            declared[name] = shape
    # Read once with every unknown size one size N: the reader accepts every product.
    N = sp.Symbol("N", integer=True, positive=True)
    first = {name: tuple(N if d == "?" else d for d in shape) for name, shape in declared.items()}
    loose = parse(text, Context(matrices=first)).expr
    unify = _Unifier(declared)
    unify.walk(loose)
    shapes = {name: tuple(unify.resolve(d) for d in unify.dims[name]) for name in declared}
    for name, shape in shapes.items():
        if name not in given and shape == (1, 1):
            raise UnsupportedError(f"shape mismatch: {name} would be a 1x1 matrix (a scalar added to a vector, or "
                                   f"a vector multiplied where a number stands); declare the shapes, e.g. "
                                   f"--shape '{name}=n' for a vector or --shape '{name}=scalar'")
    used = {str(s) for s in loose.free_symbols} | set(names)
    letters = iter([sp.Symbol(c, integer=True, positive=True) for c in SIZE_LETTERS if c not in used])
    rename = {}
    for name in [n for n in wrt if n in shapes] + list(shapes):
        for d in shapes[name]:
            if isinstance(d, sp.Dummy) and d not in rename:
                rename[d] = next(letters)
    shapes = {name: tuple(rename.get(d, d) for d in shape) for name, shape in shapes.items()}
    symbols = []
    for shape in shapes.values():
        symbols += [d for d in shape if isinstance(d, sp.Symbol) and d not in symbols]
    return Shapes(shapes, {s: CHECK_SIZES[k % len(CHECK_SIZES)] for k, s in enumerate(symbols)})


class _Unifier:
    """Union-find over sizes: each declared name's unknown sizes are new symbols, joined by the
    operations of the loosely read expression (where every unknown size was one N)."""

    def __init__(self, declared: dict):
        self.parent: dict = {}
        self.dims = {name: tuple(sp.Dummy(f"{name}{k}", integer=True, positive=True) if d == "?" else sp.sympify(d)
                                 for k, d in enumerate(shape))
                     for name, shape in declared.items()}

    def find(self, d):
        while d in self.parent:
            d = self.parent[d]
        return d

    def resolve(self, d):
        return self.find(d)

    def join(self, a, b, what: str):
        a, b = self.find(a), self.find(b)
        if a == b:
            return
        if a.is_Integer and b.is_Integer:
            raise UnsupportedError(f"shape mismatch: {what} needs sizes {a} and {b} to be equal")
        if a.is_Integer or (isinstance(b, sp.Dummy) and not isinstance(a, sp.Dummy)):
            a, b = b, a  # keep the number, or the size the user named
        self.parent[a] = b

    def walk(self, e):
        """The shape of ``e`` (None for a scalar), joining sizes on the way."""
        if isinstance(e, sp.MatrixSymbol):
            return self.dims.get(e.name, e.shape)
        if isinstance(e, (sp.Identity, sp.ZeroMatrix, sp.OneMatrix)):
            rows = sp.Dummy("i", integer=True, positive=True)
            return (rows, rows) if isinstance(e, sp.Identity) else (
                rows, sp.Dummy("j", integer=True, positive=True) if e.shape[0] != e.shape[1] else rows)
        if isinstance(e, sp.Lambda):
            return None
        if isinstance(e, ElementwiseApplyFunction):
            return self.walk(e.expr)
        shapes = [self.walk(a) for a in e.args] if isinstance(e, sp.Basic) else []
        name = type(e).__name__
        if isinstance(e, sp.MatMul):
            matrices = [s for s in shapes if s is not None]
            for left, right in zip(matrices, matrices[1:]):
                self.join(left[1], right[0], "a matrix product")
            return (matrices[0][0], matrices[-1][1]) if matrices else None
        if isinstance(e, (sp.MatAdd, sp.HadamardProduct)):
            matrices = [s for s in shapes if s is not None]
            for other in matrices[1:]:
                self.join(matrices[0][0], other[0], "a sum" if name == "MatAdd" else "a Hadamard product")
                self.join(matrices[0][1], other[1], "a sum" if name == "MatAdd" else "a Hadamard product")
            return matrices[0]
        if isinstance(e, (sp.Trace, sp.Determinant)):
            self.join(shapes[0][0], shapes[0][1], f"the {name.lower()}")
            return None
        if isinstance(e, sp.Inverse):
            self.join(shapes[0][0], shapes[0][1], "the inverse")
            return shapes[0]
        if isinstance(e, sp.Transpose):
            return (shapes[0][1], shapes[0][0])
        if isinstance(e, sp.MatPow):
            self.join(shapes[0][0], shapes[0][1], "a matrix power")
            return shapes[0]
        if isinstance(e, sp.HadamardPower):
            return shapes[0]
        if name == "DiagMatrix":
            self.join(shapes[0][1], sp.S.One, "diag of a vector")
            return (shapes[0][0], shapes[0][0])
        if name == "DiagonalOf":
            self.join(shapes[0][0], shapes[0][1], "the diagonal")
            return (shapes[0][0], sp.S.One)
        if name == "scalar":
            self.join(shapes[0][0], sp.S.One, "a 1x1 product")
            self.join(shapes[0][1], sp.S.One, "a 1x1 product")
            return None
        if getattr(e, "is_Matrix", False) and any(s is not None for s in shapes):
            return next(s for s in shapes if s is not None)
        return None
