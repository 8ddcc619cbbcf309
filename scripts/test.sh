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
echo "== ruff"
.venv/bin/ruff check src tests app.py scripts
echo "== validate the catalog"
.venv/bin/pt-recommender validate
echo "== pytest (fast and slow tests)"
.venv/bin/python -m pytest -q "$@"
echo "== package: wheel and sdist installed outside the checkout, used from an empty folder"
bash scripts/smoke_package.sh
