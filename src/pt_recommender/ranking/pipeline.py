"""The ranking pipeline, top to bottom, for a chunk of analysed queries.

candidates (each leg's top k0, their linked rows, the named tasks' rows, an exact name) → legs
(dense, BM25, fused) → links → task lift and go-to picks → library bonus → prior → intent →
consensus (the task the best results share) → neighbours (what resembles the best results) → cut
(floor, exact name) → diversify. Only the candidates are scored, so the cost of a query grows
slowly with the catalog. Each step is a function of `steps.py` switched by one
`Options` field; the explanation of each result is built afterwards from what the steps recorded.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..arrays import unique
from ..catalog.schema import NATIVE_TYPES
from ..config import LIFT_MAX_ROWS, Options
from . import steps
from .context import RankingData, name_key
from .diversity import diversify
from .prior import ENTITY_TYPES
from .query import LEARNER_AREA_KEY, Query, asks_for_chinese
from .taxonomy import lift


@dataclass(frozen=True)
class Hit:
    """One ranked row and the evidence the explanation needs."""

    row: int
    score: float
    legs: tuple[str, ...]
    via_task: str | None  # the named task (or `area:` id) that lifted it
    pick_for: str | None  # the task it is a go-to pick for
    replaces: int | None = None  # the deprecated or archived row it succeeds (asked for a replacement)
    voted_for: str | None = None  # the task the best results agree on, it being a go-to pick of it


@dataclass
class Prepared:
    """A chunk after query analysis and the dense search (the part that calls the encoder)."""

    queries: list[Query]
    dense_queries: np.ndarray  # indexes of queries with a dense leg
    dense_rows: np.ndarray  # their dense rankings (row ids, -1 past the end), best first, deep
    # enough to hold each query's k0 best rows of the requested types
    dense_sims: np.ndarray
    dense_vectors: np.ndarray | None = None  # the vectors searched with (through the adapter)


_NONE = np.zeros(0, dtype=np.int64)


class Pipeline:
    """Runs the steps over one `RankingData`; memoises the task lift (a batch repeats tasks).
    `vectors` gives catalog rows' stored vectors (the neighbour step; None switches it off)."""

    def __init__(self, data: RankingData, options: Options,
                 vectors: Callable[[np.ndarray], np.ndarray] | None = None,
                 need_match: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None):
        self.data = data
        self.options = options
        self.vectors = vectors
        self.need_match = need_match  # (query vector, rows) -> each row's closest needs phrase
        self._lift_cache: dict[tuple, tuple] = {}

    def rank(self, prep: Prepared, k: int, types: frozenset[str] | None) -> list[list[Hit]]:
        d, opt, qs = self.data, self.options, prep.queries
        type_ok = d.type_filter(types)

        def allowed(rows: np.ndarray) -> np.ndarray:
            return type_ok[d.type_index[rows]]

        # 0. the sheet's columns: every row a leg, a link, a named task or an exact name found
        found: list[np.ndarray] = []
        if len(prep.dense_queries):
            dense = steps.dense_leg(prep.dense_rows, prep.dense_sims, opt.k0, allowed)
            found.append(dense[0][dense[2]])
        if opt.lexical:
            lexical = d.lexical.top_batch([list(q.tokens) for q in qs], opt.k0, None if types is None else allowed)
            found.append(lexical[0][lexical[2]])
        leg_rows = unique(np.concatenate(found)) if found else _NONE
        link_pos, link_to = d.linked(leg_rows) if opt.w_link else (_NONE, _NONE)
        replacing = np.array([i for i, q in enumerate(qs) if q.replacing], dtype=np.int64) \
            if opt.w_successor else _NONE
        near = np.concatenate([leg_rows, link_to])  # what the legs found and what it links to
        old_rows = unique(near) if len(replacing) else _NONE
        succ_pos, succ_to = d.successors(old_rows) if len(replacing) else (_NONE, _NONE)
        lifts = [self._lift(tuple(q.tasks.items())) if opt.taxonomy and q.tasks else None for q in qs]
        picks = [{t: _of_kinds(d.featured[t], d.types, q.intent if opt.intent else frozenset(),
                               q.adapts_model and opt.intent)
                  for t in q.tasks if t in d.featured} if opt.taxonomy and opt.w_featured else {} for q in qs]
        exact = [[row for row in d.by_name.get(name_key(q.raw), ()) if type_ok[d.type_index[row]]] for q in qs]
        go_to = [frozenset(r for rows in p.values() for r in rows) for p in picks]  # the named tasks' picks
        lifts = [self._lift_rows(lf, near) if lf else None for lf in lifts]
        parts = [leg_rows, link_to, succ_to, *(lf[1] for lf in lifts if lf), *(np.asarray(rows, dtype=np.int64)
                 for p in picks for rows in p.values()), np.asarray([r for e in exact for r in e], dtype=np.int64)]
        cols = unique(np.concatenate(parts))
        sh = steps.Sheet.empty(len(qs), cols, allowed(cols))
        # 1. legs, each read relative to its best candidate (or min-max, rrf: Options.fusion) and added
        if len(prep.dense_queries):
            rows, sims, keep = dense
            rows = sh.local(rows)
            # a Chinese query reaches the English-only model through the glossary's rendering,
            # which loses nuance: its dense leg counts for less (w_dense_zh)
            zh = np.array([qs[q].lang == "zh" for q in prep.dense_queries], dtype=bool)
            for part, weight in ((~zh, opt.w_dense), (zh, opt.w_dense_zh)):
                if part.any():
                    steps.add_leg(sh, "dense", prep.dense_queries[part], rows[part], sims[part], keep[part], weight,
                                  opt.fusion, opt.rrf_k, opt.min_dense, opt.floor_dense)
        if opt.lexical:
            rows, vals, keep = lexical
            steps.add_leg(sh, "lexical", np.arange(len(qs)), sh.local(rows), vals, keep, opt.w_lexical, opt.fusion,
                          opt.rrf_k, min_evidence=1e-9, floor=opt.floor_lexical)  # any matched word or Chinese term
        # 2. links: a model shares its paper's match and vice versa
        if opt.w_link:
            steps.share_links(sh, sh.local(leg_rows[link_pos]), sh.local(link_to), opt.w_link)
        # 3. the task the query names lifts its resources, its go-to picks most
        for i, q in enumerate(qs):
            if lifts[i]:
                bonus = lifts[i][2]
                if q.adapts_model and opt.intent and "model" not in q.intent:
                    bonus = np.where(d.is_type["model"][lifts[i][1]], 0.0, bonus)
                steps.add_task_lift(sh, i, sh.local(lifts[i][1]), bonus, opt.w_task)
                if opt.w_featured:
                    local = {t: sh.local(np.asarray(rows, dtype=np.int64)).tolist() for t, rows in picks[i].items()}
                    steps.add_featured(sh, i, q.tasks, local, opt.w_featured, opt.featured_step)
        # 3b. direction: a query stating a conversion ("speech to text") drops what converts the
        # other way round (text-to-speech), unless it is also filed under the stated one
        for i, q in enumerate(qs):
            if opt.taxonomy and q.opposite:
                keep = q.stated | frozenset(q.tasks)
                steps.drop(sh, i, np.array([bool(q.opposite.intersection(ts)) and not keep.intersection(ts)
                                            for ts in (d.row_tasks[c] for c in cols.tolist())], dtype=bool))
        # 4. priors: a query that names no kind of answer is answered first by a library, later
        # by papers and datasets; a catalog-wide prior breaks near-ties
        unasked = [(t, w) for t, w in (("library", opt.w_library), ("paper", opt.w_paper),
                                       ("dataset", opt.w_dataset), ("book", opt.w_learning),
                                       ("course", opt.w_learning)) if w]
        if unasked and not types:
            type_prior = sum(w * d.is_type[t][cols] for t, w in unasked)  # the same for every such query
            for i, q in enumerate(qs):
                if not q.intent:
                    sh.total[i] += type_prior
                elif opt.intent:  # asked for another kind: the unasked kinds that come later still do
                    for t, w in unasked:
                        if w < 0 and t not in q.intent:
                            sh.total[i] += w * d.is_type[t][cols]
        # the prior, gathered once; a query asking for the work that started something counts it
        # w_seminal more
        weight = np.array([opt.w_prior + (opt.w_seminal if q.seminal else 0.0) for q in qs])
        if weight.any():
            sh.total += weight[:, None] * d.prior[cols]
        # 5. intent: the types the query asks for
        for i, q in enumerate(qs):
            for t in sorted(q.intent if opt.intent and not types else ()):
                sh.total[i] += opt.w_intent * d.is_type[t][cols]
        # 5'. the reader's language: for a Chinese reader, what is made for Chinese (FunASR,
        # HanLP, BGE-M3) and, asked to learn, material taught in Chinese come up; for an English
        # reader asking to learn, material in Chinese comes down unless they ask for it
        if opt.intent:
            made_for, taught_in = d.for_chinese[cols], d.in_chinese[cols]  # the same for every query
            english_only = d.for_english[cols] if opt.w_english_zh else None
            for i, q in enumerate(qs):
                learning = bool((q.intent or types or frozenset()) & NATIVE_TYPES)
                if q.lang == "zh":
                    sh.total[i] += opt.w_for_chinese * made_for
                    if english_only is not None and "english" not in q.words:
                        sh.total[i] -= opt.w_english_zh * english_only
                    if learning:
                        sh.total[i] += opt.w_native * taught_in * self._on_topic(q, lifts[i], cols)
                elif learning and opt.w_foreign and not asks_for_chinese(q):
                    sh.total[i] -= opt.w_foreign * taught_in
                if learning and q.free:  # "a free course": what must be paid for comes down
                    sh.total[i] -= opt.w_paid * d.paid[cols]
        # a query naming no native code gets the C++ side of PyTorch lower ("a custom autograd
        # function" is written in Python; "load it from C++" keeps the C++ tutorials)
        if opt.w_cpp_unasked:
            cpp = d.cpp[cols]
            unasked = np.array([not q.native for q in qs], dtype=bool)
            if cpp.any() and unasked.any():
                sh.total[unasked] -= opt.w_cpp_unasked * cpp
        # 5a. consensus: the task the best matches share lifts its picks and resources a leg found.
        # It reorders what the page holds: the floor keeps the best score from before it, so a
        # lifted first result does not push the last ones off the page
        reference = None
        if opt.w_vote_pick or opt.w_vote_task:
            reference = steps.best_scores(sh, opt.evidence)
            tasks_of = d.row_tasks.__getitem__
            for i, q in enumerate(qs):
                task = steps.consensus_task(sh, i, tasks_of, opt.vote_top, opt.vote_share, opt.vote_power)
                if task is None or task in q.gave_way:
                    continue
                # a query asking for a kind has only that kind lifted
                kind = (sum(d.is_type[t][cols] for t in q.intent) > 0) if opt.intent and q.intent else sh.allowed
                featured = np.asarray(d.featured.get(task, []), dtype=np.int64)
                picks = [c for c, on in zip(sh.local(featured).tolist(), sh.has(featured).tolist(), strict=True)
                         if on and kind[c]]
                steps.add_consensus(sh, i, (d.primary_task[cols] == d.task_pos.get(task, -2)) & kind, picks,
                                    opt.w_vote_task, opt.w_vote_pick, task)
        # 5b. neighbours: what resembles the best results in meaning moves up (English and
        # Chinese alike: the vectors compared are the resources', not the query's)
        if opt.w_neighbour and self.vectors is not None:
            steps.add_neighbours(sh, self.vectors, opt.neighbour_top, opt.w_neighbour, opt.evidence)
        # 5b'. needs: a candidate one of whose needs phrases says what the query says moves up
        if opt.w_need_match and self.need_match is not None and prep.dense_vectors is not None:
            for j, i in enumerate(prep.dense_queries.tolist()):
                on = np.flatnonzero(sh.candidate[i] & sh.allowed)
                if len(on) > opt.need_match_top:  # a phrase lifts a near-top candidate, never a far one
                    on = np.sort(on[np.argsort(-sh.total[i, on], kind="stable")[:opt.need_match_top]])
                if len(on):
                    steps.add_need_match(sh, i, on, self.need_match(prep.dense_vectors[j], sh.cols[on]),
                                         opt.w_need_match, opt.min_need_match)
        # 5c. successors: a query leaving something behind ("deprecated, what now") gets what
        # replaced it in its place
        # A query naming what it leaves ("VISSL is archived") hands over from that and its parts
        # (torchtext's dataset classes link to torchtext) only: another deprecated row a leg found
        # by the way (Allegro Trains, near "archived" in meaning) is not being left, and its
        # successor (ClearML) is no answer
        if len(succ_pos):
            src, dst = old_rows[succ_pos], succ_to
            # (a thing: a library, model, dataset, paper or API; a window word naming a tutorial
            # topic card, "mobile" in "the lightweight mobile interpreter, which is deprecated",
            # names no thing the reader uses)
            named = {int(i): {r for key in qs[i].left for r in d.by_name.get(key, ())
                              if d.resources[r].type in ENTITY_TYPES} for i in replacing}
            rest = np.array([i for i in replacing if not named[int(i)]], dtype=np.int64)
            steps.hand_over(sh, rest, sh.local(src), sh.local(dst), opt.w_successor)
            for i in replacing:
                left = named[int(i)]
                ids = {d.resources[r].id for r in left}
                on = np.array([r in left or _links_to(d.resources[r], ids) for r in src.tolist()], dtype=bool)
                if on.any():
                    steps.hand_over(sh, np.array([i], dtype=np.int64), sh.local(src[on]), sh.local(dst[on]),
                                    opt.w_successor)
        # 5d. any other query: a successor of the same kind on the list goes just above its
        # predecessor (a tutorial on a deprecated stack stays where a tutorial query put it)
        if opt.w_successor:
            pos, to = d.successors(cols)
            on = sh.has(to) & (d.type_index[to] == d.type_index[cols[pos]])
            rest = np.ones(len(qs), dtype=bool)
            rest[replacing] = False  # not np.setdiff1d: it imports numpy.ma (20 ms of a cold start)
            others = np.flatnonzero(rest)
            steps.successor_first(sh, others, pos[on], sh.local(to[on]),
                                  lambda i, c: _names(qs[i], d.resources[int(cols[c])]))
        # 5e. what the user names as left behind or unusable goes down the page
        if opt.w_left:
            for i, q in enumerate(qs):
                rows = np.asarray(sorted({r for key in q.left for r in d.by_name.get(key, ())}), dtype=np.int64)
                if len(rows):
                    steps.lower_left(sh, i, sh.local(rows[sh.has(rows)]), opt.w_left)
        # 6. cut: weak results go, an exact name stays
        named = [sh.local(np.asarray(e, dtype=np.int64)).tolist() for e in exact]
        ranked = steps.select(sh, opt.floor, named, opt.w_exact, max(4 * k, opt.k0), opt.evidence, reference)
        # 7. diversify, then keep k (rows again from here on)
        out = []
        for i, q in enumerate(qs):
            best = one_card_each([(int(cols[c]), score) for c, score in ranked[i]], d.same_as, d.types,
                                 q.intent if opt.intent else frozenset(), go_to[i])
            if opt.family_places and not (types and types <= {"model"}):  # filtered to models: browsing them
                best = one_per_family(best, d.family_of, d.types, lambda row, q=q: _names(q, d.resources[row]),
                                      opt.family_places, opt.min_relative)
            if opt.diversity and types is None:
                best = diversify(best, d.types, k, opt, favoured=q.intent if opt.intent else frozenset())
            pick_of = {int(cols[c]): task for c, task in sh.picks[i].items()}
            voted = {int(cols[c]): task for c, task in sh.voted[i].items()}
            succeeds = {int(cols[c]): int(cols[p]) for c, p in sh.replaces[i].items()}
            if not q.replacing:  # "replaces X" only beside X: a reason must not name a card not shown
                shown = {row for row, _ in best[:k]}
                succeeds = {row: old for row, old in succeeds.items() if old in shown}
            out.append([Hit(row, score, tuple(sh.legs[i]), _via(lifts[i][0] if lifts[i] else {}, row),
                            pick_of.get(row), succeeds.get(row), voted.get(row)) for row, score in best[:k]])
        return out

    def _on_topic(self, q: Query, lifted: tuple | None, cols: np.ndarray) -> np.ndarray | float:
        """1 for rows on the topic a learner names ("强化学习入门课程": reinforcement learning), 0 for
        the rest: material in the reader's language comes first among what teaches that topic, not
        above it (a general deep-learning course in Chinese is no answer to an RL course request).
        1 everywhere when the query names no topic but learning itself, or its topic was only
        inferred from the description's meaning."""
        if not self.options.native_on_topic or lifted is None or q.starting or q.inferred \
                or not any(t != LEARNER_AREA_KEY for t in q.tasks):
            return 1.0
        found = lifted[0]
        return np.fromiter((found.get(c, (0.0, LEARNER_AREA_KEY))[1] != LEARNER_AREA_KEY for c in cols.tolist()),
                           dtype=np.float64, count=len(cols))

    def _lift_rows(self, lifted: tuple, found_by_legs: np.ndarray) -> tuple:
        """A lift limited to its best LIFT_MAX_ROWS rows plus every lifted row a leg found."""
        found, rows, bonus = lifted
        if len(rows) <= LIFT_MAX_ROWS:
            return lifted
        top = set(rows[:LIFT_MAX_ROWS].tolist())
        extra = [r for r in dict.fromkeys(found_by_legs.tolist()) if r in found and r not in top]
        return (found, np.concatenate([rows[:LIFT_MAX_ROWS], np.asarray(extra, dtype=np.int64)]),
                np.concatenate([bonus[:LIFT_MAX_ROWS], [found[r][0] for r in extra]]))

    def _lift(self, tasks: tuple[tuple[str, float], ...]
              ) -> tuple[Mapping[int, tuple[float, str]], np.ndarray, np.ndarray]:
        """Rows the named tasks lift and their bonus, best first (bonus, then prior, then row)."""
        hit = self._lift_cache.get(tasks)
        if hit is None:
            found = lift(dict(tasks), self.data.task_rows, self.data.matcher, self.options)
            rows = np.fromiter(found, dtype=np.int64, count=len(found))
            bonus = np.fromiter((b for b, _ in found.values()), dtype=np.float64, count=len(found))
            order = np.lexsort((rows, -self.data.prior[rows], -bonus))
            hit = (found, rows[order], bonus[order])
            if len(self._lift_cache) < 4096:
                self._lift_cache[tasks] = hit
        return hit


CARD_PREFERENCE = ("library", "model", "dataset", "api", "paper", "tutorial", "course", "book", "website")


def one_card_each(best: list[tuple[int, float]], same_as: Mapping[int, int], types: list[str],
                  asked: frozenset[str], picked: frozenset[int] = frozenset()) -> list[tuple[int, float]]:
    """One place per thing: when rows that are one thing (see `context.same_things`) both
    rank, the better-ranked place stays and shows the card of the kind the query asked for,
    then the card the named task lists as its go-to pick (`picked`: the curator chose that
    card for the task, as the Whisper model card for speech recognition), else the most usable
    kind (the library before its model card, the model before its paper, which the model card
    links)."""
    if not same_as:
        return best
    out: list[tuple[int, float]] = []
    slot: dict[int, int] = {}  # group -> its index in out
    for row, score in best:
        g = same_as.get(row)
        if g is None:
            out.append((row, score))
        elif g not in slot:
            slot[g] = len(out)
            out.append((row, score))
        else:
            kept = out[slot[g]][0]
            rank = [(types[x] not in asked, x not in picked, CARD_PREFERENCE.index(types[x])
                     if types[x] in CARD_PREFERENCE else len(CARD_PREFERENCE)) for x in (row, kept)]
            if rank[0] < rank[1]:
                out[slot[g]] = (row, out[slot[g]][1])
    return out


def one_per_family(best: list[tuple[int, float]], family_of: Mapping[int, int], types: list[str],
                   named: Callable[[int], bool], places_each: int, min_relative: float) -> list[tuple[int, float]]:
    """At most `places_each` places per model family while other models are worth showing: a
    third ResNet variant (after the family card and resnet50, resnet101) gives its place to the
    next model of another family scoring at least `min_relative` of it, so a page of backbones
    shows ResNet, ViT, ConvNeXt rather than four ResNets; the family card itself, the family's best
    summary, always keeps its place. Only model places change hands (a family that is all
    the catalog has for a task keeps them), and none do when the query names the family or a
    variant ("resnet50 vs resnet101", "which ResNet is fastest"): there the variants are the answer."""
    if not family_of:
        return best
    places = [i for i, (row, _) in enumerate(best) if types[row] == "model"]
    group = {best[i][0]: family_of.get(best[i][0], best[i][0]) for i in places}
    size: dict[int, int] = {}
    for g in group.values():
        size[g] = size.get(g, 0) + 1
    crowded = {g for g, n in size.items() if n > places_each}
    crowded = {g for g in crowded if not any(named(r) for r, rg in group.items() if rg == g) and not named(g)}
    if not crowded:
        return best
    waiting, deferred, moved = deque(best[i] for i in places), deque(), []
    seen: dict[int, int] = {}
    while waiting or deferred:
        row = waiting[0][0] if waiting else -1
        if waiting and row in family_of and group[row] in crowded and seen.get(group[row], 0) >= places_each:
            deferred.append(waiting.popleft())
        elif waiting and not (deferred and waiting[0][1] < min_relative * deferred[0][1]):
            g = group[waiting[0][0]]
            seen[g] = seen.get(g, 0) + 1
            moved.append(waiting.popleft())
        else:
            moved.append(deferred.popleft())
    out = list(best)
    for i, item in zip(places, moved, strict=True):
        out[i] = item
    return out


def _links_to(resource, ids: set[str]) -> bool:
    """True when one of `resource`'s links (library, model, paper …) names one of `ids`."""
    return any(t in ids for targets in resource.links.values() if isinstance(targets, (list, tuple)) for t in targets)


def _names(query: Query, resource) -> bool:
    """Does the query name this resource (its name or an alias, as whole words)?"""
    text = query.english
    for name in (resource.name, *resource.aliases):
        key = name.lower()
        at = text.find(key) if len(key) >= 3 else -1
        while at >= 0:
            end = at + len(key)
            if (at == 0 or not text[at - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
                return True
            at = text.find(key, at + 1)
    return False


def _of_kinds(rows: Sequence[int], types: list[str], asked: frozenset[str], own_model: bool = False) -> list[int]:
    """A task's go-to picks of the kinds a query asks for (all of them when it asks for none):
    "a course on X" must not get X's go-to library lifted above the courses. With `own_model`
    (the user adapts a model they have: "fine-tune a 7B chat model") no go-to model is lifted
    unless models are asked for."""
    if own_model and "model" not in asked:
        rows = [r for r in rows if types[r] != "model"]
    return list(rows) if not asked else [r for r in rows if types[r] in asked]


def _via(lifted: Mapping[int, tuple[float, str]], row: int) -> str | None:
    found = lifted.get(row)
    return found[1] if found else None

