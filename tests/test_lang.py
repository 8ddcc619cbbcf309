"""Chinese handling: glossary segmentation and CJK bigrams."""

from __future__ import annotations

from pt_recommender.text.lang import Glossary, cjk_tokens, clean, en_tokens


def test_glossary_longest_match_and_passthrough() -> None:
    g = Glossary([("医学", "medical"), ("医学图像", "medical image"), ("分割", "segmentation"),
                  ("三维", "3D")])
    text, terms = g.translate("三维医学图像分割 with MONAI")
    assert text.lower() == "3d medical image segmentation with monai"
    assert [zh for zh, _ in terms] == ["三维", "医学图像", "分割"]


def test_unknown_characters_are_dropped() -> None:
    text, terms = Glossary([("分割", "segmentation")]).translate("的分割吗")
    assert text == "segmentation" and len(terms) == 1


def test_english_words_around_dropped_chinese_stay_apart() -> None:
    """"loss变成nan": 变成 has no entry, and "loss" and "nan" must not fuse into "lossnan"."""
    text, _ = Glossary([("训练", "training")]).translate("训练的时候loss变成nan了")
    assert text.split() == ["training", "loss", "nan"]


def test_a_dataset_of_x_data_keeps_its_dataset_word() -> None:
    """"标注数据集": read greedily, 标注数据 would take 数据 from 数据集 and drop 集, losing the word
    that asks for a dataset; a term of its own ("公开数据集") is kept as written."""
    g = Glossary([("人脸检测", "face detection"), ("标注数据", "labeled data"), ("数据集", "dataset"),
                  ("合成数据", "synthetic data"), ("公开数据集", "public dataset"), ("公开数据", "open data")])
    assert g.translate("人脸检测 标注数据集")[0] == "face detection labeled dataset"
    assert g.translate("合成数据集")[0] == "synthetic dataset"
    assert g.translate("公开数据集")[0] == "public dataset"
    assert g.translate("标注数据")[0] == "labeled data"


def test_cjk_bigrams_and_english_stems() -> None:
    assert cjk_tokens("语义分割") == ["语义", "义分", "分割"]
    assert cjk_tokens("库") == ["库"]
    assert en_tokens("Plotting the loss curves") == ["plot", "loss", "curv"]


def test_clean_removes_control_characters() -> None:
    assert clean("a\x00b\x1fc") == "a b c"


def test_latin_alias_in_a_chinese_list_matches_whole_words_only() -> None:
    """"GP" (a Chinese alias of Gaussian Processes) is not in "GPU利用率"; "LLM" in "用LLM做" is."""
    from pt_recommender.catalog.schema import Task
    from pt_recommender.ranking.taxonomy import TaskMatcher

    tasks = {"gp": Task(id="gp", name="Gaussian Processes", area="x", aliases_zh=("GP",)),
             "llm": Task(id="llm", name="Large Language Models", area="x", aliases_zh=("LLM",))}
    m = TaskMatcher(tasks)
    assert "gp" not in m.match(["gpu"], "GPU利用率上不去")
    assert "gp" in m.match([], "想用GP做回归")
    assert "llm" in m.match([], "用LLM做摘要")


def test_one_character_tokens_are_not_indexed() -> None:
    """A lone digit or a letter split off a word matched unrelated text (the "8" of "85.8%")."""
    tokens = en_tokens("13B model doesn't fit at batch size 1 on 8 A100s; top-1 85.8%, x-ray, C++")
    assert not [t for t in tokens if len(t) == 1]
    assert {"13b", "a100", "85", "xray", "c++"} <= set(tokens) and "ray" not in tokens  # not the Ray library
    assert en_tokens("load it in 4-bit") == en_tokens("load it in 4 bit")  # a digit part stays apart


def test_glossary_terms_mixing_latin_and_chinese_match_across_the_script_change() -> None:
    """"python环境" is a software set-up, not the 环境 of reinforcement learning; such terms
    span a CJK run's edge, which run-by-run segmentation never saw (54 curated terms were dead)."""
    from pt_recommender.text.lang import Glossary

    g = Glossary([("环境", "environment"), ("python环境", "python runtime"), ("c++部署", "C++ deployment"),
                  ("部署", "deploy"), ("不想装", "without installing"), ("c++ 教程", "C++ tutorial")])
    assert g.translate("不想装Python环境") == ("without installing python runtime",
                                            [("不想装", "without installing"), ("python环境", "python runtime")])
    assert g.translate("模型要 C++ 部署")[0] == "C++ deployment"  # a space at the script change
    assert g.translate("C++教程")[0] == "C++ tutorial"  # the key's own space is optional too
    # no Latin letter glued on: "cpython" is not "python"
    assert g.translate("cpython环境") == ("cpython environment", [("环境", "environment")])
    assert g.translate("部署环境") == ("deploy environment", [("部署", "deploy"), ("环境", "environment")])


def test_a_mixed_term_keeps_the_latin_words_its_rendering_leaves_out() -> None:
    """"Jetson部署" renders as the task it names, yet "Jetson" is what the reader typed: the tool's
    name stays in the English the legs read; words the rendering holds are not repeated."""
    g = Glossary([("jetson部署", "Mobile and Edge Deployment"), ("导出onnx", "ONNX export"), ("x光", "radiograph")])
    assert g.translate("Jetson部署 YOLO")[0] == "jetson Mobile and Edge Deployment yolo"
    assert g.translate("导出ONNX")[0] == "ONNX export"
    assert g.translate("x光")[0] == "radiograph"  # a one-letter word is no name
    assert g.translate("jetson部署")[1] == [("jetson部署", "Mobile and Edge Deployment")]


def test_task_matcher_from_the_saved_phrase_table_matches_like_a_fresh_one() -> None:
    """A start reads the phrase table from the index generation instead of stemming every task
    name again: it must hold the same phrases and match the same way (the shipped taxonomy)."""
    import json

    from pt_recommender.catalog import default_data_dir
    from pt_recommender.catalog.load import load_catalog_bundle
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import lexical_tokens

    cat = load_catalog_bundle(default_data_dir())
    fresh = TaskMatcher(cat.tasks, cat.areas)
    saved = TaskMatcher(cat.tasks, cat.areas, json.loads(json.dumps(fresh.phrase_table())))
    assert (saved.en, saved.order, saved.zh) == (fresh.en, fresh.order, fresh.zh)
    assert len(fresh.en) > 100 and fresh.order and fresh.zh
    for q in ("3D medical segmentation", "translate English to German", "语义分割模型", "pose of people in photos"):
        assert saved.match(lexical_tokens(q), q) == fresh.match(lexical_tokens(q), q)


def test_a_task_is_matched_by_how_people_ask_for_it_without_naming_it() -> None:
    """`asked_as` phrases ("who spoke when") find the task like its aliases do, in both
    languages, and are not names of it."""
    from pt_recommender.catalog.schema import Task
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import lexical_tokens

    tasks = {"diar": Task(id="diar", name="Speaker Diarization", area="x", asked_as=("who spoke when",),
                          asked_as_zh=("说话人分离",))}
    m = TaskMatcher(tasks)
    q = "transcripts that say who spoke when in a meeting"
    assert "diar" in m.match(lexical_tokens(q), q)
    assert "diar" in m.match([], "会议录音想做说话人分离")
    assert "diar" not in m.match(lexical_tokens("when did the speaker join"), "when did the speaker join")
    assert "who spoke when" not in tasks["diar"].all_names


def test_british_and_american_spellings_meet() -> None:
    """The catalog's own text says "recognise", "optimisation", "tumour"; users type either way."""
    from pt_recommender.text.lang import en_tokens

    for gb, us in (("quantise the model", "quantize the model"), ("tokeniser", "tokenizer"),
                   ("optimisation", "optimization"), ("recognise speech", "recognize speech"),
                   ("segment tumours", "segment tumors"), ("colour images", "color images"),
                   ("data centre", "data center"), ("analyse logs", "analyze logs"),
                   ("licence", "license"), ("class imbalance", "class imbalanced")):
        assert en_tokens(gb) == en_tokens(us), gb
    assert en_tokens("optimiser") == en_tokens("optimizer") != en_tokens("optimize")
    # a blanket -ise rule would split these pairs that Snowball keeps together
    assert en_tokens("supervised") == en_tokens("supervision")
    assert en_tokens("precise") == en_tokens("precision")


def test_words_of_unrelated_meaning_keep_apart_stems() -> None:
    """BM25 and task matching compare stems: "distribution" must not match distributed training,
    nor "transformer" the image transforms, while plurals still meet their singular."""
    from pt_recommender.text.lang import en_tokens

    assert en_tokens("weight distribution") != en_tokens("weight distributed")
    assert en_tokens("distributions") == en_tokens("distribution")
    assert en_tokens("transformers") == en_tokens("transformer") != en_tokens("transform")
    assert en_tokens("distributed training") == en_tokens("distributing train")
    # "visually impaired" is not about plots and dashboards; both spellings of visualise meet
    assert en_tokens("visually impaired") != en_tokens("visualization impaired")
    assert en_tokens("visualise embeddings") == en_tokens("visualizing embedding") == en_tokens("visualization embeddings")
    # a Python interpreter is not about interpreting a model's decisions
    assert en_tokens("python interpreter") != en_tokens("python interpret")
    assert en_tokens("interpreters") == en_tokens("interpreter")
    # an optimizer (Adam, SGD) is not "optimize" (make it faster) nor Bayesian "optimization"
    assert en_tokens("optimizers") == en_tokens("optimiser") != en_tokens("optimize")
    assert en_tokens("optimizer") != en_tokens("optimization")



def test_wanting_to_understand_how_a_thing_works_is_a_learner_but_explaining_a_decision_is_not() -> None:
    """"Understand how attention works" asks for learning material; "understand why my model
    flagged this" asks for an interpretability tool, not a course."""
    from pt_recommender.ranking.query import is_learner
    from pt_recommender.text.lang import en_words

    assert is_learner(en_words("I want to understand how attention actually works"))
    assert is_learner(en_words("understand what autograd does under the hood"))
    assert not is_learner(en_words("understand why my model flagged this transaction"))
    assert not is_learner(en_words("how does the scheduler work"))


def test_a_type_word_a_verb_works_on_is_material_not_the_answer_asked_for() -> None:
    """"load a dataset", "merge two models", "implement a paper": the user works on that thing;
    "find a dataset", "recommend a paper", and compounds such as "pruning toolkit" still ask."""
    from pt_recommender.ranking.query import asked_types

    assert asked_types("load a huge dataset that doesn't fit in memory") == set()
    assert asked_types("merge two models into one") == set()
    assert asked_types("implement a paper from scratch") == set()
    assert asked_types("find a dataset of chest x-rays") == {"dataset"}
    assert asked_types("recommend a paper on attention") == {"paper"}
    assert asked_types("model pruning toolkit") == {"library"}
    assert asked_types("image augmentation library") == {"library"}


def test_a_type_word_owning_the_next_noun_asks_for_that_noun() -> None:
    """"each paper's reference code", "the model's forward pass": the type word says whose thing
    the topic is; "Google's paper" and "a paper on attention" still ask for papers."""
    from pt_recommender.ranking.query import asked_types

    assert asked_types("try new optimizers without copying each paper's reference code") == set()
    assert asked_types("the model's forward pass is slow") == set()
    assert asked_types("Google's paper on scaling laws") == {"paper"}
    assert asked_types("recommend a paper on attention") == {"paper"}


def test_a_compiled_model_package_is_an_artifact_not_a_library() -> None:
    """"an ahead-of-time compiled model package" is what the user builds; "a python package for
    tabular data" still asks for a library, and a package manager for none."""
    from pt_recommender.ranking.query import asked_types

    assert asked_types("ahead-of-time compiled model package") == set()
    assert asked_types("a python package for tabular deep learning") == {"library"}
    assert asked_types("which package manager for CUDA builds") == set()


def test_a_backbone_is_asked_of_a_model_zoo_as_much_as_of_one_model() -> None:
    """"pretrained backbones" and "pretrained models" are picked from a library of them (timm,
    torchvision) as much as from one model card (stop 40); models alone ask for models only, and
    "a model trained on" is no pretrained model."""
    from pt_recommender.ranking.query import asked_types

    assert asked_types("pretrained image classification backbones") == {"model", "library"}
    assert asked_types("pretrained image classification models") == {"model", "library"}
    assert asked_types("pre-trained models for speech") == {"model", "library"}
    assert asked_types("image classification models") == {"model"}
    assert asked_types("models trained on imagenet") == {"model"}


def test_a_platform_is_asked_of_a_hub_site_as_much_as_of_a_library() -> None:
    """"a platform to download weights from" is a hub site (ModelScope) as much as a library;
    "a tool" or "a framework" still asks for libraries only; Chinese 平台 reads the same."""
    from pt_recommender.ranking.query import asked_types

    assert asked_types("a faster platform to download model weights") == {"library", "website"}
    assert asked_types("a tool to download model weights") == {"library"}
    assert asked_types("which framework for training") == {"library"}


def test_a_type_word_in_another_role_asks_for_nothing() -> None:
    """A verb ("how do I package the model"), the user's own recordings ("recorded lectures"), a
    device ("audio guides"), an outside service ("an external API") or what the user would rather
    not do ("without rewriting it in another framework") asks for no kind; the plain asks still do."""
    from pt_recommender.ranking.query import asked_types

    for q in ("how do I package the model for a C++ service", "how to benchmark my detector",
              "compare several open chat models on standard benchmarks", "fine-tune on a dataset of x-rays",
              "turn recorded lectures into searchable transcripts", "narration for audio guides",
              "nothing can be sent to an external API", "speed it up without rewriting it in another framework"):
        assert asked_types(q) == set(), q
    assert asked_types("a package for audio augmentation") == {"library"}
    assert asked_types("a free hands-on course on PyTorch") == {"course"}  # "hands-on" splits into "on"
    assert asked_types("a video lecture series on transformers") == {"course"}
    assert asked_types("a guide to distributed training") == {"tutorial"}
    # what a model learned from is its provenance, not a dataset asked for
    assert "dataset" not in asked_types("video backbones pretrained on a big action dataset to fine-tune")
    assert "dataset" in asked_types("a big action dataset to pretrain video backbones on")


def test_models_someone_runs_are_material_and_what_runs_them_is_asked() -> None:
    """"what runs quantized models on a CPU": the models are what the user runs; a tool that
    runs them is asked for. Only models: "run a LoRA tool" still asks for a tool, and a model
    asked for in its own right still asks."""
    from pt_recommender.ranking.query import asked_types

    assert asked_types("what runs quantized models decently on a CPU?") == set()
    assert asked_types("I want to run open models on my laptop") == set()
    assert asked_types("a tool to run LoRA fine-tuning from a web page") == {"library"}
    assert asked_types("open models that run well on a laptop") == {"model"}
    # how a kind works is the topic: "how diffusion models work" asks for no model; "which models work best" does
    assert "model" not in asked_types("want to understand how ChatGPT-style models work by coding one")
    assert asked_types("how do diffusion models work") == set()
    assert asked_types("which models work best for OCR") == {"model"}


def test_the_users_own_checkpoint_or_pretraining_asks_for_no_model() -> None:
    """A checkpoint is nearly always the user's own file; "pretrain a GPT" is work the user does;
    a work verb still rules its object past modifiers ("stream a multi-terabyte dataset"); an
    API the user avoids ("a cloud API") is no API asked for. "pretrained backbones" still asks."""
    from pt_recommender.ranking.query import asked_types

    assert asked_types("my checkpoint saved on the GPU server won't load on a laptop") == set()
    assert asked_types("pretrain a tiny GPT from scratch on my own text") == set()
    assert asked_types("stream a multi-terabyte dataset from S3 without downloading it") == set()
    assert asked_types("translate messages without sending them to a cloud API") == set()
    assert asked_types("pretrained image classification backbones") == {"model", "library"}
    assert asked_types("find a large image dataset of birds") == {"dataset"}


def test_a_site_that_is_a_place_asks_for_no_website() -> None:
    """"building site", "each site" (a hospital) are places; "a site where …", "web site" ask."""
    from pt_recommender.ranking.query import asked_types

    assert asked_types("warn me when someone on the building site isn't wearing a hard hat") == set()
    assert asked_types("patient data can't leave each site") == set()
    assert asked_types("is there a site where I can read pytorch news") == {"website"}
    assert asked_types("a web site with pytorch news") == {"website"}
    assert asked_types("pytorch community website") == {"website"}


def test_hardware_at_hand_yields_to_the_work_named_beside_it() -> None:
    """多机多卡 names distributed training as a constraint: beside GRPO (alignment) it keeps half
    its strength; alone, beside an area or beside its kin (large-model training) it keeps all."""
    from pt_recommender.config import CONSTRAINT_KIN, CONSTRAINT_TASKS
    from pt_recommender.ranking.query import weigh_constraints

    def w(tasks: dict[str, float]) -> dict[str, float]:
        return weigh_constraints(tasks, CONSTRAINT_TASKS, 0.5, CONSTRAINT_KIN)

    # half its strength, and never more than the goal's ("GRPO" is one word of eight)
    assert w({"distributed-training": 0.5, "llm-alignment": 0.125}) == {"distributed-training": 0.125,
                                                                          "llm-alignment": 0.125}
    assert w({"distributed-training": 0.4, "object-detection": 0.5}) == {"distributed-training": 0.2,
                                                                           "object-detection": 0.5}
    for alone in ({"distributed-training": 0.5}, {"distributed-training": 0.5, "area:training": 0.5},
                  {"distributed-training": 0.5, "large-model-training": 0.3}, {"llm-alignment": 0.4}):
        assert w(alone) == alone


def test_a_model_the_user_adapts_is_their_material() -> None:
    """"fine-tune a 7B chat model", "teach an open model our tone": the model is what the user
    has; a model named elsewhere ("a model to fine-tune later") or a verb with no model is not."""
    from pt_recommender.ranking.query import adapts_model
    from pt_recommender.text.lang import en_words

    for q in ("Can I fine-tune a 7B chat model on one 24GB card?", "teach a small open model our tone",
              "adapt a 70b to legal text", "finetune the llm on support tickets"):
        assert adapts_model(en_words(q.lower())), q
    for q in ("which model should I pick", "fine weather for a tuned guitar model", "teach me pytorch",
              "adapt the learning rate during training of my model"):
        assert not adapts_model(en_words(q.lower())), q


def test_go_to_models_are_not_lifted_for_a_model_the_user_adapts() -> None:
    """The task's go-to picks drop their models when the user adapts a model of their own,
    unless models are asked for; every other kind stays."""
    from pt_recommender.ranking.pipeline import _of_kinds

    types = ["model", "library", "model", "tutorial"]
    assert _of_kinds([0, 1, 2, 3], types, frozenset()) == [0, 1, 2, 3]
    assert _of_kinds([0, 1, 2, 3], types, frozenset(), own_model=True) == [1, 3]
    assert _of_kinds([0, 1, 2, 3], types, frozenset({"model"}), own_model=True) == [0, 2]
    assert _of_kinds([0, 1, 2, 3], types, frozenset({"library"}), own_model=True) == [1]
