"""Index files: manifest, checksums, staleness, model mismatch, cache, both vector backends."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from pt_recommender.catalog import load_catalog_bundle
from pt_recommender.encoders import HashingEncoder
from pt_recommender.index.manifest import IndexProblem, check_index
from pt_recommender.index.store import build_index
from pt_recommender.index.vectors import FaissIndex, NumpyIndex
from pt_recommender.recommender import IndexNotReady, Recommender


def _live(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text().strip()


def test_manifest_lists_every_file_with_checksum(rec, index_dir: Path) -> None:
    gen = _live(index_dir)
    manifest = json.loads((gen / "manifest.json").read_text())
    assert manifest["model"] == "fake-hashing-256" and manifest["dim"] == 256
    assert manifest["count"] == len(rec.resources)
    assert set(manifest["files"]) == {p.name for p in gen.iterdir()} - {"manifest.json"}
    assert all(len(f["crc32"]) == 8 and f["bytes"] == (gen / name).stat().st_size
               for name, f in manifest["files"].items())


def test_missing_index_is_built_with_one_log_line(catalog_dir, index_dir, caplog) -> None:
    with caplog.at_level("WARNING", logger="pt_recommender"):
        Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder())
    lines = [r.getMessage() for r in caplog.records if "rebuilding index" in r.getMessage()]
    assert len(lines) == 1 and "no index" in lines[0]


def test_stale_catalog_rebuilds_or_refuses(rec, catalog_dir, index_dir, caplog) -> None:
    path = catalog_dir / "courses.yaml"
    path.write_text(path.read_text().replace("IBM course", "An IBM course"))
    with pytest.raises(IndexNotReady, match="catalog changed"):
        Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder(),
                         rebuild=False)
    with caplog.at_level("WARNING", logger="pt_recommender"):
        again = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder())
    assert any("catalog changed" in r.getMessage() for r in caplog.records)
    assert "An IBM course" in again.resource("course-ibm-coursera").description
    assert json.loads((_live(index_dir) / "manifest.json").read_text())["embedded_new"] == 1


def test_other_model_is_detected(rec, catalog_dir, index_dir) -> None:
    with pytest.raises(IndexNotReady, match="built with model 'fake-hashing-256'"):
        Recommender.load(data_dir=catalog_dir, index_dir=index_dir,
                         encoder=HashingEncoder(dim=128), rebuild=False)
    other = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder(dim=128))
    assert other.vectors.dim == 128


@pytest.mark.parametrize("damage", ["truncate", "empty", "flip"])
def test_corrupt_file_detected_before_reading(rec, catalog_dir, index_dir, damage) -> None:
    path = _live(index_dir) / "vectors.npy"  # an exact index is plain vectors, whatever the backend
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "empty":
        data = bytearray()
    else:
        data[len(data) // 3] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(IndexProblem, match="vectors.npy fails its checksum") as info:
        check_index(index_dir, "fake-hashing-256", None)
    assert info.value.kind == "checksum"
    fixed = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder())
    assert fixed.recommend("medical imaging", k=1)[0].name == "MONAI"


def test_embedding_cache_means_no_reembedding(catalog_dir, index_dir) -> None:
    catalog = load_catalog_bundle(catalog_dir)
    build_index(catalog, index_dir, HashingEncoder())
    gen = build_index(catalog, index_dir, HashingEncoder())
    assert json.loads((gen / "manifest.json").read_text())["embedded_new"] == 0


def test_builds_are_byte_for_byte_repeatable(catalog_dir, tmp_path: Path) -> None:
    """Two builds of one catalog in separate processes' worth of state (fresh folders, string
    hashing differs between runs) write the same bytes: only the manifest's build time differs."""
    import os
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from pt_recommender.catalog import load_catalog_bundle;"
            "from pt_recommender.config import Options; from pt_recommender.encoders import HashingEncoder;"
            "from pt_recommender.index.store import build_index; from pt_recommender.ranking.context import derive;"
            "c = load_catalog_bundle(Path(sys.argv[1]));"
            "build_index(c, Path(sys.argv[2]), HashingEncoder(),"
            " derived=derive(c.resources, c.tasks, Options(), c.areas, c.glossary))")
    sums = []
    for run, seed in enumerate(("1", "2")):
        out = tmp_path / f"ix{run}"
        subprocess.run([sys.executable, "-c", code, str(catalog_dir), str(out)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed})
        sums.append(json.loads((_live(out) / "manifest.json").read_text())["files"])
    assert sums[0] == sums[1]


def test_old_generations_pruned(catalog_dir, index_dir) -> None:
    catalog = load_catalog_bundle(catalog_dir)
    for _ in range(4):
        build_index(catalog, index_dir, HashingEncoder())
    assert len(list(index_dir.glob("gen-*"))) == 2


@pytest.mark.parametrize("backend", [NumpyIndex, FaissIndex])
def test_vector_backends_agree(backend, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    data = rng.normal(size=(50, 16)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    ref = NumpyIndex(16)
    ref.add(data)
    idx = backend(16)
    idx.add(data)
    idx.save(tmp_path / "v")
    loaded = backend.load(tmp_path / "v")
    s1, i1 = ref.search(data[:5], 7)
    s2, i2 = loaded.search(data[:5], 7)
    assert (i1 == i2).all() and np.allclose(s1, s2, atol=1e-5)
    assert len(loaded) == 50
    ids = np.array([7, 0, 49, 7])  # the neighbour step reads stored vectors back by id
    assert np.allclose(loaded.stored(ids), data[ids], atol=1e-6)


def test_numpy_backend_index_end_to_end(catalog_dir, index_dir) -> None:
    r = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder(),
                         backend="numpy")
    assert (_live(index_dir) / "vectors.npy").is_file()
    assert r.recommend("medical imaging", k=1)[0].name == "MONAI"


def test_no_pickle_on_load_path() -> None:
    src = Path(__file__).resolve().parents[1] / "src" / "pt_recommender"
    for path in src.glob("*.py"):
        text = path.read_text()
        assert "import pickle" not in text and "pickle.load" not in text, path
        assert "allow_pickle=True" not in text, path


def _clustered(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, dim))
    data = centres[rng.integers(0, 40, n)] + rng.normal(0, 0.6, (n, dim))
    return (data / np.linalg.norm(data, axis=1, keepdims=True)).astype(np.float32)


def test_vector_index_kind_follows_catalog_size(tmp_path: Path) -> None:
    """Small catalogs get exact search; above the threshold an HNSW graph whose recall@10
    against exact search was measured at build (and survives a save and load)."""
    from pt_recommender.index.vectors import build_vectors

    data = _clustered(3000)
    exact, info = build_vectors("faiss", data, exact_max=5000)
    # exact search is plain NumPy whatever the backend: a query never needs FAISS for it
    assert info == {"kind": "exact", "file": "vectors.npy"} and len(exact) == 3000
    assert isinstance(exact, NumpyIndex)
    graph, info = build_vectors("faiss", data, exact_max=1000)
    assert info["kind"] == "hnsw" and info["recall_at_10"] >= 0.95 and info["recall_sample"] == 200
    assert info["file"] == "vectors.faiss"
    graph.save(tmp_path / "v")
    loaded = FaissIndex.load(tmp_path / "v")
    s1, i1 = graph.search(data[:5], 10)
    s2, i2 = loaded.search(data[:5], 10)
    assert (i1 == i2).all() and (i1[:, 0] == np.arange(5)).all()
    _, info = build_vectors("faiss", data, exact_max=1000, half_above=2000)
    assert info["kind"] == "hnsw-fp16" and info["recall_at_10"] >= 0.95
    _, info = build_vectors("numpy", data, exact_max=1000)
    assert info == {"kind": "exact", "file": "vectors.npy"}  # the NumPy backend is the exact reference


def test_vector_index_under_the_recall_floor_is_refused() -> None:
    from pt_recommender.index.vectors import build_vectors

    with pytest.raises(ValueError, match="recall@10"):
        build_vectors("faiss", _clustered(3000), exact_max=1000, min_recall=1.01, target_recall=1.01)


def test_manifest_records_the_vector_index(catalog_dir, index_dir) -> None:
    Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder())
    manifest = json.loads((_live(index_dir) / "manifest.json").read_text())
    assert manifest["vector_index"] == {"kind": "exact", "file": "vectors.npy"}


@pytest.mark.parametrize(("scratch", "sort_below"), [(1 << 22, 32), (64, 32), (1 << 22, 10**9), (1 << 22, 0)])
def test_bm25_top_k_equals_the_full_scores(scratch, sort_below, monkeypatch) -> None:
    """top_batch (postings only, sorted or summed in a dense scratch) returns exactly the best
    k of the full score matrix, ties to the lower row, with a type filter too."""
    from pt_recommender.index import lexical

    monkeypatch.setattr(lexical, "SCRATCH_CELLS", scratch)
    monkeypatch.setattr(lexical, "SORT_BELOW", sort_below)
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(30)]
    docs = [list(rng.choice(words, size=int(rng.integers(1, 8)))) for _ in range(400)]
    docs += [["w1", "w2"]] * 20  # exact ties
    lex = lexical.LexicalIndex(docs)
    queries = [list(rng.choice(words, size=3)) for _ in range(25)] + [["w1", "w2"], [], ["nope"]]
    full = lex.score_batch(queries)
    keep_rows = rng.random(lex.size) < 0.6
    for allowed in (None, keep_rows):
        s = full if allowed is None else np.where(allowed[None, :], full, 0)
        for k in (5, 50):
            top = np.argsort(-s, axis=1, kind="stable")[:, :k]
            want = np.take_along_axis(s, top, axis=1)
            test = None if allowed is None else allowed.__getitem__
            rows, vals, keep = lex.top_batch(queries, k, test)
            assert (keep == (want > 0)).all()
            assert (np.where(keep, rows, -1) == np.where(want > 0, top, -1)).all()
            assert (vals[keep] == want[want > 0]).all()


def test_bm25_weights_equal_bm25s_bit_for_bit() -> None:
    """The NumPy build gives every (token, document) the weight bm25s gives it, to the bit
    (bm25s, a dev dependency, is the reference implementation of Lucene's BM25)."""
    bm25s = pytest.importorskip("bm25s")
    from pt_recommender.index.lexical import LexicalIndex

    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(200)] + ["图像", "分割"]
    docs = [list(rng.choice(words, size=int(rng.integers(0, 60)))) for _ in range(300)]
    ours = LexicalIndex.index_arrays(docs)
    ref = bm25s.BM25()
    ref.index([d or ["<empty>"] for d in docs], show_progress=False)
    ptr, ids = ref.scores["indptr"], {t: i for i, t in enumerate(ours["vocab"])}
    assert set(ids) == {t for t, i in ref.vocab_dict.items() if i < len(ptr) - 1 and ptr[i + 1] > ptr[i]}
    for token, i in ref.vocab_dict.items():
        if i >= len(ptr) - 1 or ptr[i + 1] == ptr[i]:
            continue
        want = sorted(zip(ref.scores["indices"][ptr[i]:ptr[i + 1]].tolist(),
                          np.asarray(ref.scores["data"][ptr[i]:ptr[i + 1]], dtype=np.float32).view(np.uint32).tolist(),
                          strict=True))
        a, b = ours["indptr"][ids[token]], ours["indptr"][ids[token] + 1]
        got = sorted(zip(ours["docs"][a:b].tolist(), ours["weights"][a:b].view(np.uint32).tolist(), strict=True))
        assert got == want, token


def test_saved_resources_load_equal_and_frozen(catalog_dir) -> None:
    """The fast loader gives records equal to the catalog's, still frozen; a partial record
    (an older build) goes through the constructor."""
    from dataclasses import FrozenInstanceError, asdict

    from pt_recommender.index.store import _resource

    for r in load_catalog_bundle(catalog_dir).resources:
        saved = json.loads(json.dumps(asdict(r)))
        got = _resource(saved)
        assert got == r and hash(got) == hash(r)
        with pytest.raises(FrozenInstanceError):
            got.name = "x"  # type: ignore[misc]
        saved.pop("needs_zh")
        assert _resource(saved).needs_zh == ()


# The BM25 postings saved in an index generation depend on how text is tokenised: a change to the
# tokeniser must bump index.manifest.FORMAT_VERSION so existing indexes rebuild, and then record
# the new fingerprint here.
TOKENISER_FINGERPRINTS = {6: "0be3a6ef6ea9c809", 7: "0be3a6ef6ea9c809", 8: "878c697f0428b627",
                          9: "878c697f0428b627", 10: "878c697f0428b627",
                          11: "878c697f0428b627", 12: "878c697f0428b627",
                          13: "878c697f0428b627", 14: "878c697f0428b627",
                          15: "878c697f0428b627", 16: "878c697f0428b627",
                          17: "878c697f0428b627", 18: "878c697f0428b627",
                          19: "878c697f0428b627", 20: "878c697f0428b627",
                          21: "878c697f0428b627", 22: "878c697f0428b627",
                          23: "878c697f0428b627"}
# 9, 11-23: words the sample lacks (19: a new ranking column; 20: more successor edges; 21: the
# English-only column; 22: the BM25 vocabulary saved as an array; 23: resources.json's row spans)


def test_a_tokeniser_change_comes_with_a_new_index_format() -> None:
    import hashlib

    from pt_recommender.index.manifest import FORMAT_VERSION
    from pt_recommender.text.lang import lexical_tokens

    sample = ("13B model doesn't fit at batch size 1 on 8 A100s; chest x-ray, 4-bit, top-1 85.8%, C++, "
              "Fine-Tuning pretrained U-Net 三维点云分割 推理加速")
    got = hashlib.sha256(" ".join(lexical_tokens(sample)).encode()).hexdigest()[:16]
    assert TOKENISER_FINGERPRINTS.get(FORMAT_VERSION) == got, (
        f"tokens changed (fingerprint {got}): bump FORMAT_VERSION and record it here")


def test_exact_search_of_a_query_does_not_depend_on_its_batch() -> None:
    rng = np.random.default_rng(3)
    data = rng.normal(size=(700, 64)).astype(np.float32)
    index = NumpyIndex(64)
    index.add(data)
    queries = rng.normal(size=(40, 64)).astype(np.float32)
    sims, rows = index.search(queries, 25)
    for i in range(len(queries)):
        s1, r1 = index.search(queries[i:i + 1], 25)
        assert (r1[0] == rows[i]).all() and (s1[0] == sims[i]).all()  # bit for bit


def test_bm25_document_cache_equals_fresh_tokenising_and_never_trusts_damage(catalog_dir, tmp_path) -> None:
    """A rebuild reads unchanged resources' BM25 documents; the derived arrays equal a fresh
    derive, a renamed task re-tokenises its resources, and a damaged cache file is ignored."""
    from dataclasses import replace

    from pt_recommender.catalog import load_catalog_bundle
    from pt_recommender.config import Options
    from pt_recommender.index.doc_cache import FILE, DocCache, doc_key
    from pt_recommender.ranking.context import derive

    cat = load_catalog_bundle(catalog_dir)
    opt = Options()

    def same(a: dict, b: dict) -> bool:
        return all(np.array_equal(a["lexical"][k], b["lexical"][k]) if isinstance(a["lexical"][k], np.ndarray)
                   else a["lexical"][k] == b["lexical"][k] for k in a["lexical"])

    fresh = derive(cat.resources, cat.tasks, opt)
    cache = tmp_path / "cache"
    assert same(derive(cat.resources, cat.tasks, opt, doc_cache=cache), fresh)
    assert same(derive(cat.resources, cat.tasks, opt, doc_cache=cache), fresh)  # read back
    weights = (opt.name_weight, opt.task_weight, opt.needs_weight)
    assert all(doc_key(r, cat.tasks, weights) in DocCache(cache).docs for r in cat.resources)

    tid = cat.resources[0].tasks[0]
    renamed = {**cat.tasks, tid: replace(cat.tasks[tid], name="Renamed Task Zebra")}
    assert doc_key(cat.resources[0], renamed, weights) != doc_key(cat.resources[0], cat.tasks, weights)
    assert same(derive(cat.resources, renamed, opt, doc_cache=cache), derive(cat.resources, renamed, opt))

    blob = bytearray((cache / FILE).read_bytes())
    at = blob.index(b'"', 70)  # inside the JSON, past the checksum line
    blob[at + 1] = ord("#")
    (cache / FILE).write_bytes(bytes(blob))
    assert DocCache(cache).docs == {}
    assert same(derive(cat.resources, cat.tasks, opt, doc_cache=cache), fresh)


def test_postings_from_token_ids_equal_postings_from_tokens() -> None:
    """A rebuild hands the index ids into a vocabulary in arrival order, with tokens no document
    uses any more: the arrays must equal a build from the tokens themselves."""
    from pt_recommender.index.lexical import LexicalIndex

    rng = np.random.default_rng(11)
    words = [f"w{i}" for i in range(120)] + ["图像", "分割", "<empty>"]
    docs = [list(rng.choice(words[:-1], size=int(rng.integers(1, 40)))) for _ in range(200)] + [["<empty>"]]
    vocab = list(rng.permutation(words)) + ["unused", "gone"]
    ids = {t: i for i, t in enumerate(vocab)}
    ours = LexicalIndex.index_arrays_from_ids([np.array([ids[t] for t in d], dtype=np.int32) for d in docs], vocab)
    ref = LexicalIndex.index_arrays(docs[:-1] + [[]])
    assert ours["vocab"] == ref["vocab"] and ours["size"] == ref["size"]
    for key in ("indptr", "docs", "weights"):
        assert np.array_equal(ours[key], ref[key])


def test_exact_search_top_k_equals_a_stable_full_sort_even_with_ties() -> None:
    """The partial selection must give what the full stable sort gave: the same rows, ties by
    position (a fixed seed over many small tied score vectors)."""
    import numpy as np

    from pt_recommender.index.vectors import _top

    rng = np.random.default_rng(7)
    for _ in range(500):
        n = int(rng.integers(1, 60))
        k = int(rng.integers(1, n + 1))
        scores = rng.integers(0, 5, size=n).astype(np.float32)
        assert _top(scores, k).tolist() == np.argsort(-scores, kind="stable")[:k].tolist()


def test_a_generation_parses_only_the_rows_it_shows(catalog_dir, tmp_path) -> None:
    """resources.json holds one record per line; a loaded index parses a row when it is first
    read, ranks from the saved columns, and gives the same records and answers as the catalog."""
    from pt_recommender.index.store import LazyRows

    rec = Recommender.load(data_dir=catalog_dir, index_dir=tmp_path / "idx", encoder=HashingEncoder())
    rows = rec.resources
    assert isinstance(rows, LazyRows) and all(r is None for r in rows._rows)
    got = rec.recommend("3D medical segmentation", k=3)
    assert 0 < sum(r is not None for r in rows._rows) <= 3 + len(got)  # the shown rows (and what they replace)
    catalog = load_catalog_bundle(catalog_dir).resources
    assert list(rows) == catalog and rows[1:3] == catalog[1:3]
    fresh = Recommender.from_catalog(load_catalog_bundle(catalog_dir), HashingEncoder())
    assert fresh.recommend("3D medical segmentation", k=3) == got
    # a file written as one JSON array on one line (not what a build writes) still reads whole
    whole = LazyRows(json.dumps([asdict(r) for r in catalog[:2]]).encode())
    assert list(whole) == catalog[:2] and len(LazyRows(b"[\n\n]\n")) == 0


def test_needs_phrases_embedded_for_the_inferred_task_are_capped_per_task() -> None:
    """The inferred task's cost grows with the taxonomy, not the catalog: at most `per_task`
    phrases a first task (shipped catalog), its go-to picks' phrases first, kept in catalog order."""
    from collections import Counter

    from pt_recommender.catalog import load_catalog_bundle
    from pt_recommender.index.store import need_texts

    cat = load_catalog_bundle()
    texts, rows = need_texts(cat, per_task=3)
    first = [cat.resources[r].tasks[0] for r in rows.tolist()]
    assert max(Counter(first).values()) == 3 and list(rows) == sorted(rows)
    checked = 0
    for task in set(first):
        picks = [p for p in cat.tasks[task].featured
                 if any(r.id == p and r.tasks[0] == task and r.needs for r in cat.resources)]
        if picks:  # the first pick filed under the task fills the cap before anything else
            mine = {cat.resources[r].id for r, t in zip(rows.tolist(), first, strict=True) if t == task}
            assert picks[0] in mine, task
            checked += 1
    assert checked > 50
    everything, _ = need_texts(cat, per_task=10_000)
    assert set(texts) <= set(everything) and len(everything) > 2 * len(texts)


def test_an_index_keeping_another_number_of_needs_phrases_is_stale(rec, index_dir) -> None:
    """The phrases a task keeps are a build-time choice: an index made under another cap is
    rebuilt, not read with phrase vectors that no longer match the code's choice."""
    import json

    manifest = _live(index_dir) / "manifest.json"
    data = json.loads(manifest.read_text())
    data["needs_per_task"] = data["needs_per_task"] + 1
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexProblem, match="needs phrases a task") as info:
        check_index(index_dir, "fake-hashing-256", None)
    assert info.value.kind == "stale"


def test_a_manifest_of_an_earlier_version_with_sha256_sums_still_loads(rec, catalog_dir, index_dir) -> None:
    """Generations written before the switch to CRC-32 record sha256: they are verified with it."""
    import hashlib

    gen = _live(index_dir)
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest["files"] = {name: {"sha256": hashlib.sha256((gen / name).read_bytes()).hexdigest(), "bytes": f["bytes"]}
                         for name, f in manifest["files"].items()}
    (gen / "manifest.json").write_text(json.dumps(manifest))
    again = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder(), rebuild=False)
    assert [r.id for r in again.recommend("medical imaging", k=3)] == [r.id for r in rec.recommend("medical imaging", k=3)]


def test_embedding_cache_appends_few_new_vectors_and_folds_many_back(tmp_path) -> None:
    """A rebuild that embeds a few texts appends them to a small delta (the 15 MB main file is not
    rewritten); a damaged delta makes the whole cache untrusted; a large delta is folded back."""
    from pt_recommender.index.store import DELTA_SHARE, EmbeddingCache

    rng = np.random.default_rng(3)
    keys = [f"k{i}" for i in range(200)]
    first = rng.standard_normal((200, 8)).astype(np.float32)
    EmbeddingCache(tmp_path).save(keys, first)
    main = (tmp_path / "vectors.npy").read_bytes()
    more = np.concatenate([first, rng.standard_normal((2, 8)).astype(np.float32)])
    EmbeddingCache(tmp_path).save(keys + ["n1", "n2"], more, np.array([200, 201]))
    assert (tmp_path / "vectors.npy").read_bytes() == main and (tmp_path / "delta-vectors.npy").is_file()
    cache = EmbeddingCache(tmp_path)
    assert not cache.problem and cache.base == 200
    assert np.array_equal(cache.matrix[cache.lookup(["n2", "k5", "gone"], 8)[:2]], more[[201, 5]])
    assert cache.lookup(["gone"], 8).tolist() == [-1] and cache.lookup(["k5"], 16).tolist() == [-1]

    delta = np.load(tmp_path / "delta-vectors.npy")
    np.save(tmp_path / "delta-vectors.npy", delta[::-1].copy())  # same shape, wrong rows
    assert EmbeddingCache(tmp_path).problem and EmbeddingCache(tmp_path).lookup(["k5"], 8).tolist() == [-1]
    np.save(tmp_path / "delta-vectors.npy", delta)

    many = int(DELTA_SHARE * 200) + 1
    extra = rng.standard_normal((many, 8)).astype(np.float32)
    all_keys = keys + ["n1", "n2"] + [f"m{i}" for i in range(many)]
    EmbeddingCache(tmp_path).save(all_keys, np.concatenate([more, extra]), np.arange(202, 202 + many))
    assert not (tmp_path / "delta-vectors.npy").exists()
    cache = EmbeddingCache(tmp_path)
    assert cache.base == len(all_keys) and np.array_equal(cache.matrix[cache.lookup(["m0"], 8)], extra[:1])


def test_bm25_document_cache_is_rewritten_only_once_enough_changed(tmp_path) -> None:
    """One edited resource in a large catalog is tokenised again at the next build rather than
    rewriting the whole cache; past SAVE_SHARE new or dropped documents the cache is saved."""
    from pt_recommender.index.doc_cache import FILE, SAVE_SHARE, DocCache

    n = 400
    first = DocCache(tmp_path)
    for i in range(n):
        first.get(f"k{i}", lambda i=i: [f"w{i}", "common"])
    first.save()
    saved = (tmp_path / FILE).read_bytes()
    few = DocCache(tmp_path)
    for i in range(n):  # one document changed: its key is new
        few.get(f"k{i}" if i else "edited", lambda i=i: [f"w{i}", "changed"])
    assert few.missed == 1
    few.save()
    assert (tmp_path / FILE).read_bytes() == saved
    many = DocCache(tmp_path)
    changed = int(SAVE_SHARE * n) + 1
    for i in range(n):
        many.get(f"k{i}" if i >= changed else f"new{i}", lambda i=i: [f"w{i}"])
    many.save()
    again = DocCache(tmp_path)
    assert set(again.docs) == {f"k{i}" for i in range(changed, n)} | {f"new{i}" for i in range(changed)}
    assert [again.vocab[t] for t in again.docs["new0"]] == ["w0"]


def test_vocabulary_array_finds_what_the_dict_found() -> None:
    """The saved vocabulary (sorted UTF-8 bytes, binary search) gives every token the id a
    dict gave it, misses unknown and empty tokens, and keeps a query's token order."""
    from pt_recommender.index.lexical import Vocabulary

    words = sorted({"", "<empty>", "a", "ab", "abc", "b", "模型", "训练", "zz", "ö", "o"})
    v = Vocabulary(Vocabulary.saved(words))
    as_dict = {t: i for i, t in enumerate(words) if t}
    assert dict(v.items()) == as_dict and len(v) == len(as_dict)
    probe = ["ab", "", "abcd", "模型", "zz", "a", "训", "ö", "zzz", "ab"]
    assert v.ids(probe).tolist() == [as_dict.get(t, -1) for t in probe]
    owner, tok = v.hits([["ab", "nope", "ab"], [], ["训练", "b"]])
    assert owner.tolist() == [0, 0, 2, 2] and tok.tolist() == [as_dict["ab"]] * 2 + [as_dict["训练"], as_dict["b"]]
    assert "模型" in v and "" not in v and "abcd" not in v
    with pytest.raises(ValueError):
        Vocabulary(["b", "a"])  # unsorted: ids would be wrong


def test_rows_read_by_position_equal_the_loaded_array(tmp_path) -> None:
    """`NpyRows` reads the needs vectors row by row (no memory map: mapped reads brought in 2 MiB
    a fault here); any index array, unsorted, repeated, negative or empty, gives what indexing
    the loaded array gives, and a file cut short is refused rather than read in part."""
    from pt_recommender.index.rowfile import GAP, NpyRows

    rng = np.random.default_rng(7)
    whole = rng.standard_normal((300, 5)).astype(np.float16)
    np.save(tmp_path / "a.npy", whole, allow_pickle=False)
    rows = NpyRows(tmp_path / "a.npy")
    assert rows.shape == whole.shape and rows.dtype == whole.dtype and len(rows) == 300
    for size in (0, 1, 3, GAP + 1, 40, 300):
        idx = rng.integers(-300, 300, size=size)
        assert np.array_equal(rows[idx], whole[idx])
    spans = np.r_[10:14, 13:11:-1, 200:202, 299, 0]  # runs, a run read backwards, both ends
    assert np.array_equal(rows[spans], whole[spans])
    assert np.array_equal(np.asarray(rows, dtype=np.float32), whole.astype(np.float32))
    with pytest.raises(IndexError):
        rows[np.array([300])]
    data = (tmp_path / "a.npy").read_bytes()
    (tmp_path / "b.npy").write_bytes(data[:-10])
    with pytest.raises(ValueError, match="size"):
        NpyRows(tmp_path / "b.npy")


def test_an_index_of_an_earlier_format_is_rebuilt_for_its_version(catalog_dir, tmp_path) -> None:
    """An earlier format lacks files this one requires (resource_spans.npy since 23): the reason
    given is the version, so it is rebuilt as outdated, not reported as damaged."""
    from pt_recommender.index.manifest import MANIFEST, POINTER

    Recommender.load(data_dir=catalog_dir, index_dir=tmp_path / "idx", encoder=HashingEncoder())
    gen = tmp_path / "idx" / (tmp_path / "idx" / POINTER).read_text().strip()
    m = json.loads((gen / MANIFEST).read_text())
    m["format_version"] -= 1
    del m["files"]["resource_spans.npy"]
    (gen / MANIFEST).write_text(json.dumps(m))
    with pytest.raises(IndexProblem, match="format version"):
        check_index(tmp_path / "idx", HashingEncoder().name, None)


def test_rows_read_the_same_without_pread(tmp_path, monkeypatch) -> None:
    """Where the platform has no `os.pread` (Windows) a seek and a read give the same rows."""
    import os

    from pt_recommender.index.rowfile import NpyRows

    whole = np.arange(60, dtype=np.float32).reshape(20, 3)
    np.save(tmp_path / "a.npy", whole, allow_pickle=False)
    monkeypatch.delattr(os, "pread")
    rows = NpyRows(tmp_path / "a.npy")
    idx = np.array([19, 0, 5, 5, 6, -1])
    assert np.array_equal(rows[idx], whole[idx])
