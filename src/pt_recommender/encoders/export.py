"""One-time export of a sentence-transformers model to ONNX, checked against the original."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import secrets
import shutil
import tempfile
import warnings
from pathlib import Path

from ..files import atomic_write_text, crc32_file, fsync_file, sha256_file
from .base import model_path, model_slug, offline
from .onnx import OPT_DATA_GLOB, OPT_FILE, OnnxEncoder
from .sentence import dimension

log = logging.getLogger(__name__)
CHECK_TEXTS = ["3D medical image segmentation", "plot my loss curves", "PyTorch 教程"]


def export_dir_for(model: str, index_dir: Path) -> Path:
    return Path(index_dir) / "models" / model_slug(model)


META_SUMS = "export.sha256"  # checksum of export.json, which holds every other file's


def is_valid_export(path: Path, variant: str | None = None) -> bool:
    """Usable when export.json matches its own checksum and every file it names that will be
    used (tokenizer.json and the ONNX model of `variant`: "float", "int8" — the float one when
    int8 was skipped — or None for all) matches the checksum recorded in it."""
    try:
        if sha256_file(path / "export.json") != (path / META_SUMS).read_text().strip():
            return False
        meta = json.loads((path / "export.json").read_text())
        files = {"tokenizer.json": meta["tokenizer_sha256"]}
        if variant != "int8" or "int8_sha256" not in meta:
            files["model.onnx"] = meta["sha256"]
        if variant != "float" and "int8_sha256" in meta and (variant is None or optimised_int8(path) is None):
            files["model-int8.onnx"] = meta["int8_sha256"]  # not read when its optimised copy serves
        return all(_sha(path / f) == digest for f, digest in files.items())
    except (OSError, ValueError, KeyError, TypeError):
        return False


_SUMS = {"sha256": sha256_file, "crc32": crc32_file}


def _sha(path: Path, kind: str = "sha256") -> str:
    """A file's checksum (`kind`: sha256 or crc32), remembered for this process while its size
    and mtime stay the same: a start checks the 23 MB model once, not once per caller."""
    st = path.stat()
    return _sum_cached(kind, str(path), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _sum_cached(kind: str, path: str, size: int, mtime_ns: int) -> str:
    return _SUMS[kind](Path(path))


def failed_marker(model: str, index_dir: Path) -> Path:
    return export_dir_for(model, index_dir).with_suffix(".failed.json")


def ensure_export(model: str, index_dir: Path, allow_export: bool = True, variant: str | None = None
                  ) -> Path | None:
    """Path of a verified ONNX export of `model`, exporting it (needs torch) if allowed.

    A failed export is remembered in a marker file, so later processes report it once
    instead of retrying (~20 s) on every start; `pt-recommender build` tries again."""
    target = export_dir_for(model, index_dir)
    if is_valid_export(target, variant):
        return target
    marker = failed_marker(model, index_dir)
    if marker.is_file():
        log.warning("the ONNX export of %s failed before (%s); run `pt-recommender build` to retry",
                    model, _marker_reason(marker))
        return None
    if not allow_export:
        return None
    log.warning("exporting %s to ONNX once (needs torch; about 20 s)", model)
    try:
        return _export(model, target)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded and reported
        log.warning("ONNX export of %s failed (%s)", model, exc)
        with contextlib.suppress(OSError):
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(json.dumps({"reason": f"{type(exc).__name__}: {exc}"[:500]}))
        return None


def _marker_reason(marker: Path) -> str:
    try:
        return str(json.loads(marker.read_text())["reason"])
    except (OSError, ValueError, KeyError, TypeError):
        return "reason unreadable"


def has_int8(path: Path) -> bool:
    """True when a checked export also holds an int8 model (quantisation can be skipped)."""
    try:
        return "int8_sha256" in json.loads((path / "export.json").read_text())
    except (OSError, ValueError):
        return False


def _export(model: str, target: Path) -> Path | None:
    offline()
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(model_path(model), device="cpu")
    transformer, pooling = st[0], st[1] if len(st) > 1 else None
    mode = _pooling_mode(pooling)
    hf_model = transformer.auto_model.eval()
    tokenizer = transformer.tokenizer

    class _Wrapper(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    sample = tokenizer(["hello world"], return_tensors="pt")
    tti = sample.get("token_type_ids", torch.zeros_like(sample["input_ids"]))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
    try:
        names = ["input_ids", "attention_mask", "token_type_ids"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Wrapper(hf_model), (sample["input_ids"], sample["attention_mask"], tti),
                str(tmp / "model.onnx"), input_names=names, output_names=["last_hidden_state"],
                dynamic_axes={n: {0: "batch", 1: "seq"} for n in [*names, "last_hidden_state"]},
                opset_version=17, dynamo=False,
            )
        tokenizer.save_pretrained(str(tmp / "hf-tokenizer"))
        shutil.copy(tmp / "hf-tokenizer" / "tokenizer.json", tmp / "tokenizer.json")
        shutil.rmtree(tmp / "hf-tokenizer")
        meta = {
            "model": model, "dim": dimension(st), "pooling": mode,
            "max_seq_length": int(st.max_seq_length), "pad_id": int(tokenizer.pad_token_id or 0),
            "sha256": sha256_file(tmp / "model.onnx"), "tokenizer_sha256": sha256_file(tmp / "tokenizer.json"),
        }
        _write_meta(tmp, meta)
        got = OnnxEncoder(tmp, model, threads=1).encode(CHECK_TEXTS)
        want = st.encode(CHECK_TEXTS, normalize_embeddings=True, convert_to_numpy=True)
        agreement = float(np.min(np.sum(got * want, axis=1)))
        if agreement < 0.999:
            raise RuntimeError(f"ONNX output disagrees with the model (cosine {agreement:.4f})")
        _quantize(tmp, meta, got)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
        log.info("exported %s to ONNX (%s)", model, target)
        return target
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _pooling_mode(pooling: object) -> str:
    """'mean' or 'cls' from a sentence-transformers Pooling module (old and new APIs)."""
    if pooling is None:
        return "mean"
    mode = getattr(pooling, "pooling_mode", None)
    if isinstance(mode, str):
        if mode in ("mean", "cls"):
            return mode
        raise RuntimeError(f"pooling {mode!r} cannot be exported; only mean or cls")
    if getattr(pooling, "pooling_mode_cls_token", False):
        return "cls"
    if getattr(pooling, "pooling_mode_mean_tokens", False):
        return "mean"
    raise RuntimeError("only mean or CLS pooling can be exported")


def _quantize(folder: Path, meta: dict, reference: object) -> None:
    """Add a dynamically int8-quantised copy (about 3x faster on CPU) if it stays close."""
    import numpy as np

    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # onnxruntime logs advice on the root logger
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                quantize_dynamic(str(folder / "model.onnx"), str(folder / "model-int8.onnx"),
                                 weight_type=QuantType.QInt8)
        finally:
            root.setLevel(level)
        got = OnnxEncoder(folder, "check", threads=1, variant="int8").encode(CHECK_TEXTS)
        agreement = float(np.min(np.sum(got * np.asarray(reference), axis=1)))
        if agreement < 0.85:
            raise RuntimeError(f"int8 output too far from float (cosine {agreement:.3f})")
        meta["int8_sha256"] = sha256_file(folder / "model-int8.onnx")
        meta["int8_agreement"] = round(agreement, 4)
        _write_meta(folder, meta)
        write_optimised_int8(folder)
    except Exception as exc:  # noqa: BLE001 - the float model still serves
        log.warning("int8 quantisation skipped: %s", exc)
        (folder / "model-int8.onnx").unlink(missing_ok=True)
        meta["int8_skipped"] = f"{type(exc).__name__}: {exc}"[:300]
        _write_meta(folder, meta)


OPT_META = "model-int8-opt.json"


def optimised_int8(folder: Path) -> Path | None:
    """The int8 model with ONNX Runtime's graph optimisations already applied, if its sidecar
    vouches for it: made from this export's int8 model (checksum) and the bytes of its graph and
    of its weights file unchanged. Loading it skips the optimisation pass, about half of a cold
    start's session creation. A sidecar without the weights' checksum (a single-file copy from
    an older version) does not vouch: the copy is written again in the current layout."""
    try:
        meta = json.loads((folder / "export.json").read_text())
        side = json.loads((folder / OPT_META).read_text())
        data = side["data_file"]
        if (side["source_sha256"] == meta["int8_sha256"] and _sha(folder / OPT_FILE) == side["sha256"]
                and Path(data).name == data and _data_ok(folder / data, side)):
            return folder / OPT_FILE
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def _data_ok(path: Path, side: dict) -> bool:
    """The weights file (23 MB, checked on every start) against its CRC-32, or its sha256 in a
    sidecar an earlier version wrote."""
    if isinstance(side.get("data_crc32"), str):
        return _sha(path, "crc32") == side["data_crc32"]
    return _sha(path) == side["data_sha256"]


def write_optimised_int8(folder: Path) -> None:
    """Save the int8 model after the hardware-independent ("extended") graph optimisations,
    keep it only if it encodes the check texts like the int8 model (cosine >= 0.9999), and
    record its checksum in a sidecar written last. Any failure leaves the int8 model in use.
    The weights file gets a new name each time and is complete before the graph that names it
    replaces the old graph (atomically), so a process reading concurrently sees one consistent
    pair; the old weights file is removed only after the new sidecar is written."""
    import numpy as np
    import onnxruntime as ort

    try:
        meta = json.loads((folder / "export.json").read_text())
        (folder / OPT_META).unlink(missing_ok=True)  # nothing vouches for the files while they change
        tmp = folder / f".{OPT_FILE}.{os.getpid()}.tmp"
        data = OPT_DATA_GLOB.replace("*", secrets.token_hex(6))
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        opts.optimized_model_filepath = str(tmp)
        # the weights go to `data` beside the graph (the graph names it relative to itself)
        opts.add_session_config_entry("session.optimized_model_external_initializers_file_name", data)
        opts.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
        ort.InferenceSession(str(folder / "model-int8.onnx"), opts, providers=["CPUExecutionProvider"])
        fsync_file(folder / data)
        os.replace(tmp, folder / OPT_FILE)
        plain = OnnxEncoder(folder, "check", threads=1, variant="int8", optimised=False).encode(CHECK_TEXTS)
        fast = OnnxEncoder(folder, "check", threads=1, variant="int8", optimised=True).encode(CHECK_TEXTS)
        agreement = float(np.min(np.sum(plain * fast, axis=1)))
        if agreement < 0.9999:
            raise RuntimeError(f"optimised int8 differs (cosine {agreement:.5f})")
        atomic_write_text(folder / OPT_META, json.dumps({
            "source_sha256": meta["int8_sha256"], "sha256": sha256_file(folder / OPT_FILE),
            "data_file": data, "data_sha256": sha256_file(folder / data), "data_crc32": crc32_file(folder / data),
            "agreement": round(agreement, 6), "onnxruntime": ort.__version__}))
        for old in folder.glob(OPT_DATA_GLOB):  # earlier weights files (an open one stays readable)
            if old.name != data:
                old.unlink(missing_ok=True)
    except Exception as exc:  # noqa: BLE001 - the plain int8 model still serves
        log.info("optimised int8 model not written: %s", exc)
        (folder / OPT_META).unlink(missing_ok=True)
        with contextlib.suppress(OSError, NameError):
            tmp.unlink(missing_ok=True)


def _write_meta(folder: Path, meta: dict) -> None:
    """export.json and, beside it, its checksum (what `is_valid_export` checks first)."""
    text = json.dumps(meta, indent=2)
    (folder / "export.json").write_text(text)
    (folder / META_SUMS).write_text(hashlib.sha256(text.encode()).hexdigest() + "\n")
