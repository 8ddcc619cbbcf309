"""What makes an index generation servable: its manifest and the checks on it.

No NumPy or FAISS here, so `build --if-stale` can answer "up to date" from a cold process
in a tenth of a second: it needs only file hashes and the manifest.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .._version import __version__
from ..catalog import PROJECT_ROOT, content_hash, default_data_dir, in_checkout
from ..embedding import EMBED_REPRESENTATION, NEEDS_PER_TASK
from ..files import file_checksum_ok

# 2: int8 vectors are computed one text per model call (they no longer depend on the batch),
#    so indexes and cached embeddings of version 1 are rebuilt once
# 3: resources carry needs, maintenance evidence and per-weight metrics
# 4: BM25 postings saved impact-ordered; 5: no one-character tokens; 6: x-ray read as xray;
# 7: an exact vector index is saved as vectors.npy (its file named in the manifest) for any backend
# 8: "8-bit" read as int8; 9: "distribution" and "transformer" keep stems of their own;
# 10: resources.json holds one record per line and derived.json the columns ranking reads
# 11: the query adapter (encoders.adapter) travels in the generation, named in the manifest
# 12: a Chinese type word (数据集) is no half of a task's name in the saved phrase table
# 13: the needs phrases' vectors (needs.npy, need_rows.npy) read a task off a query that names none
# 14: "visualization" (and its British spelling) keeps a stem apart from "visual"
# 15: at most NEEDS_PER_TASK needs phrases a task are embedded for the inferred task
# 16: "interpreter" keeps a stem apart from "interpret"; 17: so does "optimizer" from "optimize"
# 18: British spellings (-ise roots, -our, -tre, licence, catalogue) stem as the American ones
# 19: the ranking columns say which rows are the C++ side of PyTorch (`cpp`)
# 20: a maintenance-mode row that names a successor hands over to it (`succ`)
# 22: the BM25 vocabulary is an array of UTF-8 bytes (bm25_vocab.npy), not a list in derived.json
# 23: resource_spans.npy holds each resources.json record's byte span: a start reads and parses
#     only the records it shows, instead of reading the file whole and scanning it for newlines
FORMAT_VERSION = 23
EMBED_CACHE_VERSION = 3  # what a cached embedding's key covers; the format may change without it
POINTER = "CURRENT"
MANIFEST = "manifest.json"
REQUIRED_FILES = ("ids.json", "resources.json", "resource_spans.npy", "taxonomy.json", "owners.npy")
VECTOR_FILES = {"numpy": "vectors.npy", "faiss": "vectors.faiss"}  # backend -> its file


def vector_file(manifest: dict) -> str:
    """The generation's vector file: named in the manifest (an exact index is plain vectors.npy
    whatever the backend), else the backend's own file."""
    named = (manifest.get("vector_index") or {}).get("file")
    if named is not None:
        if named not in VECTOR_FILES.values():
            raise KeyError(named)
        return named
    return VECTOR_FILES[manifest.get("backend", "faiss")]


class IndexProblem(Exception):
    """Why an index cannot be served; `kind` is missing|stale|model|dim|checksum|corrupt."""

    def __init__(self, kind: str, message: str):
        self.kind = kind
        super().__init__(message)


def default_index_dir(data_dir: Path | None = None) -> Path:
    """`PT_RECOMMENDER_INDEX_DIR`, else a checkout's own `index/`, else a per-user cache folder
    keyed by package version and catalog hash (an installed package may be read-only)."""
    env = os.environ.get("PT_RECOMMENDER_INDEX_DIR")
    if env:
        return Path(env)
    if in_checkout():
        return PROJECT_ROOT / "index"
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    key = f"{__version__}-{content_hash(data_dir)[:12]}" if data_dir.is_dir() else __version__
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pt-recommender" / key


def check_index(index_dir: Path, model: str, catalog_hash: str | None,
                dim: int | None = None, backend: str | None = None,
                representation: str | None = EMBED_REPRESENTATION) -> tuple[Path, dict]:
    """The live generation and its manifest, or IndexProblem saying why it must not be used."""
    pointer = Path(index_dir) / POINTER
    if not pointer.is_file():
        raise IndexProblem("missing", f"no index in {index_dir}")
    gen = Path(index_dir) / pointer.read_text().strip()
    if not gen.name.startswith("gen-") or not (gen / MANIFEST).is_file():
        raise IndexProblem("missing", f"the index generation {gen.name!r} is missing")
    try:
        manifest = json.loads((gen / MANIFEST).read_text())
        # the version first: an index of an earlier format lacks files this one needs, and is
        # rebuilt for its version, not reported as damaged
        if manifest.get("format_version") != FORMAT_VERSION:
            raise IndexProblem("corrupt", "index format version differs from this package's")
        files = manifest["files"]
        needed = {*REQUIRED_FILES, vector_file(manifest)}  # unknown: KeyError
        if not isinstance(files, dict) or not needed <= set(files) or not all(
                isinstance(m, dict) and (isinstance(m.get("crc32"), str) or isinstance(m.get("sha256"), str))
                for m in files.values()):
            raise IndexProblem("corrupt", "the index manifest does not list a checksum for every file")
    except (ValueError, KeyError, TypeError):
        raise IndexProblem("corrupt", "the index manifest is unreadable") from None
    if manifest.get("model") != model:
        raise IndexProblem("model", f"index was built with model {manifest.get('model')!r}, "
                                    f"but {model!r} is configured")
    if dim is not None and manifest.get("dim") != dim:
        raise IndexProblem("dim", f"index has dimension {manifest.get('dim')!r}, but the encoder "
                                  f"produces {dim}")
    if representation is not None and manifest.get("representation") != representation:
        raise IndexProblem("stale", f"index embeds {manifest.get('representation')!r}, not {representation!r}")
    if representation is not None and manifest.get("needs_per_task") != NEEDS_PER_TASK:
        raise IndexProblem("stale", f"index keeps {manifest.get('needs_per_task')!r} needs phrases a task, "
                                    f"not {NEEDS_PER_TASK}")
    if backend is not None and manifest.get("backend") != backend:
        raise IndexProblem("stale", f"index uses the {manifest.get('backend')!r} backend, not {backend!r}")
    if catalog_hash is not None and manifest.get("catalog_hash") != catalog_hash:
        raise IndexProblem("stale", "the catalog changed since the index was built")
    for name, meta in files.items():
        path = gen / name
        if not path.is_file():
            raise IndexProblem("checksum", f"index file {name} is missing")
        if path.stat().st_size != meta.get("bytes") or not file_checksum_ok(path, meta):
            raise IndexProblem("checksum", f"index file {name} fails its checksum (corrupted)")
    return gen, manifest
