"""The ranking steps: min-max fusion, reciprocal ranks, the cut, batch = single."""

from __future__ import annotations

import numpy as np

from pt_recommender.ranking import steps


def test_min_max_fusion_and_rrf() -> None:
    """add_leg normalises each query's candidates to [0, 1]; RRF gives first place 1."""
    sh = _sheet_with([2.0, 4.0, 3.0], [0, 1, 2])
    assert sh.total[0, :3].tolist() == [0.0, 1.0, 0.5]
    sh = _sheet_with([5.0], [2])
    assert sh.total[0].tolist() == [0.0, 0.0, 1.0, 0.0]
    r = steps.rrf_array(3, 60)
    assert r[0] == 1.0 and r[0] > r[1] > r[2]
    sh = steps.Sheet.empty(1, np.arange(4), np.ones(4, dtype=bool))
    steps.add_leg(sh, "x", np.arange(1), np.array([[3, 1]]), np.array([[9.0, 1.0]]), np.ones((1, 2), bool), 1.0,
                  "rrf", 60)
    assert sh.total[0, 3] == 1.0 and 0 < sh.total[0, 1] < 1


def test_top_fusion_reads_scores_relative_to_the_best_hit_whatever_the_tail() -> None:
    """"top": the best hit is 1, `floor` times it 0 and anything lower 0; a row's share does not
    change when another candidate joins or leaves the tail (under min-max it did)."""
    sh = steps.Sheet.empty(1, np.arange(4), np.ones(4, dtype=bool))
    steps.add_leg(sh, "x", np.arange(1), np.array([[0, 1, 2]]), np.array([[10.0, 7.0, 2.0]]),
                  np.ones((1, 3), bool), 1.0, "top", floor=0.4)
    assert np.allclose(sh.total[0, :3], [1.0, 0.5, 0.0])
    longer = steps.Sheet.empty(1, np.arange(4), np.ones(4, dtype=bool))
    steps.add_leg(longer, "x", np.arange(1), np.array([[0, 1, 2, 3]]), np.array([[10.0, 7.0, 2.0, 1.0]]),
                  np.ones((1, 4), bool), 1.0, "top", floor=0.4)
    assert np.allclose(longer.total[0, :3], sh.total[0, :3])
    minmax = steps.Sheet.empty(1, np.arange(4), np.ones(4, dtype=bool))
    steps.add_leg(minmax, "x", np.arange(1), np.array([[0, 1, 2, 3]]), np.array([[10.0, 7.0, 2.0, 1.0]]),
                  np.ones((1, 4), bool), 1.0, "score")
    assert not np.isclose(minmax.total[0, 1], _sheet_with([10.0, 7.0, 2.0], [0, 1, 2]).total[0, 1])
    below = steps.Sheet.empty(1, np.arange(4), np.ones(4, dtype=bool))  # every score at or under 0
    steps.add_leg(below, "x", np.arange(1), np.array([[0, 1]]), np.array([[-0.1, -0.3]]),
                  np.ones((1, 2), bool), 1.0, "top", floor=0.5)
    assert (below.total == 0).all()


def _sheet_with(values: list[float], rows: list[int], n: int = 4, queries: int = 1) -> steps.Sheet:
    sh = steps.Sheet.empty(queries, np.arange(n), np.ones(n, dtype=bool))
    r = np.array([rows] * queries)
    v = np.array([values] * queries)
    steps.add_leg(sh, "x", np.arange(queries), r, v, np.ones_like(r, dtype=bool), 1.0)
    return sh


def test_select_floor_and_exact_name() -> None:
    sh = _sheet_with([1.0, 0.9, 0.1], [0, 1, 2])
    ranked = steps.select(sh, floor=0.3, exact=[[]], w_exact=1.0, n=10)[0]
    assert [r for r, _ in ranked] == [0, 1]  # row 2 scored 0 after min-max: under the floor
    sh = _sheet_with([1.0, 0.5], [0, 1])
    ranked = steps.select(sh, floor=0.3, exact=[[3]], w_exact=1.0, n=10)[0]
    assert ranked[0][0] == 0 and 3 in [r for r, _ in ranked]


def test_select_breaks_ties_by_row_even_at_the_cut() -> None:
    """Ten rows tie; the best n are the lowest rows, whatever argpartition returns."""
    sh = steps.Sheet.empty(1, np.arange(40), np.ones(40, dtype=bool))
    sh.total[0, 10:30] = 1.0
    sh.candidate[0, 10:30] = True
    ranked = steps.select(sh, floor=0.0, exact=[[]], w_exact=0.0, n=5)[0]
    assert [r for r, _ in ranked] == [10, 11, 12, 13, 14]


def test_batch_rows_equal_single_rows() -> None:
    """Each query's row of the sheet is scored as if it were alone."""
    rng = np.random.default_rng(0)
    n, k0 = 30, 8
    sims = rng.random((3, n)).astype(np.float32)
    rows = np.argsort(-sims, axis=1)
    sims = np.take_along_axis(sims, rows, axis=1)
    lex = np.where(rng.random((3, n)) > 0.6, rng.random((3, n)), 0).astype(np.float32)

    allowed = np.arange(n) % 3 != 0

    def run(idx: list[int]) -> list:
        sh = steps.Sheet.empty(len(idx), np.arange(n), allowed)
        r, s, keep = steps.dense_leg(rows[idx], sims[idx], k0, lambda rows: allowed[rows])
        steps.add_leg(sh, "dense", np.arange(len(idx)), r, s, keep, 1.0)
        scores = np.where(allowed, lex[idx], 0.0)
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k0]
        vals = np.take_along_axis(scores, top, axis=1)
        steps.add_leg(sh, "lexical", np.arange(len(idx)), top, vals, vals > 0, 1.0)
        steps.share_links(sh, np.array([1, 2]), np.array([2, 1]), 0.5)
        return steps.select(sh, 0.3, [[] for _ in idx], 1.0, 10)

    assert run([0, 1, 2]) == run([0]) + run([1]) + run([2])


def test_sheet_maps_rows_to_columns() -> None:
    """A sheet over a few catalog rows finds each row's column and knows which rows it holds."""
    sh = steps.Sheet.empty(1, np.array([3, 8, 40]), np.ones(3, dtype=bool))
    assert sh.local(np.array([40, 3, 8])).tolist() == [2, 0, 1]
    assert sh.has(np.array([3, 4, 40, 99])).tolist() == [True, False, True, False]
    assert steps.select(steps.Sheet.empty(2, np.zeros(0, np.int64), np.zeros(0, bool)), 0.3, [[], []], 1.0, 5) \
        == [[], []]


def test_array_helpers_equal_numpy_unique() -> None:
    from pt_recommender.arrays import unique, unique_inverse

    rng = np.random.default_rng(3)
    for n in (0, 1, 2, 50, 1000):
        x = rng.integers(0, 40, n)
        assert np.array_equal(unique(x), np.unique(x))
        vals, inv = unique_inverse(x)
        ref_vals, ref_inv = np.unique(x, return_inverse=True)
        assert np.array_equal(vals, ref_vals) and np.array_equal(inv, ref_inv.ravel())


def test_a_large_lift_keeps_its_best_rows_and_every_row_a_leg_found(monkeypatch) -> None:
    from pt_recommender.ranking import pipeline

    monkeypatch.setattr(pipeline, "LIFT_MAX_ROWS", 2)
    found = {7: (1.0, "t"), 3: (0.9, "t"), 9: (0.8, "t"), 4: (0.6, "t")}
    lifted = (found, np.array([7, 3, 9, 4]), np.array([1.0, 0.9, 0.8, 0.6]))
    _, rows, bonus = pipeline.Pipeline._lift_rows(None, lifted, np.array([4, 11, 7]))  # type: ignore[arg-type]
    assert rows.tolist() == [7, 3, 4] and bonus.tolist() == [1.0, 0.9, 0.6]


def test_one_thing_gets_one_place() -> None:
    """Rows that are one thing keep the better place and show the asked-for, else most usable, kind."""
    from pt_recommender.ranking.pipeline import one_card_each

    types = ["paper", "model", "library", "dataset"]
    same = {0: 0, 1: 0}  # a paper and its model of the same name
    best = [(0, 0.9), (3, 0.8), (1, 0.7), (2, 0.6)]
    assert one_card_each(best, same, types, frozenset()) == [(1, 0.9), (3, 0.8), (2, 0.6)]
    assert one_card_each(best, same, types, frozenset({"paper"})) == [(0, 0.9), (3, 0.8), (2, 0.6)]
    assert one_card_each(best, {}, types, frozenset()) == best
    # a library and its model card: the library, unless the named task lists the model as its go-to
    types = ["library", "model", "dataset"]
    same, best = {0: 0, 1: 0}, [(1, 0.9), (2, 0.8), (0, 0.7)]
    assert one_card_each(best, same, types, frozenset()) == [(0, 0.9), (2, 0.8)]
    assert one_card_each(best, same, types, frozenset(), frozenset({1})) == [(1, 0.9), (2, 0.8)]
    assert one_card_each(best, same, types, frozenset({"library"}), frozenset({1})) == [(0, 0.9), (2, 0.8)]


def test_same_things_are_artefacts_of_one_name_or_a_package_and_its_weights() -> None:
    from pt_recommender.catalog.schema import Resource
    from pt_recommender.ranking.context import same_things

    def res(i: int, name: str, kind: str, url: str) -> Resource:
        return Resource(id=f"r{i}", name=name, type=kind, description="d", url=url, tasks=())

    rows = [res(0, "SAM 2 (Segment Anything in Images and Videos)", "model", "https://a.example/sam2"),
            res(1, "SAM 2: Segment Anything in Images and Videos", "paper", "https://arxiv.org/abs/1"),
            res(2, "regnet_y_1_6gf", "model", "https://b.example/regnet"),
            res(3, "regnet_y_16gf", "model", "https://b.example/regnet"),
            res(4, "PyTorch Recipes", "book", "https://c.example/book"),
            res(5, "PyTorch Recipes", "tutorial", "https://c.example/tut"),
            res(6, "Chronos", "library", "https://github.com/x/chronos/"),
            res(7, "Chronos forecasting weights", "model", "https://github.com/x/chronos")]
    assert same_things(rows) == {0: 0, 1: 0, 6: 6, 7: 6}


def test_name_mentions_match_one_regex_alternation() -> None:
    """The prior's mention scan finds what one regex of the names finds (whole words, leftmost,
    longest name first at a position, no overlaps)."""
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from pt_recommender.ranking.prior import _mentions

    pieces = st.sampled_from(["ab", "abc", "a", "b", "c", "ab c", "x1", " ", "-", "é", "Ab"])
    name = st.lists(pieces, min_size=1, max_size=3).map("".join).map(str.strip).filter(bool)

    @settings(max_examples=400, deadline=None, derandomize=True)
    @given(st.lists(name, min_size=1, max_size=5, unique=True), st.lists(pieces, max_size=20).map("".join))
    def check(names: list[str], text: str) -> None:
        names = sorted(names, key=lambda n: (-len(n), n))
        pattern = re.compile(r"(?<![0-9A-Za-z])(" + "|".join(map(re.escape, names)) + r")(?![0-9A-Za-z])")
        assert _mentions(text, names) == pattern.findall(text)

    check()


def test_typos_read_as_the_words_meant_and_real_words_stay() -> None:
    from pt_recommender.ranking.spelling import Speller, edit_distance
    from pt_recommender.text.lang import stem

    known = {stem(w): i for i, w in enumerate(["separate", "pretrained", "segmentation", "several", "train"])}
    english = ["separate", "several", "sheep", "soccer", "train", "sweep"]  # commonest first
    catalog = ["pretrained", "segmentation"]
    sp = Speller(known, lambda: english, stem, lambda: catalog)
    assert sp.stem("seperate") == stem("separate")  # one edit; "several" is two
    assert sp.stem("pretrianed") == stem("pretrained")  # two neighbouring letters swapped
    assert sp.stem("segmentaion") == stem("segmentation")  # the catalog's own word
    assert sp.stem("soccer") == stem("soccer") and sp.stem("sheep") == "sheep"  # English words stay
    assert sp.stem("lstm") == "lstm" and sp.stem("trai") == stem("trai")  # too short to guess
    assert sp.stem("train") == stem("train")  # known
    nothing = Speller(known, lambda: [], stem, lambda: catalog)
    assert nothing.stem("seperate") == stem("seperate")  # no vocabulary, no guessing
    assert edit_distance("trian", "train") == 1 and edit_distance("kitten", "sitting") == 3


def test_a_successor_takes_the_place_of_what_it_replaces() -> None:
    """Only for queries asking for a replacement; the lead scales with the predecessor's match."""
    sh = _sheet_with([1.0, 0.5, 0.0], [0, 1, 2], n=4, queries=2)  # row 0 best; row 3 not found
    before = sh.total.copy()
    steps.hand_over(sh, np.array([0]), np.array([0, 1]), np.array([3, 2]), 0.5)
    assert sh.total[0, 3] == 1.5 and sh.total[0, 0] == 0.5  # full lead: row 0 was the best match
    assert sh.total[0, 2] == 0.5 + 0.25 and sh.candidate[0, 3] and sh.evidence[0, 3]
    assert (sh.total[1] == before[1]).all() and not sh.candidate[1, 3]  # query 1 did not ask
    assert sh.replaces[0] == {3: 0, 2: 1} and sh.replaces[1] == {}  # for the reason: "replaces X"


def test_a_successor_goes_above_its_predecessor_unless_the_query_names_it() -> None:
    """Row 3 succeeds row 0: it goes just above it, except for a query that names row 3 (the
    user has it already), where both keep their scores."""
    sh = _sheet_with([1.0, 0.5, 0.0, 0.2], [0, 1, 2, 3], n=4, queries=2)
    steps.successor_first(sh, np.array([0, 1]), np.array([0]), np.array([3]), lambda q, c: q == 1)
    assert sh.total[0, 3] > sh.total[0, 0] and sh.replaces[0] == {3: 0}
    assert sh.total[1, 3] < sh.total[1, 0] and sh.replaces[1] == {}


def test_replacement_words_and_chinese_function_characters() -> None:
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    g, m = Glossary([("弃用", "deprecated"), ("替代", "alternative")]), TaskMatcher({})
    q = analyse("torchtext is deprecated, what should I use instead", g, m)
    assert q.replacing and "deprec" not in q.tokens and "instead" not in q.tokens and "torchtext" in q.tokens
    q = analyse("torchtext被弃用了，用什么替代", g, m)
    assert q.replacing and not {"弃用", "替代", "什么", "了", "用什"} & set(q.tokens)
    assert not analyse("text classification with torchtext", g, m).replacing
    # code the reader calls legacy, or a project superseded or retired, is being left
    assert analyse("our legacy training code wraps layers with an older sharding library", g, m).replacing
    assert analyse("the library was superseded, what do people use now", g, m).replacing
    # a project said to be gone ("is dead", "got archived") is being left; a dead neuron is not
    assert analyse("torchtext is dead; where should my tokenizer code move", g, m).replacing
    assert analyse("VISSL got archived, so where do SwAV recipes live", g, m).replacing
    assert not analyse("dead neurons after a few epochs with relu", g, m).replacing


def test_a_phrase_naming_a_direction_matches_only_in_that_order() -> None:
    """"speech to text" and "text to speech" hold the same words but name opposite tasks."""
    from pt_recommender.catalog.schema import Task
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import en_tokens

    tasks = {"asr": Task("asr", "Speech Recognition", "audio", aliases=("speech to text",)),
             "tts": Task("tts", "Text-to-Speech", "audio"),
             "cls": Task("cls", "Image Classification", "vision")}
    m = TaskMatcher(tasks)

    def found(q: str) -> set[str]:
        return set(m.match(en_tokens(q), q))

    assert found("speech to text") == {"asr"}
    assert found("a text-to-speech voice") == {"tts"}
    assert found("turn speech into text") == {"asr"}
    assert found("classification of images") == {"cls"}  # an undirected name matches in any order


def test_a_conversion_stated_word_for_word_is_not_read_as_an_undirected_phrase() -> None:
    """"text-to-image model" holds the words of "image-text models" (a joint model): the stated
    conversion wins; the same words far apart ("text in photos") state nothing."""
    from pt_recommender.catalog.schema import Task
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import en_tokens

    tasks = {"gen": Task("gen", "Image Generation", "gen", aliases=("text-to-image",)),
             "vl": Task("vl", "Vision and Language", "mm", aliases=("image-text models",))}
    m = TaskMatcher(tasks)

    def found(q: str) -> set[str]:
        return set(m.match(en_tokens(q), q))

    assert found("open source text-to-image model") == {"gen"}
    assert found("an image-text model") == {"vl"}
    assert found("a model reading the text in images") == {"vl"}  # no conversion said


def test_a_chinese_task_name_matches_with_de_between_its_parts() -> None:
    """下棋的AI says what 下棋AI says: the attributive 的 does not break a Chinese task name."""
    from pt_recommender.catalog.schema import Task
    from pt_recommender.ranking.taxonomy import TaskMatcher

    m = TaskMatcher({"game": Task("game", "Game Playing", "rl", asked_as_zh=("下棋AI",))})
    assert set(m.match([], "训练一个下棋的AI")) == {"game"}
    assert set(m.match([], "训练一个下棋AI")) == {"game"}
    assert not m.match([], "下雨的AI")


def test_each_half_of_a_compound_task_name_names_it() -> None:
    """"Image Retrieval and Similarity Search": a query saying either half names the task; a
    one-word half ("Depth" of "Depth and Stereo Estimation") is too loose to."""
    from pt_recommender.catalog.schema import Task
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import en_tokens

    tasks = {"ret": Task("ret", "Image Retrieval and Similarity Search", "cv", name_zh="图像检索与相似图搜索"),
             "dep": Task("dep", "Depth and Stereo Estimation", "cv")}
    m = TaskMatcher(tasks)
    assert set(m.match(en_tokens("image retrieval"), "image retrieval")) == {"ret"}
    assert set(m.match(en_tokens("fast similarity search"), "fast similarity search")) == {"ret"}
    assert set(m.match([], "图像检索")) == {"ret"}
    assert set(m.match(en_tokens("stereo estimation"), "stereo estimation")) == {"dep"}
    assert not m.match(en_tokens("depth of the network"), "depth of the network")


def _voting_sheet(scores: list[float]) -> steps.Sheet:
    sh = steps.Sheet.empty(1, np.arange(len(scores)), np.ones(len(scores), dtype=bool))
    sh.total[0] = scores
    sh.candidate[0] = True
    sh.evidence[0] = True
    return sh


def test_consensus_is_the_task_the_best_results_share_and_needs_a_clear_share() -> None:
    """The best five vote (first task 1, second 0.5, times the score); a split vote elects none."""
    tasks = {0: ("pose",), 1: ("pose", "detection"), 2: ("detection",), 3: ("pose",), 4: ("faces",), 5: ("pose",)}
    sh = _voting_sheet([1.0, 0.9, 0.8, 0.7, 0.6, 0.1])
    assert steps.consensus_task(sh, 0, tasks.__getitem__, 5, 0.4) == "pose"
    assert steps.consensus_task(sh, 0, tasks.__getitem__, 5, 0.9) is None  # pose has ~0.65 of the vote
    split = {0: ("a",), 1: ("b",), 2: ("c",), 3: ("d",), 4: ("e",), 5: ("a",)}
    assert steps.consensus_task(sh, 0, split.__getitem__, 5, 0.4) is None
    sh.evidence[0, :2] = False  # rows without evidence do not vote
    assert steps.consensus_task(sh, 0, tasks.__getitem__, 2, 0.4) == "detection"


def test_a_clear_leader_is_not_outvoted_by_a_cluster_of_weak_matches() -> None:
    """With scores raised to a power, one strong match (an exact API tutorial) outweighs four weak
    ones that share a task among themselves (agent libraries matching "call" and "tracing"); with
    plain scores the weak cluster elects its task."""
    tasks = {0: ("distributed",), 1: ("agents",), 2: ("agents",), 3: ("agents",), 4: ("agents",)}
    sh = _voting_sheet([2.1, 0.85, 0.65, 0.6, 0.6])
    assert steps.consensus_task(sh, 0, tasks.__getitem__, 5, 0.4, power=1.0) == "agents"
    assert steps.consensus_task(sh, 0, tasks.__getitem__, 5, 0.4, power=4.0) == "distributed"
    # results of like strength still elect the task they share
    even = _voting_sheet([1.0, 0.95, 0.9, 0.9, 0.85])
    assert steps.consensus_task(even, 0, tasks.__getitem__, 5, 0.4, power=4.0) == "agents"


def test_consensus_lifts_only_what_a_leg_found() -> None:
    sh = _voting_sheet([1.0, 0.5, 0.4, 0.3])
    sh.candidate[0, 3] = False  # a pick no leg found stays out
    filed = np.array([False, True, False, False])
    steps.add_consensus(sh, 0, filed, [2, 3], w_task=0.1, w_pick=0.5, task="pose")
    assert np.allclose(sh.total[0], [1.0, 0.6, 0.9, 0.3])
    assert sh.voted[0] == {2: "pose"}  # its reason names the task; the pick left out is not recorded


def test_a_consensus_lift_reorders_the_page_without_shortening_it() -> None:
    """The floor is a share of the best score from before the lift: lifting the first result
    must not push the last one off the page."""
    sh = _voting_sheet([1.0, 0.5, 0.45, 0.35])
    before = steps.best_scores(sh, require_evidence=True)
    steps.add_consensus(sh, 0, np.zeros(4, dtype=bool), [0], w_task=0.0, w_pick=0.3, task="pose")
    assert [c for c, _ in steps.select(sh, 0.33, [[]], 0.0, 10, True)[0]] == [0, 1, 2]  # 0.35 < 0.33 x 1.3
    kept = steps.select(sh, 0.33, [[]], 0.0, 10, True, reference=before)[0]
    assert [c for c, _ in kept] == [0, 1, 2, 3]


def test_a_consensus_pick_says_which_task_the_description_points_to() -> None:
    from pt_recommender.ranking.explain import Explanation

    e = Explanation(type="library", pick_voted=("Super-Resolution", "超分辨率"))
    assert "“Super-Resolution”, the task your description points to" in e.render("en")
    assert "“超分辨率”" in e.render("zh") and "你描述的需求" in e.render("zh")
    named = Explanation(type="library", pick_for=("Pose", "姿态"), pick_voted=("Faces", "人脸"))
    assert "you named" in named.render("en") and "Faces" not in named.render("en")  # a named task wins


def test_conversions_are_read_with_their_direction() -> None:
    from pt_recommender.catalog.schema import Task
    from pt_recommender.ranking.taxonomy import conversions, reversed_tasks

    tasks = {t.id: t for t in (
        Task("asr", "Speech Recognition", "audio", aliases=("speech to text",)),
        Task("tts", "Text-to-Speech", "audio", aliases=("text to audio",)),
        Task("both", "Speech Toolkits", "audio", aliases=("text-to-speech",)),
        Task("caption", "Image Captioning", "cv", aliases=("image to text",)),
    )}
    known = conversions(tasks)
    assert known[("text", "speech")] == {"tts", "both"} and known[("speech", "text")] == {"asr"}
    assert reversed_tasks("Speech-to-text for meetings", known) == ({"tts", "both"}, {"asr"})
    assert reversed_tasks("text to speech", known) == ({"asr"}, {"tts", "both"})
    # both directions asked for: neither is the opposite of the query
    assert reversed_tasks("speech to text and text to speech", known)[0] == frozenset()
    assert reversed_tasks("image to text", known) == (frozenset(), {"caption"})  # nothing states the reverse
    assert reversed_tasks("speech and text", known) == (frozenset(), frozenset())


def test_b_from_a_states_the_conversion_a_to_b() -> None:
    """"Pictures from a text description" asks for text to image, not image to text, in task
    matching and in the opposite-direction rule alike."""
    from pt_recommender.catalog.schema import Task
    from pt_recommender.ranking.taxonomy import TaskMatcher, reversed_tasks
    from pt_recommender.text.lang import en_tokens

    tasks = {t.id: t for t in (
        Task("gen", "Image Generation", "cv", aliases=("text-to-image",)),
        Task("caption", "Image Captioning", "cv", aliases=("image to text",)),
        Task("asr", "Speech Recognition", "audio", aliases=("speech to text",)),
        Task("tts", "Speech Synthesis", "audio", aliases=("text to speech",)),
    )}
    m = TaskMatcher(tasks)

    def matched(q: str) -> set[str]:
        return set(m.match(en_tokens(q), q))

    assert matched("generate pictures of furniture from a text description") == {"gen"}
    assert matched("an image from text") == {"gen"}  # in the caption phrase's order, but reversed by "from"
    assert matched("captions from images") == {"caption"}
    assert matched("make speech from text") == {"tts"}
    assert matched("image to text") == {"caption"}  # the plain order still reads as before
    assert reversed_tasks("pictures from a text description", m.conversions) == ({"caption"}, {"gen"})
    assert reversed_tasks("speech from text", m.conversions) == ({"asr"}, {"tts"})
    assert reversed_tasks("speech and text from the web", m.conversions) == (frozenset(), frozenset())


def test_a_task_name_then_model_at_the_end_asks_for_models() -> None:
    """"semantic segmentation model" / 目标检测模型 ask for model cards of the task; "model"
    mid-sentence, owned, or after a word that is not the end of a task's name does not."""
    from pt_recommender.catalog.schema import Task
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    tasks = {t.id: t for t in (
        Task("det", "Object Detection", "cv", name_zh="目标检测"),
        Task("lm", "Language Modeling", "nlp", aliases=("language model",)),
        Task("train", "Distributed Training", "dist", name_zh="分布式训练"),
    )}
    m = TaskMatcher(tasks)
    g = Glossary([("模型", "model"), ("切分", "split"), ("怎么", "how to"), ("目标检测", "object detection"),
                  ("分布式训练", "distributed training")])

    def intent(q: str) -> set[str]:
        return set(analyse(q, g, m).intent)

    assert intent("object detection model") == {"model"}
    assert intent("目标检测模型") == {"model"}
    assert intent("object detection model?") == {"model"}
    assert intent("an object detection model for drones") == set()  # not the head noun at the end
    assert intent("my object detection model") == set()  # the user's own
    assert intent("my LSTM language model") == set()  # "model" is part of the task's name
    assert intent("distributed training, how to model") == set()  # words between
    assert intent("分布式训练怎么切分模型") == set()
    # which model to take is a question about the approach, not an ask for model cards
    assert intent("目标检测用什么模型好") == set()
    assert intent("目标检测选哪个模型") == set()


def test_a_chinese_name_inside_a_longer_one_yields_to_it() -> None:
    """语音 (the audio area) inside 语音识别 (speech recognition) names the longer thing only,
    as "segmentation" yields to "semantic segmentation" in English; apart, both count."""
    from pt_recommender.catalog.schema import Area, Task
    from pt_recommender.ranking.taxonomy import TaskMatcher

    m = TaskMatcher({"asr": Task("asr", "Speech Recognition", "audio", name_zh="语音识别")},
                    {"audio": Area("audio", "Audio and Speech", name_zh="音频", aliases_zh=("语音",))})
    assert set(m.match([], "语音识别")) == {"asr"}
    assert set(m.match([], "语音识别工具")) == {"asr"}
    assert set(m.match([], "语音 数据增强，顺便做语音识别")) == {"asr", "area:audio"}


def test_a_task_word_in_another_sense_names_no_task() -> None:
    """"translate my PyTorch code to JAX" ports code and "random translation and rotation" shifts
    pixels: neither names machine translation, while "translate product reviews" and "translation
    code" (code for a translator) still do; "brand voice" is a way of writing, "voice notes" audio."""
    from pt_recommender.catalog.schema import Area, Task
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    m = TaskMatcher({"mt": Task("mt", "Machine Translation", "nlp", aliases=("translation",), aliases_zh=("翻译",))},
                    {"audio": Area("audio", "Audio and Speech", aliases=("voice",))})
    g = Glossary([("代码", "code"), ("翻译", "translation"), ("评论", "reviews")])

    def tasks(q: str) -> set[str]:
        return set(analyse(q, g, m).tasks)

    assert tasks("translate my PyTorch code to JAX") == set()
    assert tasks("random translation and rotation of the images") == set()
    assert tasks("把 PyTorch 代码翻译成 JAX") == set()
    assert tasks("translate product reviews into German") == {"mt"}
    assert tasks("seq2seq translation code example") == {"mt"}
    assert tasks("把评论翻译成英文") == {"mt"}
    assert tasks("fine-tune it to write in our brand voice") == set()
    assert tasks("sort incoming voice notes by topic") == {"area:audio"}


def test_a_task_named_by_its_parts_together_replaces_them() -> None:
    """A translation asked of recordings is speech translation (`Task.combines`): machine
    translation plus the audio area, or plus any audio task, names it instead of machine
    translation; either part alone names what it always did."""
    from pt_recommender.catalog.schema import Area, Task
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    m = TaskMatcher({t.id: t for t in (
        Task("mt", "Machine Translation", "nlp", aliases=("translation",)),
        Task("asr", "Speech Recognition", "audio", aliases=("transcription",)),
        Task("st", "Speech Translation", "audio", combines=("mt", "area:audio")),
    )}, {"audio": Area("audio", "Audio and Speech", aliases=("voicemail",))})
    g = Glossary([])

    def tasks(q: str) -> set[str]:
        return set(analyse(q, g, m).tasks)

    assert tasks("translation of voicemails into English") == {"st", "area:audio"}
    assert tasks("one model, no separate transcription and translation") == {"st", "asr"}
    assert tasks("translation of product pages") == {"mt"}
    assert tasks("transcription of voicemails") == {"asr", "area:audio"}
    assert analyse("translation of voicemails", g, m).gave_way == {"mt"}
    assert not analyse("translation of product pages", g, m).gave_way
    # named itself beside its parts, it still stands for them
    assert tasks("speech translation: translation of voicemails") == {"st", "area:audio"}


def test_a_chinese_name_inside_a_longer_word_yields_to_the_words_task() -> None:
    """显著性目标检测 renders as "salient object detection": the 目标检测 inside it is no object
    detection query, as "object detection" yields to "salient object detection" in English."""
    from pt_recommender.catalog.schema import Task
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    m = TaskMatcher({t.id: t for t in (
        Task("det", "Object Detection", "cv", name_zh="目标检测"),
        Task("sod", "Background Removal", "cv", aliases=("salient object detection",)),
    )})
    g = Glossary([("显著性目标检测", "salient object detection"), ("目标检测", "object detection")])
    assert set(analyse("显著性目标检测 模型", g, m).tasks) == {"sod"}
    assert set(analyse("目标检测 模型", g, m).tasks) == {"det"}


def test_a_task_converting_against_the_stated_way_is_not_named() -> None:
    """语音合成 read as "speech synthesis text-to-speech" holds "speech ... text" in order, but the
    query states text to speech: speech recognition is its opposite, not a task it names."""
    from pt_recommender.catalog.schema import Task
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    m = TaskMatcher({t.id: t for t in (
        Task("asr", "Speech Recognition", "audio", aliases=("speech to text",)),
        Task("tts", "Speech Synthesis", "audio", aliases=("text to speech",)),
    )})
    g = Glossary([("语音合成", "speech synthesis text-to-speech")])
    q = analyse("语音合成", g, m)
    assert set(q.tasks) == {"tts"} and q.opposite == {"asr"}
    both = analyse("speech to text and text to speech", g, m)
    assert set(both.tasks) == {"asr", "tts"} and not both.opposite


def test_a_chinese_type_word_the_reader_owns_or_describes_asks_for_nothing() -> None:
    """数据集太小 (the reader's dataset is too small) and 我的模型 are context, as "the dataset is 40TB"
    and "my model" are in English; 目标检测数据集 still asks for datasets. And 数据集, a type word, is
    no half of a task's Chinese name (数据加载与数据集) that every dataset query would name."""
    from pt_recommender.catalog.schema import Task
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    tasks = {t.id: t for t in (Task("det", "Object Detection", "cv", name_zh="目标检测"),
                               Task("data", "Data Loading and Datasets", "data", name_zh="数据加载与数据集"))}
    m = TaskMatcher(tasks)
    g = Glossary([("数据集", "dataset"), ("模型", "model"), ("模型们", "models"), ("数据增强", "data augmentation"),
                  ("目标检测", "object detection"), ("过拟合", "overfitting"), ("教程", "tutorial")])

    def intent(q: str) -> set[str]:
        return set(analyse(q, g, m).intent)

    assert intent("数据集太小，想做数据增强") == set()
    assert intent("我的数据集老是加载很慢") == set()
    assert intent("数据集里类别不平衡怎么处理") == set()  # placed: in the reader's dataset
    assert intent("模型中的注意力怎么可视化") == set()
    assert intent("checkpointing and benchmarking are slow") == set()  # -ing: an activity, not a kind
    assert intent("目标检测数据集") == {"dataset"}
    assert intent("数据集太小，有没有目标检测的公开数据集") == {"dataset"}  # asked for the second time
    assert intent("目标检测教程") == {"tutorial", "course", "book"}  # 教程: any learning material
    assert set(analyse("目标检测数据集", g, m).tasks) == {"det"}
    assert "data" in analyse("数据加载太慢", g, m).tasks


def test_neighbours_lift_what_resembles_the_best_results() -> None:
    """Columns 2 and 3 score alike; 3 points where the two best results point, so it moves
    above 2. A candidate no leg found gains nothing, and a query with one result is left alone."""
    vecs = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [0.9, 0.44], [1.0, 0.0]], dtype=np.float32)
    sh = _voting_sheet([1.0, 0.9, 0.5, 0.49, 0.0])
    sh.candidate[0, 4] = False
    steps.add_neighbours(sh, vecs.__getitem__, top=2, weight=0.2)
    assert sh.total[0, 3] > sh.total[0, 2] and sh.total[0, 4] == 0.0
    assert np.isclose(sh.total[0, 2], 0.5)  # the least similar candidate gains nothing
    one = _voting_sheet([1.0, 0.2])
    one.evidence[0, 1] = False
    steps.add_neighbours(one, vecs.__getitem__, top=2, weight=0.2, require_evidence=True)
    assert np.allclose(one.total[0], [1.0, 0.2])


def test_a_model_family_holds_two_places_while_other_models_are_worth_showing() -> None:
    """ResNet, resnet50, resnet101, then ViT: the third ResNet trades places with ViT (a model of
    another family scoring at least min_relative of it); a library's place is never touched; a
    query naming the family keeps all; a family that is all there is keeps its places."""
    from pt_recommender.ranking.pipeline import one_per_family

    types = ["model", "model", "model", "model", "library", "model"]
    family = {1: 0, 2: 0, 5: 3}  # 0: ResNet, 1-2 its variants; 3: ViT, 5 its variant; 4 a library
    best = [(0, 1.0), (1, 0.9), (2, 0.8), (4, 0.75), (3, 0.7), (5, 0.3)]
    got = one_per_family(best, family, types, lambda row: False, 2, 0.7)
    assert got == [(0, 1.0), (1, 0.9), (3, 0.7), (4, 0.75), (2, 0.8), (5, 0.3)]
    # the query names ResNet (or a variant): the variants are the answer
    assert one_per_family(best, family, types, lambda row: row == 2, 2, 0.7) == best
    # ViT scores under min_relative of the third ResNet: nothing worth showing instead
    weak = [(0, 1.0), (1, 0.9), (2, 0.8), (4, 0.75), (3, 0.5), (5, 0.3)]
    assert one_per_family(weak, family, types, lambda row: False, 2, 0.7) == weak
    # the family card keeps its place even after two of its variants
    card_last = [(1, 1.0), (2, 0.9), (0, 0.8), (3, 0.7)]
    assert one_per_family(card_last, family, types, lambda row: False, 2, 0.7) == card_last
    # only one family on the page: its places stay
    alone = [(0, 1.0), (1, 0.9), (2, 0.8), (4, 0.75)]
    assert one_per_family(alone, family, types, lambda row: False, 2, 0.7) == alone


def test_a_task_phrase_needs_its_words_close_together() -> None:
    """A long story that holds "few", "label" and "image" thirty words apart names no task
    phrase; the same words within a few of each other do, in any order; a token read off the
    whole query ("few" for "only 50 labelled images") counts wherever it stands."""
    from pt_recommender.ranking.taxonomy import PHRASE_SLACK, _close

    phrase = frozenset({"few", "label", "imag"})
    near = {"label": [3], "imag": [4], "few": [2]}
    assert _close(phrase, near)
    far = {"few": [0], "label": [5 + PHRASE_SLACK], "imag": [30]}
    assert not _close(phrase, far)
    assert _close(phrase, {"label": [3], "imag": [5]})  # "few" given anywhere: no position
    assert _close(frozenset({"segment"}), {"segment": [9]})


def test_a_thing_left_behind_goes_down_the_page() -> None:
    """lower_left takes `weight` times the query's best score off the named columns only."""
    sh = _sheet_with([1.0, 0.5, 0.0], [0, 1, 2], n=4, queries=2)
    before = sh.total.copy()
    steps.lower_left(sh, 0, np.array([0]), 0.5)
    assert sh.total[0, 0] == 0.5 and sh.total[0, 1] == before[0, 1] and (sh.total[1] == before[1]).all()
    steps.lower_left(sh, 1, np.array([], dtype=np.int64), 0.5)  # nothing named: nothing moves
    assert (sh.total[1] == before[1]).all()


def test_names_of_what_the_user_leaves_behind() -> None:
    """The words on the cue's side of its clause, not the thing wanted ("torch.compile instead
    of TorchScript" leaves TorchScript) nor words of another clause."""
    from pt_recommender.ranking.query import left_names

    assert left_names("use torch.compile instead of TorchScript") == ("torchscript",)
    assert "mnist" in left_names("something a bit harder than MNIST, same 28x28 format")
    assert "coco" in left_names("COCO's 80 classes are too narrow for us. Pretrain on what?")
    assert "bitsandbytes" in left_names("想把权重压到 int4，可 bitsandbytes 要 CUDA 用不了")
    assert "wandb" in left_names("wandb 在国内太慢了，有没有国产替代")
    assert "weightsbiases" in left_names("an alternative to Weights & Biases that runs offline")
    assert left_names("MNIST digit classifier with torch.compile") == ()
    assert "mnist" not in left_names("train on MNIST, but I want something faster than AdamW")
    assert "megatron" in left_names("a small pretraining codebase to read, not Megatron's giant one")
    assert left_names("this is not working with DataLoader") == ()
    # a clause pointing back leaves what the clause before it ended with
    assert "dgl" in left_names("our GNN code is written against DGL, which went into maintenance mode")
    assert "basicsr" in left_names("we load checkpoints through BasicSR, which nobody maintains anymore")
    assert "ffcv" in left_names("we converted ImageNet to FFCV files, but that project stalled")
    assert left_names("the training stalled after two epochs, which optimizer now?") == ()
    assert left_names("torchtext is dead, my pipeline used its tokenizers") == ("torchtext",)
    assert "vissl" in left_names("VISSL got archived; where do SwAV recipes live now")
    assert left_names("dead neurons in my relu network") == ()


def test_what_a_chinese_reader_would_rather_not_use_asks_for_nothing() -> None:
    """不想上复杂的框架 ("I'd rather not bring in a complex framework") asks for no library, as
    "without rewriting it in another framework" in English; 识别 holds 别 but avoids nothing."""
    from pt_recommender.ranking.query import analyse
    from pt_recommender.ranking.taxonomy import TaskMatcher
    from pt_recommender.text.lang import Glossary

    g, m = Glossary([("框架", "framework"), ("复杂", "complex"), ("识别", "recognition"), ("用户", "users")]), \
        TaskMatcher({})
    assert "library" not in analyse("两张卡放模型，想简单点，不想上复杂的框架", g, m).intent
    assert "library" in analyse("两张卡放模型，有没有简单的框架", g, m).intent
    assert "library" in analyse("识别用户的框架", g, m).intent
