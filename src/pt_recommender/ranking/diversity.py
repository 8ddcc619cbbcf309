"""Type diversity: no kind of answer fills the page unless the query asks for that kind."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

from ..config import Options

DEFAULT = Options()


def diversify(ranked: Sequence[tuple[int, float]], types: Sequence[str], k: int, opt: Options = DEFAULT,
              favoured: frozenset[str] = frozenset()) -> list[tuple[int, float]]:
    """Best first, except that a kind the query did not ask for (`favoured`) takes at most
    `cap_share` of the page while another kind still has a result worth showing (at least
    `min_relative` of the capped kind's next score).

    A cap, not a discount: discounting every result of a kind past its first two (decay 0.9)
    traded relevant fourth and fifth libraries for weaker papers and scored below the cap alone
    out of fold (scripts/tune.py, grid "diversity-cap"). `ranked` is best first, so only the
    head of each kind's queue can be the next pick.
    """
    queues: dict[str, deque[tuple[int, float]]] = {}
    for item in ranked:
        queues.setdefault(types[item[0]], deque()).append(item)
    chosen: list[tuple[int, float]] = []
    seen: dict[str, int] = {}
    cap = max(opt.min_cap, math.ceil(k * opt.cap_share))
    order = {t: i for i, t in enumerate(queues)}  # tie-break: the kind that ranked first
    while queues and len(chosen) < k:
        open_kinds = [t for t in queues if t in favoured or seen.get(t, 0) < cap]
        best_capped = max((q[0][1] for t, q in queues.items() if t not in open_kinds), default=0.0)
        # the cap never promotes a much weaker result of another kind
        open_kinds = [t for t in open_kinds if queues[t][0][1] >= opt.min_relative * best_capped]
        best = max(open_kinds or queues, key=lambda t: (queues[t][0][1], -order[t]))
        chosen.append(queues[best].popleft())
        seen[best] = seen.get(best, 0) + 1
        if not queues[best]:
            del queues[best]
    return chosen
