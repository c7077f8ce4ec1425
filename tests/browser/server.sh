# Sourced by run.sh and lighthouse.sh: builds the debug binary and starts servicefit on a free
# port with a throwaway database and one consultant account. Sets SERVICEFIT_URL,
# SERVICEFIT_CONSULTANT_EMAIL/PASSWORD and SERVICEFIT_LOG; the server stops when the shell exits.
# Extra arguments go to `servicefit serve`.

start_servicefit() {
  local root bin
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  echo "== building servicefit"
  (cd "$root" && cargo build --quiet)
  bin="${CARGO_TARGET_DIR:-$root/target}/debug/servicefit"

  servicefit_work="$(mktemp -d)"
  servicefit_pid=""
  trap stop_servicefit EXIT

  export DATABASE_URL="sqlite://$servicefit_work/browser.db"
  export SERVICEFIT_CONSULTANT_EMAIL="consultant@servicefit.test"
  SERVICEFIT_CONSULTANT_PASSWORD="browser-tests-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  export SERVICEFIT_CONSULTANT_PASSWORD
  printf '%s\n' "$SERVICEFIT_CONSULTANT_PASSWORD" |
    "$bin" consultant add "$SERVICEFIT_CONSULTANT_EMAIL" >/dev/null

  export SERVICEFIT_LOG="$servicefit_work/stderr"
  "$bin" serve --bind 127.0.0.1:0 "$@" >"$servicefit_work/stdout" 2>"$SERVICEFIT_LOG" &
  servicefit_pid=$!
  SERVICEFIT_URL=""
  for _ in $(seq 1 200); do
    SERVICEFIT_URL="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$servicefit_work/stdout" | head -n1 || true)"
    [ -n "$SERVICEFIT_URL" ] && break
    if ! kill -0 "$servicefit_pid" 2>/dev/null; then
      cat "$SERVICEFIT_LOG" >&2
      echo "servicefit did not start" >&2
      return 1
    fi
    sleep 0.05
  done
  if [ -z "$SERVICEFIT_URL" ]; then
    echo "servicefit did not report its address" >&2
    return 1
  fi
  export SERVICEFIT_URL
}

stop_servicefit() {
  if [ -n "${servicefit_pid:-}" ]; then
    kill "$servicefit_pid" 2>/dev/null || true
    wait "$servicefit_pid" 2>/dev/null || true
    servicefit_pid=""
  fi
  rm -rf "${servicefit_work:-/nonexistent}"
}
