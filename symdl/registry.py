"""The named derivations: one file each in ``derivations/``, found installed or in a checkout.

Names and summaries are read from each file's ``NAME = "…"`` and ``SUMMARY = "…"`` lines without
running it (``symdl list`` stays quick); a module is executed only when it is asked for.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import ModuleType

from symdl.errors import ParameterError, SymdlError
from symdl.params import reject_unknown

_PACKAGE = Path(__file__).resolve().parent
_DECLARED = re.compile(r'^(NAME|SUMMARY) = ("[^"\\\n]*")\s*$', re.MULTILINE)


def _folders() -> list[Path]:
    # Installed, derivations/ is package data inside symdl; in a source checkout it sits beside it.
    return [p for p in (_PACKAGE / "derivations", _PACKAGE.parent / "derivations") if p.is_dir()]


@cache
def _catalogue() -> dict[str, tuple[Path, str]]:
    """Every derivation's file and summary by its NAME, in file-name order, no module executed."""
    found: dict[str, tuple[Path, str]] = {}
    for folder in _folders():
        for path in sorted(folder.glob("*.py")):
            if path.name.startswith("_"):
                continue
            declared = {key: ast.literal_eval(value) for key, value in _DECLARED.findall(path.read_text(encoding="utf-8"))}
            if "NAME" not in declared:  # written some other way: run the module to learn its name
                module = _load(path)
                declared = {"NAME": getattr(module, "NAME", None), "SUMMARY": getattr(module, "SUMMARY", "")}
            if declared["NAME"] and declared["NAME"] not in found:
                found[declared["NAME"]] = (path, declared.get("SUMMARY", ""))
        if found:
            break
    return found


@cache
def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"symdl_derivations.{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


class _Modules(Mapping):
    """Every derivation module by its NAME, in file-name order, each executed when first looked up."""

    def __getitem__(self, name: str) -> ModuleType:
        path, _ = _catalogue()[name]
        return _load(path)

    def __iter__(self):
        return iter(_catalogue())

    def __len__(self) -> int:
        return len(_catalogue())


_MODULES = _Modules()


def modules() -> Mapping[str, ModuleType]:
    """Every derivation module by its NAME (a mapping that runs a module only when it is looked up)."""
    return _MODULES


def names() -> list[str]:
    return list(modules())


def summaries() -> dict[str, str]:
    """Each derivation's one-line summary by its NAME, read without executing the modules."""
    return {name: summary for name, (_, summary) in _catalogue().items()}


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


def network_path(name: str) -> Path | None:
    """The network file ``name`` gives: a path to a ``.toml`` file with ``[[layer]]`` tables, or the
    stem of one shipped in ``derivations/networks/``."""
    if name.endswith(".toml"):
        from symdl.network import is_network_file

        return Path(name) if is_network_file(name) else None
    for folder in _folders():
        candidate = folder / "networks" / f"{name}.toml"
        if re.fullmatch(r"[A-Za-z0-9_-]+", name) and candidate.is_file():
            return candidate
    return None


def is_network(name: str) -> bool:
    return name not in _catalogue() and network_path(name) is not None


def build(name: str, **params):
    """Build the named derivation (or network file); unknown parameters, and parameters over the size
    budget, are refused by name."""
    if is_network(name):
        from symdl.network import load

        reject_unknown(params, {})
        return load(network_path(name))
    from symdl import budget

    module = get(name)
    reject_unknown(params, getattr(module, "PARAMS", {}))
    budget.check(name, module, params)
    return module.build(**params)


__all__ = ["modules", "names", "summaries", "get", "build", "parameters", "is_network", "network_path",
           "ParameterError"]
