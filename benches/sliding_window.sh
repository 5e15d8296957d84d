#!/usr/bin/env bash
# The four sliding-hour distinct-count queries, before (12418d8: spans, edges and a running sum)
# and after (count(DISTINCT …) OVER a RANGE frame): outputs compared byte for byte, then the
# median of 5 timed runs of each. Usage: benches/sliding_window.sh TRAILHOUND_BIN LAKE
# (threshold=3 so that the synthetic lake's enumeration has rows to compare).
set -euo pipefail
B=$1
LAKE=$2
OLD=$(mktemp -d)
trap 'rm -rf "$OLD"' EXIT
mkdir -p "$OLD/threats"
QUERIES=(iam-enumeration denied-discovery-burst discovery-burst-by-new-principal s3-bucket-enumeration)
for q in "${QUERIES[@]}"; do
  git -C "$(dirname "$0")" show "12418d8:queries/threats/$q.sql" > "$OLD/threats/$q.sql"
done
median() { # command…: the median wall time of 5 runs, in seconds
  local ts=()
  for _ in 1 2 3 4 5; do
    local s e
    s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N)
    ts+=("$(echo "$e - $s" | bc)")
  done
  printf '%s\n' "${ts[@]}" | sort -n | sed -n 3p
}
for q in "${QUERIES[@]}"; do
  new=(run "$q" --lake "$LAKE" --since 100000d --format csv -p threshold=3)
  old=(run "$q" --queries "$OLD" --lake "$LAKE" --since 100000d --format csv -p threshold=3)
  if cmp -s <("$B" "${new[@]}" 2>/dev/null) <("$B" "${old[@]}" 2>/dev/null); then same=same; else same=DIFFERENT; fi
  rows=$(( $("$B" "${new[@]}" 2>/dev/null | wc -l) - 1 ))
  t_old=$(median "$B" "${old[@]}")
  t_new=$(median "$B" "${new[@]}")
  echo "$q rows=$rows output=$same old=${t_old}s new=${t_new}s old/new=$(echo "scale=2; $t_old / $t_new" | bc)"
done
