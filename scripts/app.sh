#!/usr/bin/env bash
# One command: set up, build the index if missing or stale, start the web app.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh app,dev
export HF_HUB_OFFLINE=1
.venv/bin/pt-recommender validate
.venv/bin/pt-recommender build --if-stale   # first use: export the model, embed the catalog (progress bar)
exec .venv/bin/streamlit run app.py --server.headless true "$@"
