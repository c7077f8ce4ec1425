#!/usr/bin/env bash
# The API against its own OpenAPI document: installs a pinned schemathesis in a virtual
# environment beside this script, starts the real servicefit binary on a free port with a
# throwaway database, and lets schemathesis generate requests from /api/v1/openapi.json with every
# check on (positive and negative data): about 1,000 cases in about a minute. Any failure fails
# the run. Extra arguments go to
# `st run` (e.g. --seed 1 to replay a run).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
version="4.32.5"

if [ ! -x "$venv/bin/st" ] || ! "$venv/bin/st" --version | grep -qF "$version"; then
  echo "== installing schemathesis $version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

# shellcheck source=../browser/server.sh
. "$here/../browser/server.sh"
# The rate limit is off because every generated case comes from one address. Email is on (to a
# port nobody listens on: queued emails wait and retry) so the report route is tested as served.
start_servicefit --submit-rate-limit 0 --smtp-url smtp://127.0.0.1:9 --mail-from "API tests <api@servicefit.test>"
echo "== schemathesis against $SERVICEFIT_URL"

# schemathesis keeps reports and a cache of failures in its working directory: a throwaway one.
reports="$(mktemp -d)"
status=0
# hooks.py gives each generated Idempotency-Key its own value (see there why).
(cd "$reports" && PYTHONPATH="$here" SCHEMATHESIS_HOOKS=hooks "$venv/bin/st" run "$SERVICEFIT_URL/api/v1/openapi.json" \
  --max-examples 100 \
  --workers 2 \
  --no-color \
  --generation-database none \
  "$@") || status=$?
if [ "$status" -ne 0 ]; then
  echo "== server warnings and errors (last 40)" >&2
  grep -v ' INFO ' "$SERVICEFIT_LOG" | tail -n 40 >&2 || true
fi
rm -rf "$reports"
exit "$status"
