#!/usr/bin/env bash
# One command: set up, build the index if missing or stale, start the web app.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh app,dev
export HF_HUB_OFFLINE=1
.venv/bin/pt-recommender validate
.venv/bin/python -c "from pt_recommender.recommender import Recommender; Recommender.load()"
exec .venv/bin/streamlit run app.py --server.headless true "$@"
