"""The index folder: generations of plain files with a checksummed manifest, swapped atomically.

Layout::

    index/CURRENT            name of the live generation (written atomically)
    index/gen-<time>-<rand>/ vectors.npy (vectors.faiss for a graph index), ids.json, resources.json,
                             taxonomy.json, manifest.json
    index/cache/<model>/     embedding cache keyed by sha256(model, text)
    index/cache/parsed/      the catalog's YAML files parsed, keyed by sha256 of their bytes
    index/cache/lexical-docs.json  BM25 documents of the last build, keyed by sha256 of their inputs
    index/models/<model>/    ONNX export of the encoder
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from .._version import __version__
from ..catalog import Catalog, CatalogError
from ..catalog.schema import Area, Resource, Task
from ..embedding import EMBED_REPRESENTATION, NEEDS_PER_TASK
from ..encoders import Encoder, model_slug
from ..encoders.adapter import AdapterProblem, read_adapter
from ..files import atomic_write_bytes, atomic_write_text, crc32_file, file_lock, fsync_dir, fsync_file, sha256_file
from ..text.docs import embed_texts
from .lexical import Vocabulary
from .manifest import (
    EMBED_CACHE_VERSION,
    FORMAT_VERSION,
    MANIFEST,
    POINTER,
    IndexProblem,
    vector_file,
)
from .rowfile import FileBytes, NpyRows
from .vectors import BACKENDS, BY_FILE, VectorIndex, build_vectors

EMBED_BATCH = 64
CACHE_SUMS = "checksums.json"
Progress = Callable[[int, int], None]
log = logging.getLogger("pt_recommender")


def derived_cache_dir(index_dir: Path) -> Path:
    """Where a build keeps the BM25 documents of the last build (see `doc_cache`)."""
    return Path(index_dir) / "cache"


def parse_cache_dir(index_dir: Path) -> Path:
    """Where a build keeps the catalog's parsed YAML (see `catalog.parse_cache`)."""
    return Path(index_dir) / "cache" / "parsed"


@dataclass
class LoadedIndex:
    vectors: VectorIndex
    owners: np.ndarray  # resource row of each vector (a resource may have several)
    derived: dict | None  # saved ranking arrays (prior, BM25), or None for an older generation
    ids: list[str]
    resources: Sequence[Resource]  # parsed row by row on first use (LazyRows)
    tasks: dict[str, Task]
    areas: dict[str, Area]
    glossary: list[tuple[str, str]]
    manifest: dict[str, Any]
    adapter: np.ndarray | None = None  # the query adapter (see encoders.adapter), when built with one
    needs: np.ndarray | None = None  # the needs phrases' vectors (float16) and their resource rows
    need_rows: np.ndarray | None = None


def _text_key(model: str, text: str) -> str:
    return hashlib.sha256(f"{EMBED_CACHE_VERSION}\0{model}\0{text}".encode()).hexdigest()


DELTA_SHARE = 0.05  # new vectors kept beside the main file until they reach this share of it


class EmbeddingCache:
    """Vectors of texts already embedded by a model, so a rebuild embeds only what changed.

    The main files hold the vectors of a whole build; a rebuild that embeds a few new texts
    appends them to two small delta files instead of rewriting the main ones (15 MB for this
    catalog), and folds everything back into the main files once the delta passes DELTA_SHARE
    of them. Every file is checked against the checksums written before it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.keys: list[str] = []
        self.matrix: np.ndarray | None = None
        self.base = 0  # rows of the main files (the rest came from the delta)
        self._main_sums: dict[str, str] = {}
        self.problem = ""
        if (folder / "keys.json").exists() or (folder / "vectors.npy").exists():
            try:
                self._read()
            except (OSError, ValueError, KeyError, TypeError) as exc:
                self.problem = str(exc) or type(exc).__name__
                self.keys, self.matrix, self.base = [], None, 0
        self.row = {k: i for i, k in enumerate(self.keys)}

    def _read(self) -> None:
        """Trust the cache only when every file matches the checksums written with them."""
        sums = json.loads((self.folder / CACHE_SUMS).read_text())
        self._main_sums = {name: sums[name] for name in ("keys.json", "vectors.npy")}
        parts = [("keys.json", "vectors.npy")] + ([("delta-keys.json", "delta-vectors.npy")]
                                                  if "delta-keys.json" in sums else [])
        keys: list = []
        blocks = []
        for kname, vname in parts:
            for name in (kname, vname):
                if sha256_file(self.folder / name) != sums[name]:
                    raise ValueError(f"embedding cache file {name} fails its checksum")
            k = json.loads((self.folder / kname).read_text())
            m = np.load(self.folder / vname, allow_pickle=False)
            if not isinstance(k, list) or m.ndim != 2 or len(k) != len(m) or not np.isfinite(m).all():
                raise ValueError("embedding cache keys and vectors disagree")
            keys += k
            blocks.append(m)
        if len(blocks) > 1 and blocks[0].shape[1] != blocks[1].shape[1]:
            raise ValueError("embedding cache parts have different widths")
        self.keys, self.base = keys, len(blocks[0])
        self.matrix = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)

    def lookup(self, keys: list[str], dim: int) -> np.ndarray:
        """Each key's row in `matrix`, or -1 when it is not cached (or has another width)."""
        if self.matrix is None or self.matrix.shape[1] != dim:
            return np.full(len(keys), -1, dtype=np.int64)
        row = self.row
        return np.fromiter((row.get(k, -1) for k in keys), dtype=np.int64, count=len(keys))

    def save(self, keys: list[str], matrix: np.ndarray, new: np.ndarray | None = None) -> None:
        """Keep the vectors of `keys` (this build's): the `new` rows (indexes into `keys`)
        appended to the delta while it stays small, else everything rewritten."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if (new is not None and self.matrix is not None and self.base
                and self.matrix.shape[1] == matrix.shape[1]
                and len(self.keys) - self.base + len(new) <= DELTA_SHARE * self.base):
            delta_keys = self.keys[self.base:] + [keys[i] for i in new.tolist()]
            delta = np.concatenate([self.matrix[self.base:], matrix[new]]).astype(np.float32)
            self._write({"delta-keys.json": json.dumps(delta_keys).encode(),
                         "delta-vectors.npy": _npy(delta)}, keep_main=True)
            return
        self._write({"keys.json": json.dumps(keys).encode(), "vectors.npy": _npy(matrix.astype(np.float32))},
                    keep_main=False)

    def _write(self, files: dict[str, bytes], keep_main: bool) -> None:
        sums = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
        if keep_main:  # the main files as they were read (and checked) at the start of this build
            sums = {**self._main_sums, **sums}
        # the checksums go first, so a crash between the writes leaves a cache that fails them
        atomic_write_text(self.folder / CACHE_SUMS, json.dumps(sums))
        for name, data in files.items():
            atomic_write_bytes(self.folder / name, data)
        if not keep_main:
            for name in ("delta-keys.json", "delta-vectors.npy"):
                (self.folder / name).unlink(missing_ok=True)


def _npy(matrix: np.ndarray) -> bytes:
    from io import BytesIO

    buf = BytesIO()
    np.save(buf, matrix, allow_pickle=False)
    return buf.getvalue()


_MAINTAINED = {"active": 0, "maintenance": 1}


def need_texts(catalog: Catalog, per_task: int = NEEDS_PER_TASK) -> tuple[list[str], np.ndarray]:
    """The English needs phrases that read a task off a query naming none (`ranking.inferred`)
    and each one's resource row: at most `per_task` for each first task, the task's go-to
    picks first (in the editor's order), then maintained resources, then catalog order; kept
    in catalog order."""
    found: list[tuple[tuple, str, int]] = []
    for i, r in enumerate(catalog.resources):
        if not r.tasks:
            continue
        task = catalog.tasks.get(r.tasks[0])
        picks = task.featured if task is not None else ()
        pick = picks.index(r.id) if r.id in picks else len(picks)  # the editor's order
        for j, n in enumerate(dict.fromkeys(n.strip() for n in r.needs if n.strip())):
            found.append(((r.tasks[0], pick, _MAINTAINED.get(r.maintenance, 2), i, j), n, i))
    count: dict[str, int] = {}
    keep = []
    for key, text, row in sorted(found, key=lambda f: f[0]):
        if count.get(key[0], 0) < per_task:
            count[key[0]] = count.get(key[0], 0) + 1
            keep.append((row, key[4], text))
    keep.sort()
    return [t for _, _, t in keep], np.asarray([row for row, _, _ in keep], dtype=np.int64)


@dataclass(frozen=True)
class Embedded:
    """A catalog's vectors: the dense leg's (`owners` gives each one's resource row) and the
    needs phrases' (`need_rows` gives each one's resource row)."""

    matrix: np.ndarray
    owners: np.ndarray
    needs: np.ndarray
    need_rows: np.ndarray
    new: int  # texts embedded now (the rest came from the cache)


def embed_catalog(catalog: Catalog, encoder: Encoder, cache_dir: Path, progress: Progress | None = None,
                  representation: str = EMBED_REPRESENTATION) -> Embedded:
    """Every vector of every resource and every needs phrase, cache first."""
    per = [embed_texts(r, catalog.tasks, representation) for r in catalog.resources]
    needs, need_rows = need_texts(catalog)
    texts = [t for ts in per for t in ts]
    owners = np.repeat(np.arange(len(per), dtype=np.int64), [len(ts) for ts in per])
    texts += needs
    keys = [_text_key(encoder.name, t) for t in texts]
    cache = EmbeddingCache(cache_dir)
    if cache.problem:
        log.warning("embedding cache not used (%s); embedding again", cache.problem)
    at = cache.lookup(keys, encoder.dim)
    hit = at >= 0
    matrix = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    if hit.any() and cache.matrix is not None:
        matrix[hit] = cache.matrix[at[hit]]  # one gather, not a stack of 9,000 rows
    todo = np.flatnonzero(~hit)
    done = len(texts) - len(todo)
    if progress:
        progress(done, len(texts))
    for start in range(0, len(todo), EMBED_BATCH):
        chunk = todo[start : start + EMBED_BATCH]
        matrix[chunk] = np.asarray(encoder.encode([texts[i] for i in chunk.tolist()]), dtype=np.float32)
        done += len(chunk)
        if progress:
            progress(done, len(texts))
    if len(todo):
        cache.save(keys, matrix, todo)
    n = len(owners)
    return Embedded(matrix[:n], owners, matrix[n:], need_rows, len(todo))


def _write_json(path: Path, data: Any, indent: int | None = None) -> None:
    """Compact by default: the C encoder, 3x faster than an indented dump, and smaller files
    to checksum at every start (`python -m json.tool` shows them indented)."""
    text = json.dumps(data, ensure_ascii=False, indent=indent, separators=None if indent else (",", ":"))
    path.write_text(text, encoding="utf-8")


def _write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    """A JSON array with one record per line: still one plain JSON file, and a start parses only
    the lines of the rows it shows (see `LazyRows`). Each line's byte span goes beside it
    (`SPANS_FILE`), so a start need not read the whole file to find them."""
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode("utf-8") for r in rows]
    spans, at = np.zeros((len(lines), 2), dtype=np.int64), 2  # after "[\n"
    for i, line in enumerate(lines):
        spans[i] = at, at + len(line)
        at += len(line) + 2  # ",\n" (the last line's "\n]\n" is not counted again)
    path.write_bytes(b"[\n" + b",\n".join(lines) + b"\n]\n")
    np.save(path.parent / SPANS_FILE, spans, allow_pickle=False)


SPANS_FILE = "resource_spans.npy"


def _read_rows(path: Path, count: int) -> LazyRows:
    """The rows of resources.json, read one by one (`rowfile`): a one-shot answer reads the ~10
    records it shows instead of holding the whole file (6.6 MB at 3,085 resources) and a newline
    scan of it the size of the file again. Both files were checksummed by `check_index`."""
    spans, data = np.load(path.parent / SPANS_FILE, allow_pickle=False), FileBytes(path)
    if (spans.ndim != 2 or spans.shape != (count, 2) or spans.dtype != np.int64 or (count and (
            spans[:, 0].min() < 2 or (spans[:, 1] <= spans[:, 0]).any() or spans[:, 1].max() > data.size))):
        raise IndexProblem("dim", "the resource spans do not match resources.json")
    return LazyRows(data, spans)


class LazyRows(Sequence[Resource]):
    """The resources of a generation, each parsed from its line on first use: ranking reads the
    saved columns (types, tasks, links), so a one-shot answer parses the ~10 rows it shows rather
    than all 1,400 records (about a tenth of its time). The file was checksummed before this."""

    def __init__(self, data: bytes | FileBytes, spans: np.ndarray | None = None):
        if spans is not None:  # spans saved by the build: nothing to scan, rows read from the file
            self._data, self._spans = data, spans.tolist()
            self._rows: list[Resource | None] = [None] * len(self._spans)
            return
        if not data.startswith(b"[\n"):  # not one record per line: parse it whole
            self._data, self._spans = b"", []
            self._rows = [_resource(r) for r in json.loads(data)]
            return
        # each record line's (start, end) in the file's bytes, found by one vectorised newline scan
        # and without copying the text: splitting the 4.5 MB text copied it several times over,
        # ~10 ms of a one-shot answer. JSON escapes newlines inside strings, so every newline ends a
        # line; a record line starts with "{" and may end with the "," between records.
        newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10).tolist()
        spans = [(start, stop - (data[stop - 1] == 44))  # 44: ","
                 for start, stop in zip((n + 1 for n in newlines), [*newlines[1:], len(data)], strict=True)
                 if stop > start and data[start] == 123]  # 123: "{"
        self._data, self._spans = data, spans
        self._rows = [None] * len(spans)

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        got = self._rows[i]
        if got is None:  # two threads may both parse a row: equal records, no harm
            start, stop = self._spans[i]
            got = self._rows[i] = _resource(json.loads(self._data[start:stop]))
        return got


def build_index(catalog: Catalog, index_dir: Path, encoder: Encoder, backend: str = "faiss",
                progress: Progress | None = None, lock: bool = True,
                representation: str = EMBED_REPRESENTATION, derived: dict | None = None) -> Path:
    """Build a new generation and make it live atomically; the old one serves until then."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with file_lock(index_dir / ".lock") if lock else contextlib.nullcontext():
        embedded = embed_catalog(catalog, encoder, index_dir / "cache" / model_slug(encoder.name),
                                 progress, representation)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        name = f"gen-{stamp}-{secrets.token_hex(3)}"  # sorts by build time
        tmp = index_dir / f".{name}.tmp"
        tmp.mkdir()
        try:
            _write_generation(tmp, catalog, embedded, encoder, backend, representation, derived)
            os.replace(tmp, index_dir / name)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)  # a failed build leaves no folder behind
            raise
        fsync_dir(index_dir)
        atomic_write_text(index_dir / POINTER, name + "\n")
        _prune(index_dir, keep={name})
        return index_dir / name


def _plain(record: Any) -> dict[str, Any]:
    """A record's fields as JSON-ready values: the fields hold only strings, numbers, tuples
    and dicts of those, so the deep copy `dataclasses.asdict` makes (5x slower) is not needed."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _write_generation(tmp: Path, catalog: Catalog, embedded: Embedded, encoder: Encoder,
                      backend: str, representation: str, derived: dict | None = None) -> None:
    """Every file of a generation plus its manifest, fsynced, in the temporary folder."""
    matrix, owners, new = embedded.matrix, embedded.owners, embedded.new
    # float16: a task is read off the best-matching phrase, which half precision keeps (the
    # file is half the size, and every stored byte is hashed at load)
    np.save(tmp / NEEDS_FILE, embedded.needs.astype(np.float16), allow_pickle=False)
    np.save(tmp / NEED_ROWS_FILE, embedded.need_rows.astype(np.int64), allow_pickle=False)
    if derived:
        _write_derived(tmp, derived)
    adapter = _write_adapter(tmp, catalog, encoder)
    vectors, vector_index = build_vectors(backend, matrix)
    vectors.save(tmp / vector_index["file"])
    _write_json(tmp / "ids.json", [r.id for r in catalog.resources])
    np.save(tmp / "owners.npy", owners.astype(np.int64), allow_pickle=False)
    _write_rows(tmp / "resources.json", [_plain(r) for r in catalog.resources])
    _write_json(tmp / "taxonomy.json", {
        "tasks": [_plain(t) for t in catalog.tasks.values()],
        "areas": [_plain(a) for a in catalog.areas.values()],
        "glossary": catalog.glossary,
    })
    files = sorted(p.name for p in tmp.iterdir())
    for f in files:
        fsync_file(tmp / f)
    manifest = {
        "format_version": FORMAT_VERSION,
        "model": encoder.name,
        "dim": encoder.dim,
        "backend": backend,
        "vector_index": vector_index,
        "representation": representation,
        "adapter": adapter,
        "vectors": int(len(owners)),
        "need_vectors": int(len(embedded.need_rows)),
        "needs_per_task": NEEDS_PER_TASK,
        "catalog_hash": catalog.content_hash,
        "package_version": __version__,
        "count": len(catalog.resources),
        "embedded_new": new,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": {f: {"crc32": crc32_file(tmp / f), "bytes": (tmp / f).stat().st_size}
                  for f in files},
    }
    _write_json(tmp / MANIFEST, manifest, indent=1)
    fsync_file(tmp / MANIFEST)
    fsync_dir(tmp)


ADAPTER_FILE = "adapter.npy"
NEEDS_FILE = "needs.npy"
NEED_ROWS_FILE = "need_rows.npy"


def _write_adapter(tmp: Path, catalog: Catalog, encoder: Encoder) -> dict | None:
    """The encoder's query adapter from the catalog folder, saved into the generation (where
    the manifest checksums it); its description goes into the manifest. A damaged adapter
    stops the build with the reason rather than changing every answer without a word."""
    if catalog.data_dir is None:
        return None
    try:
        found = read_adapter(catalog.data_dir, encoder.name, encoder.dim)
    except AdapterProblem as exc:
        raise CatalogError([f"{exc}; restore it (git checkout) or train it again "
                            "(scripts/train_adapter.py)"]) from None
    if found is None:
        return None
    matrix, meta = found
    np.save(tmp / ADAPTER_FILE, matrix, allow_pickle=False)
    return {"file": ADAPTER_FILE, "sha256": meta["sha256"], "trained_on": meta.get("trained_on"),
            "trained_at": meta.get("trained_at")}


DERIVED_ARRAYS = ("prior", "bm25_indptr", "bm25_docs", "bm25_weights", "bm25_vocab")


def _write_derived(tmp: Path, derived: dict) -> None:
    """What the ranking derives from the catalog (the prior, BM25 postings, the name table, the
    glossary's pairs, the task phrase table), saved so that a start loads them instead of recomputing them; covered
    by the manifest like every file."""
    lex = derived["lexical"]
    vocab = lex["vocab"]
    arrays = {"prior": derived["prior"], "bm25_indptr": lex["indptr"], "bm25_docs": lex["docs"],
              "bm25_weights": lex["weights"],
              "bm25_vocab": vocab if isinstance(vocab, np.ndarray) else Vocabulary.saved(vocab)}
    for name, arr in arrays.items():
        np.save(tmp / f"{name}.npy", np.asarray(arr), allow_pickle=False)
    _write_json(tmp / "derived.json", {"key": derived["key"], "bm25_size": lex["size"],
                                       "by_name": derived.get("by_name"), "same_as": derived.get("same_as"),
                                       "glossary_pairs": derived.get("glossary_pairs"),
                                       "matcher": derived.get("matcher"), "columns": derived.get("columns")})


def _read_derived(gen: Path) -> dict | None:
    if not (gen / "derived.json").is_file():
        return None
    meta = json.loads((gen / "derived.json").read_text(encoding="utf-8"))
    # the BM25 arrays are memory-mapped: a query reads the postings of its own tokens and a few
    # vocabulary rows, so a one-shot answer pages in those rather than all ~5 MB (checksummed by
    # `check_index`; a live generation's files are never written again)
    a = {name: np.load(gen / f"{name}.npy", allow_pickle=False, mmap_mode="r" if name.startswith("bm25") else None)
         for name in DERIVED_ARRAYS}
    return {"key": meta["key"], "prior": a["prior"], "by_name": meta.get("by_name"), "same_as": meta.get("same_as"),
            "glossary_pairs": [tuple(p) for p in meta["glossary_pairs"]] if meta.get("glossary_pairs") else None,
            "matcher": meta.get("matcher"), "columns": meta.get("columns"),
            "lexical": {"size": meta["bm25_size"], "indptr": a["bm25_indptr"], "docs": a["bm25_docs"],
                        "weights": a["bm25_weights"], "vocab": a["bm25_vocab"]}}


def _prune(index_dir: Path, keep: set[str]) -> None:
    """Remove leftovers of killed builds and generations older than the newest two."""
    gens = sorted((p for p in index_dir.glob("gen-*") if p.is_dir()), key=lambda p: p.name)
    keep = keep | {p.name for p in gens[-2:]}
    for p in index_dir.iterdir():
        if (p.name.startswith(".gen-") or (p.name.startswith("gen-") and p.name not in keep)):
            shutil.rmtree(p, ignore_errors=True)


def load_generation(gen: Path, manifest: dict) -> LoadedIndex:
    """Read a checked generation (no pickle anywhere: JSON, .npy and FAISS files only)."""
    try:
        return _load_generation(gen, manifest)
    except IndexProblem:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable part means: rebuild
        raise IndexProblem("corrupt", f"index generation {gen.name} is unreadable "
                                      f"({type(exc).__name__})") from None


def _load_generation(gen: Path, manifest: dict) -> LoadedIndex:
    backend = manifest.get("backend", "faiss")
    if backend not in BACKENDS:
        raise IndexProblem("corrupt", f"unknown vector backend {backend!r} in manifest")
    name = vector_file(manifest)
    vectors = BY_FILE[name].load(gen / name)
    ids = json.loads((gen / "ids.json").read_text())
    resources = _read_rows(gen / "resources.json", len(ids))
    tax = json.loads((gen / "taxonomy.json").read_text(encoding="utf-8"))
    owners = np.load(gen / "owners.npy", allow_pickle=False)
    if (vectors.dim != manifest["dim"] or len(vectors) != len(owners) or len(ids) != len(resources)
            or (len(owners) and (owners.min() < 0 or owners.max() >= len(ids)))):
        raise IndexProblem("dim", "index vectors do not match the manifest's dimension or count")
    adapter = None
    if manifest.get("adapter"):
        adapter = np.load(gen / ADAPTER_FILE, allow_pickle=False)
        if adapter.shape != (manifest["dim"], manifest["dim"]):
            raise IndexProblem("dim", "the query adapter does not match the index dimension")
    # read by row (`rowfile`): a query reads the phrases of the few rows it found (a few hundred of
    # 10,000), so a one-shot answer reads those instead of holding all 9 MB; the bytes were
    # checksummed by `check_index`, and a generation's files are never written again once it is live
    needs = NpyRows(gen / NEEDS_FILE)
    need_rows = np.load(gen / NEED_ROWS_FILE, allow_pickle=False)
    if (needs.ndim != 2 or len(needs) != len(need_rows) or len(needs) != manifest.get("need_vectors")
            or (len(needs) and needs.shape[1] != manifest["dim"])
            or (len(need_rows) and (need_rows.min() < 0 or need_rows.max() >= len(ids)))):
        raise IndexProblem("dim", "the needs vectors do not match the manifest's dimension or count")
    return LoadedIndex(
        vectors=vectors, owners=owners, ids=ids, resources=resources, derived=_read_derived(gen), adapter=adapter,
        needs=needs, need_rows=need_rows,
        tasks={t["id"]: _record(Task, t) for t in tax["tasks"]},
        areas={a["id"]: _record(Area, a) for a in tax["areas"]},
        glossary=[(zh, en) for zh, en in tax["glossary"]], manifest=manifest,
    )


def _record(cls: type, data: dict) -> Any:
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


_RESOURCE_FIELDS = frozenset(Resource.__dataclass_fields__)


def _resource(data: dict) -> Resource:
    """A Resource from its saved fields. A complete record (what a build writes) is filled in
    directly: the frozen dataclass's per-field setattr made this a third of a cold start's
    load; the record stays frozen and equal to the constructed one."""
    if data.keys() != _RESOURCE_FIELDS:
        return _record(Resource, data)
    r = object.__new__(Resource)
    r.__dict__.update({k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})
    return r
