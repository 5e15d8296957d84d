#!/usr/bin/env bash
# Alerting benchmark (not run in CI): one `watch --once` cycle with nothing new and with NEW
# (default 1,000) new objects on a lake of the rest of the archive (convert + the threats
# detections + delivery to a loopback webhook), and `metric-filter` back-tests over the whole
# lake. EVENTS (default 2,000,000), RUNS (3) and TRAILHOUND_BENCH_DATA (bench-data/) can be set;
# TRAILHOUND_BIN skips the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-2000000}
DATA=${TRAILHOUND_BENCH_DATA:-bench-data}
ARCHIVE=${ARCHIVE:-$DATA/archive-$EVENTS}
if [ -z "${TRAILHOUND_BIN:-}" ]; then
  cargo build --release -q -p trailhound-cli
  export TRAILHOUND_BIN=./target/release/trailhound
fi
if [ ! -d "$ARCHIVE" ]; then
  cargo build --release -q -p trailhound-synth
  ./target/release/trailhound-synth "$ARCHIVE" "$EVENTS" 300 1 30
fi
python3 benches/watch.py --archive "$ARCHIVE" --bin "$TRAILHOUND_BIN" --runs "${RUNS:-3}" \
  --new "${NEW:-1000}" --work "$DATA/watch"
