"""The Recommender facade: loads (or rebuilds) the index and answers single and batch queries."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import scoring
from .atomic import file_lock
from .catalog import Catalog, CatalogError, content_hash, default_data_dir, load_catalog_bundle
from .embedding import Encoder, configured_name, make_encoder
from .lang import Glossary, clean, has_cjk
from .lexical import LexicalIndex
from .prior import prior
from .query import Query, analyse, check_k, check_query, check_types
from .ranking import diversify, reason, resource_terms
from .schema import RESOURCE_TYPES, Area, Recommendation, Resource, Task
from .store import IndexProblem, Progress, build_index, check_index, default_index_dir, load_generation
from .taxonomy import TaskMatcher, lift, task_index
from .text import lexical_doc
from .vectors import NumpyIndex, VectorIndex

log = logging.getLogger("pt_recommender")
_NO_GLOSSARY = Glossary([])
BATCH_CHUNK = 256  # queries scored together: bounds memory at ~3 MB of arrays a chunk


class IndexNotReady(RuntimeError):
    """The index is missing, stale or corrupt and rebuilding was not allowed (CLI exit 3)."""


@dataclass(frozen=True)
class Options:
    """Which legs run and how they are weighted; ablations flip these."""

    dense: bool = True
    lexical: bool = True
    taxonomy: bool = True
    intent: bool = True
    diversity: bool = True
    glossary: bool = True
    k0: int = 50
    w_dense: float = 1.0
    w_lexical: float = 1.0
    w_task: float = 0.4
    w_featured: float = 0.3
    w_link: float = 0.5
    floor: float = 0.3  # drop results scoring under this share of the best one
    w_exact: float = 1.0  # the query is exactly a resource's name or alias
    w_intent: float = 0.35
    w_library: float = 0.2
    w_prior: float = 0.6
    fusion: str = "score"


class Recommender:
    """Holds the catalog, vectors, BM25 and encoder; read-only after construction, so it is
    safe to share between threads."""

    def __init__(self, resources: Sequence[Resource], tasks: Mapping[str, Task],
                 areas: Mapping[str, Area], glossary: Iterable[tuple[str, str]],
                 vectors: VectorIndex, encoder: Encoder, options: Options | None = None,
                 manifest: dict | None = None):
        self.resources = list(resources)
        self.tasks = dict(tasks)
        self.areas = dict(areas)
        self.vectors = vectors
        self.encoder = encoder
        self.options = options or Options()
        self.manifest = manifest or {}
        self.types = [r.type for r in self.resources]
        self.row_of = {r.id: i for i, r in enumerate(self.resources)}
        self.lexical = LexicalIndex([lexical_doc(r, self.tasks) for r in self.resources])
        self.matcher = TaskMatcher(self.tasks, self.areas)
        self.prior = prior(self.resources)
        self.terms = [resource_terms(r, self.tasks) for r in self.resources]
        self.prior_array = np.asarray(self.prior, dtype=np.float64)
        self._type_codes = np.asarray(self.types, dtype=object)
        self._is_type = {t: (self._type_codes == t).astype(np.float64) for t in RESOURCE_TYPES}
        self.task_rows = task_index(self.resources)
        links = _paper_model_links(self.resources, self.row_of)
        self._link_src = np.array([a for a, _ in links], dtype=np.int64)
        self._link_dst = np.array([b for _, b in links], dtype=np.int64)
        self._lift_cache: dict[tuple, tuple] = {}
        self.by_name: dict[str, list[int]] = {}
        for row, r in enumerate(self.resources):
            for name in {_name_key(n) for n in (r.name, *r.aliases)}:
                if len(name) >= 3:
                    self.by_name.setdefault(name, []).append(row)
        self.featured = {t.id: [self.row_of[r] for r in t.featured if r in self.row_of]
                         for t in self.tasks.values() if t.featured}
        self.glossary = Glossary(_glossary_pairs(glossary, self.tasks, self.areas, self.resources))

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_catalog(cls, catalog: Catalog, encoder: Encoder,
                     options: Options | None = None) -> Recommender:
        """In-memory recommender (no index files): for tests and small custom catalogs."""
        import tempfile

        from .store import embed_catalog

        with tempfile.TemporaryDirectory() as tmp:
            matrix, _ = embed_catalog(catalog, encoder, Path(tmp))
        vectors = NumpyIndex(encoder.dim)
        vectors.add(matrix)
        return cls(catalog.resources, catalog.tasks, catalog.areas, catalog.glossary, vectors,
                   encoder, options)

    @classmethod
    def load(cls, data_dir: str | Path | None = None, index_dir: str | Path | None = None,
             model: str | None = None, encoder: Encoder | None = None, rebuild: bool = True,
             backend: str = "faiss", progress: Progress | None = None,
             options: Options | None = None) -> Recommender:
        """Load the live index; a missing, stale, mismatched or corrupt one is rebuilt (one log
        line says why) or, with `rebuild=False`, refused with IndexNotReady."""
        data_dir = Path(data_dir) if data_dir else default_data_dir()
        index_dir = Path(index_dir) if index_dir else default_index_dir()
        if not data_dir.is_dir():
            raise CatalogError([f"{data_dir}:-:-: catalog folder not found"])
        encoder = encoder or make_encoder(configured_name(model), index_dir)
        try:
            gen, manifest = check_index(index_dir, encoder.name, content_hash(data_dir), encoder.dim)
            loaded = load_generation(gen, manifest)
        except IndexProblem as problem:
            if not rebuild:
                raise IndexNotReady(f"{problem} — run `pt-recommender build`") from None
            gen, manifest = ensure_index(data_dir, index_dir, encoder, backend, progress, problem)
            loaded = load_generation(gen, manifest)
        return cls(loaded.resources, loaded.tasks, loaded.areas, loaded.glossary, loaded.vectors,
                   encoder, options, loaded.manifest)

    def with_options(self, **changes: object) -> Recommender:
        """A view sharing every loaded part but with other options (for ablations)."""
        other = copy.copy(self)
        other.options = replace(self.options, **changes)
        return other

    # ---------------------------------------------------------------- queries
    def recommend(self, query: str, k: int = 10, types: Iterable[str] | None = None
                  ) -> list[Recommendation]:
        """Top-k resources for one task description (a batch of one)."""
        return self.recommend_batch([query], k=k, types=types)[0]

    def recommend_batch(self, queries: Sequence[str], k: int = 10,
                        types: Iterable[str] | None = None) -> list[list[Recommendation]]:
        """Top-k for each query. Queries are embedded, searched and scored a chunk at a
        time (one model call, one vector search and one set of array operations per chunk),
        so memory stays flat and the per-query cost is a fraction of a single call's."""
        k = check_k(k)
        chosen = check_types(types)
        texts = [check_query(q) for q in queries]
        chunks = [texts[i : i + BATCH_CHUNK] for i in range(0, len(texts), BATCH_CHUNK)]
        if len(chunks) <= 1:
            return [r for c in chunks for r in self._rank_batch(self._prepare(c), k, chosen)]
        # pipeline: the next chunk is embedded (the model releases the GIL) while this one
        # is scored, so both cores stay busy
        from concurrent.futures import ThreadPoolExecutor

        out: list[list[Recommendation]] = []
        with ThreadPoolExecutor(1, thread_name_prefix="pt-embed") as pool:
            ahead = pool.submit(self._prepare, chunks[0])
            for i in range(len(chunks)):
                ready = ahead.result()
                if i + 1 < len(chunks):
                    ahead = pool.submit(self._prepare, chunks[i + 1])
                out.extend(self._rank_batch(ready, k, chosen))
        return out

    def _prepare(self, texts: list[str]) -> tuple[list[Query], np.ndarray, np.ndarray, np.ndarray]:
        """Analyse and embed a chunk: (queries, rows with a dense leg, their full dense
        rankings as row ids and similarities)."""
        glossary = self.glossary if self.options.glossary else _NO_GLOSSARY
        analysed = [analyse(q, glossary, self.matcher) for q in texts]
        todo = np.array([i for i, q in enumerate(analysed) if q.english and not has_cjk(q.english)]
                        if self.options.dense else [], dtype=np.int64)
        n = len(self.resources)
        if not len(todo):
            return analysed, todo, np.zeros((0, n), dtype=np.int64), np.zeros((0, n), np.float32)
        vecs = self.encoder.encode([analysed[i].english for i in todo])
        sims, rows = self.vectors.search(vecs, n)
        return analysed, todo, np.asarray(rows, dtype=np.int64), sims

    def _rank_batch(self, prepared: tuple[list[Query], np.ndarray, np.ndarray, np.ndarray],
                    k: int, types: frozenset[str] | None) -> list[list[Recommendation]]:
        """Score every row for every query of a chunk, then diversify and explain each."""
        qs, dense_q, dense_rows, dense_sims = prepared
        opt = self.options
        sh = scoring.Sheet.empty(len(qs), self._type_mask(types))
        if len(dense_q):
            rows, sims, keep = scoring.dense_leg(sh, dense_rows, dense_sims, opt.k0)
            scoring.add_leg(sh, "dense", dense_q, rows, sims, keep, opt.w_dense, opt.fusion)
        if opt.lexical:
            rows, vals, keep = scoring.lexical_leg(sh, self.lexical.score_batch(
                [list(q.tokens) for q in qs]), opt.k0)
            scoring.add_leg(sh, "lexical", np.arange(len(qs)), rows, vals, keep, opt.w_lexical,
                            opt.fusion)
        if opt.w_link:
            scoring.share_links(sh, self._link_src, self._link_dst, opt.w_link)
        lifted: list[Mapping[int, tuple[float, str]]] = [{}] * len(qs)
        for i, q in enumerate(qs):
            if opt.taxonomy and q.tasks:
                lifted[i], rows, bonus = self._lift(tuple(q.tasks.items()))
                scoring.add_task_lift(sh, i, rows, bonus, opt.w_task)
                if opt.w_featured:
                    scoring.add_featured(sh, i, q.tasks, self.featured, opt.w_featured)
        for i, q in enumerate(qs):
            if opt.w_library and not q.intent and not types:
                sh.total[i] += opt.w_library * self._is_type["library"]
        if opt.w_prior:
            sh.total += opt.w_prior * self.prior_array
        for i, q in enumerate(qs):
            for t in sorted(q.intent if opt.intent and not types else ()):
                sh.total[i] += opt.w_intent * self._is_type[t]
        exact = [[row for row in self.by_name.get(_name_key(q.raw), ()) if sh.allowed[row]]
                 for q in qs]
        ranked = scoring.select(sh, opt.floor, exact, opt.w_exact, max(4 * k, opt.k0))
        out = []
        for i, q in enumerate(qs):
            best = ranked[i]
            if opt.diversity and types is None:
                best = diversify(best, self.types, k, favoured=q.intent if opt.intent else frozenset())
            out.append([self._record(q, row, score, sh.legs[i], lifted[i].get(row),
                                     sh.picks[i].get(row)) for row, score in best[:k]])
        return out

    def _lift(self, tasks: tuple[tuple[str, float], ...]
              ) -> tuple[Mapping[int, tuple[float, str]], np.ndarray, np.ndarray]:
        """Task lift for a query's matched tasks, memoised: a batch repeats the same few."""
        hit = self._lift_cache.get(tasks)
        if hit is None:
            found = lift(dict(tasks), self.task_rows, self.matcher)
            rows = np.fromiter(found, dtype=np.int64, count=len(found))
            bonus = np.fromiter((b for b, _ in found.values()), dtype=np.float64, count=len(found))
            hit = (found, rows, bonus)
            if len(self._lift_cache) < 4096:
                self._lift_cache[tasks] = hit
        return hit

    def _record(self, q: Query, row: int, score: float, legs: Sequence[str],
                via: tuple[float, str] | None, pick: str | None) -> Recommendation:
        r = self.resources[row]
        return Recommendation(
            id=r.id, name=r.name, type=r.type, score=round(score, 4), url=r.url,
            reason=reason(q, r, self.tasks, via[1] if via else None, legs, self.areas,
                          self.terms[row], pick),
            description=r.description, tasks=r.tasks, status=r.status,
        )

    def _type_mask(self, types: frozenset[str] | None) -> np.ndarray:
        if types is None:
            return np.ones(len(self.resources), dtype=bool)
        return np.isin(self._type_codes, [t for t in types])

    def resource(self, resource_id: str) -> Resource | None:
        row = self.row_of.get(resource_id)
        return None if row is None else self.resources[row]


def _name_key(text: str) -> str:
    """Names compared loosely: case, spaces and punctuation do not matter."""
    return "".join(c for c in clean(text) if c.isalnum())


def _paper_model_links(resources: Sequence[Resource], row_of: Mapping[str, int]
                       ) -> list[tuple[int, int]]:
    """(row, row) edges of every model→paper or paper→model link, in both directions."""
    edges: set[tuple[int, int]] = set()
    for row, r in enumerate(resources):
        for kind in ("paper", "model"):
            targets = r.links.get(kind)
            for t in targets if isinstance(targets, list) else ():
                if t in row_of:
                    edges |= {(row, row_of[t]), (row_of[t], row)}
    return sorted(edges)


def _glossary_pairs(glossary: Iterable[tuple[str, str]], tasks: Mapping[str, Task],
                    areas: Mapping[str, Area], resources: Sequence[Resource]
                    ) -> list[tuple[str, str]]:
    """The curated glossary first, then Chinese task/area names and Chinese aliases."""
    pairs = list(glossary)
    for t in tasks.values():
        pairs += [(zh, t.name) for zh in (t.name_zh, *t.aliases_zh) if zh]
    for a in areas.values():
        pairs += [(zh, a.name) for zh in (a.name_zh, *a.aliases_zh) if zh]
    for r in resources:
        pairs += [(alias, r.name) for alias in r.aliases if has_cjk(alias) and len(alias) <= 12]
    return pairs


def ensure_index(data_dir: Path, index_dir: Path, encoder: Encoder, backend: str,
                 progress: Progress | None, why: IndexProblem) -> tuple[Path, dict]:
    """Rebuild under the build lock, unless another process finished one meanwhile."""
    with file_lock(Path(index_dir) / ".lock"):
        try:
            gen, manifest = check_index(index_dir, encoder.name, content_hash(data_dir), encoder.dim)
            load_generation(gen, manifest)
            return gen, manifest
        except IndexProblem:
            pass
        log.warning("rebuilding index: %s", why)
        catalog = load_catalog_bundle(data_dir)
        build_index(catalog, index_dir, encoder, backend, progress, lock=False)
        return check_index(index_dir, encoder.name, catalog.content_hash, encoder.dim)
