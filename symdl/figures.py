r"""Figures of the derivations: PNG and SVG through matplotlib, and TikZ for the ``.tex`` export.

:func:`figures_for` gives a derivation's figures:

- ``hessian-quadratic``: the contour ellipses of :math:`\tfrac12 (w-w^*)^\top H (w-w^*)` with the
  eigenvector axes and the :math:`\lambda_i^{-1/2}` half-lengths (:func:`hessian_axes`);
- every derivation that builds a network (a run of ``forward:`` steps followed by back-propagation
  steps checked as gradients): its computation graph, read from the steps by
  :func:`computation_graph`, with the forward values in the nodes and the adjoint passed back along
  each edge written on it;
- ``tanh-sigmoid``: :math:`\tanh(a)` and :math:`2\sigma(2a)-1` overlaid, with :math:`\sigma(a)`.

matplotlib is a dependency (a document tool that silently drops its figures is worse than a larger
install); it is imported lazily, without pyplot and without touching the global backend, and when it
cannot be imported the figure raises :class:`FigureError` instead of vanishing. Output is deterministic: fixed sizes, no dates in the SVG, a fixed SVG hash salt.
TikZ snippets use core TikZ only (no ``\usetikzlibrary``), ASCII, and the course notation of
:func:`symdl.latex.to_latex`; a document needs ``tikz``, ``amsmath`` and ``amssymb``.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp

from symdl.errors import SymdlError
from symdl.latex import to_latex

TIKZ_PACKAGES = ("tikz", "amsmath", "amssymb")  # what a document needs for every ``tikz`` snippet here
TIKZ_LIBRARIES: tuple[str, ...] = ()  # none: core TikZ only


@dataclass(frozen=True)
class Figure:
    name: str  # file stem, e.g. "hessian-quadratic-contours"
    caption: str  # prose with $…$ math (the course LaTeX), rendered by each writer in its own format
    png: bytes  # PNG image
    svg: str  # SVG text
    tikz: str | None  # a complete tikzpicture for the .tex export, when the figure has one


def figures_for(derivation) -> list[Figure]:
    """The figures of ``derivation`` (by its name, and a computation graph when it builds one)."""
    found = []
    special = _SPECIAL.get(derivation.name)
    if special is not None:
        found.append(special(derivation))
    graph = computation_graph(derivation)
    if graph is not None:
        found.append(graph_figure(derivation, graph))
    return found


class FigureError(SymdlError):
    """A figure that cannot be drawn (matplotlib missing from a broken install)."""


# --- rendering ----------------------------------------------------------------------------------
_RC = {
    "svg.hashsalt": "symdl",
    "svg.fonttype": "path",
    "mathtext.fontset": "cm",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.unicode_minus": False,
}
PNG_DPI = 150


def _render(draw, size: tuple[float, float]) -> tuple[bytes, str]:
    """PNG bytes and SVG text of a figure of ``size`` inches drawn by ``draw(figure)``."""
    try:
        import matplotlib  # noqa: F401 - rc_context below
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure as MplFigure
    except ImportError as exc:
        raise FigureError(f"cannot draw the figures: matplotlib, which symdl needs, cannot be imported ({exc}); "
                          "reinstall symdl or run pip install matplotlib") from None
    with matplotlib.rc_context(_RC):
        fig = MplFigure(figsize=size, dpi=100)
        FigureCanvasAgg(fig)
        draw(fig)
        png, svg = io.BytesIO(), io.StringIO()
        fig.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    return png.getvalue(), svg.getvalue()


def _num(value: float) -> str:
    """A coordinate for TikZ: fixed decimals, no exponent, no negative zero."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# --- the Hessian's contours ---------------------------------------------------------------------
DEFAULT_H = ((3, 1), (1, 2))
CONTOUR_LEVELS = (Fraction(1, 8), Fraction(1, 2), Fraction(9, 8), Fraction(2))
MARKED_LEVEL = Fraction(1, 2)  # on E - E* = 1/2 the half-length along u_i is exactly lambda_i^(-1/2)


def read_matrix(value) -> np.ndarray:
    """A 2x2 matrix of numbers (ints, floats, or strings such as "1/2") as floats."""
    rows = [[float(sp.Rational(str(entry))) for entry in row] for row in value]
    matrix = np.array(rows, dtype=float)
    if matrix.shape != (2, 2):
        raise ValueError(f"expected a 2x2 matrix, got shape {matrix.shape}")
    return matrix


def hessian_axes(H) -> list[tuple[float, np.ndarray, float]]:
    """``(lambda_i, u_i, lambda_i^(-1/2))`` for i = 1, 2, eigenvalues ascending (NumPy's ``eigh``).

    Each unit eigenvector is oriented with its largest component positive (the derivation's
    convention for the default H). ``lambda_i^(-1/2)`` is the half-length along ``u_i`` of the
    contour ``E(w) - E(w*) = 1/2``; on the contour ``c`` it is ``sqrt(2c / lambda_i)``.
    """
    matrix = read_matrix(H)
    values, vectors = np.linalg.eigh(matrix)
    axes = []
    for value, vector in zip(values, vectors.T):
        if value <= 0:
            raise ValueError("H must be positive definite: its contours are ellipses only then")
        if vector[int(np.argmax(np.abs(vector)))] < 0:
            vector = -vector
        axes.append((float(value), vector + 0.0, float(value) ** -0.5))
    return axes


def hessian_ellipse(H, level: float, points: int = 241) -> np.ndarray:
    """Points ``d = w - w*`` (shape ``points x 2``) of the contour ``1/2 d^T H d = level``."""
    (l1, u1, _), (l2, u2, _) = hessian_axes(H)
    t = np.linspace(0.0, 2 * np.pi, points)
    r1, r2 = math.sqrt(2 * level / l1), math.sqrt(2 * level / l2)
    return np.outer(r1 * np.cos(t), u1) + np.outer(r2 * np.sin(t), u2)


def _hessian_of(derivation):
    return (derivation.params or {}).get("H", DEFAULT_H)


def _matrix_tex(H) -> str:
    rows = r" \\ ".join(" & ".join(to_latex(sp.Rational(str(e))) for e in row) for row in H)
    return r"\left[\begin{smallmatrix}" + rows + r"\end{smallmatrix}\right]"


def _fraction_tex(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else rf"\tfrac{{{value.numerator}}}{{{value.denominator}}}"


def hessian_figure(derivation) -> Figure:
    H = _hessian_of(derivation)
    axes = hessian_axes(H)
    (l1, u1, r1), (l2, u2, r2) = axes
    levels = ", ".join(_fraction_tex(c) for c in CONTOUR_LEVELS)
    caption = (
        rf"Contours $E(w) - E(w^{{*}}) = c$ of the quadratic model of the error near its minimum $w^{{*}}$, for "
        rf"$H = {_matrix_tex(H)}$ and $c = {levels}$. The axes of the ellipses lie along the eigenvectors "
        rf"$u_{{1}}, u_{{2}}$ of $H$ ($\lambda_{{1}} \approx {l1:.3f}$, $\lambda_{{2}} \approx {l2:.3f}$); on the "
        rf"contour $c = {_fraction_tex(MARKED_LEVEL)}$ (thick) the half-lengths are "
        rf"$\lambda_{{1}}^{{-1/2}} \approx {r1:.3f}$ along $u_{{1}}$ and $\lambda_{{2}}^{{-1/2}} \approx {r2:.3f}$ "
        rf"along $u_{{2}}$: the steep direction has the short axis."
    )
    png, svg = _render(lambda fig: _draw_hessian(fig, H, axes), (5.0, 5.0))
    return Figure("hessian-quadratic-contours", caption, png, svg, _hessian_tikz(H, axes))


def _draw_hessian(fig, H, axes) -> None:
    ax = fig.add_axes((0.14, 0.1, 0.82, 0.86))
    (l1, u1, r1), (l2, u2, r2) = axes
    reach = 1.18 * math.sqrt(2 * float(max(CONTOUR_LEVELS)) / l1)
    for level in CONTOUR_LEVELS:
        d = hessian_ellipse(H, float(level))
        marked = level == MARKED_LEVEL
        ax.plot(d[:, 0], d[:, 1], color="#1f4e99" if marked else "#7f9cc9", lw=2.0 if marked else 0.9)
        rightmost = d[int(np.argmax(d[:, 0]))]  # the level named at the ellipse's right end
        ax.annotate(f"$c={level}$", tuple(rightmost), xytext=(3, 0), textcoords="offset points", fontsize=8,
                    va="center", color="#1f4e99" if marked else "#5a6f91")
    for index, (value, vector, half) in enumerate(axes, start=1):
        ax.plot([-reach * vector[0], reach * vector[0]], [-reach * vector[1], reach * vector[1]],
                ls="--", lw=0.8, color="0.35")
        ax.annotate(f"$u_{{{index}}}$", reach * vector, xytext=(4, 0), textcoords="offset points", fontsize=11,
                    va="center")
        ax.annotate("", half * vector, (0, 0), arrowprops={"arrowstyle": "<|-|>", "color": "#b03030", "lw": 1.4,
                                                           "shrinkA": 0, "shrinkB": 0, "mutation_scale": 9})
        normal, at = _half_length_label(axes, index)
        ax.annotate(f"$\\lambda_{{{index}}}^{{-1/2}}$", at, xytext=tuple(14 * normal), textcoords="offset points",
                    ha="center", va="center", fontsize=11, color="#b03030")
    ax.plot([0], [0], "o", color="black", ms=3)
    ax.annotate("$w^{*}$", (0, 0), xytext=(4, -5), textcoords="offset points", fontsize=11, ha="left", va="top")
    ax.set_aspect("equal")
    ax.set_xlim(-reach, reach)
    ax.set_ylim(-reach, reach)
    ax.set_xlabel("$w_{1} - w_{1}^{*}$")
    ax.set_ylabel("$w_{2} - w_{2}^{*}$")
    ax.grid(True, lw=0.3, color="0.85")


def _half_length_label(axes, index):
    """Where the label of lambda_index^(-1/2) goes: the direction to push it, and the point it names.

    lambda_1's label sits beside the middle of its arrow, on the side away from u_2; lambda_2's just
    beyond the tip of its (shorter) arrow, towards u_1's side: clear of the other arrow either way.
    """
    (_, u1, r1), (_, u2, r2) = axes
    if index == 1:
        return -u2, 0.5 * r1 * u1
    direction = u2 + 0.8 * u1
    return direction / np.linalg.norm(direction), r2 * u2


def _hessian_tikz(H, axes) -> str:
    (l1, u1, r1), (l2, u2, r2) = axes
    reach = 1.15 * math.sqrt(2 * float(max(CONTOUR_LEVELS)) / l1)
    scale = 3.4 / reach  # the picture is about 2 x 3.4 cm wide
    angle = math.degrees(math.atan2(u1[1], u1[0]))
    step = 0.5 if reach < 3 else 1 if reach < 6 else 2 * math.ceil(reach / 8)
    lines = [
        rf"\begin{{tikzpicture}}[scale={_num(scale)}, >=latex, font=\footnotesize]",
        rf"\draw[black!15, very thin] ({_num(-reach)},{_num(-reach)}) grid[step={step}] ({_num(reach)},{_num(reach)});",
        rf"\draw[->, black!60] ({_num(-reach)},0) -- ({_num(reach)},0) node[right] {{$w_{{1}}$}};",
        rf"\draw[->, black!60] (0,{_num(-reach)}) -- (0,{_num(reach)}) node[above] {{$w_{{2}}$}};",
    ]
    for level in CONTOUR_LEVELS:
        a, b = math.sqrt(2 * float(level) / l1), math.sqrt(2 * float(level) / l2)
        style = "blue!60!black, thick" if level == MARKED_LEVEL else "blue!40, thin"
        lines.append(rf"\draw[{style}, rotate={_num(angle)}] (0,0) ellipse ({_num(a)} and {_num(b)});")
    for index, (value, vector, half) in enumerate(axes, start=1):
        ends = [_num(c) for c in (-reach * vector[0], -reach * vector[1], reach * vector[0], reach * vector[1])]
        lines.append(rf"\draw[dashed, black!70] ({ends[0]},{ends[1]}) -- ({ends[2]},{ends[3]}) "
                     rf"node[anchor={_away(vector)}] {{$u_{{{index}}}$}};")
        tip = (_num(half * vector[0]), _num(half * vector[1]))
        normal, _ = _half_length_label(axes, index)
        lines.append(rf"\draw[<->, very thick, red!70!black] (0,0) -- ({tip[0]},{tip[1]}) "
                     rf"node[pos={0.5 if index == 1 else 1}, anchor={_away(normal)}, outer sep=2pt, "
                     rf"text=red!70!black] "
                     rf"{{$\lambda_{{{index}}}^{{-1/2}}$}};")
    for level in CONTOUR_LEVELS:
        d = hessian_ellipse(H, float(level))
        x, y = d[int(np.argmax(d[:, 0]))]
        colour = "blue!60!black" if level == MARKED_LEVEL else "blue!50"
        lines.append(rf"\node[right, inner sep=1pt, font=\scriptsize, text={colour}] at ({_num(x)},{_num(y)}) "
                     rf"{{$c={level}$}};")
    lines += [r"\fill (0,0) circle[radius=0.025] node[below right=1pt] {$w^{*}$};", r"\end{tikzpicture}"]
    return "\n".join(lines)


def _away(direction) -> str:
    """The node anchor that puts a label beyond a point in ``direction`` (its opposite side)."""
    angle = math.degrees(math.atan2(direction[1], direction[0])) % 360
    names = ["west", "south west", "south", "south east", "east", "north east", "north", "north west"]
    return names[int(((angle + 22.5) % 360) // 45)]


# --- tanh and the sigmoid -----------------------------------------------------------------------
def tanh_figure(derivation) -> Figure:
    caption = (
        r"$\tanh(a)$ (solid) and $2\sigma(2a) - 1$ (dashed, drawn over it): the curves coincide, "
        r"since $\tanh(a) = 2\sigma(2a) - 1$. The logistic sigmoid $\sigma(a)$ (dotted) is tanh shifted "
        r"and scaled: $\sigma(a) = \frac{1}{2}\left(1 + \tanh\frac{a}{2}\right)$."
    )
    png, svg = _render(_draw_tanh, (5.5, 3.4))
    return Figure("tanh-sigmoid-curves", caption, png, svg, _tanh_tikz())


def _sigma(a):
    return 1.0 / (1.0 + np.exp(-a))


def _draw_tanh(fig) -> None:
    ax = fig.add_axes((0.1, 0.14, 0.86, 0.82))
    a = np.linspace(-4, 4, 401)
    ax.axhline(0, color="0.6", lw=0.6)
    ax.axvline(0, color="0.6", lw=0.6)
    ax.plot(a, np.tanh(a), color="#1f4e99", lw=3.2, label=r"$\tanh(a)$")
    ax.plot(a, 2 * _sigma(2 * a) - 1, color="#e8a33d", lw=1.6, ls=(0, (5, 3)), label=r"$2\sigma(2a)-1$")
    ax.plot(a, _sigma(a), color="#b03030", lw=1.2, ls=":", label=r"$\sigma(a)$")
    ax.set_xlim(-4, 4)
    ax.set_ylim(-1.15, 1.15)
    ax.set_xlabel("$a$")
    ax.grid(True, lw=0.3, color="0.85")
    ax.legend(loc="upper left", frameon=True, fontsize=9)


def _tanh_tikz() -> str:
    a = np.linspace(-3, 3, 49)

    def plot(values, style):
        points = " ".join(f"({_num(x)},{_num(y)})" for x, y in zip(a, values))
        return rf"\draw[{style}] plot[smooth] coordinates {{{points}}};"

    return "\n".join([
        r"\begin{tikzpicture}[xscale=1, yscale=1.6, >=latex, font=\footnotesize]",
        r"\draw[black!15, very thin] (-3,-1) grid[xstep=1, ystep=0.5] (3,1);",
        r"\draw[->, black!60] (-3.2,0) -- (3.3,0) node[right] {$a$};",
        r"\draw[->, black!60] (0,-1.15) -- (0,1.2);",
        r"\foreach \y in {-1,1} \node[left] at (-3,\y) {$\y$};",
        plot(np.tanh(a), "blue!60!black, line width=2.4pt"),
        plot(2 * _sigma(2 * a) - 1, "orange, thick, dashed"),
        plot(_sigma(a), "red!70!black, thick, dotted"),
        r"\draw[blue!60!black, line width=2.4pt] (3.6,0.9) -- +(0.5,0) node[right, black] {$\tanh(a)$};",
        r"\draw[orange, thick, dashed] (3.6,0.55) -- +(0.5,0) node[right, black] {$2\sigma(2a)-1$};",
        r"\draw[red!70!black, thick, dotted] (3.6,0.2) -- +(0.5,0) node[right, black] {$\sigma(a)$};",
        r"\end{tikzpicture}",
    ])


# --- computation graphs -------------------------------------------------------------------------
@dataclass(frozen=True)
class GraphNode:
    key: str  # LaTeX of the value's name: "h^{(3)}", "z^{[1]}" (an indexed family by its base)
    label: str  # LaTeX shown in the node: "h^{(3)} = h^{(2)} + x", or the name of an input
    kind: str  # "input", "computed" or "loss"
    adjoint: str | None = None  # "adjoint = sum of the edges' terms", for a value with several consumers


@dataclass(frozen=True)
class GraphEdge:
    source: str  # node keys; the arrow points forward, source -> target
    target: str
    label: str  # LaTeX: the adjoint that back-propagation passes back along this edge
    kind: str  # "spine" (consecutive on the main path), "skip" (a later node of it), "side" (an input)


@dataclass(frozen=True)
class ComputationGraph:
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    spine: tuple[str, ...]  # main path, first input to the loss (or output), bottom to top
    loss: str  # what is differentiated: "L" (a node of its own) or the output itself ("f")

    def node(self, key: str) -> GraphNode:
        return next(n for n in self.nodes if n.key == key)

    def edge(self, source: str, target: str) -> GraphEdge:
        return next(e for e in self.edges if e.source == source and e.target == target)


def _is_forward(step) -> bool:
    return (step.rule.startswith("forward:") and isinstance(step.lhs, (sp.MatrixSymbol, sp.Indexed, sp.Symbol))
            and isinstance(step.rhs, sp.Basic))


def _key(expr) -> str:
    if isinstance(expr, sp.Indexed):
        return str(expr.base.label)
    if isinstance(expr, sp.MatrixSymbol):
        return expr.name
    return to_latex(expr)


def _operands(expr, defined: set) -> list:
    """Values ``expr`` is computed from, in a fixed order: matrices, indexed entries, defined scalars."""
    found, seen = [], set()
    for sub in sp.preorder_traversal(expr):
        if isinstance(sub, (sp.MatrixSymbol, sp.Indexed)) or (isinstance(sub, sp.Symbol) and to_latex(sub) in defined):
            key = _key(sub)
            if key not in seen:
                seen.add(key)
                found.append(sub)
    return found


_LOSS = re.compile(r"^\\frac\{\\partial (.+?)\}\{\\partial ")


def computation_graph(derivation) -> ComputationGraph | None:
    """The network a derivation builds, read from its steps; None when it builds none.

    Nodes are the values of the first run of ``forward:`` steps and the inputs they use; the
    adjoint of a value is the later step checked as the gradient with respect to it
    (:class:`~symdl.verify.Gradient`). Each edge carries what its consumer passes back: the whole
    adjoint when the value has one consumer, its consumer's term of the adjoint's sum when it has
    several, and, for a value whose adjoint is not a step of its own, the local derivative of the
    consumer's definition times the consumer's adjoint (summed over the consumer's other indices).
    """
    from symdl.graph import adjoint_name
    from symdl.verify import Gradient

    steps = list(derivation.steps)
    start = next((n for n, s in enumerate(steps) if _is_forward(s)), None)
    if start is None:
        return None
    forward = []
    for s in steps[start:]:
        if not _is_forward(s):
            break
        forward.append(s)
    defined = {_key(s.lhs) for s in forward}
    symbol, parents, kind, order = {}, {}, {}, []
    for s in forward:
        key = _key(s.lhs)
        operands = [o for o in _operands(s.rhs, {to_latex(f.lhs) for f in forward}) if _key(o) != key]
        for o in operands:
            if _key(o) not in defined and _key(o) not in symbol:
                symbol[_key(o)], parents[_key(o)], kind[_key(o)] = o, [], "input"
                order.append(_key(o))
        symbol[key], parents[key], kind[key] = s.lhs, [_key(o) for o in operands], "computed"
        order.append(key)
    definition = {_key(s.lhs): s for s in forward}
    # the adjoint of each value: the step checked as a gradient with respect to it
    adjoint = {}
    for s in steps[start + len(forward):]:
        check = s.check
        if isinstance(check, Gradient) and not isinstance(s.lhs, str) and _key(check.wrt) in symbol:
            adjoint.setdefault(_key(check.wrt), s)
    if not adjoint:
        return None
    output = _key(forward[-1].lhs)
    losses = [m.group(1) for s in adjoint.values() if (m := _LOSS.match(to_latex(s.lhs)))]
    loss = losses[0] if losses else output
    consumers = {k: [c for c in order if k in parents[c]] for k in order}

    def adjoint_symbol(key):
        """What the adjoint of ``key`` is called in the other adjoints (1 for the loss itself)."""
        if key == loss:
            return sp.S.One
        if key in adjoint:
            return adjoint[key].lhs
        return sp.Symbol(adjoint_name(loss, symbol[key]))

    def mentions(term, key) -> bool:
        name = adjoint_symbol(key)
        if name == sp.S.One:
            return False
        return term.has(name) or (isinstance(name, sp.Indexed) and term.has(name.base))

    def passed_back(source, target) -> str:
        if source in adjoint:
            s = adjoint[source]
            if len(consumers[source]) == 1:
                return f"{to_latex(s.lhs)} = {to_latex(s.rhs)}"
            terms = sp.Add.make_args(s.rhs) if not isinstance(s.rhs, sp.MatAdd) else s.rhs.args
            mine = [t for t in terms if mentions(t, target)]
            if len(mine) == 1:
                return to_latex(mine[0])
            if mine:
                return to_latex(sp.MatAdd(*mine) if isinstance(s.rhs, sp.MatAdd) else sp.Add(*mine))
            return f"{to_latex(s.lhs)} = {to_latex(s.rhs)}"
        name = adjoint_name(loss, symbol[source]) if not isinstance(adjoint_symbol(source), sp.Indexed) else \
            to_latex(adjoint_symbol(source))
        try:
            local = _local_derivative(definition[target].rhs, symbol[source])
            term = local * adjoint_symbol(target)
            free = [i for i in _indices(symbol[target]) if i not in _indices(symbol[source])]
            for index in free:
                end = derivation.index_ranges.get(index)
                if end is None:
                    raise ValueError(f"no range for index {index}")
                term = sp.Sum(term, (index, 1, end))
            if len(consumers[source]) > 1:
                return to_latex(term)
            return f"{name} = {to_latex(term)}"
        except (TypeError, ValueError, AttributeError, NotImplementedError):
            return name

    depth = {}
    for key in order:
        depth[key] = 0 if kind[key] == "input" else 1 + max((depth[p] for p in parents[key]), default=0)
    spine = [output]
    while parents[spine[-1]]:
        candidates = parents[spine[-1]]
        computed = [p for p in candidates if kind[p] == "computed"]
        if computed:
            spine.append(max(computed, key=lambda p: (depth[p], -order.index(p))))
        else:
            spine.append(min(candidates, key=lambda p: (_weight_like(p), -len(consumers[p]), -order.index(p))))
    spine.reverse()
    on_spine = {k: n for n, k in enumerate(spine)}

    edges = []
    for target in order:
        for source in parents[target]:
            if source in on_spine and target in on_spine:
                edge_kind = "spine" if on_spine[target] == on_spine[source] + 1 else "skip"
            else:
                edge_kind = "side"
            edges.append(GraphEdge(source, target, passed_back(source, target), edge_kind))
    nodes = []
    for key in order:
        if kind[key] == "input":
            label = to_latex(symbol[key])
        else:
            label = f"{to_latex(definition[key].lhs)} = {to_latex(definition[key].rhs)}"
        total = None
        if len(consumers[key]) > 1 and key in adjoint:
            total = f"{to_latex(adjoint[key].lhs)} = {to_latex(adjoint[key].rhs)}"
        nodes.append(GraphNode(key, label, kind[key], total))
    if loss != output:
        nodes.append(GraphNode(loss, loss, "loss"))
        edges.append(GraphEdge(output, loss, adjoint_name(loss, symbol[output]), "spine"))
        spine.append(loss)
    return ComputationGraph(tuple(nodes), tuple(edges), tuple(spine), loss)


def _weight_like(key: str) -> bool:
    return key.lstrip("\\").startswith(("W", "w", "b^", "b_")) or key in ("b",)


def _indices(expr) -> tuple:
    return tuple(expr.indices) if isinstance(expr, sp.Indexed) else ()


def _local_derivative(expr, variable):
    """d(expr)/d(variable) inside the sums of ``expr`` (the summation index stands for the variable's)."""
    if isinstance(expr, sp.Sum):
        return _local_derivative(expr.function, variable)
    if isinstance(expr, sp.MatrixExpr) or isinstance(variable, sp.MatrixSymbol):
        raise NotImplementedError("matrix-valued local derivatives are the steps' business")
    return sp.diff(expr, variable)


# --- the graph as a picture ---------------------------------------------------------------------
ROW_CM = 2.4  # vertical distance of consecutive values on the main path
GAP_CM = 0.2  # between a node and its edge labels
_SPINE_LABEL, _SIDE_LABEL, _SKIP_LABEL = "right", "below", "left"


def graph_figure(derivation, graph: ComputationGraph | None = None) -> Figure:
    graph = graph or computation_graph(derivation)
    end = "the loss" if graph.node(graph.loss).kind == "loss" else "the output"
    caption = (
        f"The computation graph, read from the derivation's steps. Arrows run forward, from the inputs (grey) "
        f"up to {end} ${graph.loss}$; each node shows the value computed there, and each edge, in red, the "
        "adjoint that back-propagation passes back along it."
    )
    if any(e.kind == "skip" for e in graph.edges):
        caption += " The skip connection passes the upstream adjoint back unchanged."
    if any(n.adjoint for n in graph.nodes):
        caption += " A value used twice sums what its edges pass back (written below it)."
    png, svg = _render_graph(graph)
    return Figure(f"{derivation.name}-graph", caption, png, svg, graph_tikz(graph))


def _side_nodes(graph: ComputationGraph) -> list[tuple[str, str, int]]:
    """``(input, spine consumer, slot)`` for every node off the main path: it sits to the right of
    its first consumer on the path, the n-th one for the same consumer ``slot`` rows lower."""
    placed, slots = [], {}
    spine = set(graph.spine)
    for node in graph.nodes:
        if node.key in spine:
            continue
        consumer = next((e.target for e in graph.edges if e.source == node.key and e.target in spine), None)
        if consumer is None:
            continue
        slot = slots.get(consumer, 0)
        slots[consumer] = slot + 1
        placed.append((node.key, consumer, slot))
    return placed


def graph_tikz(graph: ComputationGraph) -> str:
    """The graph as a tikzpicture: the path upward in the middle, inputs to the right, skips to the left."""
    ids = {n.key: f"n{i}" for i, n in enumerate(graph.nodes)}
    lines = [
        r"\begin{tikzpicture}[>=latex, font=\small,",
        r"  value/.style={draw, rounded corners=2pt, fill=blue!5, inner sep=3pt, minimum height=5mm},",
        r"  input/.style={value, fill=black!5},",
        r"  loss/.style={value, fill=red!8},",
        r"  adjoint/.style={font=\footnotesize, text=red!65!black, inner sep=1.5pt}]",
    ]
    for row, key in enumerate(graph.spine):
        node = graph.node(key)
        lines.append(rf"\node[{node.kind if node.kind != 'computed' else 'value'}] ({ids[key]}) "
                     rf"at (0,{_num(row * ROW_CM)}) {{${node.label}$}};")
    for edge in graph.edges:
        if edge.kind == "spine":
            lines.append(rf"\draw[->] ({ids[edge.source]}) -- node[adjoint, {_SPINE_LABEL}] {{${edge.label}$}} "
                         rf"({ids[edge.target]});")
    skips = [e for e in graph.edges if e.kind == "skip"]
    for n, edge in enumerate(skips):
        s, t = ids[edge.source], ids[edge.target]
        lines.append(rf"\coordinate (skip{n}) at ([xshift=-{4 + 6 * n}mm]current bounding box.west);")
        lines.append(rf"\draw[->, rounded corners=3pt] ({s}.west) -- ({s}.west -| skip{n}) -- "
                     rf"node[adjoint, {_SKIP_LABEL}] {{${edge.label}$}} ({t}.west -| skip{n}) -- ({t}.west);")
    for n, (key, consumer, slot) in enumerate(_side_nodes(graph)):
        node, edge = graph.node(key), graph.edge(key, consumer)
        c = ids[consumer]
        lines.append(rf"\node[adjoint, anchor=north west] (l{n}) at ([xshift=2mm, yshift=-{_num(1 + 9 * slot)}mm]"
                     rf"{c}.east) {{${edge.label}$}};")
        lines.append(rf"\node[{node.kind if node.kind != 'computed' else 'value'}, anchor=west, xshift=2mm, "
                     rf"yshift=-{_num(9 * slot)}mm] ({ids[key]}) at (l{n}.east |- {c}.east) {{${node.label}$}};")
        lines.append(rf"\draw[->] ({ids[key]}) -- ({c});")
    below = [n for n in graph.nodes if n.adjoint]
    anchor = ids[graph.spine[0]]
    for n, node in enumerate(below):
        lines.append(rf"\node[adjoint, anchor=north] (sum{n}) at ([yshift=-2mm]{anchor}.south) {{${node.adjoint}$}};")
        anchor = f"sum{n}"
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines)


# matplotlib: the same layout, with text sizes measured by the renderer.
_NODE_PT, _LABEL_PT = 9.0, 8.0
_COLOURS = {"input": "#f0f0f0", "computed": "#eef3fb", "loss": "#fbe9e9"}
_ADJOINT = "#a02828"
_CM_PER_PT = 2.54 / 72


def mathtext(latex: str) -> str:
    r"""The course LaTeX in what matplotlib's mathtext reads: ``\frac{\partial L}{\partial x}`` as
    ``\partial L/\partial x``, ``\operatorname`` as ``\mathrm``, ``\mathbb{1}`` as a bold 1."""
    text = _fractions(latex)
    text = re.sub(r"\\operatorname\{([^{}]*)\}", r"\\mathrm{\1}", text)
    text = text.replace(r"\mathbb{1}", r"\mathbf{1}")
    return text


def _group(text: str, start: int) -> tuple[str, int]:
    """The brace group opening at ``text[start]``: its contents and the index after it."""
    depth = 0
    for n in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[n], 0)
        if depth == 0:
            return text[start + 1:n], n + 1
    raise ValueError("unbalanced braces")


def _fractions(text: str) -> str:
    out, n = [], 0
    while True:
        found = text.find(r"\frac{", n)
        if found < 0:
            return "".join(out) + text[n:]
        top, after = _group(text, found + 5)
        bottom, end = _group(text, after)
        top, bottom = _fractions(top), _fractions(bottom)
        if top.startswith(r"\partial") and bottom.startswith(r"\partial"):
            out.append(text[n:found] + f"{top}/{bottom}")
        else:
            out.append(text[n:found] + rf"\frac{{{top}}}{{{bottom}}}")
        n = end


def _render_graph(graph: ComputationGraph):
    return _render(lambda fig: _draw_graph(fig, graph), (6.0, 6.0))


def _draw_graph(fig, graph: ComputationGraph) -> None:
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
    from matplotlib.path import Path

    renderer = fig.canvas.get_renderer()
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()

    def measure(text, size):
        t = fig.text(0, 0, f"${mathtext(text)}$", fontsize=size)
        box = t.get_window_extent(renderer)
        t.remove()
        return box.width / fig.dpi * 2.54, box.height / fig.dpi * 2.54

    pad = 3 * _CM_PER_PT
    boxes = {}  # key -> (x_center, y_center, width, height) in cm, boxes including padding

    def node_size(node):
        w, h = measure(node.label, _NODE_PT)
        return w + 2 * pad, max(h + 2 * pad, 0.5)

    for row, key in enumerate(graph.spine):
        w, h = node_size(graph.node(key))
        boxes[key] = (0.0, row * ROW_CM, w, h)
    texts = []  # (x, y, latex, size, ha, va, colour)
    arrows = []  # (path points, )
    for edge in graph.edges:
        if edge.kind == "spine":
            (x0, y0, _, h0), (x1, y1, _, h1) = boxes[edge.source], boxes[edge.target]
            arrows.append([(x0, y0 + h0 / 2), (x1, y1 - h1 / 2)])
            texts.append((GAP_CM * 0.5, (y0 + h0 / 2 + y1 - h1 / 2) / 2, edge.label, _LABEL_PT, "left", "center"))
    left = min(x - w / 2 for x, _, w, _ in boxes.values())
    for n, edge in enumerate(e for e in graph.edges if e.kind == "skip"):
        (x0, y0, w0, _), (x1, y1, w1, _) = boxes[edge.source], boxes[edge.target]
        lane = left - 0.4 - 0.6 * n
        arrows.append([(x0 - w0 / 2, y0), (lane, y0), (lane, y1), (x1 - w1 / 2, y1)])
        texts.append((lane - 0.08, (y0 + y1) / 2, edge.label, _LABEL_PT, "right", "center"))
    for key, consumer, slot in _side_nodes(graph):
        edge = graph.edge(key, consumer)
        cx, cy, cw, ch = boxes[consumer]
        lw, lh = measure(edge.label, _LABEL_PT)
        lx, ly = cx + cw / 2 + GAP_CM, cy - 0.1 - 0.9 * slot
        texts.append((lx, ly, edge.label, _LABEL_PT, "left", "top"))
        w, h = node_size(graph.node(key))
        boxes[key] = (lx + lw + GAP_CM + w / 2, cy - 0.9 * slot, w, h)
        arrows.append([(lx + lw + GAP_CM, cy - 0.9 * slot), (cx + cw / 2, cy)])
    bottom_x, bottom_y, _, bottom_h = boxes[graph.spine[0]]
    y = bottom_y - bottom_h / 2 - GAP_CM
    for node in graph.nodes:
        if node.adjoint:
            texts.append((bottom_x, y, node.adjoint, _LABEL_PT, "center", "top"))
            y -= measure(node.adjoint, _LABEL_PT)[1] + 0.1

    # extents, then the figure's size: one data unit is one centimetre
    xs, ys = [], []
    for x, yc, w, h in boxes.values():
        xs += [x - w / 2, x + w / 2]
        ys += [yc - h / 2, yc + h / 2]
    for x, yt, text, size, ha, va in texts:
        w, h = measure(text, size)
        x0 = {"left": x, "right": x - w, "center": x - w / 2}[ha]
        y0 = {"top": yt - h, "center": yt - h / 2, "bottom": yt}[va]
        xs += [x0, x0 + w]
        ys += [y0, y0 + h]
    for path in arrows:
        xs += [p[0] for p in path]
        ys += [p[1] for p in path]
    margin = 0.25
    x_lo, x_hi, y_lo, y_hi = min(xs) - margin, max(xs) + margin, min(ys) - margin, max(ys) + margin
    fig.set_size_inches((x_hi - x_lo) / 2.54, (y_hi - y_lo) / 2.54)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    for key, (x, yc, w, h) in boxes.items():
        node = graph.node(key)
        ax.add_patch(FancyBboxPatch((x - w / 2, yc - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.07",
                                    fc=_COLOURS[node.kind], ec="black", lw=0.8))
        ax.text(x, yc, f"${mathtext(node.label)}$", fontsize=_NODE_PT, ha="center", va="center")
    for x, yt, text, size, ha, va in texts:
        ax.text(x, yt, f"${mathtext(text)}$", fontsize=size, ha=ha, va=va, color=_ADJOINT)
    for points in arrows:
        codes = [Path.MOVETO] + [Path.LINETO] * (len(points) - 1)
        ax.add_patch(FancyArrowPatch(path=Path(points, codes), arrowstyle="-|>", mutation_scale=9, lw=0.9,
                                     color="black", shrinkA=0, shrinkB=0))


_SPECIAL = {"hessian-quadratic": hessian_figure, "tanh-sigmoid": tanh_figure}

__all__ = [
    "Figure", "figures_for", "hessian_axes", "hessian_ellipse", "computation_graph", "ComputationGraph",
    "GraphNode", "GraphEdge", "graph_tikz", "graph_figure", "hessian_figure", "tanh_figure", "mathtext",
    "FigureError", "TIKZ_PACKAGES", "TIKZ_LIBRARIES",
]
