"""The eval command follows shared/eval/README.md to the letter."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pt_recommender.evaluate import Judged, alias_matches, evaluate, load_qrels, score_query

from .conftest import QRELS


@pytest.mark.parametrize(("a", "b", "ok"), [
    ("PyTorch Lightning", "pytorch-lightning", True),
    ("Deep Learning with PyTorch", "Introduction to Deep Learning with PyTorch", False),
    ("Programming PyTorch for Deep Learning 1.x", "Programming PyTorch for Deep Learning", True),
    ("MONAI", "MONAI Label", False),
    ("语义分割", "语义分割", True),
    ("", "x", False),
])
def test_alias_matching(a: str, b: str, ok: bool) -> None:
    assert alias_matches(a, b) is ok


def test_metrics_by_hand() -> None:
    j = Judged("q", "x", "en", None, ((("A",), 2), (("B", "Bee"), 1)))
    m = score_query(["Z", "Bee", "A"], j)
    dcg = 1 / math.log2(3) + 3 / math.log2(4)
    idcg = 3 / math.log2(2) + 1 / math.log2(3)
    assert m["nDCG@10"] == pytest.approx(dcg / idcg)
    assert m["Recall@10"] == 1.0 and m["MRR"] == 0.5 and m["S@3"] == 1.0
    assert score_query(["A", "A"], j)["Recall@10"] == 0.5  # a judged resource counts once


def test_raising_call_scores_zero() -> None:
    j = Judged("q", "x", "zh", None, ((("A",), 2),))

    def boom(q, t):
        raise RuntimeError

    table, _ = evaluate(boom, [j])
    assert table["zh"]["nDCG@10"] == 0.0 and table["zh"]["n"] == 1


def test_dev_qrels_parse() -> None:
    qrels = load_qrels(QRELS)
    assert len(qrels) >= 50
    assert {s for q in qrels for s in q.slices} == {"en", "zh", "typed"}


def test_table_leaves_out_slices_without_queries() -> None:
    from pt_recommender.evaluate import format_table

    empty = {m: float("nan") for m in ("nDCG@10", "Recall@10", "MRR", "S@3")} | {"n": 0}
    en = {"nDCG@10": 0.5, "Recall@10": 0.5, "MRR": 0.5, "S@3": 1.0, "n": 3}
    text = format_table({"full": {"en": en, "zh": empty, "typed": empty}})
    assert "en " in text and "(n=3)" in text and "nan" not in text and "zh " not in text


def test_memo_encoder_embeds_each_text_once_and_changes_no_answer(rec) -> None:
    """The eval command shares one memo across the full system and its ablations: each distinct
    query reaches the model once, and the answers are those of the plain encoder."""
    from pt_recommender.encoders import MemoEncoder

    calls: list[list[str]] = []

    class Counting:
        def __init__(self, inner):
            self.inner, self.name, self.dim = inner, inner.name, inner.dim

        def encode(self, texts):
            calls.append(list(texts))
            return self.inner.encode(texts)

    memo = MemoEncoder(Counting(rec.encoder))
    first = memo.encode(["a b", "c d", "a b"])
    again = memo.encode(["c d", "e f"])
    assert calls == [["a b", "c d"], ["e f"]]
    assert np.array_equal(first, rec.encoder.encode(["a b", "c d", "a b"]))
    assert np.array_equal(again, rec.encoder.encode(["c d", "e f"]))
    assert memo.encode([]).shape == (0, rec.encoder.dim)

    base = rec.with_options()
    base.encoder = MemoEncoder(rec.encoder)
    queries = ["medical image segmentation", "plot loss curves", "图像分类"]
    for _ in range(2):  # the second round answers from the memo
        assert [base.recommend(q, k=5) for q in queries] == [rec.recommend(q, k=5) for q in queries]
