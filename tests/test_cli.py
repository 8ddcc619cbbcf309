"""CLI contract: exit codes, one-line errors, formats, fast --help."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pt_recommender.cli import main

ENV = {**os.environ, "PT_RECOMMENDER_ENCODER": "fake"}


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pt_recommender.cli", *args], capture_output=True,
                          text=True, env=env or ENV, timeout=120)


def dirs(catalog_dir: Path, index_dir: Path) -> list[str]:
    return ["--data-dir", str(catalog_dir), "--index-dir", str(index_dir)]


def test_help_does_not_import_heavy_modules() -> None:
    code = ("import sys; from pt_recommender.cli import build_parser; build_parser(); "
            "import pt_recommender; "
            "print(sorted(m for m in ('torch','streamlit','faiss','sentence_transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_recommend_json(catalog_dir: Path, index_dir: Path) -> None:
    p = run("recommend", "medical image segmentation", "-k", "3", "--format", "json",
            *dirs(catalog_dir, index_dir))
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert 1 <= len(data) <= 3 and {"id", "name", "reason", "url"} <= set(data[0])
    assert "rebuilding index" in p.stderr


def test_read_only_commands_leave_fast_and_lose_no_output(catalog_dir: Path, index_dir: Path) -> None:
    """`run()` skips the interpreter's teardown after a read-only command (os._exit): whatever was
    printed, to stdout or as a log line or an error on stderr, still arrives whole, with its exit code."""
    p = run("recommend", "image", "-k", "50", "--format", "json", *dirs(catalog_dir, index_dir))
    assert p.returncode == 0, p.stderr
    assert len(json.loads(p.stdout)) >= 1 and "rebuilding index" in p.stderr
    tasks = run("tasks", "--data-dir", str(catalog_dir))
    assert tasks.returncode == 0 and tasks.stdout.rstrip().count("\n") >= 2
    bad = run("recommend", "image", "-k", "0", *dirs(catalog_dir, index_dir))
    assert bad.returncode == 2 and "k must be" in bad.stderr


@pytest.mark.parametrize(("args", "needle"), [
    (["recommend", "  "], "query is empty"),
    (["recommend", "x", "-k", "0"], "k must be"),
    (["recommend", "x", "--type", "widget"], "unknown type"),
    (["recommend", "x" * 2001], "at most 2000"),
])
def test_usage_errors_exit_2_one_line(args, needle, catalog_dir, index_dir) -> None:
    p = run(*args, *dirs(catalog_dir, index_dir))
    assert p.returncode == 2
    assert needle in p.stderr and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_no_rebuild_exits_3(catalog_dir: Path, index_dir: Path) -> None:
    p = run("recommend", "segmentation", "--no-rebuild", *dirs(catalog_dir, index_dir))
    assert p.returncode == 3 and "index not ready" in p.stderr and "Traceback" not in p.stderr


def test_bad_catalog_exit_1(catalog_dir: Path, index_dir: Path) -> None:
    (catalog_dir / "books.yaml").write_text("resources: [")
    p = run("recommend", "segmentation", *dirs(catalog_dir, index_dir))
    assert p.returncode == 1 and "validate" in p.stderr and "Traceback" not in p.stderr


def test_build_then_recommend_table(catalog_dir: Path, index_dir: Path) -> None:
    p = run("build", *dirs(catalog_dir, index_dir))
    assert p.returncode == 0 and "built gen-" in p.stdout
    p = run("recommend", "plot loss curves", "--no-rebuild", *dirs(catalog_dir, index_dir))
    assert p.returncode == 0 and "why:" in p.stdout


def test_unknown_command_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2


def test_build_if_stale_checks_cheaply_and_rebuilds_what_is_stale(catalog_dir: Path, index_dir: Path) -> None:
    """Up to date: answered from file hashes alone (NumPy is never imported); a damaged file or
    an edited catalog: rebuilt, saying why."""
    args = ("build", "--if-stale", *dirs(catalog_dir, index_dir))
    first = run(*args)
    assert first.returncode == 0 and "rebuilding index" in first.stderr and "index ready" in first.stdout
    cmd = [sys.executable, "-X", "importtime", "-m", "pt_recommender.cli", *args]
    again = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=120)
    assert again.returncode == 0 and "index ready" in again.stdout
    assert "rebuilding" not in again.stderr
    imported = {line.split("|")[-1].strip() for line in again.stderr.splitlines() if "import time:" in line}
    assert "numpy" not in imported and "pt_recommender.index.store" not in imported
    assert "logging" not in imported  # nothing on the up-to-date path can log
    gen = index_dir / (index_dir / "CURRENT").read_text().strip()
    data = bytearray((gen / "resources.json").read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit
    (gen / "resources.json").write_bytes(bytes(data))
    damaged = run(*args)
    assert damaged.returncode == 0 and "fails its checksum" in damaged.stderr and "index ready" in damaged.stdout
    assert run(*args).stderr.count("rebuilding") == 0
    lib = catalog_dir / "libraries.yaml"
    lib.write_text(lib.read_text().replace("description: ", "description: Edited. ", 1))
    edited = run(*args)
    assert edited.returncode == 0 and "catalog changed" in edited.stderr
