"""Shared fixtures: a small catalog copied per test and a recommender on the fake encoder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Property tests are derandomised by default, so CI gives the same verdict on every run;
# `HYPOTHESIS_PROFILE=random bash scripts/test.sh -m slow` explores new examples.
from hypothesis import settings

settings.register_profile("derandomized", derandomize=True, print_blob=True)
settings.register_profile("random", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "derandomized"))
FIXTURE = Path(__file__).parent / "fixtures" / "catalog"
ROOT = Path(__file__).resolve().parents[1]
QRELS = ROOT / "eval" / "dev_qrels.yaml"  # shipped in the repo (a copy of shared/eval)


# the fields every library entry must carry, for test probes appended to a catalog file
PROBE_TAIL = """  needs: ["markup escaping probe", "html must stay text", "a probe entry for tests"]
  needs_zh: ["转义探针", "标记按原文显示", "测试用探针条目"]
  maintenance: active
  evidence: [{kind: commit, url: "https://github.com/example/probe/commits/main", date: "2026-11-01", note: probe}]
  checked_on: "2026-11-30"
"""


def concurrent_results(rec, queries: list[str], k: int) -> list:
    """Each query answered by its own thread, all released at once by a barrier."""
    import threading

    out: list = [None] * len(queries)
    barrier = threading.Barrier(len(queries))

    def work(i: int) -> None:
        barrier.wait()
        out[i] = rec.recommend(queries[i], k=k)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(queries))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(FIXTURE, target)
    return target


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def fake_encoder():
    from pt_recommender.encoders import HashingEncoder

    return HashingEncoder()


@pytest.fixture
def rec(catalog_dir: Path, index_dir: Path, fake_encoder):
    from pt_recommender.recommender import Recommender

    return Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=fake_encoder)


@pytest.fixture(scope="session")
def real_index_dir(tmp_path_factory) -> Path:
    """A session index folder, so tests never write into the checkout's own `index/`. It starts
    from that index's model export and embeddings when they exist (`scripts/test.sh` builds it
    first, as the app command does): the session then builds its own generation in seconds, and
    each catalog text is embedded once per CI run, not once per index (the cache is keyed by model
    and text and checksummed, so a stale or damaged copy is re-embedded, never trusted)."""
    folder = tmp_path_factory.mktemp("real-index")
    for sub in ("models", "cache"):
        if (ROOT / "index" / sub).is_dir():
            shutil.copytree(ROOT / "index" / sub, folder / sub)
    return folder


@pytest.fixture(scope="session")
def real_recommender(real_index_dir: Path):
    """The shipped catalog with the real MiniLM encoder (slow: builds the index once)."""
    from pt_recommender.recommender import Recommender

    return Recommender.load(index_dir=real_index_dir)
