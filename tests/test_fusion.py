"""Fusion helpers and the score sheet's cut."""

from __future__ import annotations

import numpy as np

from pt_recommender import scoring
from pt_recommender.fusion import min_max_array, rrf_array


def test_min_max_and_rrf() -> None:
    assert min_max_array(np.array([2.0, 4.0, 3.0])).tolist() == [0.0, 1.0, 0.5]
    assert min_max_array(np.array([5.0])).tolist() == [1.0]
    r = rrf_array(3)
    assert r[0] == 1.0 and r[0] > r[1] > r[2]


def test_select_floor_and_exact_name() -> None:
    sc = scoring.Scores.empty(np.ones(4, dtype=bool))
    scoring.add_leg(sc, "x", np.array([0, 1, 2]), np.array([1.0, 0.9, 0.1]), 1.0)
    ranked = scoring.select(sc, floor=0.3, exact=[], w_exact=1.0, n=10)
    assert [r for r, _ in ranked] == [0, 1]  # row 2 scored 0 after min-max: under the floor
    sc = scoring.Scores.empty(np.ones(4, dtype=bool))
    scoring.add_leg(sc, "x", np.array([0, 1]), np.array([1.0, 0.5]), 1.0)
    ranked = scoring.select(sc, floor=0.3, exact=[3], w_exact=1.0, n=10)
    assert ranked[0][0] == 0 and 3 in [r for r, _ in ranked]
