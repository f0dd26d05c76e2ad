"""Reading derivation parameters from ``--param k=v`` strings, with errors that name the parameter."""

from __future__ import annotations

import json
import re

from symdl.errors import ParameterError

_SHAPE = re.compile(r"^\s*\d+(\s*[x×]\s*\d+)*\s*$")


def parse_value(text: str):
    """A parameter value: an int, a float, a shape ``128x64x64`` or ``[3,3]``, a nested list, or text."""
    text = text.strip()
    if _SHAPE.match(text) and re.search(r"[x×]", text):
        return [int(p) for p in re.split(r"\s*[x×]\s*", text)]
    from symdl.records import MAX_DEPTH, nesting

    if nesting(text) > MAX_DEPTH:
        raise ParameterError(f"a parameter value nested deeper than {MAX_DEPTH} levels: {text[:40]}…")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
    except RecursionError:
        raise ParameterError(f"a parameter value nested deeper than {MAX_DEPTH} levels") from None


def parse_assignments(items) -> dict:
    """``["n=3", "L=4"]`` → ``{"n": 3, "L": 4}``; a malformed item raises ParameterError naming it."""
    params = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"--param {item!r}: expected NAME=VALUE")
        params[key.strip()] = parse_value(value)
    return params


def positive_int(params: dict, name: str, minimum: int = 1, maximum: int = 1024) -> int:
    value = params.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(f"parameter {name} must be an integer, got {value!r}")
    if not minimum <= value <= maximum:
        raise ParameterError(f"parameter {name} must be between {minimum} and {maximum}, got {value}")
    return value


def reject_unknown(params: dict, known) -> None:
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ParameterError(f"unknown parameter {unknown[0]!r}; this derivation takes {', '.join(sorted(known)) or 'none'}")
