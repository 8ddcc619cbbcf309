"""Reliability: crash-killed builds, corrupt and mismatched indexes, fuzzed queries and catalogs,
safe output paths, concurrent readers. Each test fails if its protection is removed."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pt_recommender.catalog import CatalogError, load_catalog_bundle
from pt_recommender.catalog.schema import RESOURCE_TYPES
from pt_recommender.encoders import HashingEncoder
from pt_recommender.recommender import IndexNotReady, Recommender

from .conftest import concurrent_results

PROBLEM = re.compile(r"^[^:\n]+:[^\n]*:[^:\n]*: .+$")
QUERIES = ["medical image segmentation", "plot loss curves", "语义分割", "image classification dataset"]

# Runs `pt-recommender build` and SIGKILLs itself just before the N-th file-system step
# (open for writing, fsync, rename, mkdir, rmtree, FAISS/NumPy write): every step is a kill point.
KILLER = r"""
import os, sys, shutil, builtins, signal
target = int(sys.argv[1]); count = [0]
def step():
    count[0] += 1
    if count[0] == target:
        os.kill(os.getpid(), signal.SIGKILL)
def wrap(mod, name, writes_only=False):
    orig = getattr(mod, name)
    def inner(*a, **k):
        if not writes_only or any(m in str(a[1] if len(a) > 1 else k.get("mode", "r")) for m in "wax+"):
            step()
        return orig(*a, **k)
    setattr(mod, name, inner)
for mod, name in ((os, "replace"), (os, "rename"), (os, "fsync"), (os, "mkdir"), (shutil, "rmtree")):
    wrap(mod, name)
wrap(builtins, "open", writes_only=True)
import faiss, numpy
wrap(faiss, "write_index"); wrap(numpy, "save")
from pt_recommender.cli import main
code = main(sys.argv[2:])
print("STEPS", count[0])
sys.exit(code)
"""


def _answers(rec: Recommender) -> list:
    return [rec.recommend(q, k=5) for q in QUERIES]


@pytest.mark.slow
def test_build_killed_at_every_step_keeps_serving(catalog_dir, index_dir) -> None:
    base = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder())
    expected = _answers(base)
    env = {**os.environ, "PT_RECOMMENDER_ENCODER": "fake"}
    args = ["build", "--data-dir", str(catalog_dir), "--index-dir", str(index_dir)]
    kills, step = 0, 1
    while True:
        p = subprocess.run([sys.executable, "-c", KILLER, str(step), *args], env=env,
                           capture_output=True, text=True, timeout=120)
        if p.returncode == 0:
            assert "STEPS" in p.stdout
            break
        assert p.returncode == -signal.SIGKILL, p.stderr
        kills += 1
        rec = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder(),
                               rebuild=False)
        assert _answers(rec) == expected, f"after kill at step {step}"
        step += 1
    print(f"\nbuild killed {kills} times, at every file-system step; served unchanged after each")
    assert kills >= 20, kills
    # a further build sweeps what the killed ones left behind
    subprocess.run([sys.executable, "-m", "pt_recommender.cli", *args], env=env, check=True,
                   capture_output=True)
    assert not list(index_dir.glob(".gen-*"))
    assert len(list(index_dir.glob("gen-*"))) <= 2


@pytest.mark.slow
def test_build_killed_at_random_times(catalog_dir, index_dir) -> None:
    base = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder())
    expected = _answers(base)
    env = {**os.environ, "PT_RECOMMENDER_ENCODER": "fake"}
    cmd = [sys.executable, "-m", "pt_recommender.cli", "build", "--data-dir", str(catalog_dir),
           "--index-dir", str(index_dir)]
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    full = time.perf_counter() - start
    for i in range(8):
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(full * (0.3 + 0.7 * i / 8))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        rec = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder(),
                               rebuild=False)
        assert _answers(rec) == expected


def test_concurrent_builds_do_not_mix(catalog_dir, index_dir) -> None:
    env = {**os.environ, "PT_RECOMMENDER_ENCODER": "fake"}
    cmd = [sys.executable, "-m", "pt_recommender.cli", "build", "--data-dir", str(catalog_dir),
           "--index-dir", str(index_dir)]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for _ in range(3)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    rec = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder(),
                           rebuild=False)
    assert rec.recommend("medical imaging", k=1)


@pytest.mark.parametrize(("edit", "needle"), [
    (lambda m: m | {"model": "other-model"}, "built with model 'other-model'"),
    (lambda m: m | {"dim": 128}, "dimension 128"),
    (lambda m: m | {"catalog_hash": "0" * 64}, "catalog changed"),
    (lambda m: {**m, "files": {**m["files"], "ids.json": {**m["files"]["ids.json"], "crc32": "0" * 8}}},
     "ids.json fails its checksum"),
    # a manifest of an earlier version records sha256: still checked, not skipped
    (lambda m: {**m, "files": {**m["files"], "ids.json": {"sha256": "0" * 64, "bytes": m["files"]["ids.json"]["bytes"]}}},
     "ids.json fails its checksum"),
])
def test_manifest_mismatch_refused_with_own_message(rec, catalog_dir, index_dir, edit, needle) -> None:
    gen = index_dir / (index_dir / "CURRENT").read_text().strip()
    manifest = json.loads((gen / "manifest.json").read_text())
    (gen / "manifest.json").write_text(json.dumps(edit(manifest)))
    with pytest.raises(IndexNotReady, match=re.escape(needle)):
        Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder(), rebuild=False)
    p = subprocess.run([sys.executable, "-m", "pt_recommender.cli", "recommend", "x", "--no-rebuild",
                        "--data-dir", str(catalog_dir), "--index-dir", str(index_dir)],
                       env={**os.environ, "PT_RECOMMENDER_ENCODER": "fake"}, capture_output=True, text=True)
    assert p.returncode == 3 and needle in p.stderr
    again = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder())
    assert _answers(again) == _answers(rec)


@pytest.mark.parametrize(("edit", "needle"), [
    (lambda m: m | {"files": {}}, "does not list a checksum"),
    (lambda m: m | {"files": {k: v for k, v in m["files"].items() if k != "resources.json"}}, "does not list"),
    (lambda m: m | {"files": {k: {"bytes": v["bytes"]} for k, v in m["files"].items()}}, "does not list"),
])
def test_a_manifest_that_switches_checksums_off_is_corrupt(rec, catalog_dir, index_dir, edit, needle) -> None:
    gen = index_dir / (index_dir / "CURRENT").read_text().strip()
    manifest = json.loads((gen / "manifest.json").read_text())
    (gen / "manifest.json").write_text(json.dumps(edit(manifest)))
    (gen / "resources.json").write_text("[]")  # damage that only a checksum would catch
    with pytest.raises(IndexNotReady, match=needle):
        Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder(), rebuild=False)


def test_damaged_embedding_cache_is_not_reused(catalog_dir, index_dir, tmp_path) -> None:
    """Wrong cached vectors with the right shape: the next build must embed again, and answers
    equal those of a clean index."""
    import numpy as np

    clean = Recommender.load(data_dir=catalog_dir, index_dir=tmp_path / "clean", encoder=HashingEncoder())
    Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder())
    cache = next((index_dir / "cache").iterdir())
    vecs = np.load(cache / "vectors.npy")
    np.save(cache / "vectors.npy", vecs[::-1].copy())  # same shape, every row now wrong
    for gen in index_dir.glob("gen-*"):  # force a rebuild that would reuse the cache
        (gen / "ids.json").write_text("[]")
    rebuilt = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder())
    # every vector embedded again, the needs phrases' too
    assert rebuilt.manifest["embedded_new"] == rebuilt.manifest["vectors"] + rebuilt.manifest["need_vectors"]
    assert _answers(rebuilt) == _answers(clean)


def test_failed_build_leaves_no_temporary_folder(catalog_dir, index_dir, monkeypatch) -> None:
    from pt_recommender.index import store

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "_write_json", boom)
    with pytest.raises(OSError):
        Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder())
    assert not [p for p in index_dir.iterdir() if p.name.startswith(".gen-")]


@pytest.mark.parametrize("target", ["resources.json", "ids.json", "taxonomy.json", "manifest.json", "CURRENT",
                                    "needs.npy", "need_rows.npy", "resource_spans.npy"])
def test_every_index_file_damage_detected(rec, catalog_dir, index_dir, target) -> None:
    gen = index_dir / (index_dir / "CURRENT").read_text().strip()
    path = index_dir / "CURRENT" if target == "CURRENT" else gen / target
    path.write_bytes(path.read_bytes()[:-3] + b"!!!")
    with pytest.raises(IndexNotReady):
        Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder(), rebuild=False)
    fixed = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=HashingEncoder())
    assert _answers(fixed) == _answers(rec)


queries = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=40),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "So"]), max_size=50),
    st.sampled_from(["", " ", "\x00", "\t\n", "<script>alert(1)</script>", "'; DROP TABLE x;--",
                     "x" * 2000, "x" * 2001, "🔥" * 500, "[a](javascript:alert(1))", "=cmd|' /C calc'!A0"]),
    st.builds(lambda a, b: a + b, st.text(max_size=20), st.sampled_from(["语义分割", "segmentation", "模型"])),
)


@pytest.mark.slow
@settings(max_examples=10_000, deadline=2000, suppress_health_check=list(HealthCheck))
@given(q=queries, k=st.integers(min_value=-2, max_value=120),
       types=st.one_of(st.none(), st.lists(st.sampled_from([*RESOURCE_TYPES, "widget"]), max_size=3)))
def test_fuzzed_queries_return_results_or_value_error(fuzz_rec, q, k, types) -> None:
    from pt_recommender.text.lang import clean

    invalid = (not clean(q).strip() or len(q) > 2000 or not 1 <= k <= 100
               or (types is not None and (not types or "widget" in types)))
    try:
        out = fuzz_rec.recommend(q, k=k, types=types)
    except (ValueError, TypeError):
        assert invalid, "a valid call raised an error"
        return
    assert not invalid, "an invalid call was not refused"
    assert len(out) <= k
    for r in out:
        assert r.id and r.name and r.reason and r.url.startswith("https://")
        assert types is None or r.type in types


@pytest.fixture(scope="module")
def fuzz_rec(tmp_path_factory):
    import shutil

    from .conftest import FIXTURE

    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(FIXTURE, root / "data")
    return Recommender.load(data_dir=root / "data", index_dir=root / "index", encoder=HashingEncoder())


def _mutations():
    scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                       st.text(max_size=50), st.just("x" * 3000), st.lists(st.integers(), max_size=3),
                       st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))
    field = st.sampled_from(["id", "name", "type", "description", "url", "tasks", "aliases", "links",
                             "year", "metrics", "status", "successor", "params", "authors", "zzz"])
    return st.lists(st.tuples(st.integers(min_value=0, max_value=20), field, scalar), min_size=1, max_size=4)


RAW = st.sampled_from([
    "resources: !!python/object/apply:os.system ['echo pwned > /tmp/pt_pwned']\n",
    "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n",
    "resources: " + "[" * 5000 + "]" * 5000 + "\n",
    "resources:\n- {id: x, name: y\n",
    "\x00\x01 not yaml",
    "resources: 7\n",
    "- just\n- a list\n",
    "resources:\n" + "".join(f"- {{id: d{i}, name: n{i}}}\n" for i in range(3000)),
])


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzzed_catalogs_always_end_in_a_clear_report(tmp_path_factory, data) -> None:
    import shutil

    import yaml

    from .conftest import FIXTURE

    root = tmp_path_factory.mktemp("cat")
    shutil.copytree(FIXTURE, root / "d")
    name = data.draw(st.sampled_from(["libraries.yaml", "taxonomy.yaml", "models.yaml", "glossary.yaml"]))
    path = root / "d" / name
    if data.draw(st.booleans()):
        path.write_text(data.draw(RAW))
    else:
        doc = yaml.safe_load(path.read_text())
        key = next(iter(doc))
        for index, field, value in data.draw(_mutations()):
            entries = doc[key]
            if entries:
                entries[index % len(entries)][field] = value
        path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    start = time.perf_counter()
    try:
        load_catalog_bundle(root / "d")
    except CatalogError as exc:
        assert exc.problems and all(PROBLEM.match(p) for p in exc.problems), exc.problems[:3]
    assert time.perf_counter() - start < 5
    assert not Path("/tmp/pt_pwned").exists()


def test_sixteen_threads_match_serial(rec) -> None:
    qs = [f"{q} {i}" for i in range(4) for q in QUERIES]
    assert concurrent_results(rec, qs, 7) == [rec.recommend(q, k=7) for q in qs]


def _export(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "pt_recommender.cli", "export", *args], capture_output=True,
                          text=True, env={**os.environ, "PT_RECOMMENDER_ENCODER": "fake"}, cwd=cwd)


def test_export_refuses_symlinked_output(rec, catalog_dir, index_dir, tmp_path) -> None:
    src = tmp_path / "q.txt"
    src.write_text("medical imaging\n")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "out.csv"
    link.symlink_to(victim)
    common = ["--data-dir", str(catalog_dir), "--index-dir", str(index_dir), "--quiet"]
    p = _export(str(src), "-o", str(link), "--force", *common)
    assert p.returncode == 2 and "symbolic link" in p.stderr
    assert victim.read_text() == "keep me"
    # a planted symlink at the temporary file's name is not followed either
    out = tmp_path / "real.csv"
    planted = tmp_path / "real.csv.partial"
    planted.symlink_to(victim)
    p = _export(str(src), "-o", str(out), *common)
    assert p.returncode == 0, p.stderr
    assert victim.read_text() == "keep me" and out.is_file() and not out.is_symlink()


def test_export_output_path_resolved_and_folder_refused(rec, catalog_dir, index_dir, tmp_path) -> None:
    src = tmp_path / "q.txt"
    src.write_text("medical imaging\n")
    (tmp_path / "sub").mkdir()
    common = ["--data-dir", str(catalog_dir), "--index-dir", str(index_dir), "--quiet"]
    p = _export(str(src), "-o", "sub/../o.csv", *common, cwd=tmp_path)
    assert p.returncode == 0 and (tmp_path / "o.csv").is_file()
    p = _export(str(src), "-o", "sub", *common, cwd=tmp_path)
    assert p.returncode == 2 and "is a folder" in p.stderr
    p = _export(str(src), "-o", "missing/o.csv", *common, cwd=tmp_path)
    assert p.returncode == 2 and "does not exist" in p.stderr


def test_failed_model_export_is_remembered(tmp_path, monkeypatch) -> None:
    from pt_recommender.encoders import export, make_encoder

    calls = []

    def failing(model, target):
        calls.append(model)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_export", failing)
    for _ in range(3):
        with pytest.raises(RuntimeError, match="no ONNX export"):
            make_encoder("all-MiniLM-L6-v2", tmp_path, backend="onnx")
    assert len(calls) == 1  # tried once, then the marker answers
    assert "No space left" in export.failed_marker("all-MiniLM-L6-v2", tmp_path).read_text()
