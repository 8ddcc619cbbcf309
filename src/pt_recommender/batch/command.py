"""`pt-recommender export`: streaming, chunked, atomic, resumable batch export to CSV/JSONL.

A run writes `OUT.partial` (and `OUT.errors.partial`) chunk by chunk; after each chunk a
journal records how many input rows are done and the length and sha256 of both partial
files. `--resume` continues only when the partial files still match that record byte for
byte; anything else (truncated, edited, missing) starts over with a message. The final
file appears by an atomic rename, and an existing one is replaced only with `--force`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from ..files import atomic_write_bytes, atomic_write_text, fsync_dir
from ..ranking.query import check_k, check_lang, check_types
from .export import ERROR_COLUMNS, in_language, run_batch, write_csv_rows, write_jsonl_rows
from .inputs import InputRow, read_queries

FORMATS_BY_SUFFIX = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@dataclass
class Journal:
    """What has been committed to the partial files; saved after every chunk."""

    fingerprint: str
    rows_done: int = 0
    bytes: int = 0
    err_bytes: int = 0
    n_errors: int = 0
    n_out: int = 0
    sha256: str = hashlib.sha256().hexdigest()
    err_sha256: str = hashlib.sha256().hexdigest()


@dataclass
class Job:
    """The checked arguments of one export."""

    src: str
    out: Path | None  # None: standard output
    fmt: str
    k: int
    types: list[str] | None
    args: Any
    lang: str | None = None
    partial: Path = field(init=False)
    errors_partial: Path = field(init=False)
    journal: Path = field(init=False)
    errors_csv: Path = field(init=False)

    def __post_init__(self) -> None:
        if self.out is not None:
            self.partial = self.out.with_name(self.out.name + ".partial")
            self.errors_partial = self.out.with_name(self.out.name + ".errors.partial")
            self.journal = self.out.with_name(self.out.name + ".journal.json")
            self.errors_csv = self.out.with_name(self.out.name + ".errors.csv")


def run_export_cli(args: Any, load: Callable[[Any], Any]) -> int:
    """`pt-recommender export`: exit 0 all rows done, 1 some rows failed (see .errors.csv)."""
    job = plan(args)
    if job.out is None:
        return _to_stdout(job, load(args))
    state = resume_state(job) if args.resume else Journal(_fingerprint(job))
    rec = load(args)  # also makes sure the index is fresh before any worker starts
    engine = choose_engine(args, rec)
    try:
        _write_chunks(job, state, rec, engine)
    finally:
        engine.close()
    return _finish(job, state)


def plan(args: Any) -> Job:
    """Check every argument before any work: ValueError names the first problem."""
    k = check_k(args.k)
    types = sorted(check_types(args.types)) if args.types else None
    lang = check_lang(getattr(args, "lang", None))
    if args.chunk_size < 1:
        raise ValueError("--chunk-size must be at least 1")
    if args.workers is not None and not 1 <= args.workers <= 64:
        raise ValueError("--workers must be from 1 to 64")
    src = args.input
    if src != "-" and not Path(src).is_file():
        raise ValueError(f"input {src} is not a readable file")
    if args.resume and src == "-":
        raise ValueError("--resume needs an input file, not stdin")
    if str(args.output) == "-":
        if args.resume:
            raise ValueError("--resume needs an output file, not standard output (-o -)")
        return Job(src, None, args.format or "csv", k, types, args, lang)
    out = resolve_output(args.output, args.force)
    return Job(src, out, output_format(out, args.format), k, types, args, lang)


def output_format(out: Path, given: str | None) -> str:
    """The format named by --format, else by the output's extension; never a silent guess."""
    suffix = out.suffix.lower()
    if given:
        if suffix in FORMATS_BY_SUFFIX and FORMATS_BY_SUFFIX[suffix] != given:
            raise ValueError(f"--format {given} does not match the output's extension {suffix}")
        return given
    if suffix == ".json":
        raise ValueError("the export writes JSON Lines (one object a line): name the output .jsonl, "
                         "or pass --format jsonl")
    if suffix not in FORMATS_BY_SUFFIX:
        raise ValueError(f"cannot tell the format from the extension {suffix or '(none)'!r}: "
                         "name the output .csv or .jsonl, or pass --format csv|jsonl")
    return FORMATS_BY_SUFFIX[suffix]


def resolve_output(path: Path, force: bool) -> Path:
    """Absolute output path; refuses folders, missing parents and silent overwrites."""
    given = Path(path).expanduser()
    if given.is_symlink():
        raise ValueError(f"output {given} is a symbolic link; refusing to follow it")
    out = given.resolve()
    if out.is_dir():
        raise ValueError(f"output {out} is a folder; give a file name")
    if not out.parent.is_dir():
        raise ValueError(f"output folder {out.parent} does not exist")
    if out.exists() and not force:
        raise ValueError(f"output {out} exists; use --force to overwrite")
    return out


def resume_state(job: Job) -> Journal:
    """The journal of an interrupted run if its partial files prove it, else a fresh start."""
    fresh = Journal(_fingerprint(job))
    if not job.journal.is_file():
        _say(f"nothing to resume for {job.out} (no journal); starting from the first row")
        return fresh
    try:
        saved = Journal(**json.loads(job.journal.read_text()))
    except (OSError, ValueError, TypeError):
        _say("the export journal is unreadable; starting over")
        return fresh
    if saved.fingerprint != fresh.fingerprint:
        _say("the input or the options changed since the interrupted run; starting over")
        return fresh
    for path, size, digest in ((job.partial, saved.bytes, saved.sha256),
                               (job.errors_partial, saved.err_bytes, saved.err_sha256)):
        if _prefix_sha256(path, size) != digest:
            _say(f"{path.name} does not match its journal (truncated or edited); starting over")
            return fresh
    return saved


def _prefix_sha256(path: Path, size: int) -> str | None:
    """sha256 of the first `size` bytes, or None when the file is shorter or unreadable."""
    try:
        if path.is_symlink() or path.stat().st_size < size:
            return None
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            left = size
            while left:
                block = fh.read(min(left, 1 << 20))
                if not block:
                    return None
                digest.update(block)
                left -= len(block)
        return digest.hexdigest()
    except OSError:
        return None


def _write_chunks(job: Job, state: Journal, rec: Any, engine: Any) -> None:
    resuming = state.rows_done > 0
    hashes = [_hasher(job.partial, state.bytes), _hasher(job.errors_partial, state.err_bytes)]
    bar = _bar(job.args, job.src)
    with _input(job.src) as stream, _open_private(job.partial, resuming) as fh, \
            _open_private(job.errors_partial, resuming) as eh:
        rows = _skip(_rows(stream, job.src), state.rows_done)
        for h, size in ((fh, state.bytes), (eh, state.err_bytes)):
            h.truncate(size)
            h.seek(size)
        if not resuming and job.fmt == "csv":
            _write(fh, hashes[0], lambda t: write_csv_rows(t, [], bom=True))
        if bar is not None:
            bar.update(state.rows_done)
        for out_rows, errs, consumed in run_batch(rec.recommend_batch, rows, job.k, job.types,
                                                  job.args.chunk_size, engine):
            _write(fh, hashes[0], lambda t, r=out_rows: _rows_to(t, r, job.fmt, job.lang))
            _write(eh, hashes[1], lambda t, e=errs: write_csv_rows(t, e, bom=False, header=False,
                                                                   columns=ERROR_COLUMNS))
            for h in (fh, eh):
                h.flush()
                os.fsync(h.fileno())
            state.rows_done += consumed
            state.n_errors += len(errs)
            state.n_out += len(out_rows)
            state.bytes, state.err_bytes = fh.tell(), eh.tell()
            state.sha256, state.err_sha256 = hashes[0].hexdigest(), hashes[1].hexdigest()
            atomic_write_text(job.journal, json.dumps(asdict(state)))
            if bar is not None:
                bar.update(consumed)
    if bar is not None:
        bar.close()


def _finish(job: Job, state: Journal) -> int:
    """Rename the partial file into place, write the errors file, drop the journal."""
    os.replace(job.partial, job.out)
    if state.n_errors:
        header = io.StringIO()
        write_csv_rows(header, [], bom=True, columns=ERROR_COLUMNS)
        atomic_write_bytes(job.errors_csv, header.getvalue().encode() + job.errors_partial.read_bytes())
    elif job.errors_csv.exists():
        job.errors_csv.unlink()
    job.errors_partial.unlink(missing_ok=True)
    job.journal.unlink(missing_ok=True)
    fsync_dir(job.out.parent)
    _say(f"wrote {state.n_out} rows for {state.rows_done - state.n_errors} queries to {job.out}; "
         f"{state.n_errors} bad row(s)" + (f" listed in {job.errors_csv}" if state.n_errors else ""))
    return 1 if state.n_errors else 0


def _to_stdout(job: Job, rec: Any) -> int:
    """`-o -`: rows to standard output as they come; bad rows are named on stderr."""
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=True)
    if job.fmt == "csv":
        write_csv_rows(out, [], bom=False)
    n_errors = 0
    with _input(job.src) as stream:
        for out_rows, errs, _ in run_batch(rec.recommend_batch, _rows(stream, job.src), job.k, job.types,
                                           job.args.chunk_size, choose_engine(job.args, rec)):
            _rows_to(out, out_rows, job.fmt, job.lang)
            for e in errs:
                _say(f"line {e['line']}: {e['error']}")
            n_errors += len(errs)
    out.flush()
    out.detach()
    return 1 if n_errors else 0


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


def _fingerprint(job: Job) -> str:
    """Input identity and every option that changes the output's bytes."""
    args = job.args
    parts = [job.src, str(job.k), ",".join(job.types or []), str(args.chunk_size), job.fmt, str(job.lang)]
    if job.src != "-":
        st = os.stat(job.src)
        parts += [str(st.st_size), str(st.st_mtime_ns)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _rows(stream: IO[bytes], src: str) -> Iterator[InputRow]:
    rows = read_queries(stream, True if src.lower().endswith(".csv") else None)
    first = next(rows, None)
    if first is None:
        raise ValueError("the input has no queries")
    yield first
    yield from rows


def _rows_to(fh: io.TextIOBase, rows: list[dict[str, Any]], fmt: str, lang: str | None = None) -> None:
    rows = list(in_language(rows, lang))
    if fmt == "csv":
        write_csv_rows(fh, rows, bom=False, header=False)
    else:
        write_jsonl_rows(fh, rows)


class _input:
    """The input as a binary stream (stdin is not closed)."""

    def __init__(self, src: str):
        self.src = src

    def __enter__(self) -> IO[bytes]:
        self.fh = sys.stdin.buffer if self.src == "-" else open(self.src, "rb")
        return self.fh

    def __exit__(self, *exc: object) -> None:
        if self.fh is not sys.stdin.buffer:
            self.fh.close()


def _open_private(path: Path, resuming: bool) -> IO[bytes]:
    """Open a temporary output file without ever following a symlink planted at its name."""
    flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0)
    if not resuming:
        if path.is_symlink():
            path.unlink()
        flags |= os.O_CREAT | os.O_TRUNC
    return os.fdopen(os.open(path, flags, 0o644), "r+b")


def _hasher(path: Path, size: int) -> Any:
    """A sha256 already fed with the file's first `size` bytes (verified by resume_state)."""
    digest = hashlib.sha256()
    if size:
        with open(path, "rb") as fh:
            digest.update(fh.read(size))
    return digest


def _write(fh: IO[bytes], digest: Any, fill: Callable[[io.StringIO], None]) -> None:
    buf = io.StringIO()
    fill(buf)
    data = buf.getvalue().encode("utf-8")
    fh.write(data)
    digest.update(data)


def _skip(rows: Iterator[InputRow], n: int) -> Iterator[InputRow]:
    for i, row in enumerate(rows):
        if i >= n:
            yield row


def _say(message: str) -> None:
    print(f"pt-recommender: {message}", file=sys.stderr)


def _bar(args: Any, src: str) -> Any:
    if args.quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    total = None
    if src != "-":
        with open(src, "rb") as fh:
            total = sum(1 for _ in fh)
    return tqdm(total=total, desc="queries", unit="q", file=sys.stderr)
