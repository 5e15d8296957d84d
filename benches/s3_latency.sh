#!/usr/bin/env bash
# trailhound against DuckDB on a lake in S3 at S3's latency (not run in CI): moto's S3 server on
# 127.0.0.1 behind benches/latency_proxy.py (30 ms to first byte, 100 MB/s per connection); the
# 4 queries of query.py through it with `trailhound sql s3://…` and DuckDB's httpfs, whole
# processes, alternating, medians; then `trailhound convert` S3 → S3. Request counts by kind.
# Installs what is missing: moto[server], boto3, and PyPI duckdb with the httpfs extension's
# package of the same version (DUCKDB_VERSION, default 1.5.5: the newest that package has) into
# $TRAILHOUND_BENCH_DATA/duckdb-VERSION-httpfs, apart from the machine's own duckdb.
# EVENTS (default 2000000), RUNS (5), CONVERT_RUNS (3), TTFB_MS (30), MBPS (100), DUCKDB_THREADS
# (default; a comma list such as default,16 adds DuckDB contenders), TRAILHOUND_BENCH_DATA;
# TRAILHOUND_BIN skips the release build (trailhound-synth is taken from beside it).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${TRAILHOUND_BENCH_DATA:-bench-data}
EVENTS=${EVENTS:-2000000}
ARCHIVE=${ARCHIVE:-$DATA/archive-$EVENTS}
LAKE=${LAKE:-$DATA/lake-$EVENTS}
DUCKDB_VERSION=${DUCKDB_VERSION:-1.5.5}
if [ -z "${TRAILHOUND_BIN:-}" ]; then
  cargo build --release -q -p trailhound-cli -p trailhound-synth
  export TRAILHOUND_BIN=./target/release/trailhound
fi
SYNTH=$(dirname "$TRAILHOUND_BIN")/trailhound-synth
pip_install() { python3 -m pip install --quiet --root-user-action=ignore "$@"; }
python3 -c "import moto.server, flask_cors" 2>/dev/null || pip_install 'moto[server]'
python3 -c "import boto3" 2>/dev/null || pip_install boto3
# DuckDB in a folder of its own, so that the machine's `duckdb` (convert.sh's) stays as it is.
DUCKDB_DIR=$DATA/duckdb-$DUCKDB_VERSION-httpfs
ls "$DUCKDB_DIR"/duckdb_extension_httpfs/extensions/v"$DUCKDB_VERSION"/httpfs.duckdb_extension >/dev/null 2>&1 ||
  pip_install --target "$DUCKDB_DIR" "duckdb==$DUCKDB_VERSION" "duckdb-extension-httpfs==$DUCKDB_VERSION"
if [ ! -f "$ARCHIVE/.facts" ]; then
  rm -rf "$ARCHIVE"
  mkdir -p "$DATA"
  "$SYNTH" "$ARCHIVE" "$EVENTS" 300 1 30 | tee "$ARCHIVE.facts.tmp"
  mv "$ARCHIVE.facts.tmp" "$ARCHIVE/.facts"
fi
[ -d "$LAKE/cloudtrail" ] || "$TRAILHOUND_BIN" convert -q "$ARCHIVE" "$LAKE"
python3 benches/s3_latency.py --lake "$LAKE" --archive "$ARCHIVE" --runs "${RUNS:-5}" \
  --convert-runs "${CONVERT_RUNS:-3}" --ttfb-ms "${TTFB_MS:-30}" --mbps "${MBPS:-100}" \
  --duckdb-threads "${DUCKDB_THREADS:-default}" --duckdb-pythonpath "$DUCKDB_DIR"
