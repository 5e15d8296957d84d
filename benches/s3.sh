#!/usr/bin/env bash
# Convert and query through a local S3 server (moto on 127.0.0.1) beside local disk, with request
# counts. Needs `pip install 'moto[server]'`. ARCHIVE defaults to the 200k-event archive
# (generated once, like convert.sh's); RUNS to 3. TRAILHOUND_BIN skips the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${TRAILHOUND_BENCH_DATA:-bench-data}
EVENTS=${EVENTS:-200000}
ARCHIVE=${ARCHIVE:-$DATA/archive-$EVENTS}
if [ -z "${TRAILHOUND_BIN:-}" ]; then
  cargo build --release -q -p trailhound-cli -p trailhound-synth
  export TRAILHOUND_BIN=./target/release/trailhound
fi
if [ ! -d "$ARCHIVE" ]; then
  cargo build --release -q -p trailhound-synth
  ./target/release/trailhound-synth "$ARCHIVE" "$EVENTS" 300 1 30
fi
python3 benches/s3.py --archive "$ARCHIVE" --runs "${RUNS:-3}"
