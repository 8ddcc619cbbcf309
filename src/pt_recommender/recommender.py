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
from .taxonomy import TaskMatcher, task_index
from .text import lexical_doc
from .vectors import NumpyIndex, VectorIndex

log = logging.getLogger("pt_recommender")
_NO_GLOSSARY = Glossary([])


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
        self.neighbours = _paper_model_links(self.resources, self.row_of)
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
        """Top-k for each query; embeds all queries in one model call."""
        k = check_k(k)
        chosen = check_types(types)
        texts = [check_query(q) for q in queries]
        glossary = self.glossary if self.options.glossary else _NO_GLOSSARY
        analysed = [analyse(q, glossary, self.matcher) for q in texts]
        dense = self._dense_batch(analysed)
        return [self._rank(q, d, k, chosen) for q, d in zip(analysed, dense, strict=True)]

    def _dense_batch(self, queries: list[Query]) -> list[np.ndarray | None]:
        out: list[np.ndarray | None] = [None] * len(queries)
        if not self.options.dense:
            return out
        todo = [i for i, q in enumerate(queries) if q.english and not has_cjk(q.english)]
        if todo:
            vecs = self.encoder.encode([queries[i].english for i in todo])
            scores, rows = self.vectors.search(vecs, len(self.resources))
            for j, i in enumerate(todo):
                out[i] = np.stack([rows[j], scores[j]])
        return out

    def _rank(self, q: Query, dense: np.ndarray | None, k: int,
              types: frozenset[str] | None) -> list[Recommendation]:
        """Score every row for one query, diversify, and explain the top k."""
        opt = self.options
        sc = scoring.Scores.empty(self._type_mask(types))
        if dense is not None:
            scoring.add_leg(sc, "dense", *scoring.dense_leg(sc, dense, opt.k0), opt.w_dense, opt.fusion)
        if opt.lexical:
            hits = scoring.lexical_leg(sc, self.lexical.scores(list(q.tokens)), opt.k0)
            scoring.add_leg(sc, "lexical", *hits, opt.w_lexical, opt.fusion)
        if opt.w_link and sc.candidate.any():
            scoring.share_links(sc, self.neighbours, opt.w_link)
        if opt.taxonomy and q.tasks:
            scoring.add_task_lift(sc, q.tasks, self.task_rows, self.matcher, opt.w_task)
            if opt.w_featured:
                scoring.add_featured(sc, q.tasks, self.featured, opt.w_featured)
        asked = q.intent if opt.intent and not types else frozenset()
        if opt.w_library and not q.intent and not types:
            sc.total += opt.w_library * self._is_type["library"]
        if opt.w_prior:
            sc.total += opt.w_prior * self.prior_array
        for t in asked:
            sc.total += opt.w_intent * self._is_type[t]
        exact = [row for row in self.by_name.get(_name_key(q.raw), ()) if sc.allowed[row]]
        ranked = scoring.select(sc, opt.floor, exact, opt.w_exact, max(4 * k, opt.k0))
        if opt.diversity and types is None:
            ranked = diversify(ranked, self.types, k, favoured=q.intent if opt.intent else frozenset())
        return [self._record(q, row, score, sc) for row, score in ranked[:k]]

    def _record(self, q: Query, row: int, score: float, sc: scoring.Scores) -> Recommendation:
        r = self.resources[row]
        return Recommendation(
            id=r.id, name=r.name, type=r.type, score=round(score, 4), url=r.url,
            reason=reason(q, r, self.tasks, sc.via.get(row), sc.legs, self.areas, self.terms[row],
                          sc.picks.get(row)),
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
                       ) -> dict[int, list[int]]:
    """Rows joined by a model→paper or paper→model link, in both directions."""
    out: dict[int, set[int]] = {}
    for row, r in enumerate(resources):
        for kind in ("paper", "model"):
            targets = r.links.get(kind)
            for t in targets if isinstance(targets, list) else ():
                if t in row_of:
                    out.setdefault(row, set()).add(row_of[t])
                    out.setdefault(row_of[t], set()).add(row)
    return {row: sorted(rows) for row, rows in out.items()}


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
