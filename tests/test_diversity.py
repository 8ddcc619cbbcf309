"""The diversity cap: a page of one kind only when the query asks for that kind."""

from __future__ import annotations

import math

from pt_recommender.config import Options
from pt_recommender.ranking.diversity import diversify

OPT = Options()
CAP = max(OPT.min_cap, math.ceil(10 * OPT.cap_share))  # at most this many of a kind on a page of 10


def page(kinds: list[str], scores: list[float], favoured: frozenset[str] = frozenset()) -> list[str]:
    ranked = list(enumerate(scores))
    return [kinds[row] for row, _ in diversify(ranked, kinds, 10, OPT, favoured)]


def test_no_unasked_kind_fills_the_page():
    kinds = ["library"] * 9 + ["paper"] * 4
    scores = [1.0 - 0.01 * i for i in range(13)]  # papers close behind the libraries
    got = page(kinds, scores)
    papers = min(4, 10 - CAP)  # the cap's room, as far as four papers fill it
    assert got.count("library") == 10 - papers and got.count("paper") == papers and CAP < 9
    assert got[:CAP] == ["library"] * CAP  # best first up to the cap


def test_asked_kind_may_fill_the_page():
    kinds = ["course"] * 9 + ["paper"] * 4
    scores = [1.0 - 0.01 * i for i in range(13)]
    assert page(kinds, scores, frozenset({"course"})).count("course") == 9


def test_cap_never_promotes_a_much_weaker_result():
    kinds = ["library"] * 9 + ["paper"]
    scores = [1.0 - 0.01 * i for i in range(9)] + [0.2]  # the paper is under 0.7 of the capped library
    got = page(kinds, scores)
    assert got[:9] == ["library"] * 9 and got[9] == "paper"


def test_order_is_kept_when_no_kind_reaches_the_cap():
    kinds = ["library", "paper", "library", "dataset", "model", "library", "paper", "api", "tutorial", "book"]
    scores = [1.0 - 0.05 * i for i in range(10)]
    ranked = list(enumerate(scores))
    assert diversify(ranked, kinds, 10, OPT) == ranked
