"""Data for the UI (no Streamlit here): filtered search, card facts, task pages, leaderboards."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .catalog.schema import Recommendation, Resource, Task
from .catalog.types import GROUPS
from .ranking.query import analyse, check_k

if TYPE_CHECKING:
    from .recommender import Recommender

INACTIVE = frozenset(("archived", "deprecated", "renamed"))


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


def facts(res: Resource, rec: Recommender) -> list[str]:
    """The facts users look for on a card, as short plain strings."""
    out: list[str] = []
    if res.authors:
        names = ", ".join(res.authors[:3]) + (" et al." if len(res.authors) > 3 else "")
        out.append(f"Authors: {names}")
    if res.year:
        out.append(f"Year: {res.year}")
    for label, value in (("Publisher", res.publisher), ("Platform", res.platform),
                         ("Instructor", res.instructor), ("License", res.license)):
        if value:
            out.append(f"{label}: {value}")
    if res.params:
        out.append(f"Params: {res.params / 1e6:.1f}M")
    for name, value in list(res.metrics.items())[:4]:
        out.append(f"{name}: {value:g}")
    for pid in res.links.get("paper", []) if isinstance(res.links.get("paper"), list) else []:
        paper = rec.resource(pid)
        if paper:
            out.append(f"Paper: {paper.name}")
    if res.status != "active":
        succ = rec.resource(res.successor) if res.successor else None
        out.append(f"Status: {res.status}" + (f" → {succ.name}" if succ else ""))
    return out


@dataclass
class TaskPage:
    task: Task
    area: str
    parent: Task | None
    subtasks: list[Task]
    featured: list[Resource] = field(default_factory=list)
    groups: list[tuple[str, list[Resource]]] = field(default_factory=list)
    leaderboard: list[dict] = field(default_factory=list)


def matched_task(rec: Recommender, query: str) -> str | None:
    """The strongest taxonomy task a query names, if any."""
    q = analyse(query, rec.data.glossary, rec.data.matcher)
    tasks = {t: s for t, s in q.tasks.items() if t in rec.tasks}
    return max(tasks, key=lambda t: (tasks[t], t)) if tasks else None


def task_page(rec: Recommender, task_id: str, hide_inactive: bool = False) -> TaskPage:
    """Papers-with-Code style page: the task, its tree, its resources and a model leaderboard."""
    task = rec.tasks[task_id]
    scope = {task_id, *rec.matcher.descendants(task_id)}
    members = [r for r in rec.resources if scope.intersection(r.tasks)
               and not (hide_inactive and r.status in INACTIVE)]
    picks = {rid: i for i, rid in enumerate(task.featured)}
    members.sort(key=lambda r: (picks.get(r.id, len(picks)), -rec.data.prior[rec.data.row_of[r.id]], r.name.lower()))
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
                  if r is not None and not (hide_inactive and r.status in INACTIVE)],
        groups=groups, leaderboard=leaderboard([r for r in members if r.type == "model"], rec),
    )


def leaderboard(models: Sequence[Resource], rec: Recommender) -> list[dict]:
    """One row per model with its metrics, best first on the most common metric."""
    metric_count: dict[str, int] = {}
    for m in models:
        for name in m.metrics:
            metric_count[name] = metric_count.get(name, 0) + 1
    rows = []
    for m in models:
        if not m.metrics:
            continue
        paper = next((rec.resource(p) for p in m.links.get("paper", []) or []), None)
        row = {"Model": m.name, "Params (M)": round(m.params / 1e6, 1) if m.params else None,
               **{k: v for k, v in m.metrics.items()}, "Paper": paper.name if paper else ""}
        rows.append(row)
    if metric_count:
        main = max(metric_count, key=lambda n: (metric_count[n], n))
        lower_better = "epe" in main.lower() or main.lower().startswith("fl")
        rows.sort(key=lambda r: (r.get(main) is None,
                                 (r.get(main) or 0) * (1 if lower_better else -1)))
    return rows
