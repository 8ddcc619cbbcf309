"""Batch export core shared by the CLI and the app: chunked runs, long-form rows, safe CSV/JSONL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any

from ..catalog.schema import Recommendation
from ..ranking.query import check_query
from .cells import safe_cell, safe_url
from .inputs import MAX_ROWS_APP, MAX_UPLOAD_BYTES, InputRow, check_upload, read_queries

__all__ = ["COLUMNS", "ERROR_COLUMNS", "MAX_ROWS_APP", "MAX_UPLOAD_BYTES", "InputRow", "check_upload",
           "export_bytes", "in_language", "read_queries", "recommendation_rows", "run_batch", "run_chunk",
           "write_csv_rows", "write_jsonl_rows"]

COLUMNS = ("query_id", "query", "rank", "id", "name", "type", "score", "url", "reason", "description", "tasks")
ERROR_COLUMNS = ("line", "query_id", "query", "error")
BOM = "\ufeff"


def recommendation_rows(query_id: str, query: str, recs: Sequence[Recommendation]
                        ) -> list[dict[str, Any]]:
    """Long form: one row per (query, rank)."""
    return [{"query_id": query_id, "query": query, "rank": i, "id": r.id, "name": r.name,
             "type": r.type, "score": r.score, "url": safe_url(r.url), "reason": r.reason,
             "description": r.description, "tasks": ";".join(r.tasks), "lang": r.lang,
             "reason_en": r.reason_en or r.reason, "reason_zh": r.reason_zh or r.reason,
             "description_en": r.description_en or r.description,
             "description_zh": r.description_zh or r.description} for i, r in enumerate(recs, start=1)]


def in_language(rows: Iterable[dict[str, Any]], lang: str | None) -> Iterator[dict[str, Any]]:
    """Rows whose reason and description are in `lang` (None: each query's own language)."""
    for row in rows:
        if lang and row.get(f"reason_{lang}"):
            row = {**row, "lang": lang, "reason": row[f"reason_{lang}"],
                   "description": row[f"description_{lang}"]}
        yield row


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
                 chunk_size: int = 256, progress: Callable[[int], None] | None = None,
                 lang: str | None = None) -> tuple[bytes, list[dict[str, Any]], int]:
    """In-memory CSV export (the app's batch tab): (CSV bytes, error rows, result rows)."""
    buf = io.StringIO()
    write_csv_rows(buf, [], bom=True)
    errors: list[dict[str, Any]] = []
    n_out = done = 0
    for out, errs, consumed in run_batch(recommend_batch, rows, k, types, chunk_size):
        write_csv_rows(buf, in_language(out, lang), bom=False, header=False)
        errors.extend(errs)
        n_out += len(out)
        done += consumed
        if progress:
            progress(done)
    return buf.getvalue().encode("utf-8"), errors, n_out


