"""Find the taxonomy tasks a query names (English or Chinese) and the resources they lift."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property

from ..catalog.schema import Area, Task
from ..catalog.types import TYPES
from ..config import Options
from ..text.lang import clean, en_tokens, en_words, has_cjk, stem
from ..text.lazy_re import LazyPattern


def _word_at(text: str, pos: int, size: int) -> bool:
    """A Latin alias in a Chinese list ("GP", "CV") counts only as a whole word: "GP" must not
    match inside "GPU", nor "CV" inside "OpenCV"."""
    before = text[pos - 1] if pos else " "
    after = text[pos + size] if pos + size < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


# "speech to text" and "text to speech" hold the same words: a phrase that names a direction
# matches only a query that has its words in its order
_DIRECTED = LazyPattern(r"(?:^|[\s-])(?:to|into)(?:[\s-]|$)")


# A task named by one word used in another sense: "translate my PyTorch code to JAX" (a
# framework port) and "random translation and rotation" (shifting pixels) name no language task.
# Keyed by the word's stem or its Chinese name; the value is the context that gives the other sense.
# ("translation code" alone is code for a translator: only another framework named gives the port)
_PORT_OR_SHIFT = frozenset(("jax", "tensorflow", "kera", "framework", "numpi", "mxnet", "paddl", "mindspor", "rotat",
                            "shift", "affin", "pixel", "crop", "flip"))
# "our brand voice", "the tone of voice": a way of writing, no audio
_SENSES: dict[str, frozenset[str]] = {
    "translat": _PORT_OR_SHIFT, "zh:翻译": _PORT_OR_SHIFT, "zh:自动翻译": _PORT_OR_SHIFT,
    "voic": frozenset(("brand", "tone", "write", "writ", "style", "passiv"))}


def _another_sense(toks: frozenset[str], have: set[str]) -> bool:
    """True when a task is named only by a word of `_SENSES` and the query holds its other sense."""
    words = {t for t in toks if not (t.startswith("zh:") and len(t) == 4)}  # a Chinese name's lone characters
    return len(words) == 1 and bool(_SENSES.get(next(iter(words)), frozenset()) & have)


def _halves(name: str, zh: bool = False) -> list[str]:
    """The parts of a compound name ("Image Retrieval and Similarity Search", "超分辨率与图像复原"):
    each names the task on its own. A part of one word ("Depth" of "Depth and Stereo Estimation",
    处理 of 数据加载与处理) is too loose to count."""
    parts = re.split(r"[与和及]" if zh else r"\s+and\s+", name)
    if len(parts) < 2:
        return []
    return [p for p in (x.strip() for x in parts)
            if (len(p) >= 3 and p not in _ZH_TYPE_WORDS if zh else len(en_tokens(p)) >= 2)]


# 数据集 of 数据加载与数据集 is a kind of answer (a type word), which every "X数据集" query holds:
# as half of a task's name it would name data loading for all of them
_ZH_TYPE_WORDS = frozenset(info.label_zh for info in TYPES.values())


def _in_order(words: Sequence[str], seq: Sequence[str]) -> bool:
    it = iter(seq)
    return all(w in it for w in words)


# "B from A" states the conversion "A to B": "pictures from a text description", "text from
# scanned pages", "speech from text"
_FROM = LazyPattern(r"\bfrom\b")


def _from_sides(raw: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """The query's words before and after its first "from" (as stems), or None without one."""
    m = _FROM.search(raw.lower())
    if not m:
        return None
    return _stems(raw[:m.start()]), _stems(raw[m.end():])


def _stems(text: str) -> frozenset[str]:
    return frozenset(_SAME.get(t, t) for t in en_tokens(text))


# Words users put where task names say "image": "describe photos", "classify pictures" name the
# same tasks as "describe images" (stems; task matching only, BM25 keeps the words as typed)
_SAME = {"photo": "imag", "pictur": "imag", "pic": "imag"}


PHRASE_SLACK = 6  # words a task phrase's words may have between them in a query (read sets: 2 -0.0005,
# 4 +0.0000, 6 +0.0001 with 4 long queries up and none down: spread-out asked_as phrases are meant)


def _close(toks: frozenset[str], where: Mapping[str, list[int]]) -> bool:
    """Do the phrase's words (those with positions) fit in a window of len + PHRASE_SLACK?"""
    placed = [(pos, t) for t in toks if t in where for pos in where[t]]
    need = len({t for _, t in placed})
    if need < 2:
        return True
    placed.sort()
    count: dict[str, int] = {}
    inside, lo, best = 0, 0, None
    for pos, t in placed:  # smallest window holding every word once
        count[t] = count.get(t, 0) + 1
        inside += count[t] == 1
        while inside == need:
            span = pos - placed[lo][0] + 1
            best = span if best is None else min(best, span)
            count[placed[lo][1]] -= 1
            inside -= count[placed[lo][1]] == 0
            lo += 1
    return best is not None and best <= need + PHRASE_SLACK


class TaskMatcher:
    """Phrase table of every task name and alias; the longest matches win."""

    def __init__(self, tasks: Mapping[str, Task], areas: Mapping[str, Area] | None = None,
                 saved: Mapping | None = None):
        """`saved` is `phrase_table()` of a matcher over the same tasks and areas (from the index
        generation): stemming every name again costs ~40 ms of a one-shot query."""
        self.tasks = dict(tasks)
        self.en: list[tuple[frozenset[str], str, str]] = []  # (token set, task id, phrase)
        self.order: dict[int, tuple[str, ...]] = {}  # phrases naming a direction: their word order
        self.zh: list[tuple[str, str]] = []
        if saved:
            self.en = [(frozenset(toks), tid, phrase) for toks, tid, phrase in saved["en"]]
            self.order = {int(i): tuple(toks) for i, toks in saved["order"]}
            self.zh = [(p, tid) for p, tid in saved["zh"]]
        else:
            for t in tasks.values():
                self._add(t.id, t.name, (*t.aliases, t.pwc, *t.asked_as), t.name_zh, (*t.aliases_zh, *t.asked_as_zh))
            for a in (areas or {}).values():
                self._add(f"area:{a.id}", a.name, a.aliases, a.name_zh, a.aliases_zh)
        self._build_lookup()
        self.combos = [(t.id, t.combines) for t in tasks.values() if t.combines]
        self.children: dict[str, list[str]] = defaultdict(list)
        for t in tasks.values():
            if t.parent:
                self.children[t.parent].append(t.id)
            else:  # an area's top-level tasks are its children
                self.children[f"area:{t.area}"].append(t.id)

    @cached_property
    def conversions(self) -> dict[tuple[str, str], frozenset[str]]:
        """("speech", "text") -> the tasks named so; read on first use, since only a query stating
        a direction needs it and stemming every task name costs ~8 ms of a one-shot answer."""
        return conversions(self.tasks)

    def _add(self, tid: str, name: str, aliases: Sequence[str], name_zh: str, aliases_zh: Sequence[str]) -> None:
        """A task's or area's names as phrases: the name, each half of a compound name, the aliases."""
        for phrase in (name, *_halves(name), *aliases):
            toks = [_SAME.get(t, t) for t in en_tokens(phrase)]
            if toks:
                if _DIRECTED.search(phrase.lower()):
                    self.order[len(self.en)] = tuple(toks)
                self.en.append((frozenset(toks), tid, phrase))
        for phrase in (name_zh, *_halves(name_zh, zh=True), *aliases_zh):
            p = clean(phrase).strip()
            if len(p) >= 2:
                self.zh.append((p, tid))

    @cached_property
    def display_names(self) -> frozenset[str]:
        """Lower-cased names of the tasks and areas (what the glossary renders a Chinese task
        name as)."""
        return frozenset(clean(p) for toks, tid, p in self.en
                         if tid.startswith("area:") or p == self.tasks[tid].name)

    def phrase_table(self) -> dict:
        """The phrases as plain JSON data, for the index generation (see `saved`)."""
        return {"en": [[sorted(toks), tid, phrase] for toks, tid, phrase in self.en],
                "order": [[i, list(toks)] for i, toks in sorted(self.order.items())],
                "zh": [[p, tid] for p, tid in self.zh]}

    def _build_lookup(self) -> None:
        """Inverted indexes so matching a query touches only phrases that could match."""
        self._by_token: dict[str, list[int]] = defaultdict(list)
        for i, (toks, _, _) in enumerate(self.en):
            self._by_token[min(toks)].append(i)
        self._by_char: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for phrase, tid in self.zh:
            self._by_char[phrase[0]].append((phrase, tid))
        # each directed phrase's source and target words, for the "B from A" reading
        self._sides: dict[int, tuple[frozenset[str], frozenset[str]]] = {}
        self._said: dict[int, tuple[str, str] | None] = {}
        for i in self.order:
            parts = _DIRECTED.split(self.en[i][2].lower(), maxsplit=1)
            if len(parts) == 2:
                a, b = _stems(parts[0]), _stems(parts[1])
                if a and b:
                    self._sides[i] = (a, b)

    def _literal(self, i: int, text: str) -> bool:
        """The directed phrase stated word for word in the query ("text-to-image", "speech into
        text"), not merely its words in its order with others between; `text` is the query as
        `_stemmed` reads it, padded with spaces."""
        if i not in self._said:
            parts = _DIRECTED.split(self.en[i][2].lower(), maxsplit=1)
            self._said[i] = (_stemmed(parts[0]), _stemmed(parts[1])) if len(parts) == 2 else None
        said = self._said[i]
        return said is not None and any(f" {said[0]} {w} {said[1]} " in text for w in ("to", "into"))

    def _directed(self, i: int, tokens: Sequence[str], sides: tuple | None) -> bool:
        """A directed phrase matches its words in its order, or read as "B from A"; a "from"
        between its words in its order reverses it ("an image from text" is not image to text)."""
        if sides is not None and i in self._sides:
            a, b = self._sides[i]
            if b <= sides[0] and a <= sides[1]:
                return True
            if a <= sides[0] and b <= sides[1]:
                return False
        return _in_order(self.order[i], tokens)

    def match(self, tokens: Sequence[str], raw: str, anywhere: frozenset[str] = frozenset(),
              inner: Callable[[str], frozenset[int]] | None = None,
              gave_way: set[str] | None = None) -> dict[str, float]:
        """{task id: strength in (0, 1]} for tasks whose full name appears in the query: its
        words close together (within PHRASE_SLACK extra words, any order), so "a pretrained
        model ... in dozens of languages" does not name language modeling. Tokens in `anywhere`
        (read off the whole query, such as "few" for "only 50 labelled images") count wherever.
        `inner` gives the offsets inside words of the reader's Chinese (`Glossary.inner`): a
        Chinese name starting or ending inside a longer word names its task only when the word's
        English rendering does too (医学图像分割 renders as "medical image segmentation"; 中文翻译版,
        "Chinese edition", holds 翻译 but is no translation task). Tasks that gave way to a task
        named by their combination (`Task.combines`) are added to `gave_way`."""
        tokens = [_SAME.get(t, t) for t in tokens]
        have = set(tokens)
        where: dict[str, list[int]] = {}
        for pos, t in enumerate(tokens):
            if t not in anywhere:
                where.setdefault(t, []).append(pos)
        hits: dict[str, frozenset[str]] = {}
        directed: set[str] = set()  # tasks matched by a conversion stated in its direction
        candidates = self._candidates(have)
        directional = any(i in self.order for i in candidates)
        sides = _from_sides(raw) if directional else None
        stemmed = f" {_stemmed(raw)} " if directional else ""  # the query as `_literal` reads it
        for i in candidates:
            toks, tid, _ = self.en[i]
            if toks <= have and len(toks) > len(hits.get(tid, ())) and _close(toks, where) and (
                    i not in self.order or self._directed(i, tokens, sides)):
                hits[tid] = toks
                if i in self.order and self._literal(i, stemmed):
                    directed.add(tid)
                else:
                    directed.discard(tid)
        text = clean(raw).replace("的", "")  # 下棋的AI names what 下棋AI names
        inside = inner(text) if inner is not None and has_cjk(text) else frozenset()
        found = {(p, tid, pos) for pos, ch in enumerate(text) for p, tid in self._by_char.get(ch, ())
                 if text.startswith(p, pos) and (has_cjk(p) or _word_at(text, pos, len(p)))
                 and (tid in hits or (pos not in inside and pos + len(p) not in inside))}
        spans: dict[str, frozenset[int]] = {}  # where in the text a task's Chinese name was found
        english = dict(hits)  # the tasks the English words name, before the Chinese names
        within: set[str] = set()  # tasks whose Chinese name sits inside a longer word
        for phrase, tid, pos in sorted(found):
            if not has_cjk(phrase):
                # a Latin name in a Chinese list ("LLM") covers its words, as the English
                # phrases do, so a longer English match holding it wins ("LLM evaluation")
                cover = frozenset(_SAME.get(t, t) for t in en_tokens(phrase))
                if cover and len(cover) > len(hits.get(tid, ())):
                    hits[tid] = cover
                continue
            if pos in inside or pos + len(phrase) in inside:
                within.add(tid)
            cover = frozenset({f"zh:{phrase}"} | {f"zh:{c}" for c in phrase})
            if len(cover) > len(hits.get(tid, ())):
                hits[tid] = cover
                spans[tid] = frozenset(range(pos, pos + len(phrase)))
        # a conversion stated word for word ("text-to-image model") is not swallowed by an
        # undirected phrase holding its words ("image-text models"): that phrase goes
        stated = [hits[t] for t in directed]
        hits = {tid: toks for tid, toks in hits.items()
                if tid in directed or not any(d <= toks for d in stated)}
        hits = {tid: toks for tid, toks in hits.items() if not _another_sense(toks, have)}
        # keep only maximal matches: "segmentation" yields to "semantic segmentation", and a
        # Chinese name found inside a longer one (语音 of the audio area inside 语音识别) to it
        # ... and a Chinese name inside a longer word yields to a longer name the word's English
        # rendering holds (显著性目标检测, "salient object detection", holds 目标检测)
        kept = {tid: toks for tid, toks in hits.items()
                if not any(toks < other for o, other in hits.items() if o != tid)
                and not (tid in within and any(english[tid] < other for o, other in english.items() if o != tid))
                and not (tid in spans and any(spans[tid] < span for o, span in spans.items() if o != tid))}
        self._combine(kept, set() if gave_way is None else gave_way)
        size = max(len(have), 1)
        return {tid: min(1.0, len(toks) / size) for tid, toks in kept.items()}

    def _combine(self, kept: dict[str, frozenset[str]], gave_way: set[str]) -> None:
        """A task named by its parts together (`Task.combines`) replaces the parts that are tasks,
        and holds all their words."""
        for tid, parts in self.combos:
            found = [self._part(p, kept) for p in parts]
            if all(found):  # named by its parts, or named itself beside them
                kept[tid] = kept.get(tid, frozenset()).union(*(kept[f] for f in found if f))
                for part in parts:
                    if not part.startswith("area:") and kept.pop(part, None) is not None:
                        gave_way.add(part)

    def _part(self, part: str, kept: Mapping[str, frozenset[str]]) -> str | None:
        """What stands for `part` among the named: itself, or for an area any task of that area."""
        if part in kept:
            return part
        if part.startswith("area:"):
            return next((o for o in kept if o in self.tasks and self.tasks[o].area == part[5:]), None)
        return None

    def ends_with_task(self, tokens: Sequence[str]) -> bool:
        """True when the tokens end with a task's English name ("... object detection"): a
        "model" right after it asks for models of that task."""
        if not tokens:
            return False
        toks = [_SAME.get(t, t) for t in tokens]
        have, last = set(toks), toks[-1]
        return any(last in self.en[i][0] and self.en[i][0] <= have for i in self._candidates(have))

    def _candidates(self, have: set[str]) -> list[int]:
        """The English phrases that could match these tokens (sorted: the same phrase wins ties
        in every process)."""
        return sorted({i for tok in have for i in self._by_token.get(tok, ())})

    def descendants(self, task_id: str) -> list[str]:
        out, stack = [], list(self.children.get(task_id, []))
        while stack:
            t = stack.pop()
            out.append(t)
            stack.extend(self.children.get(t, []))
        return out


def task_index(row_tasks: Sequence[Sequence[str]]) -> dict[str, list[tuple[int, int]]]:
    """{task id: [(row, position of the task in the row's list)]} from each row's task ids."""
    index: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for row, ts in enumerate(row_tasks):
        for pos, t in enumerate(ts):
            index[t].append((row, pos))
    return dict(index)


def lift(matched: Mapping[str, float], task_rows: Mapping[str, list[tuple[int, int]]],
         matcher: TaskMatcher, opt: Options) -> dict[int, tuple[float, str]]:
    """{row: (bonus, task id)} for resources filed under a matched task or its subtasks."""
    weight: dict[str, tuple[float, str]] = {}
    for tid, strength in matched.items():
        for sub in matcher.descendants(tid):
            if weight.get(sub, (0, ""))[0] < opt.task_child * strength:
                weight[sub] = (opt.task_child * strength, tid)
    for tid, strength in matched.items():
        weight[tid] = (strength, tid)
    out: dict[int, tuple[float, str]] = {}
    for task, (w, via) in weight.items():
        for row, pos in task_rows.get(task, ()):
            bonus = w * (opt.task_primary if pos == 0 else opt.task_secondary)
            if bonus > out.get(row, (0.0, ""))[0]:
                out[row] = (bonus, via)
    return out


# "A to B" in a task's English names: a conversion with a direction
_CONVERSION = LazyPattern(r"^([a-z0-9]+(?: [a-z0-9]+)?) (?:to|into) ([a-z0-9]+(?: [a-z0-9]+)?)$")


def _plain(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", clean(text)))


def _stemmed(text: str) -> str:
    """A text's words as the task matcher reads them (stems, photos and pictures as images),
    stopwords kept: "pictures from text" states "text to image"."""
    return " ".join(_SAME.get(s, s) for s in (stem(w) for w in en_words(text)))


def conversions(tasks: Mapping[str, Task]) -> dict[tuple[str, str], frozenset[str]]:
    """Each conversion the tasks' English names state ("speech to text", "text-to-image") and the
    tasks stating it; the words as `_stemmed` gives them, as a query's are read."""
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for t in tasks.values():
        for name in (t.name, *t.aliases, *t.asked_as):
            m = _CONVERSION.match(_plain(name))
            if m:
                out[(_stemmed(m.group(1)), _stemmed(m.group(2)))].add(t.id)
    return {pair: frozenset(ids) for pair, ids in out.items()}


def reversed_tasks(english: str, known: Mapping[tuple[str, str], frozenset[str]]
                   | Callable[[], Mapping[tuple[str, str], frozenset[str]]]
                   ) -> tuple[frozenset[str], frozenset[str]]:
    """(tasks converting the other way round, tasks converting the stated way) for the
    conversions a query states. "Speech to text" holds the words of "text to speech", so both
    legs find text-to-speech resources for it; they answer the opposite need."""
    text = f" {_stemmed(english)} "
    sides = _from_sides(english)  # "B from A", read as the task matcher reads it
    if sides is None and " to " not in text and " into " not in text:
        return frozenset(), frozenset()
    known = known() if callable(known) else known  # the table, built only for a stated direction
    stated = [(a, b) for a, b in known
              if f" {a} to {b} " in text or f" {a} into {b} " in text
              or (sides is not None and set(b.split()) <= sides[0] and set(a.split()) <= sides[1])]
    if not stated:
        return frozenset(), frozenset()
    named = frozenset().union(*(known[p] for p in stated))
    other = frozenset().union(*(known.get((b, a), frozenset()) for a, b in stated))
    return other - named, named
