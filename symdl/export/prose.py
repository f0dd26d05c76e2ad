"""Prose with ``$…$`` math, as the derivations write statements, assumptions and rules."""

from __future__ import annotations

import re

from symdl.text import split_math  # noqa: F401 - the writers read prose through here


def tex_escape(text: str) -> str:
    """Plain text for a LaTeX document: special characters escaped, Unicode dashes kept as TeX."""
    out = []
    for char in text:
        out.append({
            "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
            "$": r"\$", "^": r"\^{}", "~": r"\~{}", "<": r"\textless{}", ">": r"\textgreater{}",
            "–": "--", "—": "---", "…": r"\dots{}", "×": r"$\times$", "−": "-", "’": "'", "‘": "`",
            "“": "``", "”": "''", "σ": r"$\sigma$", "λ": r"$\lambda$", "α": r"$\alpha$", "∂": r"$\partial$",
            "≈": r"$\approx$", "≤": r"$\leq$", "≥": r"$\geq$", "→": r"$\to$", "·": r"$\cdot$", "⊙": r"$\odot$",
            "ε": r"$\epsilon$", "η": r"$\eta$", "μ": r"$\mu$", "β": r"$\beta$", "Σ": r"$\Sigma$",
        }.get(char, char if ord(char) < 128 else "?"))
    return "".join(out)


def tex_math(tex: str) -> str:
    r"""Math for pdflatex with amssymb: ``\mathbb{1}`` has no glyph there, so it is a bold 1; a matrix
    of more than 10 columns (amsmath's ``MaxMatrixCols``) becomes an ``array``."""
    tex = re.sub(r"\\mathbb\{\s*1\s*\}", r"\\mathbf{1}", tex)
    return _MATRIX.sub(_wide_matrix, tex)


_MATRIX = re.compile(r"\\begin\{([bpvV]?)matrix\}(.*?)\\end\{\1matrix\}", re.S)
_DELIMITERS = {"b": ("[", "]"), "p": ("(", ")"), "v": ("|", "|"), "V": ("\\|", "\\|"), "": (".", ".")}


def _wide_matrix(match) -> str:
    body = match.group(2)
    columns = max(row.count("&") for row in body.split("\\\\")) + 1
    if columns <= 10:
        return match.group(0)
    left, right = _DELIMITERS[match.group(1)]
    return (f"\\left{left}\\begin{{array}}{{{'c' * columns}}}{body}\\end{{array}}\\right{right}")


def md_math(tex: str) -> str:
    r"""Math for MathJax and KaTeX both: KaTeX has no double-struck 1."""
    return re.sub(r"\\mathbb\{\s*1\s*\}", r"\\mathbf{1}", tex)


def tex_prose(text: str) -> str:
    """Prose for a LaTeX document: math kept (and made pdflatex-safe), text escaped."""
    return "".join(f"${tex_math(chunk)}$" if is_math else tex_escape(chunk) for is_math, chunk in split_math(text))


def md_escape(text: str) -> str:
    """Plain text for Markdown: characters that would start markup are escaped."""
    text = re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)
    return text


def md_prose(text: str) -> str:
    """Prose for Markdown: ``$…$`` kept for MathJax/KaTeX, the text escaped."""
    out = []
    for is_math, chunk in split_math(text):
        if is_math:
            chunk = md_math(chunk).strip()
            out.append(f"${chunk}$")
        else:
            out.append(md_escape(chunk))
    return "".join(out)


def plain(text: str) -> str:
    """Prose with the math left as its LaTeX source, dollars dropped (for captions, comments)."""
    return "".join(chunk for _, chunk in split_math(text))
