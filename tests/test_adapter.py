"""The query adapter: applied to queries only, checksummed, refused when damaged, per model."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from pt_recommender.catalog import CatalogError
from pt_recommender.encoders.adapter import adapt, adapter_paths, write_adapter
from pt_recommender.index.manifest import IndexProblem, check_index
from pt_recommender.recommender import Recommender

QUERIES = ["3D medical segmentation", "plot my loss curves", "图像分类", "speech recognition", "object detection"]


def _rotation(dim: int, seed: int = 0) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(dim, dim)))
    return q.astype(np.float32)


def _answers(rec: Recommender) -> list[list[tuple[str, float]]]:
    return [[(r.id, round(r.score, 6)) for r in rec.recommend(q, k=8)] for q in QUERIES]


def test_identity_adapter_changes_nothing_and_a_real_one_changes_queries_only(
        catalog_dir, tmp_path, fake_encoder) -> None:
    plain = Recommender.load(data_dir=catalog_dir, index_dir=tmp_path / "a", encoder=fake_encoder)
    assert plain.adapter is None and plain.manifest["adapter"] is None
    write_adapter(catalog_dir, fake_encoder.name, np.eye(fake_encoder.dim, dtype=np.float32))
    same = Recommender.load(data_dir=catalog_dir, index_dir=tmp_path / "b", encoder=fake_encoder)
    assert same.manifest["adapter"]["file"] == "adapter.npy" and "adapter.npy" in same.manifest["files"]
    assert _answers(same) == _answers(plain)
    write_adapter(catalog_dir, fake_encoder.name, _rotation(fake_encoder.dim))
    turned = Recommender.load(data_dir=catalog_dir, index_dir=tmp_path / "c", encoder=fake_encoder)
    assert _answers(turned) != _answers(plain)  # a rotation of queries alone moves the dense leg
    assert np.array_equal(turned.vectors.matrix, plain.vectors.matrix)  # documents are never mapped
    assert _answers(turned.with_options(adapter=False)) == _answers(plain)


def test_adapted_batch_equals_single_queries(catalog_dir, index_dir, fake_encoder) -> None:
    write_adapter(catalog_dir, fake_encoder.name, _rotation(fake_encoder.dim, 1))
    rec = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=fake_encoder)
    batch = rec.recommend_batch(QUERIES * 3, k=8)
    assert batch == [rec.recommend(q, k=8) for q in QUERIES * 3]
    vecs = fake_encoder.encode(QUERIES)
    assert np.array_equal(adapt(vecs, rec.adapter)[1:2], adapt(vecs[1:2], rec.adapter))
    assert np.allclose(np.linalg.norm(adapt(vecs, rec.adapter), axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("damage", ["matrix", "checksum", "model", "shape"])
def test_a_damaged_adapter_stops_the_build_with_the_reason(catalog_dir, index_dir, fake_encoder, damage) -> None:
    npy = write_adapter(catalog_dir, fake_encoder.name, _rotation(fake_encoder.dim))
    meta_path = adapter_paths(catalog_dir, fake_encoder.name)[1]
    meta = json.loads(meta_path.read_text())
    if damage == "matrix":
        data = bytearray(npy.read_bytes())
        data[-5] ^= 0xFF
        npy.write_bytes(bytes(data))
    elif damage == "checksum":
        meta_path.write_text(json.dumps({**meta, "sha256": "0" * 64}))
    elif damage == "model":
        meta_path.write_text(json.dumps({**meta, "model": "another-model"}))
    else:
        write_adapter(catalog_dir, fake_encoder.name, np.eye(3, dtype=np.float32))
    with pytest.raises(CatalogError) as err:
        Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=fake_encoder)
    assert "adapters/" in str(err.value)


def test_an_adapter_of_another_model_is_not_used(catalog_dir, index_dir, fake_encoder) -> None:
    write_adapter(catalog_dir, "all-MiniLM-L6-v2@int8", _rotation(384))
    rec = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=fake_encoder)
    assert rec.adapter is None and rec.manifest["adapter"] is None


def test_a_damaged_adapter_in_the_generation_is_caught_by_its_checksum(catalog_dir, index_dir, fake_encoder) -> None:
    write_adapter(catalog_dir, fake_encoder.name, _rotation(fake_encoder.dim))
    rec = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=fake_encoder)
    gen = index_dir / (index_dir / "CURRENT").read_text().strip()
    data = bytearray((gen / "adapter.npy").read_bytes())
    data[-9] ^= 0x01
    (gen / "adapter.npy").write_bytes(bytes(data))
    with pytest.raises(IndexProblem, match="checksum"):
        check_index(index_dir, fake_encoder.name, rec.manifest["catalog_hash"])


def test_cli_build_names_a_damaged_adapter_without_a_traceback(catalog_dir, index_dir, fake_encoder) -> None:
    npy = write_adapter(catalog_dir, fake_encoder.name, _rotation(fake_encoder.dim))
    npy.write_bytes(npy.read_bytes()[:-4])  # cut short
    env = {**os.environ, "PT_RECOMMENDER_ENCODER": "fake"}
    out = subprocess.run([sys.executable, "-m", "pt_recommender", "build", "--data-dir", str(catalog_dir),
                          "--index-dir", str(index_dir)], capture_output=True, text=True, env=env)
    assert out.returncode == 1, out.stderr
    assert "adapters/" in out.stderr and "checksum" in out.stderr and "Traceback" not in out.stderr
    assert not (index_dir / "CURRENT").exists()  # nothing half-built is served


def test_names_of_one_or_two_words_keep_minilms_vector(catalog_dir, index_dir, fake_encoder) -> None:
    """The adapter learned from needs phrases of three words or more: a one- or two-word query
    (a name, not a described need) is answered as without it; a longer one is mapped."""
    from pt_recommender.encoders.adapter import adapted_rows

    assert adapted_rows(["object detection", "LLM", "3D medical segmentation"]).tolist() == [False, False, True]
    write_adapter(catalog_dir, fake_encoder.name, _rotation(fake_encoder.dim, 2))
    rec = Recommender.load(data_dir=catalog_dir, index_dir=index_dir, encoder=fake_encoder)
    plain = rec.with_options(adapter=False)
    for q in ("object detection", "speech recognition"):
        assert rec.recommend(q, k=8) == plain.recommend(q, k=8)
    assert rec.recommend("plot my loss curves", k=8) != plain.recommend("plot my loss curves", k=8)
