#!/usr/bin/env bash
# Build profiles compared (not run in CI): builds `trailhound` with each profile named in
# PROFILES (default "release dist") into its own target directory, timing each build, then runs
# profiles.py on the synthetic archive of convert.sh. EVENTS (1,000,000), RUNS (5) and
# TRAILHOUND_BENCH_DATA (bench-data/) can be set; COLD=1 removes the target directories first.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-1000000}
RUNS=${RUNS:-5}
DATA=${TRAILHOUND_BENCH_DATA:-bench-data}
PROFILES=${PROFILES:-release dist}
bins=()
for profile in $PROFILES; do
  dir="$DATA/target-$profile"
  [ "${COLD:-0}" = 1 ] && rm -rf "$dir"
  start=$(date +%s)
  CARGO_TARGET_DIR="$dir" cargo build -q --profile "$profile" --bin trailhound
  out="$dir/$profile/trailhound"
  echo "$profile: built in $(($(date +%s) - start)) s, binary $(stat -c %s "$out") bytes"
  bins+=("$profile=$out")
done
CARGO_TARGET_DIR="$DATA/target-release" cargo build -q --release -p trailhound-synth
ARCHIVE="$DATA/archive-$EVENTS"
if [ ! -f "$ARCHIVE/.facts" ]; then
  rm -rf "$ARCHIVE"
  "$DATA/target-release/release/trailhound-synth" "$ARCHIVE" "$EVENTS" 300 1 30 | tee "$ARCHIVE.facts.tmp"
  mv "$ARCHIVE.facts.tmp" "$ARCHIVE/.facts"
fi
python3 benches/profiles.py --archive "$ARCHIVE" --runs "$RUNS" "${bins[@]}"
