"""The Recommender facade: loads (or rebuilds) the index and answers single and batch queries."""

from __future__ import annotations

import copy
import gc
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np

from .catalog import Catalog, CatalogError, content_hash, default_data_dir, load_catalog_bundle
from .catalog.schema import Area, Recommendation, Resource, Task
from .config import BATCH_CHUNK, CONSTRAINT_KIN, CONSTRAINT_TASKS, EMBED_REPRESENTATION, Options
from .encoders import Encoder, configured_name, make_encoder, vocabulary_words
from .encoders.adapter import adapt, adapted_rows
from .files import file_lock
from .index.manifest import IndexProblem, check_index, default_index_dir
from .index.store import Progress, build_index, derived_cache_dir, load_generation, parse_cache_dir
from .index.vectors import NumpyIndex, VectorIndex
from .ranking.context import RankingData, derive
from .ranking.explain import explain
from .ranking.inferred import NeedTasks
from .ranking.pipeline import Hit, Pipeline, Prepared
from .ranking.query import (
    Query,
    analyse,
    check_k,
    check_lang,
    check_queries,
    check_query,
    check_types,
    weigh_constraints,
)
from .ranking.spelling import Speller, catalog_words
from .text.lang import Glossary, has_cjk, stem

log = logging.getLogger("pt_recommender")
_NO_GLOSSARY = Glossary([])
NEED_VECTORS_WARM_AFTER = 8  # uses of the needs phrases (two or three a query) before they turn float32
INDEX_TIME_OPTIONS = ("name_weight", "task_weight", "needs_weight")

__all__ = ["IndexNotReady", "Options", "Recommender"]


class IndexNotReady(RuntimeError):
    """The index is missing, stale or corrupt and rebuilding was not allowed (CLI exit 3)."""



def _lone_task_floor(q: Query, floor: float) -> Query:
    """A query's only named task at `floor` strength at least: strength is the share of the
    query's words the task's phrase covers, so a long need naming one task by a two-word phrase
    ("... in our brand voice ...") would lift it less than a short query naming it loosely."""
    if len(q.tasks) != 1 or q.starting:
        return q
    (task, strength), = q.tasks.items()
    return q if strength >= floor else replace(q, tasks={task: floor})

class Recommender:
    """Holds the catalog, vectors, BM25 and encoder; read-only after construction, so it is
    safe to share between threads."""

    def __init__(self, resources: Sequence[Resource], tasks: Mapping[str, Task],
                 areas: Mapping[str, Area], glossary: Iterable[tuple[str, str]],
                 vectors: VectorIndex, encoder: Encoder, options: Options | None = None,
                 manifest: dict | None = None, owners: np.ndarray | None = None, saved: dict | None = None,
                 adapter: np.ndarray | None = None, needs: np.ndarray | None = None,
                 need_rows: np.ndarray | None = None):
        self.vectors = vectors
        self.adapter = adapter  # the query adapter the index was built with (encoders.adapter)
        # resource row of each vector; one vector per resource unless the index says otherwise
        self.owners = np.arange(len(resources), dtype=np.int64) if owners is None else np.asarray(owners)
        self._one_vector_each = bool(np.array_equal(self.owners, np.arange(len(resources))))
        self.encoder = encoder
        self.options = options or Options()
        self.manifest = manifest or {}
        self.data = RankingData.build(resources, tasks, areas, glossary, self.options, saved)
        # typos are read against the encoder's English words (asked for on the first unknown word)
        self.data.speller = Speller(self.data.lexical.vocabulary, lambda: vocabulary_words(self.encoder), stem,
                                    lambda: catalog_words(self.data.resources))
        # each resource's first vector, when a resource may have several (else a row is its vector)
        self._first_vector = None
        if not self._one_vector_each:
            rows, first = np.unique(self.owners, return_index=True)
            self._first_vector = np.full(len(resources), -1, dtype=np.int64)
            self._first_vector[rows] = first
        self.pipeline = Pipeline(self.data, self.options, self._row_vectors, self._need_match)
        self._needs, self._need_rows = needs, need_rows
        self._need_tasks: NeedTasks | None = None
        self._need_tasks_read = False
        self._need_tasks_uses = 0

    @property
    def need_tasks(self) -> NeedTasks | None:
        """The needs phrases as task readers, made on first use. A one-shot process reads the
        float16 rows it needs (converting all of them would cost 12 MiB of its peak); a process
        that keeps answering converts them once, after a few queries, for speed. Two threads may
        both make or convert it: equal objects, no harm."""
        if not self._need_tasks_read:
            primary = [ts[0] if ts else None for ts in self.data.row_tasks]
            self._need_tasks = NeedTasks.build(self._needs, self._need_rows, primary)
            self._need_tasks_read = True
        self._need_tasks_uses += 1
        if self._need_tasks_uses == NEED_VECTORS_WARM_AFTER and self._need_tasks is not None:
            self._need_tasks = self._need_tasks.as_float32()
        return self._need_tasks

    def _need_match(self, vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        found = self.need_tasks
        return np.full(len(rows), -1.0, dtype=np.float32) if found is None else found.closest(vector, rows)

    @property
    def resources(self) -> list[Resource]:
        return self.data.resources

    @property
    def tasks(self) -> dict[str, Task]:
        return self.data.tasks

    @property
    def areas(self) -> dict[str, Area]:
        return self.data.areas

    @property
    def matcher(self):  # TaskMatcher
        return self.data.matcher

    @property
    def types(self) -> list[str]:
        return self.data.types

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_catalog(cls, catalog: Catalog, encoder: Encoder, options: Options | None = None,
                     representation: str = EMBED_REPRESENTATION) -> Recommender:
        """In-memory recommender (no index files): for tests and small custom catalogs."""
        import tempfile

        from .index.store import embed_catalog

        with tempfile.TemporaryDirectory() as tmp:
            embedded = embed_catalog(catalog, encoder, Path(tmp), representation=representation)
        vectors = NumpyIndex(encoder.dim)
        vectors.add(embedded.matrix)
        return cls(catalog.resources, catalog.tasks, catalog.areas, catalog.glossary, vectors,
                   encoder, options, owners=embedded.owners, needs=embedded.needs, need_rows=embedded.need_rows)

    @classmethod
    def load(cls, data_dir: str | Path | None = None, index_dir: str | Path | None = None,
             model: str | None = None, encoder: Encoder | None = None, rebuild: bool = True,
             backend: str | None = None, progress: Progress | None = None,
             options: Options | None = None, representation: str = EMBED_REPRESENTATION) -> Recommender:
        """Load the live index; a missing, stale, mismatched or corrupt one is rebuilt (one log
        line says why) or, with `rebuild=False`, refused with IndexNotReady."""
        data_dir = Path(data_dir) if data_dir else default_data_dir()
        index_dir = Path(index_dir) if index_dir else default_index_dir(data_dir)
        if not data_dir.is_dir():
            raise CatalogError([f"{data_dir}:-:-: catalog folder not found"])
        encoder = encoder or make_encoder(configured_name(model), index_dir)
        try:
            with paused_gc():
                gen, manifest = check_index(index_dir, encoder.name, content_hash(data_dir), encoder.dim, backend,
                                            representation)
                loaded = load_generation(gen, manifest)
        except IndexProblem as problem:
            if not rebuild:
                raise IndexNotReady(f"{problem} — run `pt-recommender build`") from None
            gen, manifest = ensure_index(data_dir, index_dir, encoder, backend or "faiss", progress, problem,
                                         representation)
            loaded = load_generation(gen, manifest)
        ready = getattr(encoder, "ready", None)
        if ready is not None:  # an ONNX encoder loads its session meanwhile: fail here, not mid-query
            ready()
        with paused_gc():
            rec = cls(loaded.resources, loaded.tasks, loaded.areas, loaded.glossary, loaded.vectors,
                      encoder, options, loaded.manifest, loaded.owners, loaded.derived, loaded.adapter,
                      loaded.needs, loaded.need_rows)
        release_freed_memory()
        return rec

    def with_options(self, **changes: object) -> Recommender:
        """A view sharing every loaded part but with other options (for ablations)."""
        other = copy.copy(self)
        other.options = replace(self.options, **changes)
        if any(getattr(other.options, f) != getattr(self.options, f) for f in INDEX_TIME_OPTIONS):
            d = self.data  # the BM25 documents change: derive the ranking data again
            other.data = RankingData.build(d.resources, d.tasks, d.areas, d.glossary_pairs, other.options)
            other.data.speller = d.speller
        other.pipeline = Pipeline(other.data, other.options, other._row_vectors, other._need_match)
        return other

    def _row_vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of catalog rows (a row's first one when it has several)."""
        return self.vectors.stored(rows if self._first_vector is None else self._first_vector[rows])

    # ---------------------------------------------------------------- queries
    def recommend(self, query: str, k: int = 10, types: Iterable[str] | None = None,
                  lang: str | None = None) -> list[Recommendation]:
        """Top-k resources for one task description (a batch of one). `lang` ("en"/"zh")
        picks the language of descriptions and reasons; by default it follows the query."""
        return self.recommend_batch([check_query(query)], k=k, types=types, lang=lang)[0]

    def recommend_batch(self, queries: Sequence[str], k: int = 10, types: Iterable[str] | None = None,
                        lang: str | None = None) -> list[list[Recommendation]]:
        """Top-k for each query. Queries are embedded, searched and scored a chunk at a
        time (one model call, one vector search and one set of array operations per chunk),
        so memory stays flat and the per-query cost is a fraction of a single call's."""
        k = check_k(k)
        chosen = check_types(types)
        lang = check_lang(lang)
        texts = check_queries(queries)
        chunks = [texts[i : i + BATCH_CHUNK] for i in range(0, len(texts), BATCH_CHUNK)]
        if len(chunks) <= 1:
            return [r for c in chunks for r in self._rank_batch(self._prepare(c, chosen), k, chosen, lang)]
        # pipeline: the next chunk is embedded (the model releases the GIL) while this one
        # is scored, so both cores stay busy
        from concurrent.futures import ThreadPoolExecutor

        out: list[list[Recommendation]] = []
        with ThreadPoolExecutor(1, thread_name_prefix="pt-embed") as pool:
            ahead = pool.submit(self._prepare, chunks[0], chosen)
            for i in range(len(chunks)):
                ready = ahead.result()
                if i + 1 < len(chunks):
                    ahead = pool.submit(self._prepare, chunks[i + 1], chosen)
                out.extend(self._rank_batch(ready, k, chosen, lang))
        return out

    def _prepare(self, texts: list[str], types: frozenset[str] | None = None) -> Prepared:
        """Analyse and embed a chunk, and search each query's dense top rows: deep enough for
        k0 rows of the requested types (a narrow filter searches deeper, and a query still
        short of k0 of them is searched in full)."""
        glossary = self.data.glossary if self.options.glossary else _NO_GLOSSARY
        analysed = [analyse(q, glossary, self.data.matcher, self.data.speller) for q in texts]
        if self.options.min_named:
            analysed = [_lone_task_floor(q, self.options.min_named) for q in analysed]
        if self.options.constraint_share != 1.0:
            analysed = [q if not q.tasks else replace(q, tasks=weigh_constraints(
                q.tasks, CONSTRAINT_TASKS | q.situation, self.options.constraint_share, CONSTRAINT_KIN))
                for q in analysed]
        # a query with no letter or digit at all ("🔥🔥🔥") has nothing to mean: no dense leg
        todo = np.array([i for i, q in enumerate(analysed)
                         if any(c.isalnum() for c in q.english) and not has_cjk(q.english)]
                        if self.options.dense else [], dtype=np.int64)
        if not len(todo):
            return Prepared(analysed, todo, np.zeros((0, 0), dtype=np.int64), np.zeros((0, 0), np.float32))
        texts = [analysed[i].english for i in todo]
        vecs = raw = self.encoder.encode(texts)
        if self.adapter is not None and self.options.adapter:
            mapped = adapted_rows(texts)
            if mapped.any():  # a copy: an encoder may hand out vectors it keeps (a memo)
                vecs = np.array(vecs, dtype=np.float32)
                vecs[mapped] = adapt(vecs[mapped], self.adapter)
        rows, sims = self._dense_search(vecs, types)
        if self.options.infer_task and self.options.taxonomy:
            for j, i in enumerate(todo.tolist()):
                analysed[i] = self._infer_task(analysed[i], raw[j], rows[j][: self.options.k0])
        return Prepared(analysed, todo, rows, sims, vecs)

    def _infer_task(self, q: Query, vec: np.ndarray, rows: np.ndarray) -> Query:
        """A query naming no task gets the task its meaning points to (see `ranking.inferred`),
        read from the phrases of `rows` (the dense leg's best) with the encoder's own vector:
        the phrases are embedded as queries are, unadapted. A lone named task the meaning confirms
        gets at least the inferred strength: a two-word phrase found in a long need ("... nobody can
        remember which config gave the best score") must not count for less than the meaning alone
        (read sets: 15 queries up, 7 down, +0.0002; raising an agreeing task among several named
        ones: 42 up, 21 down, three of them by 0.28-0.65 where the task was a side constraint)."""
        strength = self.options.w_inferred
        if q.starting or (q.tasks and (len(q.tasks) > 1 or max(q.tasks.values()) >= strength)):
            return q  # nothing an inference could change (and no phrase vectors to load)
        if self.need_tasks is None:
            return q
        found = self.need_tasks.infer(vec, rows, self.options.min_inferred)
        if found is None or found[0] in q.opposite:
            return q
        task = found[0]
        if not q.tasks:
            return replace(q, tasks={task: strength}, inferred=frozenset((task,)))
        return replace(q, tasks={task: strength}) if task in q.tasks else q  # the lone, weaker one

    def _dense_search(self, vecs: np.ndarray, types: frozenset[str] | None) -> tuple[np.ndarray, np.ndarray]:
        d, k0 = self.data, self.options.k0
        n = len(d.resources)
        type_ok = d.type_filter(types)  # per type: the rows' types are tested, not the catalog's
        share = 1.0 if types is None else max(float(d.type_counts[type_ok].sum()) / n, 1.0 / n)
        depth = (len(self.owners) if not self._one_vector_each
                 else min(n, int(np.ceil(k0 / share * (1.0 if types is None else 2.0)))))
        while True:
            sims, hits = self.vectors.search(vecs, depth)
            hits = np.asarray(hits, dtype=np.int64)
            rows, sims = (hits, sims) if self._one_vector_each else best_per_resource(self.owners, hits, sims, n)
            if types is None or depth >= len(self.owners):
                return rows, sims
            ok = rows >= 0
            ok[ok] = type_ok[d.type_index[rows[ok]]]
            if (ok.sum(axis=1) >= k0).all():
                return rows, sims
            # an exact index ranks everything; a graph index is only searched deeper, as a
            # full ranking of a large catalog is what it exists to avoid
            exact = self.manifest.get("vector_index", {}).get("kind", "exact") == "exact"
            depth = len(self.owners) if exact else min(len(self.owners), 8 * depth)

    def _rank_batch(self, prep: Prepared, k: int, types: frozenset[str] | None,
                    lang: str | None = None) -> list[list[Recommendation]]:
        hits = self.pipeline.rank(prep, k, types)
        return [[self._record(q, h, lang or q.lang) for h in found]
                for q, found in zip(prep.queries, hits, strict=True)]

    def _record(self, q: Query, hit: Hit, lang: str) -> Recommendation:
        r = self.data.resources[hit.row]
        why = explain(q, r, self.data.tasks, hit.via_task, hit.legs, self.data.areas, self.data.terms[hit.row],
                      hit.pick_for, self.data.resources[hit.replaces].name if hit.replaces is not None else "",
                      hit.voted_for, self.data.terms.needs(hit.row))
        en, zh = why.render("en"), why.render("zh")
        desc_zh = r.description_zh or r.description
        return Recommendation(
            id=r.id, name=r.name, type=r.type, score=round(hit.score, 4), url=r.url,
            reason=zh if lang == "zh" else en, description=desc_zh if lang == "zh" else r.description,
            tasks=r.tasks, status=r.status, lang=lang, description_en=r.description, description_zh=desc_zh,
            reason_en=en, reason_zh=zh, access=r.access,
        )

    def resource(self, resource_id: str) -> Resource | None:
        row = self.data.row_of.get(resource_id)
        return None if row is None else self.resources[row]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cyclic collector off while a generation loads: reading it makes some 100,000
    small objects, none of them in a cycle, which set the collector off about 75 times (one full
    pass over everything) for nothing, about a sixth of a one-shot answer's load. It is switched
    back on (if it was on) however the block ends."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def release_freed_memory() -> None:
    """Hand the heap that reading a generation freed (parse buffers, ~4 MiB) back to the system.
    glibc keeps it for reuse, but the encoder's first call allocates elsewhere, so a one-shot
    answer's peak held both (128 -> 125 MiB at 2,600 resources). Takes ~0.5 ms; a no-op where
    the C library has no malloc_trim."""
    import ctypes

    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (AttributeError, OSError):
        pass


def ensure_index(data_dir: Path, index_dir: Path, encoder: Encoder, backend: str,
                 progress: Progress | None, why: IndexProblem, representation: str = EMBED_REPRESENTATION
                 ) -> tuple[Path, dict]:
    """Rebuild under the build lock, unless another process finished one meanwhile."""
    with file_lock(Path(index_dir) / ".lock"):
        try:
            gen, manifest = check_index(index_dir, encoder.name, content_hash(data_dir), encoder.dim, backend,
                                        representation)
            load_generation(gen, manifest)
            return gen, manifest
        except IndexProblem:
            pass
        log.warning("rebuilding index: %s", why)
        catalog = load_catalog_bundle(data_dir, parse_cache=parse_cache_dir(index_dir))
        build_catalog_index(catalog, index_dir, encoder, backend, progress, lock=False, representation=representation)
        return check_index(index_dir, encoder.name, catalog.content_hash, encoder.dim, backend, representation)


def build_catalog_index(catalog: Catalog, index_dir: Path, encoder: Encoder, backend: str, progress: Progress | None,
                        lock: bool = True, representation: str = EMBED_REPRESENTATION) -> Path:
    """A new index generation with the ranking data derived from `catalog` (the BM25 documents
    of unchanged resources read from the build cache): the one build path of `build` and of a
    rebuild on load."""
    derived = derive(catalog.resources, catalog.tasks, Options(), catalog.areas, catalog.glossary,
                     doc_cache=derived_cache_dir(index_dir))
    return build_index(catalog, index_dir, encoder, backend, progress, lock=lock, representation=representation,
                       derived=derived)


def best_per_resource(owners: np.ndarray, hits: np.ndarray, sims: np.ndarray, n: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Vector hits (best first) to resource rows scored by their best vector (max pooling)."""
    if len(owners) == n and np.array_equal(owners, np.arange(n)):
        return hits, sims
    rows = np.full((len(hits), n), -1, dtype=np.int64)
    out = np.full((len(hits), n), -np.inf, dtype=np.float32)
    for q in range(len(hits)):
        valid = hits[q] >= 0
        owner = owners[hits[q][valid]]
        _, first = np.unique(owner, return_index=True)
        first.sort()  # first time each resource appears = its best vector
        rows[q, : len(first)] = owner[first]
        out[q, : len(first)] = sims[q][valid][first]
    return rows, out
