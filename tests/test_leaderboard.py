"""Leaderboards: every torchvision weight's numbers match the source CSV, sorted the right way."""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from pathlib import Path

import pytest

from pt_recommender.catalog import load_catalog_bundle
from pt_recommender.leaderboard import leaderboard

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT.parent / "shared" / "sources" / "torchvision" / "torchvision_models.csv"
METRICS = ["ImageNet-1K/acc@1", "ImageNet-1K/acc@5", "COCO-val2017/box_map", "COCO-val2017/kp_map",
           "COCO-val2017/mask_map", "COCO-val2017-VOC-labels/miou", "COCO-val2017-VOC-labels/pixel_acc",
           "Kinetics-400/acc@1", "Kinetics-400/acc@5", "Sintel-Train-Cleanpass/epe", "Sintel-Train-Finalpass/epe",
           "Kitti-Train/per_image_epe", "Kitti-Train/fl_all", "Sintel-Test-Cleanpass/epe", "Sintel-Test-Finalpass/epe",
           "Kitti-Test/fl_all"]
pytestmark = pytest.mark.skipif(not CSV.is_file(), reason="shared/sources not beside the checkout")


def _rows() -> list[dict]:
    with CSV.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return None if math.isnan(value) else value


def test_every_torchvision_weight_with_every_metric() -> None:
    catalog = load_catalog_bundle()
    weights = {w["id"]: (r, w) for r in catalog.resources for w in r.weights}
    rows = _rows()
    assert len(rows) == 166
    for row in rows:
        assert row["weights_id"] in weights, row["weights_id"]
        _, w = weights[row["weights_id"]]
        want = {m: _number(row[m]) for m in METRICS if row[m] and _number(row[m]) is not None}
        assert w["metrics"] == want, row["weights_id"]
        assert w.get("params") == int(row["num_params"])
        assert w.get("gflops") == pytest.approx(float(row["GFLOPS(_ops)"]))
        assert w.get("size_mb") == pytest.approx(float(row["file_size_MB(_file_size)"]))


def test_imagenet_board_lists_every_acc1_weight_best_first() -> None:
    board = leaderboard("image-classification", dataset="ImageNet", metric="top1")
    want = sorted(((_number(r["ImageNet-1K/acc@1"]), r["weights_id"]) for r in _rows()
                   if _number(r["ImageNet-1K/acc@1"]) is not None), key=lambda x: (-x[0], x[1]))
    assert len(want) == 128 and len(board) == 128
    assert list(board["weights"]) == [w for _, w in want]
    assert board.attrs["direction"] == "higher" and board.attrs["metric"] == "acc@1"


def test_optical_flow_board_sorts_ascending() -> None:
    board = leaderboard("optical-flow", dataset="Sintel-Train-Cleanpass", metric="epe")
    values = list(board["Sintel-Train-Cleanpass/epe"])
    assert values == sorted(values) and board.attrs["direction"] == "lower"
    assert board.iloc[0]["weights"] == "Raft_Large_Weights.C_T_V2"


@pytest.mark.parametrize("args", [["no-such-task"], ["image-classification", "--dataset", "Nope"],
                                  ["image-classification", "--metric", "nope"]])
def test_unknown_task_dataset_or_metric_exits_2_and_lists_valid(args) -> None:
    p = subprocess.run([sys.executable, "-m", "pt_recommender", "leaderboard", *args], capture_output=True, text=True)
    assert p.returncode == 2 and ("valid" in p.stderr.lower() or "tasks with leaderboards" in p.stderr)


def test_cli_csv_is_the_full_board() -> None:
    p = subprocess.run([sys.executable, "-m", "pt_recommender", "leaderboard", "image-classification", "--dataset",
                        "ImageNet-1K", "--metric", "acc@1", "--format", "csv"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    rows = list(csv.DictReader(p.stdout.splitlines()))
    assert len(rows) == 128 and rows[0]["weights"] == "ViT_H_14_Weights.IMAGENET1K_SWAG_E2E_V1"
