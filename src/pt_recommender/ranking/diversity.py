"""Type diversity: a page that mixes kinds of answer unless the query asks for one kind."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

from ..config import Options

DEFAULT = Options()


def diversify(ranked: Sequence[tuple[int, float]], types: Sequence[str], k: int, opt: Options = DEFAULT,
              favoured: frozenset[str] = frozenset()) -> list[tuple[int, float]]:
    """Greedy re-rank: past the first two of a type, each further one is discounted, and
    no type takes more than half of the page.

    Types the query asks for (`favoured`) are not discounted, so "courses to learn X"
    may fill the page with courses while "object detection" mixes kinds. `ranked` is best
    first, so only the head of each type's queue can be the next pick.
    """
    queues: dict[str, deque[tuple[int, float]]] = {}
    for item in ranked:
        queues.setdefault(types[item[0]], deque()).append(item)
    chosen: list[tuple[int, float]] = []
    seen: dict[str, int] = {}
    cap = max(opt.min_cap, math.ceil(k * opt.cap_share))
    order = {t: i for i, t in enumerate(queues)}  # tie-break: the type that ranked first
    while queues and len(chosen) < k:
        open_types = [t for t in queues if t in favoured or seen.get(t, 0) < cap]
        best_capped = max((q[0][1] for t, q in queues.items() if t not in open_types), default=0.0)
        # the cap never promotes a much weaker result of another type
        open_types = [t for t in open_types if queues[t][0][1] >= opt.min_relative * best_capped]
        open_types = open_types or list(queues)
        best_t, best_s = "", float("-inf")
        for t in open_types:
            n = seen.get(t, 0)
            s = queues[t][0][1]
            adj = s if t in favoured else s * opt.diversity_decay ** max(0, n - opt.free_per_type + 1)
            if adj > best_s or (adj == best_s and order[t] < order[best_t]):
                best_t, best_s = t, adj
        chosen.append(queues[best_t].popleft())
        seen[best_t] = seen.get(best_t, 0) + 1
        if not queues[best_t]:
            del queues[best_t]
    return chosen
