"""The output of a batch as a journal: a record is done once its line is complete on disk.

:class:`Journal` appends one line per result (JSON Lines, or CSV when the path ends in ``.csv``)
with a single write of the whole line, newline included, flushed at once and synced to disk
regularly and at the end; a signal cannot cut a line in half (it waits until the line is written).
Opened to resume, it first repairs the file: a torn last line (a run killed mid-write) is cut, or
completed when it is a whole JSON result missing only its newline, and the ids of the complete
lines are the records done. Ids are compared as the strings written.

Every value is written on one line whatever it holds: JSON escapes control characters, U+2028,
U+2029, U+0085 and lone surrogates as ``\\uXXXX``; CSV shows them as visible escapes
(``\\n``, ``\\u2028``), and ids are compared in that written form.

:func:`refuse_same_files` keeps a run from writing over its own input: the input, the output and
any report must be different files (``os.path.samefile`` decides, after symlinks).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import time
from pathlib import Path

from symdl.errors import SymdlError
from symdl.records import escape, shown
from symdl.sandbox import signals_deferred

_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff]")
SYNC_EVERY = 1.0  # seconds between fsyncs while writing


def json_line(row: dict) -> str:
    """``row`` as one JSON line (no raw separators or control characters), newline included."""
    try:
        text = json.dumps(row, ensure_ascii=False, allow_nan=False, default=str)
    except ValueError:  # NaN or infinity somewhere: written as text, so the line stays strict JSON
        text = json.dumps(_finite(row), ensure_ascii=False, allow_nan=False, default=str)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def _finite(value):
    if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def csv_line(values: list) -> str:
    """``values`` as one CSV line, each escaped (a dict or list as JSON), newline included."""
    buffer = io.StringIO()
    cells = ["" if v is None else escape(json.dumps(v, ensure_ascii=False, default=str)
                                          if isinstance(v, (dict, list)) else str(v)) for v in values]
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()


def is_csv(path) -> bool:
    return Path(path).suffix.lower() == ".csv"


def written_id(value: str, path) -> str:
    """The id as it reads back from the output ``path``: itself in JSON, escaped in CSV."""
    return escape(value) if is_csv(path) else value


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def refuse_same_files(inputs: dict, outputs: dict) -> None:
    """A SymdlError if two of the named paths (``{"FILE": path, "OUT": path, ...}``) are one file,
    or an output is an input: nothing a run writes may replace what it reads."""
    named = [(label, Path(path)) for label, path in {**inputs, **outputs}.items() if path is not None]
    for i, (label_a, a) in enumerate(named):
        for label_b, b in named[i + 1:]:
            same = os.path.realpath(a) == os.path.realpath(b)
            if not same and a.exists() and b.exists():
                try:
                    same = os.path.samefile(a, b) and (_regular(a) or a.is_dir())
                except OSError:
                    same = False
            if same:
                raise SymdlError(f"{label_a} and {label_b} are the same file ({b}); a run never writes over "
                                 f"what it reads or has written: give {label_b} another path")


class Journal:
    """Results appended to ``path``, one complete line each; ``fields`` name the columns.

    ``Journal(path, fields, resume=True).done`` holds the ids already written (as written)."""

    def __init__(self, path, fields: list[str], *, resume: bool = False, required: list[str] | None = None):
        self.path, self.fields, self.csv = Path(path), list(fields), is_csv(path)
        self.required = list(fields if required is None else required)
        self.done: set[str] = set()
        self._synced = time.monotonic()
        regular = _regular(self.path)
        if resume and self.path.exists() and not regular:
            raise SymdlError(f"cannot resume into {self.path}: it is not a regular file")
        fresh = not (resume and regular and self.path.stat().st_size > 0)
        if not fresh:
            self._repair()
        try:
            self.file = open(self.path, "wb" if fresh else "ab", buffering=0)
        except OSError as exc:
            raise SymdlError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        if fresh and self.csv:
            self._write(csv_line(self.fields))

    # -- resume ----------------------------------------------------------------------------------

    @classmethod
    def finished(cls, path, fields=("id",)) -> set[str]:
        """The ids of the complete lines of ``path`` (JSON Lines: those with ``fields``), read only."""
        journal = cls.__new__(cls)
        journal.path, journal.fields, journal.csv, journal.required = Path(path), list(fields), is_csv(path), list(fields)
        journal.done = set()
        if not _regular(journal.path):
            return set()
        journal._scan(journal.path.read_bytes(), strict=False)
        return journal.done

    def _repair(self) -> None:
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise SymdlError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        keep, tail = self._scan(data, strict=True)
        try:
            with open(self.path, "r+b") as handle:
                handle.truncate(keep)
                if keep == len(data) and tail:
                    handle.seek(keep)
                    handle.write(b"\n")
                if self.csv and keep == 0:  # not even the header survived
                    handle.seek(0)
                    handle.write(csv_line(self.fields).encode())
        except OSError as exc:
            raise SymdlError(f"cannot repair {self.path}: {exc.strerror or exc}") from None

    def _scan(self, data: bytes, strict: bool) -> tuple[int, bytes]:
        """Collect the done ids of ``data``; how many bytes to keep, and the torn tail."""
        end = data.rfind(b"\n") + 1
        body, tail = data[:end], data[end:]
        try:
            lines = body.decode("utf-8-sig").split("\n")[:-1]
            tail_text = tail.decode("utf-8", errors="replace")
        except UnicodeDecodeError:
            raise SymdlError(f"cannot resume into {self.path}: it is not UTF-8 text") from None
        number = 0
        if self.csv:
            header = next(csv.reader([lines[0]])) if lines else []
            if not strict or (header[:len(self.required)] == self.required and set(header) <= set(self.fields)):
                self.fields = header  # read as written; a results file of fewer columns goes on with them
            elif lines:
                missing = "no id column" if "id" not in header else f"the columns {', '.join(header)}"
                raise SymdlError(f"cannot resume into {self.path}: it has {shown(missing, 200)}, not "
                                 f"{', '.join(self.fields)} (is it a results file?)")
            number = 1
            lines = lines[1:]
        for number, line in enumerate(lines, start=number + 1):
            row_id = self._id_of(line)
            if row_id is None and strict:
                raise SymdlError(f"cannot resume into {self.path}: line {number} is not a result line; "
                                 "fix or remove it, or write to another file")
            if row_id is not None:
                self.done.add(row_id)
        keep = len(body)
        if tail and not self.csv:
            row_id = self._id_of(tail_text, complete=True)
            if row_id is not None:  # a whole result that lacks only its newline
                self.done.add(row_id)
                keep = len(data)
        return keep, tail

    def _id_of(self, line: str, complete: bool = False) -> str | None:
        """The id of a result line, or None when it is not one (``complete``: with every field)."""
        if self.csv:
            try:
                cells = next(csv.reader([line], strict=True))
            except (csv.Error, StopIteration):
                return None
            return cells[0] if len(cells) == len(self.fields) else None
        try:
            row = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            return None
        if not isinstance(row, dict) or not isinstance(row.get("id"), (str, int, float)) or isinstance(row["id"], bool):
            return None
        if complete and not set(self.required) <= set(row):
            return None
        return row["id"] if isinstance(row["id"], str) else json.dumps(row["id"])

    # -- writing ---------------------------------------------------------------------------------

    def written_id(self, value: str) -> str:
        return written_id(value, self.path)

    def write(self, row: dict) -> None:
        """Append ``row`` (a dict of ``fields``) as one complete line."""
        self._write(csv_line([row.get(k) for k in self.fields]) if self.csv
                    else json_line({k: row.get(k) for k in self.fields if k in row or k in self.required}))

    def _write(self, line: str) -> None:
        data = line.encode("utf-8", errors="backslashreplace")
        try:
            with signals_deferred():
                view = memoryview(data)
                while view:
                    view = view[self.file.write(view):]
        except OSError as exc:
            raise SymdlError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        if time.monotonic() - self._synced > SYNC_EVERY:
            self.sync()

    def sync(self) -> None:
        self._synced = time.monotonic()
        try:
            os.fsync(self.file.fileno())
        except OSError:
            pass  # a pipe or a device: nothing to sync

    def close(self) -> None:
        if not self.file.closed:
            self.sync()
            self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
