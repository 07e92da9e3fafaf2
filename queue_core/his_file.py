"""A HIS export as text: its encoding found (or given) and its records read, CSV or JSON.

Excel on Chinese Windows saves CSV in GBK, and many HIS export in GB18030; others write UTF-8,
with or without a byte order mark. UTF-8 is tried first: GBK text is almost never valid UTF-8,
while GB18030 reads most UTF-8 Chinese as other, wrong characters instead of failing. GB18030
contains GBK and GB2312, so one fallback reads all three.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from queue_core.errors import ImportRejected

UTF8_BOM = codecs.BOM_UTF8
FALLBACK = "gb18030"
Record = tuple[int, dict[str, Any]]  # (its line or item number, its fields)


@dataclass(frozen=True)
class Export:
    """The file's records, and how they were read."""

    source: str  # the file as it was named to the import
    encoding: str  # as the summary names it: "UTF-8", "UTF-8 with BOM", "GB18030", or as given
    label: str  # what a record's number counts: "line" (CSV, header is line 1) or "item" (JSON)
    records: list[Record]


def known_encoding(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def decode(data: bytes, source: str, encoding: str | None = None) -> tuple[str, str]:
    """(the text, the encoding it was read in). `encoding` forces one; a BOM is dropped."""
    if encoding is not None:
        if not known_encoding(encoding):
            raise ImportRejected(source, f"unknown text encoding {encoding!r}")
        codec = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
        try:
            return data.decode(codec), encoding
        except UnicodeDecodeError as exc:
            raise ImportRejected(
                source, f"not {encoding} text (byte {exc.start + 1} cannot be read)"
            ) from None
    if data.startswith(UTF8_BOM):
        try:
            return data[len(UTF8_BOM) :].decode("utf-8"), "UTF-8 with BOM"
        except UnicodeDecodeError as exc:
            raise ImportRejected(
                source, f"starts as UTF-8 but byte {exc.start + 4} is not UTF-8"
            ) from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode(FALLBACK), "GB18030"
    except UnicodeDecodeError:
        raise ImportRejected(
            source, "neither UTF-8 nor GB18030/GBK text; name its encoding with --encoding"
        ) from None


def _json_records(text: str, source: str) -> list[Record]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRejected(source, f"line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, list):
        raise ImportRejected(source, "the file must hold a JSON array of objects")
    return [(i, r if isinstance(r, dict) else {"__bad__": r}) for i, r in enumerate(data, 1)]


def _csv_records(text: str, source: str, required: tuple[str, ...]) -> list[Record]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        # Spreadsheets pad header cells with spaces a person never sees.
        reader.fieldnames = [name.strip() for name in reader.fieldnames or []]
        missing = [c for c in required if c not in reader.fieldnames]
        if missing:
            raise ImportRejected(source, f"line 1: missing column(s) {', '.join(missing)}")
        return [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise ImportRejected(source, f"line {reader.line_num}: not CSV ({exc})") from None


def read_export(path: Path, required: tuple[str, ...], encoding: str | None = None) -> Export:
    """The file's records: `.json` as a JSON array of objects, anything else as CSV whose
    header has the `required` columns."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportRejected(source, f"cannot read the file ({exc.strerror})") from None
    text, used = decode(data, source, encoding)
    if not text.strip():
        raise ImportRejected(source, "the file is empty")
    if path.suffix.lower() == ".json":
        return Export(source, used, "item", _json_records(text, source))
    return Export(source, used, "line", _csv_records(text, source, required))
