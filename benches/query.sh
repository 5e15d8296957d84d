#!/usr/bin/env bash
# End-to-end query benchmark (not run in CI): converts the synthetic archive of convert.sh once,
# then times, alternating, RUNS times (default 7) over the same Parquet files: whole processes —
# `trailhound sql -c` against the DuckDB CLI — and warm sessions — trailhound's shell (\timing)
# against ClickHouse in-process (chDB) — then the raw-log table against DuckDB's JSON reader.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-2000000}
RUNS=${RUNS:-7}
DATA=${TRAILHOUND_BENCH_DATA:-bench-data}
cargo build --release -q -p trailhound-cli -p trailhound-synth
command -v duckdb >/dev/null || python3 -m pip install --quiet --root-user-action=ignore duckdb-cli
python3 -c 'import chdb' 2>/dev/null || python3 -m pip install --quiet --root-user-action=ignore chdb
ARCHIVE="$DATA/archive-$EVENTS"
if [ ! -f "$ARCHIVE/.facts" ]; then
  rm -rf "$ARCHIVE"
  ./target/release/trailhound-synth "$ARCHIVE" "$EVENTS" 300 1 30 | tee "$ARCHIVE.facts.tmp"
  mv "$ARCHIVE.facts.tmp" "$ARCHIVE/.facts"
fi
LAKE="$DATA/lake-$EVENTS"
[ -d "$LAKE/cloudtrail" ] || ./target/release/trailhound convert -q "$ARCHIVE" "$LAKE"
python3 benches/query.py --lake "$LAKE" --archive "$ARCHIVE" --runs "$RUNS" --raw-runs "${RAW_RUNS:-3}"
