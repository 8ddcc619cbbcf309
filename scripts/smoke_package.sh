#!/usr/bin/env bash
# Build the wheel and sdist, install each into a fresh venv OUTSIDE the checkout, and use it from
# an empty folder: recommend(), the CLI (recommend, export, eval on the shipped dev sets, info),
# `python -m pt_recommender`, a read-only package folder, and the app answering one query.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=$(mktemp -d /tmp/pt-smoke.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export HF_HUB_OFFLINE=1
unset PT_RECOMMENDER_DATA_DIR PT_RECOMMENDER_INDEX_DIR PT_RECOMMENDER_ENCODER
START=$(date +%s)
lap() { echo "   [$1: $(( $(date +%s) - START )) s into the smoke test]"; }
echo "== building wheel and sdist"
.venv/bin/python -m build -q -o "$WORK/dist" . >/dev/null
WHEEL=$(ls "$WORK"/dist/pt_recommender-*.whl)
SDIST=$(ls "$WORK"/dist/pt_recommender-*.tar.gz)
echo "   $(basename "$WHEEL"): $(du -k "$WHEEL" | cut -f1) KiB, $(unzip -l "$WHEEL" | tail -1 | awk '{print $2}') files"
for kind in wheel sdist; do
  artefact=$WHEEL; [ "$kind" = sdist ] && artefact=$SDIST
  echo "== fresh venv from the $kind"
  export XDG_CACHE_HOME="$WORK/cache-$kind"
  # the wheel's install builds its index on first use; the sdist's starts from a copy of that cache
  # and must find it ready (its cache key hashes the packaged catalog and model: the sdist must ship
  # the same ones), which keeps CI within its time. The wheel's build starts from the checkout's
  # embeddings of the catalog texts (scripts/test.sh built that index with the same model; keyed by
  # model and text, checksummed): it still exports its own model and builds its own index, but
  # does not embed 9,000 texts a second time (140 s on a 2-core machine)
  [ "$kind" = sdist ] && cp -r "$WORK/cache-wheel" "$WORK/cache-sdist"
  python3 -m venv "$WORK/venv-$kind"
  PY="$WORK/venv-$kind/bin/python"
  "$PY" -m pip install -q --upgrade pip
  "$PY" -m pip install -q "torch==2.13.0"
  "$PY" -m pip install -q "${artefact}[app]"
  lap "installed the $kind"
  if [ "$kind" = wheel ] && [ -d "$ROOT/index/cache" ]; then
    key=$(cd "$WORK" && "$PY" -c "from pt_recommender.index.manifest import default_index_dir; print(default_index_dir())")
    mkdir -p "$key/cache"
    for emb in "$ROOT"/index/cache/all-MiniLM-*; do [ -d "$emb" ] && cp -r "$emb" "$key/cache/"; done
  fi
  chmod -R a-w "$("$PY" -c 'import pt_recommender, os; print(os.path.dirname(pt_recommender.__file__))')"
  mkdir -p "$WORK/empty-$kind" && cd "$WORK/empty-$kind"
  t0=$(date +%s.%N)
  "$PY" -c "from pt_recommender import recommend; r = recommend('3D medical segmentation', k=3); print([x.name for x in r]); assert any(x.id in ('monai', 'nnunet', 'torchio') for x in r)" 2> "$WORK/first-$kind.err" \
    || { cat "$WORK/first-$kind.err" >&2; exit 1; }
  t1=$(date +%s.%N)
  cat "$WORK/first-$kind.err" >&2
  if [ "$kind" = sdist ] && grep -q "rebuilding index" "$WORK/first-$kind.err"; then
    echo "the sdist's package did not find the wheel's index: the two ship different catalogs or models" >&2
    exit 1
  fi
  "$PY" -c "from pt_recommender import recommend; r = recommend('3D medical segmentation', k=3); assert r"
  t2=$(date +%s.%N)
  echo "   first call $(echo "$t1 - $t0" | bc) s (the wheel's builds the index into the user cache), second $(echo "$t2 - $t1" | bc) s"
  "$WORK/venv-$kind/bin/pt-recommender" recommend "plot my loss curves" -k 3 --no-rebuild
  "$PY" -m pt_recommender info | grep -E "source|state|query_adapter"
  # the adapter travels in the package (grep reads everything: -q could break the pipe under pipefail)
  "$PY" -m pt_recommender info | grep "query_adapter: trained" >/dev/null
  printf 'id,query\n1,image segmentation\n2,语义分割模型\n' > in.csv
  "$WORK/venv-$kind/bin/pt-recommender" export in.csv -o out.csv -k 2 --quiet --no-rebuild
  test "$(wc -l < out.csv)" -ge 5
  "$WORK/venv-$kind/bin/pt-recommender" eval --only full --no-rebuild | grep -E "^==|nDCG"
  lap "the $kind's checks done"
  [ "$kind" = sdist ] && break  # the app is checked once, from the wheel's venv below
  cd "$ROOT"
done
echo "== the app from the installed wheel answers one query"
cd "$WORK/empty-wheel"
"$ROOT/.venv/bin/python" "$ROOT/scripts/smoke_app.py" "$WORK/venv-wheel/bin/pt-recommender"
lap "the app answered"
echo "package smoke test: ok"
