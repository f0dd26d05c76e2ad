"""Writing an export without ever leaving a partial file behind.

Everything is written first into a hidden temporary folder beside the target; then the folder of
companion files (``NAME_files/``, when there is one) and the main file are moved into place with
:func:`os.replace`. An earlier ``NAME_files/`` is set aside first and restored if the move fails.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from symdl.errors import SymdlError


class OutputError(SymdlError):
    """The output path cannot be written."""


def check_target(path) -> Path:
    """Refuse early an output that cannot be written: a missing folder, a folder as target, no permission."""
    path = Path(path)
    if str(path) in ("", "."):
        raise OutputError("no output path given")
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise OutputError(f"cannot write {path}: directory {parent} does not exist")
    if not parent.is_dir():
        raise OutputError(f"cannot write {path}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {path}: directory {parent} is not writable")
    if path.exists() and not os.access(path, os.W_OK) and not os.access(parent, os.W_OK):
        raise OutputError(f"cannot write {path}: permission denied")
    return path


def companion_dir(path) -> Path:
    """Where the files beside an export go: ``notes.md`` → ``notes_files/``."""
    path = Path(path)
    return path.with_name(f"{path.stem}_files")


def write_export(path, main: bytes, companions: dict[str, bytes] | None = None) -> list[Path]:
    """Write ``main`` to ``path`` and each companion (relative name → bytes) into ``companion_dir(path)``.

    Either everything is written or nothing changes. Returns the paths written.
    """
    path = check_target(path)
    parent = path.parent if str(path.parent) else Path(".")
    companions = companions or {}
    folder = companion_dir(path)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    set_aside: Path | None = None
    moved_folder = False
    written: list[Path] = []
    try:
        staged_main = staging / "main"
        staged_main.write_bytes(main)
        if companions:
            staged_folder = staging / "files"
            staged_folder.mkdir()
            for name, data in companions.items():
                target = staged_folder / name
                if target.resolve().parent != staged_folder.resolve():
                    raise OutputError(f"refusing to write companion file {name!r} outside {folder}")
                target.write_bytes(data)
            if folder.exists() or folder.is_symlink():
                if not folder.is_dir():
                    raise OutputError(f"cannot write {folder}: it exists and is not a directory")
                set_aside = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old.", dir=parent))
                os.replace(folder, set_aside / "old")
            os.replace(staged_folder, folder)
            moved_folder = True
            written += [folder / name for name in companions]
        os.replace(staged_main, path)
        written.insert(0, path)
    except OSError as exc:
        _undo(folder, set_aside, moved_folder)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        _undo(folder, set_aside, moved_folder)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if set_aside is not None:
        shutil.rmtree(set_aside, ignore_errors=True)
    return written


def _undo(folder: Path, set_aside: Path | None, moved_folder: bool) -> None:
    if moved_folder:
        shutil.rmtree(folder, ignore_errors=True)
    if set_aside is not None and (set_aside / "old").exists():
        try:
            os.replace(set_aside / "old", folder)
        finally:
            shutil.rmtree(set_aside, ignore_errors=True)
