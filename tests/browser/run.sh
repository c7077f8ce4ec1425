#!/usr/bin/env bash
# The browser suite: installs what it needs on a clean Debian machine, starts the real
# servicefit binary on a free port with a throwaway database, runs every *.test.js with Node's
# test runner, and stops the server. Extra arguments go to `node --test` (e.g. a file name).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing chromium"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi
if ! command -v java >/dev/null; then
  echo "== installing a Java runtime for the Nu HTML checker"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y default-jre-headless
fi

cd "$here"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  # --ignore-scripts: vnu-jar's install script would download a JDK; the jar itself is in
  # the package and the machine's Java runs it.
  npm ci --ignore-scripts --no-audit --no-fund
fi

# shellcheck source=server.sh
. "$here/server.sh"
# The real spam check stays on (3 s minimum fill time): the journeys fill in like people.
# The rate limit is off because one address submits every journey's questionnaire.
start_servicefit --submit-rate-limit 0
echo "== browser tests against $SERVICEFIT_URL"

status=0
node --test --test-concurrency=1 --test-timeout=180000 "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "== server log (last 40 lines)" >&2
  tail -n 40 "$SERVICEFIT_LOG" >&2
fi
exit "$status"
