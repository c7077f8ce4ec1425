#!/usr/bin/env bash
# The browser suite: installs what it needs on a clean Debian machine, starts the real
# servicefit binary on a free port with a throwaway database, runs every *.test.js with Node's
# test runner, and stops the server. Extra arguments go to `node --test` (e.g. a file name).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

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

echo "== building servicefit"
(cd "$root" && cargo build --quiet)
bin="${CARGO_TARGET_DIR:-$root/target}/debug/servicefit"

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

export DATABASE_URL="sqlite://$work/browser.db"
export SERVICEFIT_CONSULTANT_EMAIL="consultant@servicefit.test"
export SERVICEFIT_CONSULTANT_PASSWORD="browser-tests-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$SERVICEFIT_CONSULTANT_PASSWORD" | "$bin" consultant add "$SERVICEFIT_CONSULTANT_EMAIL" >/dev/null

# The real spam check stays on (3 s minimum fill time): the journeys fill in like people.
# The rate limit is off because one address submits every journey's questionnaire.
"$bin" serve --bind 127.0.0.1:0 --submit-rate-limit 0 >"$work/stdout" 2>"$work/stderr" &
server_pid=$!
base=""
for _ in $(seq 1 200); do
  base="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/stdout" | head -n1 || true)"
  [ -n "$base" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$work/stderr" >&2
    echo "servicefit did not start" >&2
    exit 1
  fi
  sleep 0.05
done
if [ -z "$base" ]; then
  echo "servicefit did not report its address" >&2
  exit 1
fi
export SERVICEFIT_URL="$base"
echo "== browser tests against $SERVICEFIT_URL"

status=0
node --test --test-concurrency=1 "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "== server log (last 40 lines)" >&2
  tail -n 40 "$work/stderr" >&2
fi
exit "$status"
