"""The shipped catalog: covers the book chapter, copies no source text, links models to papers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pt_recommender.catalog import load_catalog_bundle

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "scripts"))


@pytest.fixture(scope="module")
def catalog():
    return load_catalog_bundle(ROOT / "data")


@pytest.mark.skipif(not (SHARED / "seed").is_dir(), reason="shared seed not present")
def test_chapter_coverage_at_least_98_percent() -> None:
    from coverage_seed import coverage

    found, total, missing = coverage()
    assert total >= 250
    assert found / total >= 0.98, missing


@pytest.mark.skipif(not (SHARED / "sources").is_dir(), reason="shared sources not present")
def test_no_description_copied_from_sources(catalog) -> None:
    from check_copying import copied

    assert copied(catalog.resources) == []


def test_every_type_and_area_is_populated(catalog) -> None:
    types = {r.type for r in catalog.resources}
    assert types == {"library", "model", "paper", "dataset", "api", "tutorial", "book", "course", "website"}
    used = {catalog.tasks[t].area for r in catalog.resources for t in r.tasks}
    assert len(catalog.areas) >= 12 and len(catalog.tasks) >= 60
    assert used == set(catalog.areas)


def test_models_link_papers_and_papers_have_facts(catalog) -> None:
    by_id = catalog.by_id()
    for r in catalog.resources:
        if r.type == "model":
            assert all(by_id[p].type == "paper" for p in r.links["paper"])
        if r.type == "paper":
            assert r.authors and r.year and r.url.startswith("https://")


def test_every_leaf_task_has_papers_with_code_and_a_maintained_answer(catalog) -> None:
    """A leaf task's page shows what works: at least three resources, two papers with code (an
    official repository, or a library or model in the catalog that implements them), and one
    answer that is still maintained (a library active or in maintenance upstream, or a model,
    dataset, API or tutorial not marked deprecated or archived)."""
    parents = {t.parent for t in catalog.tasks.values() if t.parent}
    short = []
    for tid in sorted(set(catalog.tasks) - parents):
        rows = [r for r in catalog.resources if tid in r.tasks]
        coded = [r for r in rows if r.type == "paper" and any(r.links.get(k) for k in ("repo", "library", "model"))]
        kept = [r for r in rows if (r.type == "library" and r.maintenance in ("active", "maintenance"))
                or (r.type in ("model", "dataset", "api", "tutorial") and not r.inactive)]
        if len(rows) < 3 or len(coded) < 2 or not kept:
            short.append((tid, len(rows), len(coded), len(kept)))
    assert short == []


def test_every_task_has_chinese_name(catalog) -> None:
    assert all(t.name_zh for t in catalog.tasks.values())


def test_every_resource_speaks_chinese_in_its_own_words(catalog) -> None:
    """Every resource has a Chinese description that is mostly Chinese and not the English copied."""
    from pt_recommender.catalog.rules import mostly_chinese

    for r in catalog.resources:
        assert r.description_zh and mostly_chinese(r.description_zh), r.id
        assert r.description_zh != r.description, r.id
        assert r.needs and r.needs_zh, r.id


def test_task_names_do_not_catch_look_alike_wording(catalog) -> None:
    """Task matching reads a name as a bag of word stems, so a name can match a sentence that
    merely shares its words: 'data annotation' in 'annotated data', 'remove background' in
    'remove background noise'. The shipped names avoid that for the tasks where it happened."""
    from pt_recommender.ranking.context import glossary_pairs
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    g = Glossary(glossary_pairs(list(catalog.glossary), catalog.tasks, catalog.areas, catalog.resources))
    m = TaskMatcher(catalog.tasks, catalog.areas)

    def tasks(q: str) -> set[str]:
        return set(analyse(q, g, m).tasks)

    for q in ("只有几十张标注图片，怎么做图像分类", "想做个中文文本分类，标注数据就几千条",
              "a few hundred annotated images for a classifier"):
        assert "data-annotation" not in tasks(q), q
    assert "data-annotation" in tasks("推荐一个图像标注工具")
    assert "background-removal" not in tasks("remove background noise from my recordings")
    assert "background-removal" in tasks("人像抠图") and "background-removal" in tasks("png with a transparent background")
    got = tasks("detect anomalies in network traffic logs")
    assert "time-series-anomaly-detection" in got and "anomaly-detection" not in got
    assert "recommender-systems" not in tasks("推荐一个目标检测的库")
    assert not tasks("read handouts aloud for visually impaired students")  # "visual" is no visualization
    assert "training-visualization" in tasks("visualise my training runs on dashboards")  # British spelling too


@pytest.mark.parametrize(("query", "not_task", "task"), [
    ("continuous batching for our chat service", "data-loading", "llm-serving"),
    ("best chunking strategy for long documents", "sequence-tagging", "retrieval-augmented-generation"),
    ("sentence segmentation", "image-segmentation", "text-preprocessing"),
    ("user profiling for ads", "performance-profiling", "recommender-systems"),
    ("predict student dropout from grades", "regularization", "tabular-learning"),
    ("这本书有中文翻译版吗", "machine-translation", None),
    ("把数据集分割成训练集和验证集", "image-segmentation", None),
    ("open-vocabulary detection for warehouse photos", "object-detection", "open-vocabulary-detection"),
    ("GPU 利用率低，想确认是不是数据加载在拖后腿", None, "performance-profiling"),  # which part holds it back
    ("identify the plant from a photo", None, "image-classification"),  # a photo's category, said plainly
    ("why did the model think this scan was a tumour", None, "feature-attribution"),  # "why" is a stopword
    ("which part of the scan was the network looking at", None, "feature-attribution"),  # where it looks
    ("肺炎判断时模型在看哪里", None, "feature-attribution"),
])
def test_a_word_in_its_other_sense_names_the_task_of_that_sense(catalog, query, not_task, task) -> None:
    """A one-word task name ("batching", "chunking", "segmentation", 翻译) read in another sense
    would lift the wrong shelf; the longer phrase of the sense meant wins."""
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    q = analyse(query, Glossary(catalog.glossary), TaskMatcher(catalog.tasks, catalog.areas))
    assert not_task is None or not_task not in q.tasks
    assert task is None or task in q.tasks


@pytest.mark.parametrize("query", ["表情包分类", "快递包裹分拣", "想根据产品说明书做一个问答机器人", "书法字体识别", "课堂录像里学生的动作",
                                   "把模型部署成接口给前端调用", "压测一下推理接口"])
def test_a_word_holding_a_kind_character_asks_for_no_kind(catalog, query) -> None:
    """包 asks for a library, 书 for a book, 课 for a course; inside 表情包 (memes), 包裹 (parcels),
    说明书 (a manual), 书法 (calligraphy) or 课堂 (a classroom) they ask for nothing; nor does 接口 (API)
    where it is a web endpoint (部署成接口, 推理接口)."""
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    assert not analyse(query, Glossary(catalog.glossary), TaskMatcher(catalog.tasks, catalog.areas)).intent


@pytest.mark.parametrize(("query", "asks_models"), [
    ("speech recognition open source model", True),
    ("语音识别 开源 模型", True),
    ("object detection pre-trained model", True),
    ("I want to fine-tune my open source model", False),
    ("train a good model", False),
])
def test_a_task_then_a_qualified_model_asks_for_models(catalog, query, asks_models) -> None:
    """"<task> open source model" asks for that task's models as "<task> model" does; a model
    the user owns or trains does not."""
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    q = analyse(query, Glossary(catalog.glossary), TaskMatcher(catalog.tasks, catalog.areas))
    assert ("model" in q.intent) is asks_models


@pytest.mark.parametrize(("query", "asks_libraries"), [
    ("object detection pre-trained model", True),
    ("semantic segmentation pretrained models", True),
    ("图像分类 迁移学习 预训练模型", True),
    ("speech recognition open source model", False),
    ("object detection model", False),
])
def test_pretrained_models_of_a_task_are_asked_of_model_zoos_too(catalog, query, asks_libraries) -> None:
    """"<task> pretrained models" is answered by the libraries that hold them (timm, Segmentation
    Models PyTorch) as much as by model cards; "<task> open source model" by model cards."""
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    q = analyse(query, Glossary(catalog.glossary), TaskMatcher(catalog.tasks, catalog.areas))
    assert "model" in q.intent and ("library" in q.intent) is asks_libraries


def test_a_task_named_in_what_the_user_would_rather_not_do_is_not_asked_for(catalog) -> None:
    """"..., and I don't want to write a CUDA kernel": writing kernels is what they avoid."""
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    g, m = Glossary(catalog.glossary), TaskMatcher(catalog.tasks, catalog.areas)
    assert "pytorch-extensions" in analyse("I want to write a custom CUDA kernel", g, m).tasks
    avoided = analyse("attention with a local window, and I don't want to write a CUDA kernel for it", g, m)
    assert "pytorch-extensions" not in avoided.tasks
    assert "speech-recognition" in analyse("speech recognition, I don't want to train anything", g, m).tasks
