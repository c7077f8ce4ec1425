#!/usr/bin/env bash
# Instructions per request for cached reads, counted by valgrind's callgrind: unlike requests/s,
# the count does not move with whatever else the machine is doing, so two builds can be compared
# on a busy machine. Not run in CI.
#
# Usage: benches/load/instructions.sh [BIN]   (default: target/release/servicefit, built first;
# env SECONDS_PER_RUN=3). Prints instructions per request for the results page, the page with
# gzip and the JSON read, each over a few thousand requests on 4 connections after a warm-up.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUN=${SECONDS_PER_RUN:-3}
for tool in wrk valgrind; do
    if ! command -v "$tool" >/dev/null; then
        apt-get install -y "$tool" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$tool" >/dev/null; }
    fi
done
BIN=${1:-}
if [ -z "$BIN" ]; then
    cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin servicefit
    BIN="$ROOT/target/release/servicefit"
fi

WORK=$(mktemp -d)
PID=
cleanup() {
    [ -n "$PID" ] && { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
    rm -rf "$WORK"
}
trap cleanup EXIT

valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.%p" "$BIN" --bind 127.0.0.1:0 \
    --submit-rate-limit 0 --database-url "sqlite://$WORK/ir.db" >"$WORK/out" 2>"$WORK/err" &
PID=$!
ADDR=
for _ in $(seq 600); do
    ADDR=$(sed -n 's|^listening on http://||p' "$WORK/out" | head -1)
    [ -n "$ADDR" ] && break
    sleep 0.1
done
[ -n "$ADDR" ] || { echo "the server did not start:" >&2; cat "$WORK/err" >&2; exit 1; }

IDS=()
for i in $(seq 20); do
    body=$(printf '{"company":"Seed %d","employees":%d,"growth":"growing","it_reliance":"high","complexity":"moderate","incidents_per_month":%d,"support_hours":"business_hours","security":"sensitive","in_house_it":"none","budget":"moderate","cost_preference":"predictable","control":"hands_off"}' \
        "$i" $((1 + i % 90)) $((i % 9)))
    IDS+=("$(curl -sf -o /dev/null -D - -H 'content-type: application/json' -d "$body" \
        "http://$ADDR/api/v1/assessments" | tr -d '\r' | sed -n 's|^[Ll]ocation: /assessments/||p')")
done
script() {
    {
        printf 'local ids = {'
        printf '"%s",' "${IDS[@]}"
        printf '}\nlocal n = 0\nrequest = function()\n  n = n + 1\n'
        printf '  return wrk.format("GET", string.format("%s", ids[1 + n %% #ids]))\nend\n' "$1"
    } >"$WORK/$2.lua"
}
script /assessments/%s page
script /api/v1/assessments/%s json

# count NAME SCRIPT [HEADER]: warms up, zeroes the counters, runs, dumps, divides.
count() {
    local header=()
    [ -n "${3:-}" ] && header=(-H "$3")
    wrk -t1 -c4 -d2s -s "$WORK/$2.lua" "${header[@]}" "http://$ADDR" >/dev/null
    callgrind_control -z "$PID" >/dev/null 2>&1
    local n
    n=$(wrk -t1 -c4 -d"${RUN}s" -s "$WORK/$2.lua" "${header[@]}" "http://$ADDR" | awk '/requests in/ {print $1}')
    rm -f "$WORK"/cg.*
    callgrind_control -d "$PID" >/dev/null 2>&1
    sleep 1
    local ir
    ir=$(cat "$WORK"/cg.* | awk '/^summary:/ {s += $2} END {print s}')
    printf '%-22s %6d requests %9d instructions/request\n' "$1" "$n" $((ir / n))
}
count "results page" page
count "results page, gzip" page "Accept-Encoding: gzip"
count "JSON read" json
