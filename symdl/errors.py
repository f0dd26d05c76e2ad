"""The small exception hierarchy: what went wrong versus what is not supported."""


class SymdlError(Exception):
    """Base of every error symdl raises on purpose."""


class ParseError(SymdlError):
    """LaTeX input that could not be read; ``column`` points at the place (1-based)."""

    def __init__(self, message: str, column: int | None = None, source: str | None = None):
        self.column = column
        self.source = source
        where = f" at column {column}" if column is not None else ""
        super().__init__(f"parse_error{where}: {message}")


class UnsupportedError(SymdlError):
    """Input that is well formed but outside what symdl can decide."""


class VerificationError(SymdlError):
    """A numeric cross-check disagreed with a symbolic claim."""


class ParameterError(SymdlError):
    """A derivation parameter that is missing, malformed or inconsistent."""
