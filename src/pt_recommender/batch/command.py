"""`pt-recommender export`: streaming, chunked, atomic, resumable batch export to CSV/JSONL."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from ..files import atomic_write_bytes, atomic_write_text, fsync_dir
from ..ranking.query import check_k, check_types
from .export import ERROR_COLUMNS, run_batch, write_csv_rows, write_jsonl_rows
from .inputs import InputRow, read_queries


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
    batch_fn, engine = rec.recommend_batch, choose_engine(args, rec)
    csv_mode = True if src.lower().endswith(".csv") else None
    stream = sys.stdin.buffer if src == "-" else open(src, "rb")
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


def choose_engine(args: Any, rec: Any) -> Any:
    """Ray (`--engine ray`), worker processes (`--workers N`), or threads over `rec`."""
    if args.engine == "ray":
        from .ray import RayEngine

        return RayEngine(load_kwargs(args), args.ray_address, args.workers)
    if (args.workers or 1) > 1:
        from .engines import ProcessEngine

        return ProcessEngine(args.workers, load_kwargs(args))
    from .engines import ThreadEngine

    return ThreadEngine(rec.recommend_batch)


def load_kwargs(args: Any) -> dict[str, Any]:
    """How a worker process loads the same recommender as this one (never rebuilding)."""
    return {"data_dir": str(args.data_dir) if args.data_dir else None,
            "index_dir": str(args.index_dir) if args.index_dir else None, "model": args.model}


def _open_private(path: Path, resuming: bool) -> IO[bytes]:
    """Open a temporary output file without ever following a symlink planted at its name."""
    flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0)
    if not resuming:
        if path.is_symlink():
            path.unlink()
        flags |= os.O_CREAT | os.O_TRUNC
    return os.fdopen(os.open(path, flags, 0o644), "r+b")


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


def _bar(args: Any, src: str):
    if args.quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    total = None
    if src != "-":
        with open(src, "rb") as fh:
            total = sum(1 for _ in fh)
    return tqdm(total=total, desc="queries", unit="q", file=sys.stderr)
