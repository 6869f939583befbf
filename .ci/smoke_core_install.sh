#!/usr/bin/env bash
# Smoke test of a core install: a fresh venv with the pip it comes with (no upgrade), torch, then the
# project WITHOUT extras, then the main job on examples/articles. Every input must end in a record
# (published or a recorded failure: without the model hub only the English articles can be published).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip --version
"$work/venv/bin/python" -m pip install --quiet torch==2.13.0
"$work/venv/bin/python" -m pip install --quiet .

export DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false HF_HUB_OFFLINE=1 PREFECT_HOME="$work/prefect"
status=0
(cd "$work" && "$work/venv/bin/newsdigest" run "$OLDPWD/examples/articles" --store "$work/store") || status=$?
if [ "$status" -gt 1 ]; then
  echo "smoke: newsdigest run exited $status (0 or 1 expected)" >&2
  exit 1
fi
"$work/venv/bin/python" .ci/check_every_input_recorded.py examples/articles "$work/store"
