"""Reading a batch of records (JSON Lines or CSV) as a grader's files really are, refusing what
cannot be read whole with the line that shows why.

- CSV: ``utf-8-sig`` (an Excel BOM is not part of the first column's name), quoted newlines kept,
  an unterminated quote refused with the line it opens on, fields up to :data:`MAX_FIELD`
  characters, a row with more fields than the header refused.
- JSON Lines: lines end only at ``\\n`` (a raw U+2028 or U+0085 inside a string is fine), nesting
  deeper than :data:`MAX_DEPTH` refused, every line an object.

Every record gets an id, the string written to the output: its own ``id`` (text, or a number
as JSON writes it), else its record number (1, 2, …). :func:`duplicate_ids` finds ids that two
records share, with their line numbers, so a batch can refuse them before any work.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from symdl.errors import SymdlError

#: Longest CSV field (characters).
MAX_FIELD = 4 * 1024 * 1024
#: Deepest nesting of a JSON record.
MAX_DEPTH = 32

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[^\[\]{}]+")
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape(text: str) -> str:
    """``text`` with control characters, line and paragraph separators and lone surrogates written as
    visible escapes (``\\n``, ``\\u2028``): safe on one line of any file or terminal."""
    return _UNSAFE.sub(lambda m: _SHORT.get(m.group(), f"\\u{ord(m.group()):04x}"), text)


def shown(text, limit: int = 60) -> str:
    """``text`` escaped and cut to ``limit`` characters, for a message."""
    text = escape(str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Table:
    """The records of a file, the line each starts on, and the columns (a CSV header, or every key)."""

    path: Path
    records: list[dict] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)


def read_table(path) -> Table:
    """The records of a JSON Lines or CSV file (by suffix); a malformed line is a SymdlError naming it."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SymdlError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SymdlError(f"{path}:{line}: not UTF-8 text (byte {data[exc.start]:#04x})") from None
    return _read_csv(path, text) if path.suffix.lower() == ".csv" else _read_jsonl(path, text)


def read_records(path) -> list[dict]:
    """The records of a JSON Lines or CSV file (see :func:`read_table`)."""
    return read_table(path).records


def _read_csv(path: Path, text: str) -> Table:
    if csv.field_size_limit() < MAX_FIELD:
        csv.field_size_limit(MAX_FIELD)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    table = Table(path)
    header = None
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "end of data" in str(exc) or "EOF" in str(exc):
                raise SymdlError(f"{path}:{start}: a quoted field opened on this line is never closed") from None
            if "field larger" in str(exc):
                raise SymdlError(f"{path}:{start}: a field longer than {MAX_FIELD} characters") from None
            raise SymdlError(f"{path}:{start}: not CSV ({exc})") from None
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [cell.strip() for cell in row]
            repeated = sorted({name for name in header if header.count(name) > 1 and name})
            if repeated:
                raise SymdlError(f"{path}:{start}: the header names column {shown(repeated[0])!r} twice")
            table.columns = [name for name in header if name]
            continue
        if len(row) > len(header):
            raise SymdlError(f"{path}:{start}: {len(row)} fields, but the header has {len(header)}")
        table.records.append({name: value for name, value in zip(header, row) if name})
        table.lines.append(start)
    return table


def nesting(line: str) -> int:
    """How deeply the brackets of a JSON text nest (strings skipped)."""
    brackets = _BRACKETS.sub("", _STRING.sub("", line))
    depth = deepest = 0
    for char in brackets:
        depth += 1 if char in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _read_jsonl(path: Path, text: str) -> Table:
    table, columns = Table(path), {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if nesting(line) > MAX_DEPTH:
            raise SymdlError(f"{path}:{number}: nested deeper than {MAX_DEPTH} levels")
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SymdlError(f"{path}:{number}: not JSON ({exc.msg} at column {exc.colno})") from None
        except RecursionError:
            raise SymdlError(f"{path}:{number}: nested deeper than {MAX_DEPTH} levels") from None
        if not isinstance(record, dict):
            raise SymdlError(f"{path}:{number}: expected a JSON object")
        table.records.append(record)
        table.lines.append(number)
        columns.update(dict.fromkeys(record))
    table.columns = list(columns)
    return table


def record_id(record: dict, number: int, where: str = "") -> str:
    """The id of the ``number``-th record as written: text as is, a number as JSON writes it,
    nothing (or empty text) → ``str(number)``."""
    value = record.get("id")
    if value is None or value == "":
        return str(number)
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return json.dumps(value)
    raise SymdlError(f"{where}an id must be text or a number, not {shown(json.dumps(value))}")


def assign_ids(table: Table) -> list[str]:
    """Each record's id (see :func:`record_id`), also stored in the record as ``id``."""
    ids = []
    for number, (record, line) in enumerate(zip(table.records, table.lines), start=1):
        ids.append(record_id(record, number, f"{table.path}:{line}: "))
        record["id"] = ids[-1]
    return ids


def duplicate_ids(ids: list[str], lines: list[int], written=lambda i: i) -> list[tuple[str, list[int]]]:
    """``(id, lines)`` for each id (as ``written``) that more than one record has, in file order."""
    seen: dict[str, list[int]] = {}
    for value, line in zip(ids, lines):
        seen.setdefault(written(value), []).append(line)
    return [(value, where) for value, where in seen.items() if len(where) > 1]


def refuse_duplicates(table: Table, ids: list[str], written=lambda i: i) -> None:
    """A SymdlError listing ids shared by several records (a record without an id has its number)."""
    repeated = duplicate_ids(ids, table.lines, written)
    if not repeated:
        return
    listed = "; ".join(f"{shown(value)!r} on lines {', '.join(map(str, where))}" for value, where in repeated[:5])
    more = f" and {len(repeated) - 5} more" if len(repeated) > 5 else ""
    raise SymdlError(f"{table.path}: {len(repeated)} id(s) given to more than one record: {listed}{more} "
                     "(a record without an id is numbered 1, 2, … in file order); make each id unique")
