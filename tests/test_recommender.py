"""Ranking behaviour on the fixture catalog with the deterministic fake encoder."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, asdict

import pytest

from pt_recommender.catalog.schema import RESOURCE_TYPES, Recommendation

from .conftest import concurrent_results


def test_returns_at_most_k_records(rec) -> None:
    out = rec.recommend("medical image segmentation", k=3)
    assert 1 <= len(out) <= 3
    assert all(isinstance(r, Recommendation) for r in out)
    assert "MONAI" in [r.name for r in out[:2]]
    assert [r.score for r in out] == sorted((r.score for r in out), reverse=True)


def test_record_is_frozen_and_serialisable(rec) -> None:
    r = rec.recommend("learning curves", k=1)[0]
    with pytest.raises(FrozenInstanceError):
        r.name = "x"  # type: ignore[misc]
    assert set(asdict(r)) >= {"id", "name", "type", "score", "url", "reason", "description", "tasks"}


def test_reason_names_the_task_and_terms(rec) -> None:
    r = rec.recommend("semantic segmentation", k=5)
    deeplab = next(x for x in r if x.id == "model-deeplabv3")
    assert "Semantic Segmentation" in deeplab.reason
    assert "segmentation" in deeplab.reason


def test_type_filter_only_returns_those_types(rec) -> None:
    out = rec.recommend("segmentation", k=10, types=["paper", "model"])
    assert out and {r.type for r in out} <= {"paper", "model"}


def test_without_filter_types_are_mixed(rec) -> None:
    out = rec.recommend("semantic segmentation", k=6)
    assert len({r.type for r in out}) >= 3


def test_intent_word_prefers_that_type(rec) -> None:
    """"... dataset" puts datasets higher and more of them on the page (in this small catalog the
    task's go-to library, Torchvision, may still lead)."""
    def types(r) -> list[str]:
        return [x.type for x in r.recommend("image classification dataset", k=5)]

    plain = rec.with_options(intent=False)
    assert types(rec).index("dataset") <= 1
    assert types(rec).count("dataset") > types(plain).count("dataset")
    score = {x.name: x.score for x in rec.recommend("image classification dataset", k=5)}
    before = {x.name: x.score for x in plain.recommend("image classification dataset", k=5)}
    assert score["CIFAR-10"] - score["Torchvision"] > before["CIFAR-10"] - before["Torchvision"]


def test_chinese_query_uses_task_names_and_glossary(rec) -> None:
    out = rec.recommend("三维医学图像分割", k=3)
    monai = next(r for r in out[:2] if r.name == "MONAI")
    assert "Medical Image Segmentation" in monai.reason_en
    assert "医学图像分割" in monai.reason and monai.lang == "zh"  # a Chinese query gets Chinese answers
    out = rec.recommend("绘制损失曲线", k=3)
    assert "tensorboard" in {r.id for r in out} or "api-tb-add-scalar" in {r.id for r in out}


@pytest.mark.parametrize("bad", ["", "   \t\n", "\x00\x01", "x" * 2001])
def test_bad_query_raises_value_error(rec, bad: str) -> None:
    with pytest.raises(ValueError, match="query"):
        rec.recommend(bad)


@pytest.mark.parametrize("k", [0, 101, -1])
def test_bad_k(rec, k) -> None:
    with pytest.raises(ValueError, match="k must be"):
        rec.recommend("segmentation", k=k)


@pytest.mark.parametrize("k", [2.5, True, "5", None])
def test_k_of_the_wrong_kind_is_a_type_error(rec, k) -> None:
    with pytest.raises(TypeError, match="k must be"):
        rec.recommend("segmentation", k=k)


def test_numpy_integer_k_accepted(rec) -> None:
    import numpy as np

    assert rec.recommend("segmentation", k=np.int64(3)) == rec.recommend("segmentation", k=3)


def test_batch_argument_edges(rec) -> None:
    with pytest.raises(TypeError, match="not one string"):
        rec.recommend_batch("abc")
    with pytest.raises(TypeError, match="types must be"):
        rec.recommend("segmentation", types=123)
    with pytest.raises(TypeError, match=r"queries\[1\]: query must be a string"):
        rec.recommend_batch(["segmentation", 7])
    with pytest.raises(ValueError, match=r"queries\[2\]: query is empty"):
        rec.recommend_batch(["segmentation", "detection", "  "])


def test_invisible_characters_do_not_split_words(rec) -> None:
    for mark in ("\u200b", "\u00ad", "\ufeff", "\u200d"):
        assert rec.recommend(f"seg{mark}mentation", k=5) == rec.recommend("segmentation", k=5)


def test_unknown_type_lists_allowed(rec) -> None:
    with pytest.raises(ValueError, match="allowed: " + ", ".join(RESOURCE_TYPES)):
        rec.recommend("segmentation", types=["widget"])


def test_single_equals_batch(rec) -> None:
    queries = ["medical imaging", "plot loss curves", "语义分割模型"]
    batch = rec.recommend_batch(queries, k=5)
    assert batch == [rec.recommend(q, k=5) for q in queries]


def test_long_batch_equals_single_calls_across_chunks(rec) -> None:
    """Past one internal chunk (embedded ahead on another thread) and with a type filter,
    every query still gets exactly what a call of its own gives."""
    from pt_recommender.config import BATCH_CHUNK

    words = ["medical", "imaging", "segmentation", "loss", "curves", "detection", "语义分割",
             "text", "audio", "graph", "tutorial", "dataset", "library"]
    queries = [f"{words[i % 13]} {words[(i * 7) % 13]} {i % 5}" for i in range(2 * BATCH_CHUNK + 9)]
    assert rec.recommend_batch(queries, k=4) == [rec.recommend(q, k=4) for q in queries]
    some = queries[: BATCH_CHUNK + 3]
    assert rec.recommend_batch(some, k=3, types=["tutorial", "library"]) == [
        rec.recommend(q, k=3, types=["tutorial", "library"]) for q in some]


def test_concurrent_reads_match_serial(rec) -> None:
    queries = ["medical imaging", "plot loss curves", "image classification", "语义分割"] * 4
    assert concurrent_results(rec, queries, 5) == [rec.recommend(q, k=5) for q in queries]


def test_ablations_change_legs(rec) -> None:
    q = "medical image segmentation"
    full = rec.recommend(q, k=5)
    lexical_only = rec.with_options(dense=False, taxonomy=False, intent=False).recommend(q, k=5)
    assert full and lexical_only
    assert all("close in meaning" not in r.reason for r in lexical_only)
    # with every leg and boost that finds candidates off, nothing can be found: the options apply
    assert rec.with_options(dense=False, lexical=False, taxonomy=False, w_exact=0.0).recommend(q, k=5) == []
    assert rec.recommend(q, k=5) == full  # the view did not change the original
    assert rec.options.dense


def test_language_follows_the_query_or_the_caller(rec) -> None:
    zh = rec.recommend("三维医学图像分割", k=3)
    monai = next(r for r in zh if r.id == "monai")
    assert monai.description == monai.description_zh == "医学影像深度学习框架。"
    assert monai.description_en.startswith("Framework for deep learning")
    assert "首选" in monai.reason or "属于" in monai.reason
    en = rec.recommend("三维医学图像分割", k=3, lang="en")
    assert [r.id for r in en] == [r.id for r in zh]  # same answers, other language
    assert all(r.lang == "en" and r.description == r.description_en for r in en)
    assert rec.recommend("medical image segmentation", k=2, lang="zh")[0].lang == "zh"
    with pytest.raises(ValueError, match="lang must be"):
        rec.recommend("segmentation", lang="fr")


def test_nonsense_query_abstains(rec) -> None:
    assert rec.recommend("🔥🔥🔥 ⚡⚡", k=10) == []


def test_ranking_only_scores_candidates_on_a_padded_catalog(catalog_dir, fake_encoder, monkeypatch) -> None:
    """The sheet holds each leg's top k0, their links and the named task's rows: padding the
    catalog with 3,000 more resources leaves it as narrow, and a narrow type filter still
    finds its k0 rows (the dense search goes deeper, then to the full ranking)."""
    from dataclasses import replace

    from pt_recommender.catalog import load_catalog_bundle
    from pt_recommender.ranking import steps
    from pt_recommender.recommender import Recommender

    catalog = load_catalog_bundle(catalog_dir)
    base = [r for r in catalog.resources if r.type == "paper"][0]
    pad = [replace(base, id=f"paper-pad-{i}", name=f"Padding study {i}", aliases=(), links={},
                   description=f"Study number {i} of nothing in particular, filler text {i % 97}.")
           for i in range(3000)]
    padded = replace(catalog, resources=catalog.resources + pad)
    widths: list[int] = []
    empty = steps.Sheet.empty

    def spy(n_queries, cols, allowed):
        widths.append(len(cols))
        return empty(n_queries, cols, allowed)

    monkeypatch.setattr(steps.Sheet, "empty", spy)
    rec = Recommender.from_catalog(padded, fake_encoder)
    k0 = rec.options.k0
    assert rec.recommend("medical image segmentation", k=5)
    links = int((rec.data.link_ptr[1:] - rec.data.link_ptr[:-1]).max())
    assert widths[-1] <= 2 * k0 * (1 + links) + len(catalog.resources)  # not the 3,000 padding rows
    books = [r for r in catalog.resources if r.type == "book"]
    out = rec.recommend("learning PyTorch", k=len(books), types=["book"])
    assert {r.type for r in out} == {"book"}
    rows, _ = rec._dense_search(fake_encoder.encode(["learning PyTorch"]), frozenset({"book"}))
    assert sum(rec.types[r] == "book" for r in rows[0] if r >= 0) == min(len(books), k0)


@pytest.mark.parametrize(("query", "kinds"), [
    ("of course it must run on cpu", set()),
    ("over the course of training the loss spikes", set()),
    ("extract fields from scanned paper invoices", set()),
    ("limit order book prediction", set()),
    ("classify book covers by genre", set()),
    ("digitize library catalog cards", set()),
    ("model architecture visualization", set()),
    ("print a model summary like keras", set()),
    ("serve it behind an OpenAI-style API", set()),
    ("a good architecture for tabular data", {"model"}),
    ("a course on GANs and the paper behind them", {"course", "paper"}),
])
def test_a_kinds_word_in_another_sense_asks_for_nothing(query, kinds) -> None:
    """"of course", paper invoices, an order book, library cards, a model's architecture, an
    OpenAI-style API: the word of a kind, meant otherwise."""
    from pt_recommender.ranking.query import asked_types

    assert asked_types(query) == kinds


def test_type_words_about_the_users_own_thing_are_not_intent() -> None:
    """"my model", "our old function": context; "a pretrained backbone", "a function": asked."""
    from pt_recommender.ranking.query import asked_types

    assert asked_types("a pretrained backbone for video") == {"model", "library"}  # a zoo holds backbones
    assert asked_types("is there a function to resize images") == {"api"}
    assert asked_types("our old built-in function got deprecated, what now") == set()
    assert asked_types("the best framework for this") == {"library"}
    assert asked_types("speed up my architecture search") == set()
    assert asked_types("int8 weights for our lstm") == set()  # "weights" is not a model request
    assert asked_types("which dataset and which framework") == {"dataset", "library"}
    # described next, a web endpoint, or a word with an everyday sense
    assert asked_types("the dataset is 2TB of shards, what can stream it") == set()
    assert asked_types("a dataset of street scenes") == {"dataset"}
    assert asked_types("serve the model behind a REST API") == set()
    assert asked_types("is there an API for image decoding") == {"api"}
    assert asked_types("tag people and places in news articles") == set()
    assert asked_types("images in one folder per class") == set()
    # placed by "between", "from", "across": the material worked on
    assert asked_types("predict links between papers") == set()
    assert asked_types("pull the tables out from papers") == set()
    assert asked_types("papers on link prediction") == {"paper"}
    # held by an everyday owner: the material of the need; an author's or a learner's: asked for
    assert asked_types("illustrations for a children's book from text prompts") == set()
    assert asked_types("the client's dataset has gaps") == set()
    assert asked_types("Google's paper on transformers") == {"paper"}
    assert asked_types("a beginner's book on pytorch") == {"book"}
    # the plural asks for model cards; "a model" is usually the one the user trains
    assert asked_types("depth estimation models") == {"model"}
    assert asked_types("train a model to count cars") == set()
    assert asked_types("our models overfit") == set()
    # a learner asks for learning material without naming a type
    assert asked_types("complete beginner, where do I start?") == {"tutorial", "course", "book"}
    assert asked_types("new to PyTorch, want to learn the basics") == {"tutorial", "course", "book"}
    assert asked_types("teach the network to learn rotation invariance") == set()
    assert asked_types("deep learning for new to market products") == set()
    # ...but a learner who names the kind gets that kind only
    assert asked_types("a beginner course on deep learning") == {"course"}
    assert asked_types("new to pytorch, any good book?") == {"book"}
    assert asked_types("a beginner-friendly library for graph neural networks") == {"library"}


def test_a_chinese_which_question_asks_for_the_kind_it_names(rec) -> None:
    """用什么库比较好 ("which library is better") asks for libraries; 库比较慢 describes one."""
    from pt_recommender.ranking.query import analyse

    d = rec.data
    assert analyse("图神经网络入门用什么库比较好", d.glossary, d.matcher).intent == {"library"}
    assert analyse("有没有推荐的库", d.glossary, d.matcher).intent == {"library"}
    assert "library" not in analyse("我的库比较慢", d.glossary, d.matcher).intent


def test_a_chinese_paper_the_reader_writes_asks_for_no_paper() -> None:
    """写进论文 ("put it in my paper") is the reader's own paper, as "my paper" in English;
    有没有相关论文 still asks for papers."""
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    g, m = Glossary([("论文", "paper"), ("测出来", "measure")]), TaskMatcher({})
    assert "paper" not in analyse("训练耗电多少，想测出来写进论文", g, m).intent
    assert "paper" not in analyse("这个结果要投论文", g, m).intent
    assert "paper" in analyse("有没有相关论文", g, m).intent


def test_reason_names_what_a_successor_replaces() -> None:
    from pt_recommender.ranking.explain import Explanation

    e = Explanation(type="library", replaces="Torchtext", matched=("text",))
    assert e.render("en") == "Library; replaces “Torchtext”; matches “text”"
    assert e.render("zh") == "库；取代“Torchtext”；匹配 “text”"


def test_reason_quotes_the_need_whose_words_the_description_lacks() -> None:
    """A result found through what it is used for says so: the needs phrase sharing the most
    query words, one of them missing from its own text, in the reader's language."""
    from pt_recommender.catalog.schema import Resource
    from pt_recommender.ranking.explain import explain, need_terms
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    r = Resource(id="x", name="Attacker", type="library", description="Adversarial attacks on image classifiers.",
                 url="https://example.org", tasks=(),
                 needs=("check a camera trap model against noise", "pgd attack in three lines"),
                 needs_zh=("检查相机陷阱模型是否被噪声骗过",))
    m, g = TaskMatcher({}), Glossary([("相机陷阱", "camera trap"), ("模型", "model")])

    def why(q: str, lang: str = "en") -> str:
        return explain(analyse(q, g, m), r, {}, None, ("lexical",), needs=need_terms(r)).render(lang)

    assert why("camera trap image model") == ("Library; matches “image”; "
                                              "used for “check a camera trap model against noise”")
    assert "used for" not in why("attacks on image classifiers")  # its description says it all
    assert "used for" not in why("camera")  # one shared word is too little
    assert why("相机陷阱模型", "zh").endswith("用途：“检查相机陷阱模型是否被噪声骗过”")


def test_a_named_area_opens_with_its_go_to_picks(catalog_dir, index_dir, fake_encoder) -> None:
    """An area query ("visualization") is a browse request: the area's editor picks lead, and
    the reason says so in the reader's language."""
    from pt_recommender.recommender import Recommender

    tax = catalog_dir / "taxonomy.yaml"
    tax.write_text(tax.read_text().replace("{id: visualization, name: Visualization, name_zh: 可视化}",
                                           "{id: visualization, name: Visualization, name_zh: 可视化, "
                                           "featured: [tensorboard]}"))
    rec = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=fake_encoder)
    plain = rec.with_options(w_featured=0.0)
    first = rec.recommend("visualization", k=5)[0]
    assert first.id == "tensorboard"
    assert "a go-to choice in “Visualization”, the area you named" in first.reason_en
    assert "你提到的领域“可视化”的首选" in first.reason_zh
    tb = next((r for r in plain.recommend("visualization", k=5) if r.id == "tensorboard"), None)
    assert tb is None or "go-to" not in tb.reason_en  # without picks no such claim is made


def test_a_query_asking_for_a_kind_gets_no_go_to_pick_of_another_kind(catalog_dir, index_dir, fake_encoder) -> None:
    """"visualization tutorial": the area's go-to library is not lifted over the tutorials (nor
    called a go-to choice); the same query without a kind still gets it."""
    from pt_recommender.recommender import Recommender

    tax = catalog_dir / "taxonomy.yaml"
    tax.write_text(tax.read_text().replace("{id: visualization, name: Visualization, name_zh: 可视化}",
                                           "{id: visualization, name: Visualization, name_zh: 可视化, "
                                           "featured: [tensorboard]}"))
    rec = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=fake_encoder)
    assert rec.recommend("visualization", k=5)[0].id == "tensorboard"
    asked = rec.recommend("visualization tutorial", k=5)
    tb = next((r for r in asked if r.id == "tensorboard"), None)
    assert tb is None or "go-to" not in tb.reason_en
    assert asked and asked[0].type == "tutorial"


def test_books_and_courses_come_later_unless_asked(rec) -> None:
    """A topic query is answered by tools first; the learner's query still gets the books."""
    def first_learning(r, q: str) -> int:
        types = [x.type for x in r.recommend(q, k=10)]
        return next((i for i, t in enumerate(types) if t in ("book", "course")), len(types))

    off = rec.with_options(w_learning=0.0)
    assert first_learning(rec, "pytorch") > first_learning(off, "pytorch")
    assert first_learning(rec, "a book on deep learning with pytorch") == 0


def test_a_size_in_billions_reads_as_a_large_language_model(rec) -> None:
    from pt_recommender.ranking.query import analyse

    d = rec.data
    assert "llm" in analyse("fine-tune a 7B model on one GPU", d.glossary, d.matcher).tokens
    assert "llm" in analyse("70b 模型 4bit 量化", d.glossary, d.matcher).tokens
    assert "llm" not in analyse("resnet50 on 8 GPUs with a 512 batch", d.glossary, d.matcher).tokens


def test_a_latency_as_measured_is_no_word_to_match(rec) -> None:
    """"200 ms per image" is a constraint: its unit must not match ms-swift or MS COCO by name."""
    from pt_recommender.ranking.query import analyse

    d = rec.data
    for q in ("inference takes 200 ms per image", "we need it under 20ms", "p99 of 1.5 milliseconds"):
        toks = analyse(q, d.glossary, d.matcher).tokens
        assert not {"ms", "millisecond", "20ms"} & set(toks), (q, toks)
    assert "infer" in analyse("inference takes 200 ms per image", d.glossary, d.matcher).tokens
    assert "ms" in analyse("ms coco detection", d.glossary, d.matcher).tokens  # the name stays


def test_several_accelerators_read_as_distributed_training(rec) -> None:
    from pt_recommender.ranking.query import analyse

    d = rec.data
    for q in ("13B model, I have 8 A100s", "split the job over 4 machines", "an 8xH100 box", "两台机器 16 gpus"):
        assert "distribut" in analyse(q, d.glossary, d.matcher).tokens, q
    for q in ("fits on 1 GPU", "my 4090 runs out of memory", "top 5 results"):
        assert "distribut" not in analyse(q, d.glossary, d.matcher).tokens, q


def test_a_named_language_other_than_english_reads_as_multilingual(rec) -> None:
    """"reviews in Indonesian and Vietnamese": a model covering many languages answers it."""
    from pt_recommender.ranking.query import analyse

    d = rec.data
    for q in ("sentiment of Indonesian and Vietnamese app reviews", "NER for Swahili news",
              "search Japanese case law"):
        assert "multilingu" in analyse(q, d.glossary, d.matcher).tokens, q
    for q in ("sentiment of English app reviews", "polish the model's answers", "中文情感分析"):
        assert "multilingu" not in analyse(q, d.glossary, d.matcher).tokens, q


def test_a_small_labelled_set_stated_as_a_count_reads_as_few_labelled(rec) -> None:
    """"only 50 labelled images per class" is the few-shot need, though it never says "few"."""
    from pt_recommender.ranking.query import analyse

    d = rec.data
    for q in ("only about 50 labeled images per class", "just twenty annotated photos of each disease",
              "we have only a few hundred labelled scans"):
        got = analyse(q, d.glossary, d.matcher)
        assert "few" in got.tokens, q  # with "labelled images", the few-shot task's phrase
    for q in ("50 labeled images per class", "only label the images once", "only 50 epochs on labelled data"):
        assert "few" not in analyse(q, d.glossary, d.matcher).tokens, q


def test_class_imbalance_told_by_its_symptom_reads_as_imbalance(rec) -> None:
    """"fraud is 0.5% of my data", "predicts negative for everything": the imbalance need, unnamed."""
    from pt_recommender.ranking.query import analyse

    d = rec.data
    for q in ("fraud is 0.5% of my data and the model just predicts 'not fraud' for everything",
              "2% of transactions are fraudulent", "the classifier never predicts the minority class",
              "正样本只有1%，分类器全预测成负类", "缺陷只有几十张，训出来永远只会预测正常"):
        assert "imbalanc" in analyse(q, d.glossary, d.matcher).tokens, q
    for q in ("GPU sits at 30% utilization", "LoRA trains under 1% of the weights", "cut 5% of training time",
              "GPU利用率只有30%"):
        assert "imbalanc" not in analyse(q, d.glossary, d.matcher).tokens, q


def test_labels_the_reader_has_are_no_ask_for_a_labelling_tool(rec) -> None:
    """"we have 300 annotated images" describes the reader's data: the label words match nothing
    (annotation tools otherwise topped segmentation and detection needs); asking to label, having
    unlabelled data, or only a few labelled examples (few-shot learning) keeps them."""
    from pt_recommender.ranking.query import analyse

    d = rec.data
    for q in ("segment coral in reef photos; we have about 300 annotated images",
              "a few thousand labelled frames of drones", "we already labeled the scans by hand",
              "猪老挤在一起，自己已经标了几千张图", "手上有一批标注好的肝脏CT"):
        got = analyse(q, d.glossary, d.matcher)
        assert not {"annot", "label"} & set(got.tokens), (q, got.tokens)
        assert not any("标" in t for t in got.tokens), (q, got.tokens)
    for q in ("annotate bounding boxes for my images", "tool to label images for segmentation",
              "thousands of unlabelled images", "only 20 labelled images per class",
              "hashtag-labelled images for pretraining", "想找个图片标注工具"):
        got = analyse(q, d.glossary, d.matcher)
        assert {"annot", "label", "unlabel"} & set(got.tokens) or any("标" in t for t in got.tokens), (q, got.tokens)


def test_a_reason_quotes_only_words_the_lexical_leg_used(rec) -> None:
    """"we have 200 labelled images": the label words match nothing, so no card (Torchvision's text
    holds "labels") says it matched them; asked for, they are quoted."""
    got = rec.recommend("image classification with torchvision, we have 200 labelled images", k=10)
    assert got and all("“labelled”" not in r.reason_en for r in got), [r.reason_en for r in got]
    asked = rec.recommend("segment organs in ct scans with organ labels", k=10)
    assert any("“labels”" in r.reason_en for r in asked), [r.reason_en for r in asked]


def test_a_goal_after_its_situation_leads_the_situation(rec) -> None:
    """"图像分类模型训好了，想做训练可视化": the task after the turn to a goal is named as strongly as
    anything in the query, and the one named only before it is the situation (weighed as the
    hardware at hand is); a query opening with its goal has no situation."""
    from pt_recommender.ranking.query import analyse

    d = rec.data
    for q in ("我们的图像分类模型训好了，想做训练可视化",
              "an image classification model for our shop, and we want to plot learning curves"):
        got = analyse(q, d.glossary, d.matcher)
        assert got.situation == {"image-classification"}, (q, got.tasks)
        assert got.tasks["training-visualization"] == max(got.tasks.values()), (q, got.tasks)
        weighed = rec._prepare([q]).queries[0].tasks
        assert weighed["image-classification"] < weighed["training-visualization"], weighed
    for q in ("想做图像分类和训练可视化", "we want to plot learning curves of an image classification model",
              "思想上是图像分类，训练可视化"):
        assert not analyse(q, d.glossary, d.matcher).situation, q


def test_skipping_training_reads_as_zero_shot(rec) -> None:
    """"tag images with my own labels without training anything", 不用训练: the zero-shot need, though
    "without" is a stopword no task phrase can hold."""
    from pt_recommender.ranking.query import analyse

    d = rec.data
    for q in ("tag a pile of photos with labels I choose, without training anything",
              "classify support tickets with no fine-tuning", "不用训练就能给图片打标签",
              "find forklifts in site photos without collecting and labelling a dataset first",
              "spot pallets in photos without drawing bounding boxes and training a detector"):
        got = analyse(q, d.glossary, d.matcher).tokens
        assert "zero" in got and "shot" in got, q
    for q in ("training without a GPU is slow", "no improvement after training", "训练太慢",
              "train on my photos without labelling errors"):
        assert "shot" not in analyse(q, d.glossary, d.matcher).tokens, q


def test_a_quantity_said_with_a_noun_is_not_what_the_query_is_about(rec) -> None:
    """"a chunk of my labels", "a big pile of images": the noun measures, it names no topic; "chunks
    of 512 tokens" (no article) still does."""
    from pt_recommender.ranking.query import analyse

    d = rec.data
    for q, word in (("a chunk of my labels are wrong", "chunk"), ("tag a big pile of images", "pile"),
                    ("lots of plots", "lot")):
        assert word not in analyse(q, d.glossary, d.matcher).tokens, q
    assert "chunk" in analyse("split documents into chunks of 512 tokens", d.glossary, d.matcher).tokens


def test_asking_for_a_recommendation_is_not_about_recommender_systems(rec) -> None:
    """"recommend me a library", 推荐一个 ask for an answer; "recommend movies to users", 做推荐 name
    the task (whose names share the word)."""
    from pt_recommender.ranking.query import analyse

    d = rec.data
    for q in ("recommend me a library for image segmentation", "can you suggest a good optimizer",
              "any recommendations? image segmentation", "推荐一个图像分割的库", "求推荐图像分割的库",
              "想推荐一本入门书", "推荐几篇图像分割的论文", "推荐点强化学习的课"):
        got = analyse(q, d.glossary, d.matcher)
        assert "recommend" not in got.tokens and "suggest" not in got.tokens and "推荐" not in got.tokens, q
    assert "recommend" in analyse("recommend movies to users", d.glossary, d.matcher).tokens
    assert "推荐" in analyse("用图神经网络做推荐", d.glossary, d.matcher).tokens


def test_recommendations_of_a_kind_ask_for_that_kind() -> None:
    """教程推荐, 书籍推荐, 课推荐: the kind word stays asked for and recommender systems are not
    named; 电商推荐模型 still names them."""
    from pt_recommender.catalog.schema import Task
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    recsys = Task(id="recommender-systems", name="Recommender Systems", area="graphs", name_zh="推荐系统",
                  aliases=("recommendation",), aliases_zh=("推荐",))
    m = TaskMatcher({recsys.id: recsys})
    g = Glossary([("教程", "tutorial"), ("视频", "video"), ("书籍", "books"), ("课", "course"), ("推荐", "recommendation"),
                  ("电商", "e-commerce"), ("模型", "model")])
    for q, kind in (("视频教程推荐", "tutorial"), ("书籍推荐", "book"), ("中文课推荐", "course")):
        got = analyse(q, g, m)
        assert kind in got.intent and "recommender-systems" not in got.tasks, q
    assert "recommender-systems" in analyse("电商推荐模型", g, m).tasks


def test_a_mixed_query_shows_the_english_words_the_user_typed(rec) -> None:
    """"用tensorboard绘制损失曲线": the Chinese reason names "tensorboard" (typed) beside the Chinese
    terms, but not "plot" or "loss" (the glossary's renderings of 绘制, 损失)."""
    tb = next(r for r in rec.recommend("用tensorboard绘制损失曲线", k=3) if r.id == "tensorboard")
    assert "“tensorboard”" in tb.reason and "“损失”" in tb.reason
    assert "“loss”" not in tb.reason and "“plot”" not in tb.reason
    assert "“loss”" in tb.reason_en  # the English reason names the English words


def test_asking_for_one_kind_still_puts_unasked_papers_later(rec) -> None:
    """"a segmentation framework" asks for a library: the paper comes after the tools, as it
    would for a query that asked for nothing."""
    def paper_rank(r) -> int:
        return [x.id for x in r.recommend("segmentation framework", k=10)].index("paper-deeplabv3")

    rec = rec.with_options(w_neighbour=0.0)  # in this tiny catalog the paper's vector sits next to
    # its model's, one of the two best results, which lifts it past the tools either way
    assert paper_rank(rec) > paper_rank(rec.with_options(w_paper=0.0))


def test_particle_bigrams_are_not_searched(rec) -> None:
    """"训练好了吗": bigrams holding a sentence particle (练好 stays, 好了 and 了吗 go)."""
    from pt_recommender.ranking.query import analyse

    d = rec.data
    tokens = analyse("模型训练好了吗", d.glossary, d.matcher).tokens
    assert "好了" not in tokens and "了吗" not in tokens and "训练" in tokens


def test_a_successor_on_the_list_goes_above_its_deprecated_predecessor(rec) -> None:
    """Allegro Trains (deprecated) and ClearML (its successor) both match: the maintained one comes
    first and says what it replaces; with the step off, the old name leads."""
    q = "experiment manager that records runs and artefacts"
    ids = [r.id for r in rec.recommend(q, k=4)]
    assert ids.index("clearml") < ids.index("allegro-trains")
    clearml = next(r for r in rec.recommend(q, k=4) if r.id == "clearml")
    assert "replaces “Allegro Trains”" in clearml.reason
    off = [r.id for r in rec.with_options(w_successor=0.0).recommend(q, k=4)]
    assert off.index("allegro-trains") < off.index("clearml")
    # a reason never names a card that is not on the page
    only = rec.recommend(q, k=1)
    assert [r.id for r in only] == ["clearml"] and "replaces" not in only[0].reason


def test_a_query_naming_what_it_leaves_hands_over_from_that_only(rec) -> None:
    """"Allegro Trains is deprecated" hands its place to ClearML; a query leaving TensorBoard does
    not hand over from Allegro Trains, though a leg finds it (it is not what the reader leaves)."""
    q = "Allegro Trains is deprecated; what records runs and artefacts now"
    clearml = next(r for r in rec.recommend(q, k=4) if r.id == "clearml")
    assert "replaces “Allegro Trains”" in clearml.reason
    q = "TensorBoard got archived; what records runs and artefacts now"
    out = rec.recommend(q, k=6)
    assert "allegro-trains" in {r.id for r in rec.with_options(w_successor=0.0).recommend(q, k=6)}
    assert not any("replaces “Allegro Trains”" in r.reason for r in out)


def test_a_chinese_reason_quotes_the_readers_words_not_the_glossary_rendering() -> None:
    """"显存爆了" is searched as "out of gpu memory"; the Chinese reason names what the reader
    wrote, the English one the rendering's words."""
    from pt_recommender.catalog.schema import Resource
    from pt_recommender.ranking.explain import explain
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    glossary = Glossary([("显存爆了", "out of gpu memory"), ("训练", "training")])
    q = analyse("训练时显存爆了 用fsdp", glossary, TaskMatcher({}, {}))
    r = Resource(id="x", name="Shard it", type="library", description="Shards training state when GPU memory "
                 "runs out; works with FSDP.", url="https://example.org", tasks=())
    e = explain(q, r, {}, None, ("lexical",))
    assert e.render("zh") == "库；匹配 “训练”、“显存爆了”、“fsdp”"
    assert e.render("en") == "Library; matches “training”, “out”, “gpu”, “memory”, “fsdp”"


def test_a_chinese_reason_credits_a_term_only_when_the_resource_holds_its_whole_rendering() -> None:
    """强化学习 is searched as "reinforcement learning"; a course that only says "deep learning"
    shares the word "learning" but is no match for the term, and its reason must not claim one."""
    from pt_recommender.catalog.schema import Resource
    from pt_recommender.ranking.explain import explain
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    glossary = Glossary([("强化学习", "reinforcement learning"), ("课程", "course")])
    q = analyse("强化学习课程", glossary, TaskMatcher({}, {}))
    general = Resource(id="d", name="Deep learning videos", type="course", description="A free course on deep "
                       "learning from the ground up.", url="https://example.org", tasks=())
    rl = Resource(id="r", name="RL videos", type="course", description="A course on reinforcement learning "
                  "with DQN and PPO.", url="https://example.org", tasks=())
    assert explain(q, general, {}, None, ("lexical",)).render("zh") == "课程；匹配 “课程”"
    assert explain(q, rl, {}, None, ("lexical",)).render("zh") == "课程；匹配 “强化学习”、“课程”"


def test_a_learner_naming_no_topic_gets_the_learning_area_said_honestly(rec) -> None:
    """"Complete beginner, where do I start?" names no task: it is read as the learning area,
    and the reason says "for getting started", never "the area you named"."""
    from pt_recommender.ranking.explain import Explanation
    from pt_recommender.ranking.query import analyse

    d = rec.data
    q = analyse("complete beginner, where do I start?", d.glossary, d.matcher)
    assert q.starting and q.tasks == {"area:learning": 1.0}
    named = analyse("learning pytorch", d.glossary, d.matcher)
    assert not named.starting
    # the area's words only scattered through the need ("deep learning … PyTorch") do not name it
    apart = analyse("never touched deep learning, where do I start with pytorch?", d.glossary, d.matcher)
    assert apart.starting and apart.tasks == {"area:learning": 1.0}
    topic = analyse("beginner guide: plot loss curves", d.glossary, d.matcher)
    assert not topic.starting and "area:learning" not in topic.tasks
    e = Explanation(type="tutorial", area=("Learning PyTorch", "学习 PyTorch"), starting=True)
    assert e.render("en") == "Tutorial for getting started"
    assert e.render("zh") == "教程；适合入门"
    pick = Explanation(type="tutorial", pick_area=("Learning PyTorch", "学习 PyTorch"), starting=True)
    assert pick.render("en") == "Tutorial; a go-to choice for getting started"


def test_photos_and_pictures_name_image_tasks() -> None:
    """Task names say "image"; users say "photo" or "picture"."""
    from pt_recommender.catalog.schema import Task
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import en_tokens

    m = TaskMatcher({"image-captioning": Task(id="image-captioning", name="Image Captioning", area="multimodal",
                                              aliases=("describe images",))})
    for q in ("describe my photos", "describing each picture", "describe images"):
        assert set(m.match(en_tokens(q), q)) == {"image-captioning"}, q
    assert m.match(en_tokens("describe my code"), "describe my code") == {}


def test_a_query_naming_no_task_gets_the_task_its_meaning_points_to(rec) -> None:
    """A description naming no task is read through the closest needs phrase of the resources
    the dense leg found: its resource's first task is lifted, and the reason says the task was
    read, not named."""
    from dataclasses import replace

    import numpy as np

    from pt_recommender.ranking.query import analyse

    d = rec.data
    probe = None
    for row, r in enumerate(rec.resources):
        for need in r.needs:
            q = analyse(need, d.glossary, d.matcher, d.speller)
            if r.tasks and not q.tasks and not q.starting and not q.intent:
                probe = (row, r, need, q)
                break
        if probe:
            break
    assert probe is not None, "the fixture catalog needs a needs phrase that names no task"
    row, r, need, q = probe
    task = r.tasks[0]
    vec = rec.encoder.encode([q.english])[0]
    got = rec._infer_task(q, vec, np.array([row]))
    assert got.tasks == {task: rec.options.w_inferred} and got.inferred == {task}
    # only the phrases of the rows the dense leg found are read: none found, nothing read
    assert rec._infer_task(q, vec, np.array([], dtype=np.int64)) == q
    # nothing close enough: the query stays as it was
    off = rec.with_options(min_inferred=1.01)
    assert off._infer_task(q, vec, np.array([row])) == q
    assert rec.with_options(infer_task=False)._prepare([need]).queries[0].tasks == {}
    assert rec._prepare([need]).queries[0].inferred == {task}  # the real path finds it too
    # a named task is never overridden
    named = replace(q, tasks={"some-task": 1.0})
    assert rec._infer_task(named, vec, np.array([row])) is named
    # ... but a lone named task the meaning confirms counts at least as much as the meaning alone,
    # named and weak it would count for less than not named at all; beside other named tasks it stays
    weak = replace(q, tasks={task: 0.1})
    assert rec._infer_task(weak, vec, np.array([row])).tasks == {task: rec.options.w_inferred}
    assert rec._infer_task(weak, vec, np.array([row])).inferred == frozenset()  # still named
    strong = replace(q, tasks={task: 1.0})
    assert rec._infer_task(strong, vec, np.array([row])) is strong
    among = replace(q, tasks={task: 0.1, "some-task": 0.1})
    assert rec._infer_task(among, vec, np.array([row])) is among
    results = rec.recommend(need, k=10)
    lifted = [x for x in results if task in x.tasks and "the task your description points to" in x.reason]
    assert lifted, [x.reason for x in results]
    assert not any("you named" in x.reason for x in results)


def test_inferred_task_reads_the_best_phrase_of_the_rows_found_and_its_threshold() -> None:
    import numpy as np

    from pt_recommender.ranking.inferred import NeedTasks

    vecs = np.array([[1, 0], [0.6, 0.8], [0, 1], [0.8, 0.6]], dtype=np.float16)
    nt = NeedTasks.build(vecs, np.array([0, 1, 2, 2]), ["a", None, "c"])
    assert nt is not None and nt.task_of == ("a", "c", "c")  # a row with no task reads nothing
    task, sim = nt.infer(np.array([0.6, 0.8]), np.array([0, 2]), 0.5)
    assert task == "c" and sim == pytest.approx(0.96, abs=1e-3)
    assert nt.infer(np.array([0.6, 0.8]), np.array([0]), 0.5) == ("a", pytest.approx(0.6, abs=1e-3))
    assert nt.infer(np.array([0.6, 0.8]), np.array([0, 2]), 0.99) is None
    assert nt.infer(np.array([0.6, 0.8]), np.array([1, -1, 7]), 0.0) is None  # no phrase to read
    assert NeedTasks.build(None, None, []) is None
    with pytest.raises(ValueError):
        NeedTasks.build(vecs, np.array([2, 0, 0, 0]), ["a", None, "c"])


def test_need_match_is_each_rows_closest_phrase_and_lifts_only_above_its_floor() -> None:
    """A row scores as its best phrase (max, not mean), a row without phrases as -1, and the
    lift is the weight times the similarity above the floor, nothing under it."""
    import numpy as np

    from pt_recommender.ranking import steps
    from pt_recommender.ranking.inferred import NeedTasks

    vecs = np.array([[1, 0], [0.6, 0.8], [0, 1], [0.8, 0.6]], dtype=np.float16)
    nt = NeedTasks.build(vecs, np.array([0, 1, 2, 2]), ["a", None, "c"])
    assert nt is not None
    got = nt.closest(np.array([0.6, 0.8]), np.array([2, 1, 0]))
    assert got.tolist() == pytest.approx([0.96, -1.0, 0.6], abs=1e-3)
    assert nt.closest(np.array([0.6, 0.8]), np.array([1])).tolist() == [-1.0]
    # stored float16 (a one-shot process holds no float32 copy); a warm one converts once, same answers
    warm = nt.as_float32()
    assert nt.vectors.dtype == np.float16 and warm.vectors.dtype == np.float32 and warm.as_float32() is warm
    assert warm.closest(np.array([0.6, 0.8]), np.array([2, 1, 0])).tolist() == got.tolist()
    sh = steps.Sheet.empty(1, np.array([0, 1, 2]), np.ones(3, dtype=bool))
    steps.add_need_match(sh, 0, np.array([0, 1, 2]), got[[2, 1, 0]], 0.5, 0.7)
    assert sh.total[0].tolist() == pytest.approx([0.0, 0.0, 0.5 * 0.26], abs=1e-3)


def test_a_latin_name_in_a_chinese_list_yields_to_a_longer_english_match() -> None:
    """"LLM" listed among a task's Chinese names covers the word llm, not its letters (which
    counted as three parts of a one-word query): "LLM evaluation" names the evaluation task
    alone, and the general task keeps the strength of one word out of two."""
    from pt_recommender.catalog.schema import Task
    from pt_recommender.ranking.taxonomy import TaskMatcher

    llm = Task(id="large-language-models", name="Large Language Models", area="nlp", aliases_zh=("LLM", "大模型"))
    ev = Task(id="llm-evaluation", name="LLM Evaluation", area="nlp")
    m = TaskMatcher({llm.id: llm, ev.id: ev})
    assert m.match(["llm", "evalu"], "LLM evaluation") == {"llm-evaluation": 1.0}
    assert m.match(["llm", "chat"], "LLM chat") == {"large-language-models": 0.5}


def test_a_chinese_term_rendered_as_a_task_name_reads_as_whole_words_and_asks_for_no_type() -> None:
    """The glossary renders a Chinese task alias as the task's display name ("Large Language
    Models"): its words are indexed whole ("large", not "arge"), and its "Models" is the task's
    name, not a request for models; a type word the reader typed still is one."""
    from pt_recommender.catalog.schema import Task
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    llm = Task(id="large-language-models", name="Large Language Models", area="nlp", name_zh="大语言模型",
               asked_as_zh=("注意力原理",))
    m = TaskMatcher({llm.id: llm})
    g = Glossary([("书", "book"), ("模型", "model"), ("注意力原理", llm.name), ("大语言模型", llm.name)])
    q = analyse("想找本讲注意力原理的书", g, m)
    assert {"larg", "languag", "model"} <= set(q.tokens) and "arg" not in q.tokens
    assert q.intent == frozenset({"book"}) and "large-language-models" in q.tasks
    assert "model" in analyse("大语言模型有哪些开源模型", g, m).intent


def test_a_chinese_reader_asking_to_learn_gets_material_in_chinese_first(catalog_dir, index_dir, fake_encoder) -> None:
    """A course taught in Chinese (tagged `chinese`) goes above an equally matching English one
    for a Chinese query asking for a course, says why, and moves nothing for an English query."""
    from pt_recommender.recommender import Recommender

    courses = catalog_dir / "courses.yaml"
    courses.write_text(courses.read_text() + """- id: course-zh-probe
  name: Chinese PyTorch video lectures
  type: course
  description: Mandarin video lectures on tensors, regression, softmax and convolutional networks in PyTorch.
  url: https://example.org/zh-course
  tasks: [pytorch-fundamentals]
  tags: [chinese, video]
  description_zh: 中文讲授的 PyTorch 神经网络视频课程。
  needs: ["mandarin lectures on neural networks", "learn deep learning from chinese videos", "chinese course on pytorch basics"]
  needs_zh: ["中文 PyTorch 网课", "中文视频学深度学习", "中文入门课程"]
""")
    rec = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=fake_encoder)
    assert rec.data.in_chinese[rec.data.row_of["course-zh-probe"]] == 1.0
    assert rec.data.in_chinese.sum() == 1  # only learning material counts

    def place(r: Recommender, q: str) -> int:
        ids = [x.id for x in r.recommend(q, k=10)]
        return ids.index("course-zh-probe") if "course-zh-probe" in ids else len(ids)

    off = rec.with_options(w_native=0.0)
    zh = "深度学习 入门 课程"
    assert place(rec, zh) < place(off, zh)
    assert place(rec, zh) == 0
    first = rec.recommend(zh, k=1)[0]
    assert "中文资料" in first.reason_zh and "in Chinese" in first.reason_en
    # an English reader asking to learn gets it later, unless they ask for Chinese or Mandarin
    def score(r: Recommender, q: str) -> float:
        return next(x.score for x in r.recommend(q, k=10) if x.id == "course-zh-probe")

    en = "a course to learn deep learning with pytorch"
    plain = rec.with_options(w_native=0.0, w_foreign=0.0)
    assert score(rec, en) < score(plain, en) - 0.5 * rec.options.w_foreign  # later steps rescale a little
    assert all("in Chinese" not in x.reason_en for x in rec.recommend(en, k=10))
    asked = "a mandarin course to learn deep learning with pytorch"
    assert score(rec, asked) == pytest.approx(score(plain, asked))


def test_a_chinese_reader_gets_what_is_made_for_chinese_first(catalog_dir, index_dir, fake_encoder) -> None:
    """A library tagged `chinese` gains w_for_chinese for a Chinese query only, and its reason
    says why (面向中文); learning material is the other rule's, not this one's."""
    from pt_recommender.recommender import Recommender

    libs = catalog_dir / "libraries.yaml"
    text = libs.read_text()
    libs.write_text(text.replace("  tags: [medical, 3d]", "  tags: [medical, 3d, chinese]", 1))
    rec = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=fake_encoder)
    assert rec.data.for_chinese[rec.data.row_of["monai"]] == 1.0 and rec.data.for_chinese.sum() == 1
    assert rec.data.in_chinese.sum() == 0
    off = rec.with_options(w_for_chinese=0.0)

    def score(r: Recommender, q: str) -> float:
        return next(x.score for x in r.recommend(q, k=10) if x.id == "monai")

    zh, en = "三维医学图像分割", "3D medical image segmentation"
    assert score(rec, zh) > score(off, zh) + 0.5 * rec.options.w_for_chinese  # later steps rescale a little
    assert score(rec, en) == pytest.approx(score(off, en))
    first = next(x for x in rec.recommend(zh, k=10) if x.id == "monai")
    assert "面向中文" in first.reason_zh and "made for Chinese" in first.reason_en
    assert all("made for Chinese" not in x.reason_en for x in rec.recommend(en, k=10))


def test_asked_for_free_material_a_paid_course_comes_down_and_says_so(catalog_dir, index_dir, fake_encoder) -> None:
    """A paid course (access: paid, with the page that shows it) loses w_paid only for a query
    that asks for free learning material; a free one says so in its reason and on its record."""
    from pt_recommender.recommender import Recommender

    courses = catalog_dir / "courses.yaml"
    courses.write_text(courses.read_text() + """- id: course-paid-probe
  name: Paid PyTorch video lectures
  type: course
  description: Video lectures on tensors, regression, softmax and convolutional networks in PyTorch.
  url: https://example.org/paid-course
  tasks: [pytorch-fundamentals]
  access: paid
  access_evidence: https://example.org/paid-course/pricing
  description_zh: 讲 PyTorch 张量、回归和卷积网络的视频课（付费）。
  needs: ["lectures on neural networks", "learn deep learning from videos", "course on pytorch basics"]
  needs_zh: ["PyTorch 网课", "视频学深度学习", "入门课程"]
- id: course-free-probe
  name: Open PyTorch video lectures
  type: course
  description: Open video lectures on tensors, regression, softmax and convolutional networks in PyTorch.
  url: https://example.org/free-course
  tasks: [pytorch-fundamentals]
  access: free
  access_evidence: https://example.org/free-course
  description_zh: 讲 PyTorch 张量、回归和卷积网络的公开视频课。
  needs: ["lectures on neural networks", "learn deep learning from videos", "course on pytorch basics"]
  needs_zh: ["PyTorch 网课", "视频学深度学习", "入门课程"]
""")
    rec = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=fake_encoder)
    assert rec.data.paid[rec.data.row_of["course-paid-probe"]] == 1.0 and rec.data.paid.sum() == 1
    off = rec.with_options(w_paid=0.0)

    def score(r: Recommender, q: str, rid: str) -> float:
        return next(x.score for x in r.recommend(q, k=20) if x.id == rid)

    free_q, plain_q = "a free course to learn deep learning with pytorch", "a course to learn deep learning with pytorch"
    assert score(rec, free_q, "course-paid-probe") < score(off, free_q, "course-paid-probe") - 0.5 * rec.options.w_paid
    assert score(rec, plain_q, "course-paid-probe") == pytest.approx(score(off, plain_q, "course-paid-probe"))
    free = next(x for x in rec.recommend(free_q, k=20) if x.id == "course-free-probe")
    assert "free to read or watch" in free.reason_en and "免费" in free.reason_zh and free.access == "free"
    assert all("free to" not in x.reason_en for x in rec.recommend(plain_q, k=20))


def test_free_is_read_only_where_it_means_no_cost(rec) -> None:
    from pt_recommender.ranking.query import analyse

    d = rec.data
    for q in ("a free course on deep learning", "textbook I can read free online", "free of charge lectures",
              "免费的深度学习课程", "no-cost video lectures"):
        assert analyse(q, d.glossary, d.matcher).free, q
    for q in ("pull drug names out of free-text notes", "GIL-free data loading", "hands-free voice control",
              "a translation API with a free tier", "free text search over documents"):
        assert not analyse(q, d.glossary, d.matcher).free, q



def test_a_query_for_the_work_that_started_something_counts_the_prior_more(rec) -> None:
    """"the paper that introduced X": the prior (use within the catalog) counts w_seminal more, so
    the work the catalog's entries cite wins over later papers on the same words."""
    from pt_recommender.ranking.query import analyse

    d = rec.data
    for q in ("the paper that introduced the transformer architecture", "the original paper on residual nets",
              "paper behind low-rank adapters", "the paper which first proposed dropout", "扩散模型的原始论文",
              "最早提出 batch norm 的论文"):
        assert analyse(q, d.glossary, d.matcher).seminal, q
    for q in ("papers on graph attention networks", "first steps with pytorch", "the original image size is 512",
              "论文复现 代码"):
        assert not analyse(q, d.glossary, d.matcher).seminal, q
    q = "the paper that introduced the transformer architecture"
    off = {x.id: x.score for x in rec.with_options(w_seminal=0.0).recommend(q, k=20)}
    on = {x.id: x.score for x in rec.recommend(q, k=20)}
    row = {r.id: i for i, r in enumerate(rec.resources)}
    both = sorted(on.keys() & off.keys())
    assert both and rec.options.w_seminal > 0
    # later steps (neighbours, diversity) move scores too, so compare gains: the most-cited result
    # found gains more than the least-cited one
    hi = max(both, key=lambda r: d.prior[row[r]])
    lo = min(both, key=lambda r: d.prior[row[r]])
    assert d.prior[row[hi]] > d.prior[row[lo]]
    assert on[hi] - off[hi] > on[lo] - off[lo]
    plain = "papers on the transformer architecture"
    assert [x.score for x in rec.recommend(plain, k=20)] == [x.score for x in rec.with_options(w_seminal=0.0).recommend(plain, k=20)]


def test_a_newcomer_told_by_what_they_lack_is_a_learner() -> None:
    from pt_recommender.ranking.query import is_learner
    from pt_recommender.text.lang import en_words

    for q in ("I know Python but nothing about neural nets", "never touched deep learning before",
              "no background in machine learning", "free learning material for pytorch"):
        assert is_learner(en_words(q)), q
    for q in ("my loss is nothing like the paper's", "never used a GPU for inference", "no experience with kubernetes",
              "material science property prediction"):
        assert not is_learner(en_words(q)), q



def test_a_model_the_user_adapts_gets_no_lift_from_its_task(rec, monkeypatch) -> None:
    """"fine-tune a 7B model for image classification": the user has the model, so the task lifts
    its other resources but not its models (read the other way, the same query lifts both)."""
    from pt_recommender.ranking import query

    def scores() -> dict[str, float]:
        return {r.name: r.score for r in rec.recommend("fine-tune a 7b model for image classification", k=30)}

    adapted = scores()
    monkeypatch.setattr(query, "adapts_model", lambda seq: False)
    plain = scores()
    models = [r.name for r in rec.resources if r.type == "model" and "image-classification" in r.tasks]
    others = [r.name for r in rec.resources if r.type != "model" and "image-classification" in r.tasks]
    assert models and others
    for name in models:
        assert adapted.get(name, 0.0) < plain[name], name
    for name in others:
        assert adapted.get(name) == pytest.approx(plain.get(name)), name


def test_a_lone_named_task_is_lifted_at_a_floor_strength(rec) -> None:
    """A long need naming one task by a short phrase still lifts it at `min_named` strength; two
    named tasks keep their shares, and the floor at 0 leaves the query as analysed."""
    from dataclasses import replace

    from pt_recommender.recommender import _lone_task_floor

    long_need = ("we have a few thousand photos from the field and the boss keeps asking for numbers, "
                 "so honestly what we need is image classification and then a report")
    q = rec._prepare([long_need]).queries[0]
    plain = rec.with_options(min_named=0.0)._prepare([long_need]).queries[0]
    assert list(plain.tasks) == ["image-classification"] and plain.tasks["image-classification"] < 0.2
    assert q.tasks == {"image-classification": rec.options.min_named}
    two = replace(plain, tasks={"image-classification": 0.1, "semantic-segmentation": 0.1})
    assert _lone_task_floor(two, 0.2) is two
    strong = replace(plain, tasks={"image-classification": 0.6})
    assert _lone_task_floor(strong, 0.2) is strong


def test_the_cpp_side_comes_down_unless_native_code_is_named(catalog_dir, index_dir, fake_encoder) -> None:
    """A tutorial whose name holds "C++" loses w_cpp_unasked for a query naming no native code
    ("a custom autograd function" is Python); a query naming C++, CUDA or a kernel keeps it."""
    from pt_recommender.recommender import Recommender

    tutorials = catalog_dir / "tutorials.yaml"
    tutorials.write_text(tutorials.read_text() + """- id: tutorial-cpp-probe
  name: Custom autograd functions in C++
  type: tutorial
  description: Writing a custom autograd function with its own backward, compiled as a C++ extension.
  url: https://example.org/cpp-autograd
  tasks: [pytorch-fundamentals]
  description_zh: 用 C++ 扩展写自定义自动求导函数。
  needs: ["custom backward for my op", "write an autograd function", "extend autograd"]
  needs_zh: ["自定义反向传播", "写自动求导函数", "扩展自动求导"]
""")
    rec = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=fake_encoder)
    assert rec.data.cpp[rec.data.row_of["tutorial-cpp-probe"]] == 1.0 and rec.data.cpp.sum() == 1
    off = rec.with_options(w_cpp_unasked=0.0)

    def score(r: Recommender, q: str) -> float:
        return next(x.score for x in r.recommend(q, k=20) if x.id == "tutorial-cpp-probe")

    plain, native = "write a custom autograd function", "write a custom autograd function in C++"
    assert score(rec, plain) == pytest.approx(score(off, plain) - rec.options.w_cpp_unasked, abs=0.05)
    assert score(rec, native) == pytest.approx(score(off, native))
    for q in ("my own CUDA kernel with autograd", "a C# backend", "load it with libtorch", "写个 C++ 扩展"):
        assert rec._prepare([q]).queries[0].native, q
    assert not rec._prepare(["a custom autograd function"]).queries[0].native


def test_a_named_thing_the_user_leaves_is_not_the_first_answer(rec) -> None:
    """"an alternative to TensorBoard": every leg finds TensorBoard by its name, yet it is the
    one answer the user does not want; named plainly, it stays first."""
    names = [r.name for r in rec.recommend("an alternative to TensorBoard to plot loss curves", k=5)]
    assert names[0] != "TensorBoard" and "TensorBoard" in names
    assert rec.recommend("plot loss curves with TensorBoard", k=5)[0].name == "TensorBoard"
    off = rec.with_options(w_left=0.0)
    assert off.recommend("an alternative to TensorBoard to plot loss curves", k=5)[0].name == "TensorBoard"
