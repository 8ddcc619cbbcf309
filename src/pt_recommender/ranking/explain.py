"""The plain-words reason given with each result: kind, named task or go-to pick, matched words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..catalog.schema import Area, Resource, Task
from ..catalog.types import TYPES
from ..text.lang import CJK_RE, cjk_tokens, en_tokens, en_words
from .query import Query


def resource_terms(resource: Resource, tasks: Mapping[str, Task]) -> frozenset[str]:
    """English stems and CJK bigrams of everything a resource says about itself (cached per
    resource by the recommender, so explaining a result costs a few set look-ups)."""
    text = " ".join((resource.name, *resource.aliases, resource.description,
                     resource.description_zh, *resource.tags,
                     *(n for t in resource.tasks if t in tasks for n in tasks[t].all_names)))
    return frozenset(en_tokens(text)) | frozenset(cjk_tokens(text))


def need_terms(resource: Resource) -> tuple[tuple[str, str, frozenset[str]], ...]:
    """Each needs phrase (English and Chinese) with its language and its stems and bigrams."""
    return tuple((lang, n, frozenset(en_tokens(n)) | frozenset(cjk_tokens(n)))
                 for lang, phrases in (("en", resource.needs), ("zh", resource.needs_zh)) for n in phrases)


NEED_OVERLAP = 2  # query stems or Chinese bigrams a needs phrase must share to be quoted as the use


def use_matched(query: Query, needs: Sequence[tuple[str, str, frozenset[str]]], have: frozenset[str]) -> str:
    """The needs phrase, in the reader's language when it has one, sharing the most query words
    (at least NEED_OVERLAP; ties: the phrase listed first) of which one is not in the resource's
    own text `have`, or "": what the resource is for, in the words the query matched where its
    description does not hold them (the card would otherwise not say why it is here)."""
    tokens = query.token_set
    best, score = "", NEED_OVERLAP - 1
    for lang in dict.fromkeys((query.lang, "en")):
        for phrase_lang, phrase, terms in needs:
            shared = terms & tokens if phrase_lang == lang else frozenset()
            if len(shared) > score and shared - have:
                best, score = phrase, len(shared)
        if best:
            return best
    return best


@lru_cache(maxsize=8192)
def _grams(term: str) -> tuple[str, ...]:
    return tuple(cjk_tokens(term))  # a query's terms are tested against every result it explains


def matched_terms(query: Query, have: frozenset[str]) -> list[str]:
    """Query words (or Chinese terms) that also occur in the resource's own text."""
    out: list[str] = []
    counted = query.token_set  # a word the lexical leg did not use is no match to quote
    for w, st in query.word_stems:
        if st in have and st in counted and w not in out:
            out.append(w)
    if query.lang == "zh":
        for zh, _ in query.glossary_terms:
            grams = _grams(zh)
            if grams and sum(g in have for g in grams) >= 0.8 * len(grams) and zh not in out:
                out.append(zh)
    return out[:6]


@lru_cache(maxsize=8192)
def _rendering(en: str) -> tuple[frozenset[str], frozenset[str]]:
    """A glossary rendering's stems and its words as typed."""
    return frozenset(en_tokens(en)), frozenset(en_words(en))


def credited(query: Query, matched: list[str], have: frozenset[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """The matched words a Chinese reader can be told of, and for each glossary word the Chinese
    term it stands for. A term is credited only when the resource holds its whole rendering:
    "learning" alone in a deep-learning course is no match for 强化学习 (reinforcement learning),
    and a reason quoting 强化学习 there would tell the reader something false."""
    if query.lang != "zh" or not query.glossary_terms:
        return matched, []
    whole = [(zh, _rendering(en)[1]) for zh, en in query.glossary_terms if _rendering(en)[0] <= have]
    keep: list[str] = []
    said: list[tuple[str, str]] = []
    for w in matched:
        src = next((zh for zh, words in whole if w in words), None)
        if src is not None and w not in query.typed:
            said.append((w, src))
        elif not (CJK_RE.search(w) or w in query.typed) and w in query.sources:
            continue  # part of a rendering the resource does not hold whole
        keep.append(w)
    return keep, said


@dataclass(frozen=True)
class Explanation:
    """The facts behind a result, rendered in either language from the same parts."""

    type: str
    pick_for: tuple[str, str] | None = None  # (task name en, zh): a go-to pick for the named task
    pick_area: tuple[str, str] | None = None  # (area name en, zh): a go-to pick for the named area
    pick_voted: tuple[str, str] | None = None  # (task name en, zh): a go-to pick of the task the results share
    task: tuple[str, str] | None = None  # filed under the task the query names
    area: tuple[str, str] | None = None  # in the area the query names
    matched: tuple[str, ...] = ()
    typed: tuple[str, ...] = ()  # the matched English words the user typed (not glossary renderings)
    said: tuple[tuple[str, str], ...] = ()  # (matched English rendering word, the Chinese term it renders)
    starting: bool = False  # the area was inferred from a learner's words, not named
    inferred: bool = False  # the task was read off the description's meaning, not named
    close_in_meaning: bool = False
    maintenance: str = ""
    replaces: str = ""  # the name of the deprecated or archived resource it succeeds
    in_chinese: bool = False  # learning material in Chinese, shown to a Chinese reader
    for_chinese: bool = False  # a tool, model or dataset made for Chinese, shown to a Chinese reader
    use: str = ""  # the needs phrase the query's words match (see `use_matched`)
    access: str = ""  # "free"/"free_audit"/"paid", said when the query asks for free material

    def render(self, lang: str = "en") -> str:
        return _render(self, lang)


MAINTENANCE_ZH = {"deprecated": "已弃用", "archived": "已归档", "stale": "长期未更新"}
PHRASES = {  # one explanation, two languages: the same parts fill either template
    "en": {"pick": "{label}; a go-to choice for “{name}”, the task you named",
           "pick_voted": "{label}; a go-to choice for “{name}”, the task your description points to",
           "pick_area": "{label}; a go-to choice in “{name}”, the area you named",
           "pick_start": "{label}; a go-to choice for getting started", "start": "{label} for getting started",
           "task": "{label} filed under the task “{name}” you named", "area": "{label} in the area “{name}” you named",
           "task_inferred": "{label} filed under “{name}”, the task your description points to",
           "matches": "matches {terms}", "term_sep": ", ", "close": "close in meaning to your description",
           "use": "used for “{need}”",
           "note": "note: {status}", "sep": "; ", "replaces": "replaces “{name}”",
           "in_chinese": "in Chinese", "for_chinese": "made for Chinese",
           "free": "free to read or watch", "free_audit": "free to audit", "paid": "paid"},
    "zh": {"pick": "{label}；你提到的任务“{name}”的首选",
           "pick_voted": "{label}；你描述的需求对应任务“{name}”，这是它的首选",
           "pick_area": "{label}；你提到的领域“{name}”的首选",
           "pick_start": "{label}；入门首选", "start": "{label}；适合入门",
           "task": "{label}；属于你提到的任务“{name}”",
           "task_inferred": "{label}；属于你描述的需求对应的任务“{name}”",
           "area": "{label}；属于你提到的领域“{name}”", "matches": "匹配 {terms}", "term_sep": "、",
           "close": "与你的描述语义相近", "use": "用途：“{need}”",
           "note": "注意：{status}", "sep": "；", "replaces": "取代“{name}”",
           "in_chinese": "中文资料", "for_chinese": "面向中文",
           "free": "免费", "free_audit": "可免费旁听", "paid": "付费"},
}


def _render(e: Explanation, lang: str) -> str:
    zh = lang == "zh"
    p = PHRASES["zh" if zh else "en"]
    info = TYPES.get(e.type)
    label = (info.label_zh if zh else info.label) if info else e.type
    parts = [label]
    for key, pair in (("pick", e.pick_for), ("pick_area", e.pick_area), ("task", e.task), ("area", e.area),
                      ("pick_voted", e.pick_voted)):
        if pair:
            if e.starting and key in ("pick_area", "area"):
                key = "pick_start" if key == "pick_area" else "start"
            elif e.inferred and key in ("pick", "task"):
                key = "pick_voted" if key == "pick" else "task_inferred"
            parts = [p[key].format(label=label, name=(pair[1] or pair[0]) if zh else pair[0])]
            break
    if e.replaces:
        parts.append(p["replaces"].format(name=e.replaces))
    for key in ("in_chinese", "for_chinese"):
        if getattr(e, key):
            parts.append(p[key])
    if e.access:
        parts.append(p[e.access])
    # the reader's own words first: a Chinese reader's Chinese terms and the English words they
    # typed themselves ("onnx" in "把模型转成onnx"), and for a glossary rendering the Chinese term
    # it came from ("显存爆了", not "out", "gpu", "memory"), not the glossary's renderings
    own = _own_words(e) if zh else [w for w in e.matched if not CJK_RE.search(w)]
    if e.matched:
        parts.append(p["matches"].format(terms=p["term_sep"].join(f"“{w}”" for w in (own or e.matched))))
    elif e.close_in_meaning:
        parts.append(p["close"])
    if e.use:
        parts.append(p["use"].format(need=e.use))
    if e.maintenance:
        parts.append(p["note"].format(status=MAINTENANCE_ZH.get(e.maintenance, e.maintenance) if zh else e.maintenance))
    return p["sep"].join(parts)


def _own_words(e: Explanation) -> list[str]:
    source = dict(e.said)
    out: list[str] = []
    for w in e.matched:
        term = w if CJK_RE.search(w) or w in e.typed else source.get(w)
        if term and term not in out:
            out.append(term)
    return out


def explain(query: Query, resource: Resource, tasks: Mapping[str, Task], via_task: str | None,
            legs: Sequence[str], areas: Mapping[str, Area] | None = None, terms: frozenset[str] | None = None,
            pick_for: str | None = None, replaces: str = "", voted_for: str | None = None,
            needs: Sequence[tuple[str, str, frozenset[str]]] = ()) -> Explanation:
    """What a user can check about why this result is here: kind, named task or go-to pick,
    the query words it matches, and whether it is still maintained."""
    area = (areas or {}).get(via_task[5:]) if via_task and via_task.startswith("area:") else None
    picked_area = (areas or {}).get(pick_for[5:]) if pick_for and pick_for.startswith("area:") else None

    def names(task_id: str | None) -> tuple[str, str] | None:
        t = tasks.get(task_id) if task_id else None
        return (t.name, t.name_zh) if t else None

    have = terms if terms is not None else resource_terms(resource, tasks)
    matched, said = credited(query, matched_terms(query, have), have)
    return Explanation(
        type=resource.type, pick_for=names(pick_for), pick_voted=names(voted_for),
        pick_area=(picked_area.name, picked_area.name_zh) if picked_area is not None else None,
        task=None if pick_for in tasks else names(via_task),
        area=(area.name, area.name_zh) if area is not None and not pick_for else None,
        matched=tuple(matched), close_in_meaning="dense" in legs and not matched,
        typed=tuple(w for w in matched if w in query.typed),
        said=tuple(said), starting=query.starting,
        inferred=bool(query.inferred) and (pick_for in query.inferred or via_task in query.inferred),
        maintenance=resource.maintenance if resource.maintenance in MAINTENANCE_ZH else "",
        replaces=replaces, in_chinese=query.lang == "zh" and resource.in_chinese,
        for_chinese=query.lang == "zh" and resource.for_chinese, use=use_matched(query, needs, have),
        access=resource.access if query.free else "",
    )


def reason(query: Query, resource: Resource, tasks: Mapping[str, Task],
           via_task: str | None, legs: Sequence[str],
           areas: Mapping[str, Area] | None = None, terms: frozenset[str] | None = None,
           pick_for: str | None = None, lang: str = "en") -> str:
    """One line a user can check (see `explain`), in English or Chinese."""
    return explain(query, resource, tasks, via_task, legs, areas, terms, pick_for).render(lang)
