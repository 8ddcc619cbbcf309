"""Data for the UI (no Streamlit here): filtered search, card facts, task pages, leaderboards."""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .catalog import Catalog
from .catalog.schema import INACTIVE, Recommendation, Resource, Task
from .catalog.types import GROUPS
from .leaderboard import PRIMARY, Board, build_board
from .ranking.explain import PHRASES
from .ranking.query import analyse, check_k

if TYPE_CHECKING:
    from .recommender import Recommender



def search(rec: Recommender, query: str, k: int = 10, types: Iterable[str] | None = None,
           task: str | None = None, area: str | None = None, hide_inactive: bool = False
           ) -> list[Recommendation]:
    """`recommend` plus the app's filters; over-fetches so filtering still fills k."""
    k = check_k(k)
    filtered = bool(task or area or hide_inactive)
    if filtered:  # the weak-result floor is relative to the unfiltered best, so lift it here
        rec = rec.with_options(floor=0.0)
    recs = rec.recommend(query, k=100 if filtered else k, types=list(types) if types else None)
    allowed_tasks = _task_closure(rec, task, area)
    out = []
    for r in recs:
        if hide_inactive and r.status in INACTIVE:
            continue
        if allowed_tasks is not None and not allowed_tasks.intersection(r.tasks):
            continue
        out.append(r)
    return out[:k]


def _task_closure(rec: Recommender, task: str | None, area: str | None) -> set[str] | None:
    if not task and not area:
        return None
    ids = {t.id for t in rec.tasks.values() if area and t.area == area}
    if task:
        ids |= {task, *rec.matcher.descendants(task)}
    return ids


def grouped(recs: Sequence[Recommendation]) -> list[tuple[str, list[Recommendation]]]:
    """Results by group, groups in the order of their best result."""
    out = []
    for label, types in GROUPS:
        items = [r for r in recs if r.type in types]
        if items:
            out.append((label, items))
    order = {r.id: i for i, r in enumerate(recs)}
    return sorted(out, key=lambda g: order[g[1][0].id])


def facts(res: Resource, rec: Recommender, lang: str = "en") -> list[str]:
    """The facts users look for on a card, as short plain strings."""
    zh = lang == "zh"
    out: list[str] = []
    if res.authors:
        names = ", ".join(res.authors[:3]) + (" et al." if len(res.authors) > 3 else "")
        out.append(f"{'作者' if zh else 'Authors'}: {names}")
    if res.year:
        out.append(f"{'年份' if zh else 'Year'}: {res.year}")
    for label, label_zh, value in (("Publisher", "出版社", res.publisher), ("Platform", "平台", res.platform),
                                   ("Instructor", "讲师", res.instructor), ("License", "许可证", res.license)):
        if value:
            out.append(f"{label_zh if zh else label}: {value}")
    if res.access:  # the words the reasons use (ranking.explain.PHRASES)
        out.append(f"{'获取' if zh else 'Access'}: {PHRASES['zh' if zh else 'en'][res.access]}")
    if res.params:
        out.append(f"{'参数量' if zh else 'Params'}: {res.params / 1e6:.1f}M")
    default = next((w for w in res.weights if w.get("default")), res.weights[0] if res.weights else None)
    for name, value in list((default or {}).get("metrics", {}).items())[:3]:
        out.append(f"{name}: {value:g}")
    for pid in res.links.get("paper", []) if isinstance(res.links.get("paper"), list) else []:
        paper = rec.resource(pid)
        if paper:
            out.append(f"{'论文' if zh else 'Paper'}: {paper.name}")
    return out


def successors(res: Resource, rec: Recommender) -> list[Resource]:
    return [r for r in (rec.resource(i) for i in res.successor) if r is not None]


@dataclass
class TaskPage:
    task: Task
    area: str
    parent: Task | None
    subtasks: list[Task]
    featured: list[Resource] = field(default_factory=list)
    groups: list[tuple[str, list[Resource]]] = field(default_factory=list)
    boards: list[Board] = field(default_factory=list)


def matched_task(rec: Recommender, query: str) -> str | None:
    """The strongest taxonomy task a query names, if any."""
    q = analyse(query, rec.data.glossary, rec.data.matcher, rec.data.speller)
    tasks = {t: s for t, s in q.tasks.items() if t in rec.tasks}
    return max(tasks, key=lambda t: (tasks[t], t)) if tasks else None


def task_members(rec: Recommender, task_id: str, hide_inactive: bool = False) -> list[Resource]:
    """Resources filed under the task or a subtask: go-to picks first, then by the prior."""
    task = rec.tasks[task_id]
    scope = {task_id, *rec.matcher.descendants(task_id)}
    members = [r for r in rec.resources if scope.intersection(r.tasks) and not (hide_inactive and r.inactive)]
    picks = {rid: i for i, rid in enumerate(task.featured)}
    members.sort(key=lambda r: (picks.get(r.id, len(picks)), -rec.data.prior[rec.data.row_of[r.id]], r.name.lower()))
    return members


def task_page(rec: Recommender, task_id: str, hide_inactive: bool = False) -> TaskPage:
    """Papers-with-Code style page: the task, its tree, its resources by kind, its leaderboards."""
    task = rec.tasks[task_id]
    members = task_members(rec, task_id, hide_inactive)
    groups = []
    for label, types in GROUPS:
        items = [r for r in members if r.type in types]
        if items:
            groups.append((label, items))
    area = rec.areas.get(task.area)
    return TaskPage(
        task=task, area=area.name if area else task.area,
        parent=rec.tasks.get(task.parent) if task.parent else None,
        subtasks=sorted((t for t in rec.tasks.values() if t.parent == task_id), key=lambda t: t.name),
        featured=[r for r in (rec.resource(i) for i in task.featured)
                  if r is not None and not (hide_inactive and r.inactive)],
        groups=groups, boards=task_boards(rec, task_id),
    )


def _catalog(rec: Recommender) -> Catalog:
    return Catalog(rec.resources, rec.tasks, rec.areas)


_BOARDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # recommender -> task -> boards


def task_boards(rec: Recommender, task_id: str) -> list[Board]:
    """Every dataset x metric leaderboard of the task, the primary one first; built once per
    recommender (it is read-only), since a dataset page looks through every task's boards."""
    per_task = _BOARDS.setdefault(rec, {})
    if task_id not in per_task:
        per_task[task_id] = _task_boards(rec, task_id)
    return list(per_task[task_id])


def _task_boards(rec: Recommender, task_id: str) -> list[Board]:
    cat = _catalog(rec)
    try:
        first = build_board(cat, task_id)
    except ValueError:
        return []
    keys = sorted({k for row in first.rows for k in row if "/" in k})
    boards = [first]
    for key in keys:
        ds, mt = key.split("/")
        if (ds, mt) != (first.dataset, first.metric):
            boards.append(build_board(cat, task_id, ds, mt))
    return boards


def best_result(rec: Recommender, task_id: str) -> str:
    """The top of the task's primary leaderboard, as one line ("" when it has none)."""
    try:
        b = build_board(_catalog(rec), task_id)
    except ValueError:
        return ""
    top = b.rows[0]
    return f"{top['model']}: {top[f'{b.dataset}/{b.metric}']:g} {b.metric} on {b.dataset}"


@dataclass
class AreaCard:
    id: str
    name: str
    name_zh: str
    tasks: list[tuple[Task, dict[str, int], str]]  # task, resource counts by type, best-known result
    featured: list[Resource] = field(default_factory=list)  # the area's go-to picks


def browse(rec: Recommender, text: str = "") -> list[AreaCard]:
    """Areas with their tasks, counts by type and best results; `text` filters (en or zh)."""
    needle = text.strip().lower()
    cards = []
    for a in rec.areas.values():
        rows = []
        for t in sorted((t for t in rec.tasks.values() if t.area == a.id), key=lambda t: t.name):
            hay = " ".join((t.name, t.name_zh, *t.aliases, *t.aliases_zh, *t.asked_as, *t.asked_as_zh,
                            a.name, a.name_zh)).lower()
            if needle and needle not in hay:
                continue
            counts: dict[str, int] = {}
            for r in rec.resources:
                if t.id in r.tasks:
                    counts[r.type] = counts.get(r.type, 0) + 1
            rows.append((t, counts, best_result(rec, t.id)))
        if rows:
            picks = [r for r in (rec.resource(i) for i in a.featured) if r is not None]
            cards.append(AreaCard(a.id, a.name, a.name_zh, rows, picks))
    return cards


def dataset_boards(rec: Recommender, dataset: Resource) -> list[Board]:
    """Leaderboards whose benchmark is this dataset (matched by name or alias)."""
    names = {_key(n) for n in (dataset.name, *dataset.aliases)}
    out = []
    for task_id in PRIMARY:
        if task_id in rec.tasks:
            for b in task_boards(rec, task_id):
                base = _key(b.dataset.split("-val")[0].split("-Train")[0].split("-Test")[0])
                if base in names or any(base.startswith(n) and len(n) >= 4 for n in names):
                    out.append(b)
    return out


def related(rec: Recommender, res: Resource, n: int = 8) -> list[Resource]:
    """Linked resources first, then others filed under its first task."""
    out: list[Resource] = []
    for kind, targets in res.links.items():
        if kind != "repo" and isinstance(targets, list):
            out += [r for r in (rec.resource(t) for t in targets) if r is not None]
    for r in rec.resources:
        if r.id != res.id and res.tasks and res.tasks[0] in r.tasks and r not in out:
            out.append(r)
        if len(out) >= n:
            break
    return out[:n]


def _key(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())
