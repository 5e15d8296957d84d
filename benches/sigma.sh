#!/usr/bin/env bash
# Sigma benchmark (not run in CI): SigmaHQ's CloudTrail rules (cloned once into the bench data,
# never into the repository) run with `run --sigma` over a lake, beside `run --category threats`
# over the same window; medians of RUNS (3). LAKE defaults to the 2M-event lake benches/watch.sh
# leaves; TRAILHOUND_BIN skips the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${TRAILHOUND_BENCH_DATA:-bench-data}
LAKE=${LAKE:-$DATA/watch/lake}
RULES=${RULES:-$DATA/sigma/rules/cloud/aws/cloudtrail}
if [ -z "${TRAILHOUND_BIN:-}" ]; then
  cargo build --release -q -p trailhound-cli
  TRAILHOUND_BIN=./target/release/trailhound
fi
if [ ! -d "$RULES" ]; then
  git clone -q --depth 1 https://github.com/SigmaHQ/sigma "$DATA/sigma"
fi
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_of() {
  for _ in $(seq "${RUNS:-3}"); do
    s=$(date +%s.%N); "$@" > /dev/null 2>&1 || [ $? = 2 ]; e=$(date +%s.%N)
    echo "$e - $s" | bc
  done | median
}
echo "rules: $(ls "$RULES"/*.yml | wc -l) files in $RULES; lake: $LAKE"
"$TRAILHOUND_BIN" run --sigma "$RULES" --lake "$LAKE" --from 2000-01-01 --format csv 2>&1 >/dev/null | tail -1
echo "run --sigma (all rules, few scans): $(time_of "$TRAILHOUND_BIN" run --sigma "$RULES" --lake "$LAKE" --from 2000-01-01 --format csv) s"
echo "run --category threats ($("$TRAILHOUND_BIN" queries --category threats | tail -n +2 | wc -l) queries): $(time_of "$TRAILHOUND_BIN" run --category threats --lake "$LAKE" --from 2000-01-01 --format csv) s"
