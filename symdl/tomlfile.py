"""Reading a TOML input file (an assignment, a network) with errors that name the file."""

from __future__ import annotations

import tomllib
from pathlib import Path


def read(path, error: type[Exception]) -> dict:
    """The tables of the TOML file ``path``; an unreadable file raises ``error`` naming it and why."""
    where = str(path)
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{where}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise error(f"{where}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{where}: not valid TOML: {exc}") from None
