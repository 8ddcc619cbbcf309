"""Reading batch input: CSV with a `query` column (optional `id`) or one query per line."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

MAX_ROWS_APP = 5000
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class InputRow:
    line: int
    query_id: str
    query: str | None  # None when the line could not be decoded
    problem: str = ""


def read_queries(stream: IO[bytes], csv_mode: bool | None = None) -> Iterator[InputRow]:
    """Stream (line, id, query) from CSV (a `query` column, optional `id`) or plain lines.

    `csv_mode=None` sniffs: a first line whose cells include `query` is a CSV header.
    Raises ValueError at once when a CSV has no `query` column.
    """
    lines = _decoded_lines(stream)
    first = next(lines, None)
    if first is None:
        return
    lineno, text, problem = first
    header = next(csv.reader([text])) if text is not None else []
    is_csv = csv_mode if csv_mode is not None else "query" in [h.strip().lower() for h in header]
    if not is_csv:
        yield _plain(lineno, text, problem)
        for lineno, text, problem in lines:
            yield _plain(lineno, text, problem)
        return
    cols = [h.strip().lower() for h in header]
    if "query" not in cols:
        raise ValueError("the CSV has no `query` column (header: " + ", ".join(header[:10]) + ")")
    qi, ii = cols.index("query"), (cols.index("id") if "id" in cols else None)
    for lineno, text, problem in _csv_records(lines):
        if text is None:
            yield InputRow(lineno, str(lineno), None, problem)
            continue
        cells = text
        query = cells[qi] if qi < len(cells) else ""
        qid = cells[ii] if ii is not None and ii < len(cells) and cells[ii] else str(lineno)
        yield InputRow(lineno, qid, query)


def _plain(lineno: int, text: str | None, problem: str) -> InputRow:
    return InputRow(lineno, str(lineno), text, problem)


def _decoded_lines(stream: IO[bytes]) -> Iterator[tuple[int, str | None, str]]:
    for lineno, raw in enumerate(stream, start=1):
        if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield lineno, raw.decode("utf-8").rstrip("\r\n"), ""
        except UnicodeDecodeError:
            yield lineno, None, "line is not valid UTF-8"


def _csv_records(lines: Iterator[tuple[int, str | None, str]]
                 ) -> Iterator[tuple[int, list[str] | None, str]]:
    """CSV records (quoted fields may span lines) with the line each starts on."""
    buffer: list[str] = []
    start = 0
    for lineno, text, problem in lines:
        if text is None:
            if buffer:
                yield start, None, "record is not valid UTF-8"
                buffer = []
            yield lineno, None, problem
            continue
        if not buffer:
            start = lineno
        buffer.append(text)
        joined = "\n".join(buffer)
        if joined.count('"') % 2 == 0:
            yield start, next(csv.reader([joined]), []), ""
            buffer = []
    if buffer:
        yield start, next(csv.reader(["\n".join(buffer) + '"']), []), ""


def check_upload(name: str, data: bytes) -> str | None:
    """A message naming what is wrong with an uploaded query file, or None when it is usable."""
    if not name.lower().endswith(".csv"):
        return "Please upload a .csv file."
    if len(data) > MAX_UPLOAD_BYTES:
        return f"The file is {len(data) / 1e6:.1f} MB; the limit is 5 MB."
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "The file is not UTF-8 text; please save it as UTF-8 CSV."
    lines = text.splitlines()
    header = next(csv.reader(lines[:1]), []) if lines else []
    if "query" not in [h.strip().lower() for h in header]:
        return "The CSV needs a `query` column (its header row must name it)."
    if len(lines) - 1 > MAX_ROWS_APP * 4:  # cheap early stop; exact count after parsing
        return f"The CSV has more than {MAX_ROWS_APP} rows; the limit is {MAX_ROWS_APP}."
    return None
