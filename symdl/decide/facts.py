r"""The facts a working may rest on (``assume``), read and honoured when points are drawn.

- inequalities: ``\sigma > 0``, ``\gamma \geq 0``, ``0 < y_n < 1`` (values drawn inside);
- matrix properties: ``H^{T} = H``, ``\Sigma \text{ symmetric positive definite}``;
- eigen-relations: ``Hu_i = \lambda_iu_i`` and ``u_i^{T}u_j = \delta_{ij}``: every point then draws an
  exactly orthogonal rational ``U`` (a Cayley transform), eigenvalues ``λ_i`` and ``H = UΛUᵀ``;
- definitions: ``\mu_z = \frac{1}{n}\sum_{i=1}^{n}z_i``, ``w - w^{*} = \sum_{i}\alpha_iu_i``,
  ``D = 2`` (a name alone on one side, or with other terms that move across).

A fact symdl cannot honour is kept as text in ``unhonoured``: steps that fail and mention its
names are then "undecided", never wrong by a guess.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import re
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from symdl.decide.points import Bound
from symdl.errors import SymdlError

_WORDS = re.compile(r"\\(?:text|textrm|mathrm|operatorname)\{([^}]*)\}")


@dataclass
class Facts:
    positive: set = field(default_factory=set)  # (name, whether it is an indexed family)
    bounds: dict = field(default_factory=dict)  # name -> Bound(low, high, low_closed, high_closed)
    symmetric: set = field(default_factory=set)
    spd: set = field(default_factory=set)
    definitions: dict = field(default_factory=dict)
    sizes: dict = field(default_factory=dict)
    models: list = field(default_factory=list)
    unhonoured: list = field(default_factory=list)
    names_of_unhonoured: set = field(default_factory=set)
    # eigen data gathered before the model is built
    _eigen: dict = field(default_factory=dict)
    _orthonormal: set = field(default_factory=set)


def read_facts(texts, context, parse) -> Facts:
    """Read each fact with ``parse`` in ``context``; what cannot be read or honoured is listed."""
    facts = Facts()
    for text in texts or ():
        text = str(text).strip().strip("$").strip()
        if not text:
            continue
        try:
            honoured = _read_one(text, context, parse, facts)
        except (SymdlError, ValueError, TypeError, AttributeError, IndexError):
            honoured = False
        if not honoured:
            facts.unhonoured.append(text)
            facts.names_of_unhonoured |= set(re.findall(r"\\?[A-Za-z]+", text))
    _build_models(facts, context)
    return facts


def _read_one(text: str, context, parse, facts: Facts) -> bool:
    words = " ".join(_WORDS.findall(text)).lower()
    if words:
        return _property(text, words, context, parse, facts)
    from symdl.parse.working import read_working

    lines = read_working(text)
    if len(lines) != 1:
        return False
    sides = lines[0].sides
    relations = [side.relation for side in sides[1:]]
    values = [parse(side.text, context).expr for side in sides]
    if relations and all(r in ("<", ">", r"\le", r"\ge") for r in relations):
        return _inequality(values, relations, facts)
    if relations == ["="]:
        return _equation(values[0], values[1], facts)
    return False


def _property(text, words, context, parse, facts) -> bool:
    head = _WORDS.split(text)[0].strip()
    if not head:
        return False
    name = _name_of(parse(head, context).expr)
    if name is None:
        return False
    matched = False
    if "positive definite" in words:
        facts.spd.add(name)
        matched = True
    elif "symmetric" in words:
        facts.symmetric.add(name)
        matched = True
    if "eigen" in words:
        pair = re.search(r"\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)\s*$", text)
        if pair is None:
            return False
        values, vectors = (parse(part, context).expr for part in pair.groups())
        facts._eigen[name] = (_family(values), _family(vectors))
        matched = True
    return matched


def _name_of(expr):
    if isinstance(expr, (sp.Symbol, sp.MatrixSymbol)):
        return expr.name
    if isinstance(expr, sp.Indexed):
        return expr.base.label.name
    return None


def _family(expr):
    """The family a member names: ``u_i`` (a vector ``u_{i}``) → ``u``; ``\\lambda_i`` → ``\\lambda``."""
    if isinstance(expr, sp.Indexed):
        return expr.base.label.name
    name = getattr(expr, "name", "")
    return name.split("_{")[0] if "_{" in name else name


def _inequality(values, relations, facts: Facts) -> bool:
    low = high = None
    low_closed = high_closed = False
    name = subject = None
    for k, value in enumerate(values):
        if value.is_number:
            continue
        if name is not None:
            return False
        name, subject = _name_of(value), value
        if name is None:
            return False
        for neighbour, relation, after in ((k - 1, relations[k - 1] if k else None, False),
                                           (k + 1, relations[k] if k < len(relations) else None, True)):
            if relation is None or not (0 <= neighbour < len(values)) or not values[neighbour].is_number:
                continue
            number = Fraction(*map(int, sp.Rational(values[neighbour]).as_numer_denom()))
            closed = relation in (r"\le", r"\ge")
            above = (relation in (">", r"\ge")) == after  # the name is above the number
            if above and (low is None or number > low or (number == low and not closed)):
                low, low_closed = number, closed
            elif not above and (high is None or number < high or (number == high and not closed)):
                high, high_closed = number, closed
    if name is None or (low is None and high is None):
        return False
    if low is not None and (low > 0 or (low == 0 and not low_closed)):
        facts.positive.add((name, isinstance(subject, sp.Indexed)))  # x >= 0 lets x be 0: not positive
    facts.bounds[name] = Bound(low, high, low_closed, high_closed)
    return True


def _equation(left, right, facts: Facts) -> bool:
    if isinstance(left, sp.Transpose) and left.arg == right and isinstance(right, sp.MatrixSymbol):
        facts.symmetric.add(right.name)
        return True
    eigen = _eigen_relation(left, right)
    if eigen is not None:
        matrix, values, vectors = eigen
        facts._eigen[matrix] = (values, vectors)
        return True
    if _orthonormal(left, right, facts):
        return True
    return _definition(left, right, facts)


def _eigen_relation(left, right):
    """``H u_i = λ_i u_i`` → (H, λ, u)."""
    if not (isinstance(left, sp.MatMul) and len(left.args) == 2):
        return None
    matrix, vector = left.args
    if not isinstance(matrix, sp.MatrixSymbol) or not isinstance(vector, sp.MatrixSymbol):
        return None
    scalars = [a for a in getattr(right, "args", ()) if not getattr(a, "is_Matrix", False)]
    if vector not in getattr(right, "args", ()) or len(scalars) != 1:
        return None
    return matrix.name, _family(scalars[0]), _family(vector)


def _orthonormal(left, right, facts: Facts) -> bool:
    """``u_i^T u_j = δ_ij``."""
    if not isinstance(right, sp.KroneckerDelta):
        return False
    inner = left.args[0] if hasattr(left, "func") and left.func.__name__ == "scalar" else left
    if not (isinstance(inner, sp.MatMul) and len(inner.args) == 2 and isinstance(inner.args[0], sp.Transpose)):
        return False
    facts._orthonormal.add(_family(inner.args[1]))
    return True


def _as_matrix_sum(expr):
    """SymPy's ``Sum`` of a matrix body as symdl's ``MatrixSum``, so it can stand in matrix algebra."""
    from symdl.calculus import MatrixSum

    if isinstance(expr, sp.Sum) and getattr(expr.function, "is_Matrix", False):
        return MatrixSum(expr.function, *expr.limits)
    return expr


def _definition(left, right, facts: Facts) -> bool:
    """A name defined by the other side, moving other terms across when the name stands with them."""
    right = _as_matrix_sum(right)
    name = left
    if isinstance(left, (sp.Add, sp.MatAdd)):
        plain = [a for a in left.args if isinstance(a, (sp.Symbol, sp.MatrixSymbol))]
        if len(plain) != 1:
            return False
        name = plain[0]
        rest = [a for a in left.args if a is not name]
        right = (sp.MatAdd if getattr(name, "is_Matrix", False) else sp.Add)(right, *[-a for a in rest])
    if isinstance(name, sp.Symbol) and name.is_integer and right.is_Integer:
        facts.sizes[name] = int(right)
        facts.definitions[name] = right
        return True
    if isinstance(name, (sp.Symbol, sp.MatrixSymbol)):
        facts.definitions[name] = right
        return True
    if isinstance(name, sp.Indexed) and all(isinstance(i, sp.Symbol) for i in name.indices):
        facts.definitions[name.base] = sp.Lambda(name.indices, right)
        return True
    return False


def _build_models(facts: Facts, context) -> None:
    for matrix, (values, vectors) in facts._eigen.items():
        facts.models.append(EigenModel(matrix, values, vectors, positive=matrix in facts.spd))
        facts._orthonormal.discard(vectors)
        facts.spd.discard(matrix)
        facts.symmetric.discard(matrix)
    for vectors in facts._orthonormal:
        facts.models.append(EigenModel(None, None, vectors, positive=False))


def _size_of(context, matrix: str | None, vectors: str):
    shapes = dict(context.matrices)
    if matrix is not None and matrix in shapes:
        return shapes[matrix][0]
    for name, shape in shapes.items():
        if name.split("_{")[0] == vectors:
            return shape[0]
    return None


@dataclass(frozen=True)
class EigenModel:
    """Points where ``H = U Λ Uᵀ`` with ``U`` exactly orthogonal (rational), ``u_k`` its columns."""

    matrix: str | None
    values: str | None
    vectors: str
    positive: bool
    size: object = None

    def fix(self, point) -> None:
        n = self._size(point)
        if n is None:
            return
        rng = random.Random(int.from_bytes(hashlib.sha256(
            f"eigen\x1f{point.seed}\x1f{point.number}\x1f{self.vectors}".encode()).digest()[:8], "little"))
        q = _cayley(n, rng)
        lam = [Fraction(rng.randint(1, 40), rng.randint(1, 8)) * (1 if self.positive or rng.random() < 0.5 else -1)
               for _ in range(n)]
        for k in range(n):
            column = f"{self.vectors}_{{{k + 1}}}"
            for r in range(n):
                point.fixed[("e", column, r, 0)] = q[r][k]
            if self.values is not None:
                point.fixed[("s", f"{self.values}_{{{k + 1}}}")] = lam[k]
        if self.matrix is not None:
            for i in range(n):
                for j in range(n):
                    point.fixed[("e", self.matrix, i, j)] = sum(q[i][k] * lam[k] * q[j][k] for k in range(n))

    def _size(self, point):
        if self.size is None:
            return None
        size = self.size
        if isinstance(size, sp.Basic):
            size = size.xreplace({k: sp.Integer(v) for k, v in point.sizes.items()})
            return int(size) if size.is_Integer else None
        return int(size)


def _cayley(n: int, rng) -> list[list[Fraction]]:
    """A random rational orthogonal matrix: (I - A)(I + A)^{-1} for a skew-symmetric rational A."""
    a = [[Fraction(0)] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            a[i][j] = Fraction(rng.randint(-9, 9), rng.randint(1, 4))
            a[j][i] = -a[i][j]
    identity = [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]
    minus = [[identity[i][j] - a[i][j] for j in range(n)] for i in range(n)]
    plus = [[identity[i][j] + a[i][j] for j in range(n)] for i in range(n)]
    return _matmul(minus, _inverse(plus))


def _matmul(x, y):
    return [[sum(x[i][k] * y[k][j] for k in range(len(y))) for j in range(len(y[0]))] for i in range(len(x))]


def _inverse(m):
    n = len(m)
    rows = [list(row) + [Fraction(int(i == j)) for j in range(n)] for i, row in enumerate(m)]
    for c in range(n):
        p = next(r for r in range(c, n) if rows[r][c] != 0)
        rows[c], rows[p] = rows[p], rows[c]
        head = rows[c][c]
        rows[c] = [v / head for v in rows[c]]
        for r in range(n):
            if r != c and rows[r][c] != 0:
                f = rows[r][c]
                rows[r] = [a - f * b for a, b in zip(rows[r], rows[c])]
    return [row[n:] for row in rows]


def with_sizes(facts: Facts, context) -> Facts:
    """The models given the size of their matrices (from the declared shapes)."""
    facts.models = [dataclasses.replace(m, size=_size_of(context, m.matrix, m.vectors)) for m in facts.models]
    return facts



