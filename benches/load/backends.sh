#!/usr/bin/env bash
# Load test of the two backends side by side, on this machine, with one wrk setting:
#   SQLite, one instance  |  PostgreSQL, one instance  |  PostgreSQL, two instances on one database
# For each: durable submissions a second (POST /api/v1/assessments, each answered only after its
# commit), results pages and JSON reads a second, with p99 latency. With two instances, wrk
# drives both at once (half the connections each) and the rates are added.
# Not run in CI. Usage: benches/load/backends.sh   (env: DURATION=10s CONNS=32 SEED=200;
# SERVICEFIT_BIN=path measures that binary; SERVICEFIT_TEST_POSTGRES=URL uses that server,
# otherwise a throwaway cluster is started with tests/pg/cluster.sh)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/benches/load"
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
SEED=${SEED:-200}

command -v wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }

if [ -z "${SERVICEFIT_BIN:-}" ]; then
    echo "== building (release)"
    cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin servicefit
    SERVICEFIT_BIN="$ROOT/target/release/servicefit"
fi

WORK=$(mktemp -d)
PIDS=()
PG_DIR=
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    [ -n "$PG_DIR" ] && bash "$ROOT/tests/pg/cluster.sh" stop "$PG_DIR"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${SERVICEFIT_TEST_POSTGRES:-}" ]; then
    eval "$(bash "$ROOT/tests/pg/cluster.sh" start)"
    PG_DIR=$SERVICEFIT_PG_DIR
fi
PG_SERVER=$SERVICEFIT_TEST_POSTGRES

# A fresh database on the PostgreSQL server; prints its URL.
fresh_pg() {
    local name="load_$$_$1"
    psql -q "$PG_SERVER" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
    printf '%s/%s' "${PG_SERVER%/*}" "$name"
}

# start NAME DATABASE_URL: starts an instance on it; sets PID and ADDR.
start() {
    local name=$1
    "$SERVICEFIT_BIN" --bind 127.0.0.1:0 --submit-rate-limit 0 --database-url "$2" \
        >"$WORK/$name.out" 2>"$WORK/$name.err" &
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

# seed ADDR: stores SEED assessments through the API and writes the wrk scripts that read them.
seed() {
    local ids=()
    for i in $(seq "$SEED"); do
        body=$(printf '{"company":"Seed %d","employees":%d,"growth":"growing","it_reliance":"high","complexity":"moderate","incidents_per_month":%d,"support_hours":"business_hours","security":"sensitive","in_house_it":"none","budget":"moderate","cost_preference":"predictable","control":"hands_off"}' \
            "$i" $((1 + i % 90)) $((i % 9)))
        ids+=("$(curl -sf -o /dev/null -D - -H 'content-type: application/json' -d "$body" \
            "http://$1/api/v1/assessments" | tr -d '\r' | sed -n 's|^[Ll]ocation: /assessments/||p')")
    done
    for kind in page json; do
        local template=/assessments/%s
        [ "$kind" = json ] && template=/api/v1/assessments/%s
        {
            printf 'local ids = {'
            printf '"%s",' "${ids[@]}"
            printf '}\nlocal n = 0\nrequest = function()\n  n = n + 1\n'
            printf '  return wrk.format("GET", string.format("%s", ids[1 + n %% #ids]))\nend\n' "$template"
        } >"$WORK/$kind.lua"
    done
}

# run LABEL CONNECTIONS SCRIPT PATH ADDR...: wrk against every ADDR at once with CONNECTIONS
# each; prints the summed requests/s and the worst p99 (ms).
run() {
    local label=$1 conns=$2 script=$3 path=$4
    shift 4
    local n=0 wrks=()
    for addr in "$@"; do
        wrk -t1 -c"$conns" -d"$DURATION" --latency -s "$script" "http://$addr$path" >"$WORK/$label.$n.txt" &
        wrks+=($!)
        n=$((n + 1))
    done
    wait "${wrks[@]}"
    awk '/^Requests\/sec/ {r += $2}
         $1 == "99%" {v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
                      if (u == "us") v /= 1000; else if (u == "s") v *= 1000; if (v > p) p = v}
         /Non-2xx/ {bad += $NF}
         END {printf "%8.0f %8.2f %6d", r, p, bad}' "$WORK/$label".*.txt
}

ROWS="$WORK/rows"
# measure CONFIG ADDR...: the three figures for one configuration.
measure() {
    local config=$1
    shift
    local each=$((CONNS / $#))
    {
        printf '%-28s %-34s %s\n' "$config" "POST /api/v1/assessments (durable)" \
            "$(run "$config-post" "$each" "$HERE/post.lua" /api/v1/assessments "$@")"
        printf '%-28s %-34s %s\n' "$config" "GET /assessments/{id} (page)" \
            "$(run "$config-page" "$each" "$WORK/page.lua" "" "$@")"
        printf '%-28s %-34s %s\n' "$config" "GET /api/v1/assessments/{id}" \
            "$(run "$config-json" "$each" "$WORK/json.lua" "" "$@")"
    } >>"$ROWS"
}

echo "== wrk -c$CONNS -d$DURATION per configuration; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

start sqlite "sqlite://$WORK/load.db"
seed "$ADDR"
measure "SQLite, 1 instance" "$ADDR"
kill "$PID"
wait "$PID" 2>/dev/null || true

start pg1 "$(fresh_pg one)"
seed "$ADDR"
measure "PostgreSQL, 1 instance" "$ADDR"
kill "$PID"
wait "$PID" 2>/dev/null || true

URL=$(fresh_pg two)
start pg2a "$URL"
A=$ADDR
start pg2b "$URL"
B=$ADDR
seed "$A"
measure "PostgreSQL, 2 instances" "$A" "$B"

echo
printf '%-28s %-34s %8s %8s %6s\n' "configuration" "request" "req/s" "p99 ms" "non-2xx"
cat "$ROWS"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores, all processes on this machine"
