#!/usr/bin/env bash
# Set up everything on a fresh machine: a venv in .venv with torch (CPU) first, then the project.
# Idempotent: a stamp of pyproject.toml skips the pip work when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
extras=${1:-app,dev}
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  "$PY" -m venv .venv
fi
stamp=".venv/.pt-recommender-$(sha256sum pyproject.toml | cut -c1-16)-${extras//,/-}"
if [ ! -f "$stamp" ]; then
  echo "== installing torch 2.13.0 (CPU) before anything that depends on it"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet "torch==2.13.0"
  echo "== installing pt-recommender[$extras]"
  .venv/bin/python -m pip install --quiet -e ".[${extras}]"
  touch "$stamp"
fi
# Byte-compile the package once: an editable install is imported from src/, and where
# PYTHONDONTWRITEBYTECODE is set (as on these machines) every start would otherwise compile
# every module again (~50 ms of a one-shot answer). Python checks each .pyc against its source.
.venv/bin/python -m compileall -q src/pt_recommender
