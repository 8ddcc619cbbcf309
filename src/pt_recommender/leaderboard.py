"""Leaderboards as data: one row per pretrained weight, sorted by a task's metric the right way.

Metric keys follow torchvision's own table (`ImageNet-1K/acc@1`, `COCO-val2017/box_map`,
`Sintel-Train-Cleanpass/epe`, …); friendly aliases ("ImageNet", "top-1", "mAP", "EPE") are
accepted. Reads the catalog only (no index, no model), so it is fast and works anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .catalog import Catalog, load_catalog_bundle
from .catalog.schema import Resource

if TYPE_CHECKING:
    import pandas as pd

LOWER_IS_BETTER = frozenset(("epe", "per_image_epe", "fl_all"))
# the metric a task's leaderboard is ranked by when none is asked for (not the most frequent one)
PRIMARY: dict[str, str] = {
    "image-classification": "ImageNet-1K/acc@1",
    "object-detection": "COCO-val2017/box_map",
    "instance-segmentation": "COCO-val2017/mask_map",
    "keypoint-detection": "COCO-val2017/kp_map",
    "pose-estimation": "COCO-val2017/kp_map",
    "semantic-segmentation": "COCO-val2017-VOC-labels/miou",
    "image-segmentation": "COCO-val2017-VOC-labels/miou",
    "video-understanding": "Kinetics-400/acc@1",
    "action-recognition": "Kinetics-400/acc@1",
    "optical-flow": "Sintel-Train-Cleanpass/epe",
}
DATASET_ALIASES = {"imagenet": "ImageNet-1K", "imagenet1k": "ImageNet-1K", "in1k": "ImageNet-1K",
                   "coco": "COCO-val2017", "cocoval2017": "COCO-val2017", "kinetics": "Kinetics-400",
                   "kinetics400": "Kinetics-400", "k400": "Kinetics-400", "voc": "COCO-val2017-VOC-labels",
                   "sintel": "Sintel-Train-Cleanpass", "sintelclean": "Sintel-Train-Cleanpass",
                   "sintelfinal": "Sintel-Train-Finalpass", "kitti": "Kitti-Train"}
METRIC_ALIASES = {"top1": "acc@1", "acc1": "acc@1", "accuracy": "acc@1", "top5": "acc@5", "acc5": "acc@5",
                  "map": "box_map", "boxmap": "box_map", "bboxmap": "box_map", "maskmap": "mask_map",
                  "kpmap": "kp_map", "keypointmap": "kp_map", "miou": "miou", "pixelacc": "pixel_acc",
                  "epe": "epe", "flall": "fl_all", "fl": "fl_all"}


@dataclass(frozen=True)
class Board:
    """The chosen dataset and metric and the rows, best first."""

    task: str
    dataset: str
    metric: str
    higher_is_better: bool
    rows: list[dict[str, Any]]


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z@]", "", text.lower())


def task_scope(catalog: Catalog, task: str) -> set[str]:
    """The task and all its subtasks."""
    children: dict[str, list[str]] = {}
    for t in catalog.tasks.values():
        if t.parent:
            children.setdefault(t.parent, []).append(t.id)
    scope, stack = set(), [task]
    while stack:
        t = stack.pop()
        scope.add(t)
        stack.extend(children.get(t, []))
    return scope


def weight_rows(models: Iterable[Resource], papers: Mapping[str, Resource], scope: set[str] | None = None
                ) -> list[dict[str, Any]]:
    """Every weight of every model as a flat row with its metrics as `Dataset/metric` keys;
    with `scope`, only weights benchmarked for one of those tasks."""
    rows = []
    for m in models:
        paper_ids = m.links.get("paper") if isinstance(m.links.get("paper"), list) else []
        paper = papers.get(paper_ids[0]) if paper_ids else None
        for w in m.weights:
            if scope is not None and w.get("task", m.tasks[0]) not in scope:
                continue
            rows.append({
                "model": m.name, "resource_id": m.id, "weights": w["id"],
                "quantized": bool(w.get("quantized")), "default": bool(w.get("default")),
                "params": w.get("params"), "gflops": w.get("gflops"), "size_mb": w.get("size_mb"),
                "paper": paper.name if paper else "", "paper_url": paper.url if paper else "",
                "year": paper.year if paper else None, "recipe": w.get("recipe", ""),
                **dict(w.get("metrics") or {}),
            })
    return rows


def resolve(options: Sequence[str], asked: str | None, aliases: Mapping[str, str], what: str) -> str:
    """The option the user meant (exact, case-insensitive, or by alias); ValueError lists them."""
    if asked is None:
        raise ValueError(f"give a {what}; valid: {', '.join(sorted(options))}")
    for o in options:
        if _key(o) == _key(asked):
            return o
    alias = aliases.get(_key(asked))
    if alias in options:
        return alias
    raise ValueError(f"unknown {what} {asked!r}; valid: {', '.join(sorted(options)) or '(none)'}")


def build_board(catalog: Catalog, task: str, dataset: str | None = None, metric: str | None = None) -> Board:
    """One leaderboard: weights of the task's models that report the metric, best first."""
    if task not in catalog.tasks:
        with_boards = sorted(t for t in catalog.tasks if t in PRIMARY)
        raise ValueError(f"unknown task {task!r}; tasks with leaderboards: {', '.join(with_boards)}")
    # a task with its own primary metric ranks its own models (a keypoint model's box mAP is on
    # people only, not comparable with detectors); a parent task without one gathers its subtasks
    scope = {task} if task in PRIMARY else task_scope(catalog, task)
    papers = {r.id: r for r in catalog.resources if r.type == "paper"}
    models = [r for r in catalog.resources if r.type == "model" and r.weights and scope & set(r.tasks)]
    rows = weight_rows(models, papers, scope)
    keys = sorted({k for r in rows for k in r if "/" in k})
    if not keys:
        raise ValueError(f"task {task!r} has no leaderboard (no model in the catalog reports a metric for it)")
    datasets = sorted({k.split("/")[0] for k in keys})
    primary = PRIMARY.get(task, keys[0])
    ds = resolve(datasets, dataset or primary.split("/")[0], DATASET_ALIASES, "dataset")
    metrics = sorted({k.split("/")[1] for k in keys if k.split("/")[0] == ds})
    default_metric = primary.split("/")[1] if primary.startswith(ds + "/") else metrics[0]
    mt = resolve(metrics, metric or default_metric, METRIC_ALIASES, f"metric for {ds}")
    col = f"{ds}/{mt}"
    higher = mt not in LOWER_IS_BETTER
    ranked = sorted((r for r in rows if col in r), key=lambda r: (-r[col] if higher else r[col], r["weights"]))
    return Board(task, ds, mt, higher, ranked)


def leaderboard(task: str, dataset: str | None = None, metric: str | None = None,
                data_dir: str | Path | None = None) -> pd.DataFrame:
    """Public API: a DataFrame with one row per weight, best first; `attrs` holds the task,
    dataset, metric and direction ("higher" or "lower" is better)."""
    import pandas as pd

    board = build_board(load_catalog_bundle(Path(data_dir) if data_dir else None), task, dataset, metric)
    col = f"{board.dataset}/{board.metric}"
    front = ["model", "weights", col, "params", "gflops", "size_mb", "quantized", "paper", "year"]
    frame = pd.DataFrame(board.rows)
    others = [c for c in frame.columns if c not in front]
    frame = frame[[c for c in front if c in frame.columns] + others].reset_index(drop=True)
    frame.attrs.update(task=board.task, dataset=board.dataset, metric=board.metric,
                       direction="higher" if board.higher_is_better else "lower")
    return frame
