"""Score a pooled re-judging file: nDCG@10 of the before and after top-10s under the pooled grades.

    .venv/bin/python eval/pooled/score.py eval/pooled/stop45_catalog_additions.json

Why: a judged set marks a resource added after it was written as irrelevant, so adding good
resources reads as a loss there; grading the union of both answer lists, blind to which list a
resource came from, measures the change itself. Results are matched to grades by exact name, not
by the eval command's alias rule (`evaluate.alias_matches`): every candidate here is graded under
its own catalog name, and that rule would credit KTransformers with Transformers' grade.
"""

from __future__ import annotations

import json
import math
import sys


def ndcg(top: list[str], grades: dict[str, int]) -> float:
    dcg = sum((2 ** grades.get(n, 0) - 1) / math.log2(r + 2) for r, n in enumerate(top[:10]))
    ideal = sorted(grades.values(), reverse=True)[:10]
    idcg = sum((2 ** x - 1) / math.log2(r + 2) for r, x in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def main(path: str) -> None:
    qs = json.load(open(path, encoding="utf-8"))["queries"]
    before = [ndcg(q["before_top10"], q["grades"]) for q in qs]
    after = [ndcg(q["after_top10"], q["grades"]) for q in qs]
    up = sum(a > b + 0.01 for b, a in zip(before, after, strict=True))
    down = sum(a < b - 0.01 for b, a in zip(before, after, strict=True))
    print(f"{len(qs)} queries: nDCG@10 before {sum(before) / len(qs):.4f}, after {sum(after) / len(qs):.4f} "
          f"({up} up, {down} down by more than 0.01)")


if __name__ == "__main__":
    main(sys.argv[1])
