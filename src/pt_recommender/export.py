"""Batch export shared by the CLI and the app: streaming, chunked, atomic, resumable."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .atomic import atomic_write_bytes, atomic_write_text, fsync_dir
from .cells import safe_cell, safe_url
from .query import check_k, check_query, check_types
from .schema import Recommendation

COLUMNS = ("query_id", "query", "rank", "id", "name", "type", "score", "url", "reason", "tasks")
ERROR_COLUMNS = ("line", "query_id", "query", "error")
BOM = "\ufeff"
MAX_ROWS_APP = 5000
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class InputRow:
    line: int
    query_id: str
    query: str | None  # None when the line could not be decoded
    problem: str = ""


def recommendation_rows(query_id: str, query: str, recs: Sequence[Recommendation]
                        ) -> list[dict[str, Any]]:
    """Long form: one row per (query, rank)."""
    return [{"query_id": query_id, "query": query, "rank": i, "id": r.id, "name": r.name,
             "type": r.type, "score": r.score, "url": safe_url(r.url), "reason": r.reason,
             "tasks": ";".join(r.tasks)} for i, r in enumerate(recs, start=1)]


def write_csv_rows(fh: IO[str], rows: Iterable[dict[str, Any]], bom: bool = True,
                   header: bool = True, columns: Sequence[str] = COLUMNS) -> None:
    """CSV with every cell neutralised against formula injection."""
    if bom:
        fh.write(BOM)
    writer = csv.writer(fh, lineterminator="\r\n")
    if header:
        writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(c, "")) for c in columns])


def write_jsonl_rows(fh: IO[str], rows: Iterable[dict[str, Any]]) -> None:
    for row in rows:
        out = dict(row)
        out["tasks"] = [t for t in str(row.get("tasks", "")).split(";") if t]
        fh.write(json.dumps(out, ensure_ascii=False) + "\n")


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


def chunked(rows: Iterable[InputRow], size: int) -> Iterator[list[InputRow]]:
    """Input rows in chunks of `size`: the unit of work, of progress and of resuming."""
    chunk: list[InputRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_batch(recommend_batch: Callable[..., list[list[Recommendation]]] | None,
              rows: Iterable[InputRow], k: int, types: Sequence[str] | None, chunk_size: int,
              engine: Any = None
              ) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]], int]]:
    """Yield (output rows, error rows, input rows consumed) chunk by chunk, in input order.

    `engine` (see `parallel.py`, `distributed.py`) runs chunks elsewhere; without one they
    run here through `recommend_batch`. Either way each chunk goes through `run_chunk`.
    """
    chunks = chunked(rows, chunk_size)
    if engine is not None:
        yield from engine.run(chunks, k, types)
        return
    for chunk in chunks:
        yield run_chunk(recommend_batch, chunk, k, types)


def run_chunk(recommend_batch: Callable[..., list[list[Recommendation]]],
               chunk: list[InputRow], k: int, types: Sequence[str] | None
               ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Validate a chunk's queries, recommend for the good ones, list the bad ones."""
    good: list[InputRow] = []
    errors: list[dict[str, Any]] = []
    for row in chunk:
        try:
            if row.query is None:
                raise ValueError(row.problem or "undecodable line")
            check_query(row.query)
            good.append(row)
        except ValueError as exc:
            errors.append({"line": row.line, "query_id": row.query_id,
                           "query": (row.query or "")[:200], "error": str(exc)})
    out: list[dict[str, Any]] = []
    if good:
        results = recommend_batch([r.query for r in good], k=k, types=types)
        for row, recs in zip(good, results, strict=True):
            out.extend(recommendation_rows(row.query_id, row.query or "", recs))
    return out, errors, len(chunk)


def export_bytes(recommend_batch: Callable[..., list[list[Recommendation]]],
                 rows: Iterable[InputRow], k: int, types: Sequence[str] | None,
                 chunk_size: int = 256, progress: Callable[[int], None] | None = None
                 ) -> tuple[bytes, list[dict[str, Any]], int]:
    """In-memory CSV export (the app's batch tab): (CSV bytes, error rows, result rows)."""
    buf = io.StringIO()
    write_csv_rows(buf, [], bom=True)
    errors: list[dict[str, Any]] = []
    n_out = done = 0
    for out, errs, consumed in run_batch(recommend_batch, rows, k, types, chunk_size):
        write_csv_rows(buf, out, bom=False, header=False)
        errors.extend(errs)
        n_out += len(out)
        done += consumed
        if progress:
            progress(done)
    return buf.getvalue().encode("utf-8"), errors, n_out


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


# ------------------------------------------------------------------ CLI side
def _fingerprint(args: Any, input_path: str) -> str:
    parts = [input_path, str(args.k), ",".join(sorted(args.types or [])), str(args.chunk_size),
             str(args.format)]
    if input_path != "-":
        st = os.stat(input_path)
        parts += [str(st.st_size), str(st.st_mtime_ns)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def resolve_output(path: Path, force: bool, resume: bool) -> Path:
    """Absolute output path; refuses folders, missing parents and silent overwrites."""
    given = Path(path).expanduser()
    if given.is_symlink():
        raise ValueError(f"output {given} is a symbolic link; refusing to follow it")
    out = given.resolve()
    if out.is_dir():
        raise ValueError(f"output {out} is a folder; give a file name")
    if not out.parent.is_dir():
        raise ValueError(f"output folder {out.parent} does not exist")
    if out.exists() and not (force or resume):
        raise ValueError(f"output {out} exists; use --force to overwrite")
    return out


def run_export_cli(args: Any, load: Callable[[Any], Any]) -> int:
    """`pt-recommender export`: exit 0 all rows done, 1 some rows failed (see .errors.csv)."""
    k = check_k(args.k)
    types = sorted(check_types(args.types)) if args.types else None
    if args.chunk_size < 1:
        raise ValueError("--chunk-size must be at least 1")
    if args.workers is not None and not 1 <= args.workers <= 64:
        raise ValueError("--workers must be from 1 to 64")
    out = resolve_output(args.output, args.force, args.resume)
    fmt = args.format or ("jsonl" if out.suffix.lower() in (".jsonl", ".json") else "csv")
    args.format = fmt
    src = args.input
    if src != "-" and not Path(src).is_file():
        raise ValueError(f"input {src} is not a readable file")
    if args.resume and src == "-":
        raise ValueError("--resume needs an input file, not stdin")
    partial = out.with_name(out.name + ".partial")
    errors_partial = out.with_name(out.name + ".errors.partial")
    journal = out.with_name(out.name + ".journal.json")
    fingerprint = _fingerprint(args, src)
    state = {"fingerprint": fingerprint, "rows_done": 0, "bytes": 0, "err_bytes": 0,
             "n_errors": 0, "n_out": 0}
    if args.resume and journal.is_file() and partial.is_file():
        saved = json.loads(journal.read_text())
        if saved.get("fingerprint") == fingerprint:
            state = saved
    resuming = state["rows_done"] > 0
    rec = load(args)  # also makes sure the index is fresh before any worker starts
    batch_fn, engine = rec.recommend_batch, None
    if args.engine == "ray":
        from .distributed import RayEngine

        engine = RayEngine(args)
    elif (args.workers or _auto_workers(src)) > 1:
        from .parallel import ProcessEngine

        engine = ProcessEngine(args.workers or _auto_workers(src), _load_kwargs(args))
    csv_mode = True if src.lower().endswith(".csv") else None
    stream = sys.stdin.buffer if src == "-" else open(src, "rb")  # noqa: SIM115
    bar = _bar(args, src)
    try:
        rows = read_queries(stream, csv_mode)
        first = next(rows, None)
        if first is None:
            raise ValueError("the input has no queries")
        rows = _chain(first, rows)
        rows = _skip(rows, state["rows_done"])
        with _open_private(partial, resuming) as fh, _open_private(errors_partial, resuming) as eh:
            fh.truncate(state["bytes"])
            fh.seek(state["bytes"])
            eh.truncate(state["err_bytes"])
            eh.seek(state["err_bytes"])
            if not resuming and fmt == "csv":
                _write(fh, lambda t: write_csv_rows(t, [], bom=True))
            if bar is not None:
                bar.update(state["rows_done"])
            for out_rows, errs, consumed in run_batch(batch_fn, rows, k, types, args.chunk_size,
                                                      engine):
                if fmt == "csv":
                    _write(fh, lambda t, r=out_rows: write_csv_rows(t, r, bom=False, header=False))
                else:
                    _write(fh, lambda t, r=out_rows: write_jsonl_rows(t, r))
                _write(eh, lambda t, e=errs: write_csv_rows(t, e, bom=False, header=False,
                                                            columns=ERROR_COLUMNS))
                for h in (fh, eh):
                    h.flush()
                    os.fsync(h.fileno())
                state.update(rows_done=state["rows_done"] + consumed, bytes=fh.tell(),
                             err_bytes=eh.tell(), n_errors=state["n_errors"] + len(errs),
                             n_out=state["n_out"] + len(out_rows))
                atomic_write_text(journal, json.dumps(state))
                if bar is not None:
                    bar.update(consumed)
    finally:
        if engine is not None:
            engine.close()
        if stream is not sys.stdin.buffer:
            stream.close()
        if bar is not None:
            bar.close()
    os.replace(partial, out)
    err_path = out.with_name(out.name + ".errors.csv")
    if state["n_errors"]:
        body = errors_partial.read_bytes()
        header = io.StringIO()
        write_csv_rows(header, [], bom=True, columns=ERROR_COLUMNS)
        atomic_write_bytes(err_path, header.getvalue().encode() + body)
    elif err_path.exists():
        err_path.unlink()
    errors_partial.unlink(missing_ok=True)
    journal.unlink(missing_ok=True)
    fsync_dir(out.parent)
    print(f"wrote {state['n_out']} rows for {state['rows_done'] - state['n_errors']} queries to "
          f"{out}; {state['n_errors']} bad row(s)"
          + (f" listed in {err_path}" if state["n_errors"] else ""), file=sys.stderr)
    return 1 if state["n_errors"] else 0


def _open_private(path: Path, resuming: bool) -> IO[bytes]:
    """Open a temporary output file without ever following a symlink planted at its name."""
    flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0)
    if not resuming:
        if path.is_symlink():
            path.unlink()
        flags |= os.O_CREAT | os.O_TRUNC
    return os.fdopen(os.open(path, flags, 0o644), "r+b")


def _auto_workers(src: str) -> int:
    """One process per CPU when the input is big enough to repay the workers' start-up."""
    if src == "-" or os.path.getsize(src) < 200_000:
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def _load_kwargs(args: Any) -> dict[str, Any]:
    """How a worker process loads the same recommender as this one (never rebuilding)."""
    return {"data_dir": str(args.data_dir) if args.data_dir else None,
            "index_dir": str(args.index_dir) if args.index_dir else None, "model": args.model}


def _write(fh: IO[bytes], fill: Callable[[io.StringIO], None]) -> None:
    buf = io.StringIO()
    fill(buf)
    fh.write(buf.getvalue().encode("utf-8"))


def _chain(first: InputRow, rest: Iterator[InputRow]) -> Iterator[InputRow]:
    yield first
    yield from rest


def _skip(rows: Iterator[InputRow], n: int) -> Iterator[InputRow]:
    for i, row in enumerate(rows):
        if i >= n:
            yield row


def _bar(args: Any, src: str):  # noqa: ANN202
    if args.quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    total = None
    if src != "-":
        with open(src, "rb") as fh:
            total = sum(1 for _ in fh)
    return tqdm(total=total, desc="queries", unit="q", file=sys.stderr)
