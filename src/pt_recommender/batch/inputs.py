"""Reading batch input: CSV with a `query` column (optional `id`) or one query per line."""

from __future__ import annotations

import csv
import io
from collections import deque
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


MAX_RECORD_LINES = 20  # a quoted field longer than this is an unbalanced quote, not a query
# the utf-16/utf-32 codecs read the byte order from the BOM and drop it
BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def read_queries(stream: IO[bytes], csv_mode: bool | None = None) -> Iterator[InputRow]:
    """Stream (line, id, query) from CSV (a `query` column, optional `id`) or plain lines.

    Read the way Python's `csv` reads it (a stray `"` inside an unquoted field is text);
    UTF-8, or UTF-16/32 when a BOM says so; blank lines are skipped. `csv_mode=None` sniffs:
    a first line whose cells include `query` is a CSV header. A malformed record becomes
    one bad row with its line number; the rows after it are still read. Raises ValueError
    at once when a CSV has no `query` column.
    """
    lines = _numbered_lines(_text(stream))
    first = next(lines, None)
    while first is not None and not first[1].strip():
        first = next(lines, None)
    if first is None:
        return
    header = next(csv.reader([first[1]]), [])
    cols = [h.strip().lower() for h in header]
    is_csv = csv_mode if csv_mode is not None else "query" in cols
    if not is_csv:
        for lineno, text in _chain(first, lines):
            if text.strip():
                yield _plain(lineno, text.rstrip("\r\n"))
        return
    if "query" not in cols:
        raise ValueError("the CSV has no `query` column (header: " + ", ".join(header[:10]) + ")")
    qi, ii = cols.index("query"), (cols.index("id") if "id" in cols else None)
    for lineno, cells, problem in _records(lines):
        if problem:
            yield InputRow(lineno, str(lineno), None, problem)
        elif any(c.strip() for c in cells):
            query = cells[qi] if qi < len(cells) else ""
            qid = cells[ii] if ii is not None and ii < len(cells) and cells[ii] else str(lineno)
            yield _checked(lineno, qid, query)


def _text(stream: IO[bytes]) -> io.TextIOWrapper:
    """The byte stream decoded by its BOM (UTF-8 without one); bad bytes are kept as
    surrogates so the row that holds them, and only that row, is reported."""
    buffered = stream if hasattr(stream, "peek") else io.BufferedReader(stream)  # type: ignore[arg-type]
    head = buffered.peek(4)[:4]
    encoding = next((enc for bom, enc in BOMS if head.startswith(bom)), "utf-8")
    if encoding == "utf-8" and len(head) >= 2 and b"\x00" in head:
        raise ValueError("the input looks like UTF-16/32 without a byte-order mark; save it as UTF-8")
    return io.TextIOWrapper(buffered, encoding=encoding, errors="surrogateescape", newline="")


def _numbered_lines(text: io.TextIOWrapper) -> Iterator[tuple[int, str]]:
    yield from enumerate(text, start=1)


def _chain(first: tuple[int, str], rest: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    yield first
    yield from rest


def _records(lines: Iterator[tuple[int, str]]) -> Iterator[tuple[int, list[str], str]]:
    """(first line, cells, problem) per CSV record. A record spanning more than
    MAX_RECORD_LINES lines, or several lines with an odd number of quotes, is an unbalanced
    quote: its first line is reported and reading starts again on the next line, so one bad
    quote never swallows the rest of the file."""
    pending: deque[tuple[int, str]] = deque()
    while True:
        used: list[tuple[int, str]] = []
        reader = csv.reader(_feed(pending, lines, used))
        restarted = False
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                if used:
                    yield used[0][0], [], f"malformed CSV record ({exc})"
                    pending.extendleft(reversed(used[1:]))
                restarted = bool(used)
                break
            start = used[0][0] if used else 0
            if len(used) > MAX_RECORD_LINES or (len(used) > 1 and sum(t.count('"') for _, t in used) % 2):
                yield start, [], "malformed CSV record (a quote is never closed)"
                pending.extendleft(reversed(used[1:]))
                restarted = True
                break
            used.clear()
            if any("\udc80" <= ch <= "\udcff" for c in cells for ch in c):
                yield start, [], "record is not valid UTF-8"
            else:
                yield start, cells, ""
        if not restarted:
            return


def _feed(pending: deque[tuple[int, str]], lines: Iterator[tuple[int, str]],
          used: list[tuple[int, str]]) -> Iterator[str]:
    """Lines for csv.reader: re-read ones first; each line handed over is noted in `used`."""
    while True:
        item = pending.popleft() if pending else next(lines, None)
        if item is None:
            return
        used.append(item)
        yield item[1]


def _plain(lineno: int, text: str) -> InputRow:
    return _checked(lineno, str(lineno), text)


def _checked(lineno: int, qid: str, query: str) -> InputRow:
    if any("\udc80" <= ch <= "\udcff" for ch in query + qid):
        return InputRow(lineno, str(lineno), None, "line is not valid UTF-8")
    return InputRow(lineno, qid, query)


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
