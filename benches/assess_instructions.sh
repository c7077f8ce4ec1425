#!/usr/bin/env bash
# Instructions per `assess` call (simulation, explanation, what-would-change) for each benchmark
# profile, counted by valgrind's callgrind. Unlike criterion's times, the count does not move
# with load or machine, so two builds can be compared on a busy machine. Not run in CI.
#
# Usage: benches/assess_instructions.sh [ITERATIONS]   (default 10)
# Each profile is run with 0 and with ITERATIONS calls; the difference over ITERATIONS is the
# count per call (the start-up, rules parsing included, cancels out).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-10}
if ! command -v valgrind >/dev/null; then
    apt-get install -y valgrind >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y valgrind >/dev/null; }
fi
BIN=$(cargo bench --manifest-path "$ROOT/Cargo.toml" --bench assess_count --no-run \
    --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "assess_count" and m.get("executable"):
        print(m["executable"])')
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

count() {
    valgrind --tool=callgrind --callgrind-out-file="$WORK/cg" "$BIN" "$1" "$2" >/dev/null 2>"$WORK/err"
    sed -n 's/^summary: //p' "$WORK/cg"
}

names=("small break/fix office" "20-person managed" "80-person co-managed" "10-person close call")
printf '%-24s %15s\n' profile "instructions/call"
for i in 0 1 2 3; do
    base=$(count "$i" 0)
    total=$(count "$i" "$N")
    printf '%-24s %15d\n' "${names[$i]}" $(( (total - base) / N ))
done
