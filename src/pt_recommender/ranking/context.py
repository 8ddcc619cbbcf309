"""Everything the ranking steps read that depends only on the catalog, derived once at load."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..arrays import spans
from ..catalog.schema import RESOURCE_TYPES, Area, Resource, Task
from ..config import Options
from ..index.doc_cache import DocCache, doc_key
from ..index.lexical import LexicalIndex
from ..text.docs import lexical_doc
from ..text.lang import CJK_RE, Glossary, clean, has_cjk
from .explain import need_terms, resource_terms
from .prior import prior
from .spelling import Speller
from .taxonomy import TaskMatcher, task_index


class TermCache:
    """A resource's stems and bigrams for the explanation, made on first use: only returned
    results are explained, so a start need not tokenise the whole catalog."""

    def __init__(self, resources: Sequence[Resource], tasks: Mapping[str, Task]):
        self._resources, self._tasks, self._done = resources, tasks, {}
        self._needs: dict[int, tuple] = {}

    def __getitem__(self, row: int) -> frozenset[str]:
        got = self._done.get(row)
        if got is None:  # two threads may both compute it: same value, no harm
            got = self._done[row] = resource_terms(self._resources[row], self._tasks)
        return got

    def needs(self, row: int) -> tuple[tuple[str, str, frozenset[str]], ...]:
        """The row's needs phrases with their stems and bigrams (see `explain.need_terms`)."""
        got = self._needs.get(row)
        if got is None:
            got = self._needs[row] = need_terms(self._resources[row])
        return got


def name_key(text: str) -> str:
    """Names compared loosely: case, spaces and punctuation do not matter."""
    return "".join(c for c in clean(text) if c.isalnum())


@dataclass
class RankingData:
    """Read-only arrays and tables over catalog rows; shared by every query and thread."""

    resources: Sequence[Resource]  # an index generation's rows are parsed on first use
    tasks: dict[str, Task]
    areas: dict[str, Area]
    types: list[str]
    type_codes: np.ndarray
    is_type: dict[str, np.ndarray]
    row_of: dict[str, int]
    lexical: LexicalIndex
    matcher: TaskMatcher
    glossary: Glossary
    prior: np.ndarray
    terms: TermCache  # each row's words, computed when a result is first explained
    task_rows: dict[str, list[tuple[int, int]]]
    row_tasks: list[tuple[str, ...]]  # each row's task ids (ranking reads these, not the records)
    featured: dict[str, list[int]]
    type_index: np.ndarray  # (rows,) position of each row's type in RESOURCE_TYPES
    type_counts: np.ndarray  # rows of each type, in RESOURCE_TYPES order
    link_ptr: np.ndarray  # links as CSR: row r's linked rows are link_to[link_ptr[r]:link_ptr[r + 1]]
    link_to: np.ndarray
    succ_ptr: np.ndarray  # an inactive row's successors (CSR like the links)
    succ_to: np.ndarray
    by_name: dict[str, list[int]]
    same_as: dict[int, int]  # rows that are one thing shown twice (see `same_things`) -> its group
    glossary_pairs: list[tuple[str, str]]  # the curated glossary as given (to derive again)
    primary_task: np.ndarray  # (rows,) `task_pos` of each row's first task, -1 for none
    in_chinese: np.ndarray  # (rows,) 1.0 for learning material in Chinese (see `Resource.in_chinese`)
    for_chinese: np.ndarray  # (rows,) 1.0 for tools, models and data made for Chinese (`Resource.for_chinese`)
    for_english: np.ndarray  # (rows,) 1.0 for models and data of English only (`Resource.for_english`)
    task_pos: dict[str, int]  # task id -> its number (sorted ids)
    family_of: dict[int, int]  # a model variant's row -> its family card's row (see `model_families`)
    paid: np.ndarray  # (rows,) 1.0 for a book or course a reader must pay for (`Resource.access`)
    cpp: np.ndarray  # (rows,) 1.0 for the C++ side of PyTorch (a name holding "C++")
    speller: Speller | None = None  # typos in query words (the recommender gives it a vocabulary)

    @classmethod
    def build(cls, resources: Sequence[Resource], tasks: Mapping[str, Task], areas: Mapping[str, Area],
              glossary: Iterable[tuple[str, str]], options: Options, saved: Mapping | None = None) -> RankingData:
        """Derive everything once; `saved` (from the index generation, see `derive`) replaces
        the slow parts (BM25 postings, the prior) when it was built with the same options."""
        tasks, areas, glossary = dict(tasks), dict(areas), list(glossary)
        if not isinstance(resources, Sequence):
            resources = list(resources)
        if not saved or saved.get("key") != derived_key(options) or len(saved["prior"]) != len(resources):
            saved = derive(resources, tasks, options, areas, glossary)
        cols = saved.get("columns")
        if cols is None or len(cols["ids"]) != len(resources) or "paid" not in cols:
            cols = columns(resources)
        types = list(cols["types"])
        codes = np.asarray(types, dtype=object)
        row_of = {rid: i for i, rid in enumerate(cols["ids"])}
        row_tasks = [tuple(ts) for ts in cols["tasks"]]
        links = [(a, b) for a, b in cols["links"]]
        succ = [(a, b) for a, b in cols["succ"]]
        by_name = saved.get("by_name") or names_index(resources)
        pairs = saved.get("glossary_pairs") or glossary_pairs(glossary, tasks, areas, resources)
        same = saved.get("same_as")
        same = {int(a): int(b) for a, b in same} if same is not None else same_things(resources)
        return cls(
            resources=resources, tasks=tasks, areas=areas, types=types, type_codes=codes,
            is_type={t: (codes == t).astype(np.float64) for t in RESOURCE_TYPES}, row_of=row_of,
            lexical=LexicalIndex(arrays=saved["lexical"]),
            matcher=TaskMatcher(tasks, areas, saved.get("matcher")),
            glossary=Glossary(pairs),
            prior=np.asarray(saved["prior"], dtype=np.float64),
            terms=TermCache(resources, tasks),
            task_rows=task_index(row_tasks), row_tasks=row_tasks,
            featured={**{t.id: [row_of[r] for r in t.featured if r in row_of] for t in tasks.values() if t.featured},
                      **{f"area:{a.id}": [row_of[r] for r in a.featured if r in row_of]
                         for a in areas.values() if a.featured}},
            type_index=(type_index := np.array([RESOURCE_TYPES.index(t) for t in types], dtype=np.int64)),
            type_counts=np.bincount(type_index, minlength=len(RESOURCE_TYPES)),
            link_ptr=(link_csr := _csr(links, len(resources)))[0], link_to=link_csr[1],
            succ_ptr=(succ_csr := _csr(succ, len(resources)))[0], succ_to=succ_csr[1],
            by_name=by_name, same_as=same, glossary_pairs=list(glossary),
            task_pos=(task_pos := {t: i for i, t in enumerate(sorted(tasks))}),
            primary_task=np.array([task_pos.get(ts[0], -1) if ts else -1 for ts in row_tasks], dtype=np.int64),
            in_chinese=_flags(cols["in_chinese"], len(resources)),
            for_chinese=_flags(cols["for_chinese"], len(resources)),
            for_english=_flags(cols["for_english"], len(resources)),
            family_of={int(a): int(b) for a, b in cols["families"]},
            paid=_flags(cols["paid"], len(resources)),
            cpp=_flags(cols["cpp"], len(resources)),
        )

    def type_mask(self, types: frozenset[str] | None) -> np.ndarray:
        """A bool per row: is it one of `types` (all rows when None)."""
        if types is None:
            return np.ones(len(self.resources), dtype=bool)
        return self.type_filter(types)[self.type_index]

    def type_filter(self, types: frozenset[str] | None) -> np.ndarray:
        """A bool per entry of RESOURCE_TYPES; `type_filter(t)[type_index[rows]]` tests rows
        without touching the rest of the catalog."""
        return np.array([types is None or t in types for t in RESOURCE_TYPES], dtype=bool)

    def linked(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in `rows`, linked row) for every link leaving `rows`."""
        return _edges(self.link_ptr, self.link_to, rows)

    def successors(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in `rows`, successor row) for every deprecated, archived, stale or
        maintenance-mode row of `rows` that names a successor."""
        return _edges(self.succ_ptr, self.succ_to, rows)


def _flags(rows: list[int], n: int) -> np.ndarray:
    """1.0 at `rows`, 0.0 elsewhere."""
    return np.bincount(np.asarray(rows, dtype=np.int64), minlength=n).astype(np.float64)


def _csr(edges: list[tuple[int, int]], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (row, row) edges as CSR: row r's targets are to[ptr[r]:ptr[r + 1]]."""
    src = np.array([a for a, _ in edges], dtype=np.int64)
    return np.searchsorted(src, np.arange(n + 1)), np.array([b for _, b in edges], dtype=np.int64)


def _edges(ptr: np.ndarray, to: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    starts, ends = ptr[rows], ptr[rows + 1]
    lens = ends - starts
    return np.repeat(np.arange(len(rows)), lens), to[spans(starts, lens)]


def derived_key(options: Options) -> str:
    """Which options the saved BM25 documents were built with (they change the postings)."""
    return f"bm25v2:{options.name_weight}:{options.task_weight}:{options.needs_weight}"


def derive(resources: Sequence[Resource], tasks: Mapping[str, Task], options: Options,
           areas: Mapping[str, Area] | None = None, glossary: Iterable[tuple[str, str]] | None = None,
           doc_cache: Path | None = None) -> dict:
    """The slow, catalog-only parts of `RankingData`, as plain arrays and tables an index
    generation saves (the name table and the glossary's pairs only when areas and the glossary
    are given). With a `doc_cache` folder (the index builder's), BM25 documents of unchanged
    resources are read, not tokenised again (see `index.doc_cache`)."""
    weights = (options.name_weight, options.task_weight, options.needs_weight)
    if doc_cache is None:
        lexical = LexicalIndex.index_arrays([lexical_doc(r, tasks, *weights) for r in resources])
    else:
        cache = DocCache(doc_cache)
        ids = [cache.get(doc_key(r, tasks, weights), lambda r=r: lexical_doc(r, tasks, *weights)) for r in resources]
        cache.save()
        lexical = LexicalIndex.index_arrays_from_ids(ids, cache.vocab)
    out = {"key": derived_key(options), "prior": np.asarray(prior(resources), dtype=np.float64),
           "lexical": lexical}
    if areas is not None and glossary is not None:
        out["by_name"] = names_index(resources)
        out["same_as"] = sorted(same_things(resources).items())
        out["glossary_pairs"] = glossary_pairs(list(glossary), tasks, areas, resources)
        out["matcher"] = TaskMatcher(tasks, areas).phrase_table()
        out["columns"] = columns(resources)
    return out


def columns(resources: Sequence[Resource]) -> dict[str, list]:
    """What ranking reads of every row, as plain lists an index generation saves: ids, types,
    task ids, paper-model links, successor edges, what is in or for Chinese and what is C++ (so
    a start need not parse every record)."""
    row_of = {r.id: i for i, r in enumerate(resources)}
    return {"ids": list(row_of), "types": [r.type for r in resources], "tasks": [list(r.tasks) for r in resources],
            "links": [list(e) for e in paper_model_links(resources, row_of)],
            # a row hands over to what replaces it when it is inactive, stale or in maintenance mode
            # (AutoGen's README sends new users to Microsoft Agent Framework; FairScale's says its FSDP
            # went into PyTorch): either way its curator named a successor
            "succ": [list(e) for e in sorted({(row, row_of[t]) for row, r in enumerate(resources)
                                             if r.inactive or r.maintenance in ("maintenance", "stale")
                                             for t in r.successor if t in row_of and row_of[t] != row})],
            "in_chinese": [row for row, r in enumerate(resources) if r.in_chinese],
            "for_chinese": [row for row, r in enumerate(resources) if r.for_chinese],
            "for_english": [row for row, r in enumerate(resources) if r.for_english],
            "families": [list(e) for e in sorted(model_families(resources, row_of).items())],
            "paid": [row for row, r in enumerate(resources) if r.access == "paid"],
            "cpp": [row for row, r in enumerate(resources) if "c++" in r.name.lower()]}


def model_families(resources: Sequence[Resource], row_of: Mapping[str, int]) -> dict[int, int]:
    """A model variant's row -> its family card's row: a model with weights of its own that links
    exactly one model card (resnet50 -> ResNet, vit_b_16 -> Vision Transformer)."""
    out: dict[int, int] = {}
    for row, r in enumerate(resources):
        family = r.links.get("model") if r.type == "model" and r.weights else None
        if isinstance(family, list) and len(family) == 1 and family[0] in row_of:
            if resources[row_of[family[0]]].type == "model" and row_of[family[0]] != row:
                out[row] = row_of[family[0]]
    return out


def names_index(resources: Sequence[Resource]) -> dict[str, list[int]]:
    """Each loose name key (see `name_key`) of 3+ characters -> the rows named so."""
    by_name: dict[str, list[int]] = {}
    for row, r in enumerate(resources):
        for name in dict.fromkeys(name_key(n) for n in (r.name, *r.aliases)):  # ordered: same bytes each build
            if len(name) >= 3:
                by_name.setdefault(name, []).append(row)
    return by_name


_NON_WORD = re.compile(r"[^0-9a-z\u3400-\u9fff]+")
_ARTEFACTS = frozenset(("library", "model", "paper"))  # a book and a tutorial may share a title


def same_things(resources: Sequence[Resource]) -> dict[int, int]:
    """Rows a reader would take for one thing shown twice: a model, paper or library of the
    same name ("Mistral 7B" the model and "Mistral 7B" the paper), or a library and a model
    card at the same address (a project's package and its weights). Row -> the group's lowest
    row; rows alone are absent."""
    parent: dict[int, int] = {}

    def root(a: int) -> int:
        while parent.get(a, a) != a:
            a = parent[a]
        return a

    def join(rows: list[int]) -> None:
        for b in rows[1:]:
            ra, rb = root(rows[0]), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)

    by_name: dict[str, list[int]] = {}
    by_url: dict[str, list[int]] = {}
    for row, r in enumerate(resources):
        key = " ".join(_NON_WORD.split(clean(r.name))).strip()  # "SAM 2: X" = "SAM 2 (X)"; 1_6gf != 16gf
        if key and r.type in _ARTEFACTS:
            by_name.setdefault(key, []).append(row)
        if r.type in ("library", "model") and r.url:
            by_url.setdefault(r.url.rstrip("/").lower(), []).append(row)
    for rows in by_name.values():
        join(rows)
    for rows in by_url.values():
        if {resources[x].type for x in rows} == {"library", "model"}:
            join(rows)
    groups = {row: root(row) for row in parent} | {root(row): root(row) for row in parent}
    return dict(sorted(groups.items()))


def paper_model_links(resources: Sequence[Resource], row_of: Mapping[str, int]) -> list[tuple[int, int]]:
    """(row, row) edges of every model→paper or paper→model link, in both directions."""
    edges: set[tuple[int, int]] = set()
    for row, r in enumerate(resources):
        for kind in ("paper", "model"):
            targets = r.links.get(kind)
            for t in targets if isinstance(targets, list) else ():
                if t in row_of:
                    edges |= {(row, row_of[t]), (row_of[t], row)}
    return sorted(edges)


def glossary_pairs(glossary: Iterable[tuple[str, str]], tasks: Mapping[str, Task],
                   areas: Mapping[str, Area], resources: Sequence[Resource]) -> list[tuple[str, str]]:
    """The curated glossary first, then Chinese task/area names and Chinese aliases.

    A Chinese alias made only of common glossary words ("深度学习框架" = deep learning +
    framework) is a category, not a name: mapping it to one resource would turn a user's
    "framework" into "PyTorch", so such aliases are left out."""
    pairs = list(glossary)
    common = Glossary(pairs)
    for t in tasks.values():
        pairs += [(zh, t.name) for zh in (t.name_zh, *t.aliases_zh, *t.asked_as_zh) if zh]
    for a in areas.values():
        pairs += [(zh, a.name) for zh in (a.name_zh, *a.aliases_zh) if zh]
    for r in resources:
        pairs += [(alias, r.name) for alias in r.aliases
                  if has_cjk(alias) and len(alias) <= 12 and not _common_words_only(alias, common)]
    return pairs


def _common_words_only(phrase: str, common: Glossary) -> bool:
    cjk = "".join(CJK_RE.findall(clean(phrase)))
    _, terms = common.translate(cjk)
    return bool(cjk) and sum(len(zh) for zh, _ in terms) == len(cjk)
