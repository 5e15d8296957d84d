#!/usr/bin/env bash
# End-to-end conversion benchmark (not run in CI): generates the synthetic archive once, then
# times trailhound, DuckDB and ClickHouse in-process (chDB) on it. EVENTS (default 2,000,000),
# RUNS (3) and TRAILHOUND_BENCH_DATA (bench-data/) can be set.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-2000000}
RUNS=${RUNS:-3}
DATA=${TRAILHOUND_BENCH_DATA:-bench-data}
cargo build --release -q -p trailhound-cli -p trailhound-synth
python3 -c 'import duckdb' 2>/dev/null || python3 -m pip install --quiet --root-user-action=ignore duckdb
python3 -c 'import chdb' 2>/dev/null || python3 -m pip install --quiet --root-user-action=ignore chdb
ARCHIVE="$DATA/archive-$EVENTS"
if [ ! -f "$ARCHIVE/.facts" ]; then
  rm -rf "$ARCHIVE"
  ./target/release/trailhound-synth "$ARCHIVE" "$EVENTS" 300 1 30 | tee "$ARCHIVE.facts.tmp"
  mv "$ARCHIVE.facts.tmp" "$ARCHIVE/.facts"
fi
JSON_BYTES=$(awk '{print $5}' "$ARCHIVE/.facts")
python3 benches/convert.py "$ARCHIVE" --runs "$RUNS" --events "$EVENTS" --json-bytes "$JSON_BYTES" --out "$DATA/out"
