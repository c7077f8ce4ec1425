#!/usr/bin/env bash
# Load test: servicefit beside a minimal axum plain-text server, both release builds, one wrk
# setting for all. Prints requests/s, p99 latency, ratios to the baseline and peak server memory.
# Also runs the baseline with bodies the size of servicefit's, to show what the bytes alone cost.
# Not run in CI. Usage: benches/load/run.sh   (env: DURATION=10s CONNS=32 THREADS=2 SEED=200;
# SERVICEFIT_BIN=path measures that binary instead of building this checkout)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/benches/load"
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
SEED=${SEED:-200}

if ! command -v wrk >/dev/null; then
    echo "== installing wrk"
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi

echo "== building (release)"
if [ -z "${SERVICEFIT_BIN:-}" ]; then
    cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin servicefit
    SERVICEFIT_BIN="$ROOT/target/release/servicefit"
fi
CARGO_TARGET_DIR="$ROOT/target/load-baseline" \
    cargo build --release --quiet --manifest-path "$HERE/baseline/Cargo.toml"

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME COMMAND...: runs it in the background and sets PID and ADDR from its
# `listening on http://ADDR` line.
start() {
    local name=$1
    shift
    "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    PID=$!
    PIDS+=("$PID")
    for _ in $(seq 300); do
        ADDR=$(sed -n 's|^listening on http://||p' "$WORK/$name.out" | head -1)
        [ -n "$ADDR" ] && return 0
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "$name did not start:" >&2
    cat "$WORK/$name.err" >&2
    exit 1
}

start baseline "$ROOT/target/load-baseline/release/load-baseline"
BASE_PID=$PID BASE=$ADDR
start servicefit "$SERVICEFIT_BIN" \
    --bind 127.0.0.1:0 --submit-rate-limit 0 --database-url "sqlite://$WORK/load.db"
SF_PID=$PID SF=$ADDR

echo "== seeding $SEED assessments"
IDS=()
for i in $(seq "$SEED"); do
    body=$(printf '{"company":"Seed %d","employees":%d,"growth":"growing","it_reliance":"high","complexity":"moderate","incidents_per_month":%d,"support_hours":"business_hours","security":"sensitive","in_house_it":"none","budget":"moderate","cost_preference":"predictable","control":"hands_off"}' \
        "$i" $((1 + i % 90)) $((i % 9)))
    location=$(curl -sf -o /dev/null -D - -H 'content-type: application/json' -d "$body" \
        "http://$SF/api/v1/assessments" | tr -d '\r' | sed -n 's|^[Ll]ocation: /assessments/||p')
    IDS+=("$location")
done

# A wrk script that walks through the seeded ids, so reads are spread over many assessments.
ids_lua() {
    local template=$1
    {
        printf 'local ids = {'
        printf '"%s",' "${IDS[@]}"
        printf '}\nlocal n = 0\nrequest = function()\n  n = n + 1\n'
        printf '  return wrk.format("GET", string.format("%s", ids[1 + n %% #ids]))\nend\n' "$template"
    } >"$WORK/$2.lua"
    echo "$WORK/$2.lua"
}
PAGE_LUA=$(ids_lua /assessments/%s page)
JSON_LUA=$(ids_lua /api/v1/assessments/%s json)

hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

# Server CPU time so far (user + system, clock ticks), which the other work on the machine does
# not change: CPU per request is the steadier figure when the load average is high.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))

# measure NAME PID wrk-arguments...: runs wrk against the server PID and adds a table row.
BASE_RPS=
measure() {
    local name=$1 pid=$2
    shift 2
    local before
    before=$(cpu_ticks "$pid")
    wrk --latency "$@" >"$WORK/wrk.txt"
    local ticks=$(($(cpu_ticks "$pid") - before))
    local rps p99 bad count
    rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$WORK/wrk.txt")
    count=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
    p99=$(awk '$1 == "99%" {v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
        if (u == "us") v /= 1000; else if (u == "s") v *= 1000; printf "%.2f", v}' "$WORK/wrk.txt")
    bad=$(awk '/Non-2xx/ {n = $NF} /Socket errors/ {s = $0} END {print (n ? n : 0) (s ? " [" s "]" : "")}' "$WORK/wrk.txt")
    [ -z "$BASE_RPS" ] && BASE_RPS=$rps
    printf '%-36s %8s %8s %7s%% %9s %9s MB  %s\n' "$name" "$rps" "$p99" \
        "$(awk -v a="$rps" -v b="$BASE_RPS" 'BEGIN {printf "%.0f", 100 * a / b}')" \
        "$(awk -v t="$ticks" -v n="$count" -v us="$TICK_US" 'BEGIN {printf "%.0f", t * us / n}')" \
        "$(awk -v k="$(hwm_kb "$SF_PID")" 'BEGIN {printf "%.1f", k / 1024}')" "$bad" >>"$WORK/rows"
}

W=(-t"$THREADS" -c"$CONNS" -d"$DURATION")
echo "== wrk ${W[*]} --latency; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
measure "baseline GET / (plain text)" "$BASE_PID" "${W[@]}" "http://$BASE/"
measure "results page GET /assessments/{id}" "$SF_PID" "${W[@]}" -s "$PAGE_LUA" "http://$SF"
measure "results page, Accept-Encoding gzip" "$SF_PID" "${W[@]}" -s "$PAGE_LUA" -H 'Accept-Encoding: gzip' "http://$SF"
measure "JSON GET /api/v1/assessments/{id}" "$SF_PID" "${W[@]}" -s "$JSON_LUA" "http://$SF"
# The same minimal server answering bodies as large as servicefit's: what moving that many bytes
# through axum, hyper and loopback costs on its own.
PAGE_BYTES=$(curl -sf "http://$SF/assessments/${IDS[0]}" | wc -c)
GZIP_BYTES=$(curl -sf -H 'Accept-Encoding: gzip' "http://$SF/assessments/${IDS[0]}" | wc -c)
JSON_BYTES=$(curl -sf "http://$SF/api/v1/assessments/${IDS[0]}" | wc -c)
measure "baseline, page-sized body ($PAGE_BYTES B)" "$BASE_PID" "${W[@]}" "http://$BASE/bytes/$PAGE_BYTES"
measure "baseline, gzip-page-sized ($GZIP_BYTES B)" "$BASE_PID" "${W[@]}" "http://$BASE/bytes/$GZIP_BYTES"
measure "baseline, JSON-sized body ($JSON_BYTES B)" "$BASE_PID" "${W[@]}" "http://$BASE/bytes/$JSON_BYTES"
measure "POST /api/v1/assessments (durable)" "$SF_PID" "${W[@]}" -s "$HERE/post.lua" "http://$SF/api/v1/assessments"

# Reads while submissions run: half the connections each.
HALF=$((CONNS / 2))
wrk -t1 -c"$HALF" -d"$DURATION" -s "$HERE/post.lua" "http://$SF/api/v1/assessments" >"$WORK/mixed-post.txt" &
MIXED=$!
measure "results page while POSTs run" "$SF_PID" -t1 -c"$HALF" -d"$DURATION" -s "$PAGE_LUA" "http://$SF"
wait "$MIXED"
MIXED_POST=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$WORK/mixed-post.txt")

stored=$(curl -sf "http://$SF/healthz" >/dev/null && echo ok || echo "not ok")
echo
printf '%-36s %8s %8s %8s %9s %12s  %s\n' "target" "req/s" "p99 ms" "of base" "CPU us/req" "servicefit HWM" "non-2xx/3xx, socket errors"
cat "$WORK/rows"
echo
echo "POSTs/s during the mixed run: $MIXED_POST; /healthz after the run: $stored"
echo "servicefit peak RSS (VmHWM): $(awk -v k="$(hwm_kb "$SF_PID")" 'BEGIN {printf "%.1f", k / 1024}') MB;" \
    "baseline: $(awk -v k="$(hwm_kb "$BASE_PID")" 'BEGIN {printf "%.1f", k / 1024}') MB"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
