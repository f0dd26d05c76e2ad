"""The named derivations: one file each in ``derivations/``, found installed or in a checkout."""

from __future__ import annotations

import importlib.util
import json
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

from symdl.errors import ParameterError, SymdlError
from symdl.params import reject_unknown

_PACKAGE = Path(__file__).resolve().parent


def _folders() -> list[Path]:
    # Installed, derivations/ is package data inside symdl; in a source checkout it sits beside it.
    return [p for p in (_PACKAGE / "derivations", _PACKAGE.parent / "derivations") if p.is_dir()]


@cache
def modules() -> dict[str, ModuleType]:
    """Every derivation module by its NAME, in file-name order."""
    found: dict[str, ModuleType] = {}
    for folder in _folders():
        for path in sorted(folder.glob("*.py")):
            if path.name.startswith("_"):
                continue
            spec = importlib.util.spec_from_file_location(f"symdl_derivations.{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module  # dataclasses look their module up here
            spec.loader.exec_module(module)
            name = getattr(module, "NAME", None)
            if name and name not in found:
                found[name] = module
        if found:
            break
    return found


def names() -> list[str]:
    return list(modules())


def get(name: str) -> ModuleType:
    try:
        return modules()[name]
    except KeyError:
        known = ", ".join(names())
        raise SymdlError(f"unknown derivation {name!r}; known: {known}") from None


def parameters(name: str) -> list[tuple[str, str, str]]:
    """``(name, default as --param writes it, what it is)`` for each parameter of the named derivation."""
    module = get(name)
    described = getattr(module, "PARAM_HELP", {})
    return [(key, _written(value), described.get(key, "")) for key, value in getattr(module, "PARAMS", {}).items()]


def _written(value) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def build(name: str, **params):
    """Build the named derivation; unknown parameters are refused by name."""
    module = get(name)
    reject_unknown(params, getattr(module, "PARAMS", {}))
    return module.build(**params)


__all__ = ["modules", "names", "get", "build", "parameters", "ParameterError"]
