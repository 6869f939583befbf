#!/usr/bin/env bash
# Smoke test of a core install: a fresh venv with the pip it comes with (no upgrade), torch, then the
# project WITHOUT extras, then the main job on examples/articles. Every input must end in a record
# (published or a recorded failure: without the model hub only the English articles can be published).
# Then, from a folder outside the checkout (what a plain install has), a local Prefect server, `newsdigest
# serve`, and one run of the manual deployment, watched to its end.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
python=${PYTHON:-python3}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip --version
"$work/venv/bin/python" -m pip install --quiet torch==2.13.0
"$work/venv/bin/python" -m pip install --quiet .
bin=$work/venv/bin

export DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false HF_HUB_OFFLINE=1 PREFECT_HOME="$work/prefect"
status=0
(cd "$work" && "$bin/newsdigest" run "$repo/examples/articles" --store "$work/store") || status=$?
if [ "$status" -gt 1 ]; then
  echo "smoke: newsdigest run exited $status (0 or 1 expected)" >&2
  exit 1
fi
"$bin/python" .ci/check_every_input_recorded.py examples/articles "$work/store"

# Serve from the install alone: nothing below reads the checkout except the example article.
port=$("$bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PREFECT_API_URL="http://127.0.0.1:$port/api" PREFECT_RUNNER_POLL_FREQUENCY=2 PREFECT_API_REQUEST_TIMEOUT=120
(cd "$work" && exec "$bin/prefect" server start --host 127.0.0.1 --port "$port" --no-ui) >"$work/server.log" 2>&1 &
pids+=($!)
healthy() { "$bin/python" -c "import httpx, sys; sys.exit(httpx.get('$PREFECT_API_URL/health', timeout=5).status_code != 200)" 2>/dev/null; }
for _ in $(seq 1 120); do healthy && break; sleep 1; done
healthy || { echo "smoke: prefect server not healthy after 120 s" >&2; tail -30 "$work/server.log" >&2; exit 1; }

(cd "$work" && exec "$bin/newsdigest" serve) >"$work/serve.log" 2>&1 &
pids+=($!)
registered() { (cd "$work" && "$bin/prefect" deployment inspect news-digests/manual) >/dev/null 2>&1; }
for _ in $(seq 1 60); do registered && break; sleep 2; done
registered || { echo "smoke: newsdigest serve registered nothing" >&2; tail -30 "$work/serve.log" >&2; exit 1; }

article="$repo/examples/articles/en-tram-line.txt"
if ! (cd "$work" && timeout 300 "$bin/prefect" deployment run news-digests/manual \
    --param "paths=[\"$article\"]" --param "store_url=$work/served-store" --watch); then
  echo "smoke: the served deployment's run did not complete" >&2
  tail -40 "$work/serve.log" >&2
  exit 1
fi
manifests=$(find "$work/served-store/runs" -name '*.json' | wc -l)
records=$(find "$work/served-store/records" -name '*.json' | wc -l)
if [ "$manifests" -ne 1 ] || [ "$records" -ne 1 ]; then
  echo "smoke: the served run left $manifests manifest(s) and $records record(s) (1 and 1 expected)" >&2
  exit 1
fi
echo "smoke: served deployment ran once: 1 manifest, 1 record"
