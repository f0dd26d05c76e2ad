r"""LaTeX math as a light tree, and the TeX class of each symbol: shared by the width estimate and
line breaking of :mod:`symdl.export.texlayout` and the plain-text renderer :mod:`symdl.text`.

:func:`read` turns a math-mode string into nodes: tokens, braced groups, ``\left…\right`` pairs
and environments; :func:`write` turns nodes back into LaTeX.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------
# reading

_TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.|\s+|[^\s]", re.S)


@dataclass(frozen=True)
class Tok:
    text: str


@dataclass(frozen=True)
class Group:
    children: tuple


@dataclass(frozen=True)
class LeftRight:
    open: str  # e.g. "(" or "\{" or "."
    children: tuple
    close: str


@dataclass(frozen=True)
class Env:
    name: str
    option: str  # e.g. "[t]" or ""
    children: tuple


_BEFORE_ARGUMENT = {r"\left", r"\right", r"\begin", r"\end", " "}  # a space after these is not a space


def tokens(tex: str) -> list[str]:
    return [t if not t.isspace() else " " for t in _TOKEN.findall(tex)]


def read(tex: str, spaces: bool = False) -> tuple:
    """The node tree of a math-mode string; spaces are dropped, or kept as ``Tok(" ")`` with ``spaces``."""
    toks = []
    for t in tokens(tex):
        if t != " " or (spaces and toks and toks[-1] not in _BEFORE_ARGUMENT):
            toks.append(t)
    nodes, position = _read_list(toks, 0, None)
    return tuple(nodes)


def _read_list(toks, i, stop):
    out = []
    while i < len(toks):
        t = toks[i]
        if stop == r"\right" and t == r"\right":
            return out, i
        if stop is not None and t == stop:
            return out, i + 1
        if t == "}" or t == r"\right":
            i += 1  # unbalanced: ignore
            continue
        node, i = _read_one(toks, i)
        out.append(node)
    return out, i


def _braced_word(toks, i):
    if i < len(toks) and toks[i] == "{":
        j = toks.index("}", i)
        return "".join(toks[i + 1:j]), j + 1
    return "", i


def _read_env(toks, i, name):
    out = []
    while i < len(toks):
        if toks[i] == r"\end":
            word, j = _braced_word(toks, i + 1)
            if word == name:
                return out, j
        node, i = _read_one(toks, i)
        out.append(node)
    return out, i


def _read_one(toks, i):
    """The node that starts at ``i``: a group, a ``\\left…\\right`` pair, an environment or a token."""
    t = toks[i]
    if t == "{":
        children, j = _read_list(toks, i + 1, "}")
        return Group(tuple(children)), j
    if t == r"\left":
        delim = toks[i + 1] if i + 1 < len(toks) else "."
        children, j = _read_list(toks, i + 2, r"\right")
        close = toks[j + 1] if j + 1 < len(toks) else "."
        return LeftRight(delim, tuple(children), close), j + 2
    if t != r"\begin":
        return Tok(t), i + 1
    name, j = _braced_word(toks, i + 1)
    option = ""
    if j < len(toks) and toks[j] == "[":
        k = toks.index("]", j)
        option = "".join(toks[j:k + 1])
        j = k + 1
    children, j = _read_env(toks, j, name)
    return Env(name, option, tuple(children)), j


def write(nodes) -> str:
    """LaTeX of a node list (inverse of :func:`read`, up to spacing)."""
    out: list[str] = []
    for node in nodes:
        _write(node, out)
    return "".join(out).strip()


def _emit(out, text):
    if out and re.match(r"\\[A-Za-z]+\*?$", out[-1]) and re.match(r"[A-Za-z]", text):
        out.append(" ")
    out.append(text)


def _write(node, out):
    if isinstance(node, Tok):
        _emit(out, node.text)
    elif isinstance(node, Group):
        _emit(out, "{")
        for child in node.children:
            _write(child, out)
        _emit(out, "}")
    elif isinstance(node, LeftRight):
        _emit(out, r"\left")
        _emit(out, node.open)
        for child in node.children:
            _write(child, out)
        _emit(out, r"\right")
        _emit(out, node.close)
    elif isinstance(node, Env):
        _emit(out, r"\begin{" + node.name + "}" + node.option)
        for child in node.children:
            _write(child, out)
        _emit(out, r"\end{" + node.name + "}")


# ---------------------------------------------------------------------------------------------
# the class of each symbol, as TeX spaces it

BIN = {"+", "-", "*", r"\odot", r"\cdot", r"\times", r"\pm", r"\mp", r"\circ", r"\ast", r"\otimes",
       r"\oplus", r"\div", r"\setminus", r"\wedge", r"\vee", r"\cap", r"\cup", r"\bullet", r"\star",
       r"\diamond", r"\land", r"\lor", r"\ominus", r"\oslash"}
REL = {"=", "<", ">", ":", r"\approx", r"\leq", r"\geq", r"\le", r"\ge", r"\neq", r"\ne", r"\sim",
       r"\simeq", r"\in", r"\notin", r"\mid", r"\propto", r"\equiv", r"\to", r"\mapsto", r"\coloneqq",
       r"\subset", r"\subseteq", r"\supset", r"\rightarrow", r"\leftarrow", r"\Rightarrow", r"\Leftarrow",
       r"\iff", r"\implies", r"\Leftrightarrow", r"\ll", r"\gg", r"\perp", r"\parallel", r"\cong",
       r"\leftrightarrow", r"\longrightarrow", r"\succ", r"\prec", r"\vdash", r"\models", r"\triangleq",
       r"\doteq", r"\geqslant", r"\leqslant", r"\nabla_rel"}
OPEN = {"(", "[", r"\{", r"\langle", r"\lbrack", r"\lfloor", r"\lceil", r"\lvert", r"\lVert"}
CLOSE = {")", "]", r"\}", r"\rangle", r"\rbrack", r"\rfloor", r"\rceil", r"\rvert", r"\rVert", "!"}
PUNCT = {",", ";", r"\colon"}
NAMED_OPS = {r"\log", r"\ln", r"\exp", r"\sin", r"\cos", r"\tan", r"\tanh", r"\sinh", r"\cosh", r"\det",
             r"\max", r"\min", r"\arg", r"\lim", r"\sup", r"\inf", r"\dim", r"\ker", r"\Pr", r"\deg",
             r"\arcsin", r"\arccos", r"\arctan", r"\cot", r"\sec", r"\csc", r"\gcd", r"\liminf", r"\limsup",
             r"\hom", r"\lg", r"\coth", r"\argmax", r"\argmin"}
LIMIT_OPS = {r"\max", r"\min", r"\lim", r"\sup", r"\inf", r"\det", r"\Pr", r"\gcd", r"\liminf", r"\limsup"}
IGNORE = {r"\displaystyle", r"\textstyle", r"\scriptstyle", r"\scriptscriptstyle", r"\limits", r"\nolimits",
          r"\nonumber", r"\notag", r"\mathstrut", r"\strut", r"\relax", r"\allowbreak", r"\middle"}
ACCENTS = {r"\hat", r"\tilde", r"\bar", r"\vec", r"\dot", r"\ddot", r"\check", r"\breve", r"\acute",
           r"\grave", r"\widehat", r"\widetilde", r"\overline", r"\underline", r"\mathring", r"\overrightarrow"}
TEXT_CMDS = {r"\text", r"\textrm", r"\textit", r"\textbf", r"\mathrm", r"\mbox", r"\textnormal", r"\textsf",
             r"\texttt", r"\operatorname", r"\operatorname*", r"\mathop", r"\hbox"}
