#!/usr/bin/env bash
# One command: set up everything (venv, packages, Chromium) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# grep reads all of fc-list's output (no -q): an early exit would kill fc-list with SIGPIPE, and under
# pipefail the check would then fail at random and reinstall Chromium for nothing
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] || ! fc-list 2>/dev/null | grep -i "noto.*cjk" >/dev/null; then
  echo "== installing Debian's chromium and chromium-driver for the browser test"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null
fi
bash scripts/bootstrap.sh app,dev,distributed
export HF_HUB_OFFLINE=1
echo "== ruff [${SECONDS} s]"
.venv/bin/ruff check src tests app.py scripts
echo "== validate the catalog [${SECONDS} s]"
.venv/bin/pt-recommender validate
echo "== build the checkout's index (as the app command does; the tests and the package smoke reuse its embeddings) [${SECONDS} s]"
.venv/bin/pt-recommender build --if-stale
echo "== pytest (fast and slow tests) [${SECONDS} s]"
.venv/bin/python -m pytest -q "$@"
echo "== package: wheel and sdist installed outside the checkout, used from an empty folder [${SECONDS} s]"
bash scripts/smoke_package.sh
echo "== all checks passed [${SECONDS} s]"
