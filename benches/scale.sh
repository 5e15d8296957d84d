#!/usr/bin/env bash
# Conversion and queries at 2M, 6M and 20M events of the same density (about 67k events a day;
# not run in CI): generates each archive once, converts it with 2 threads under /usr/bin/time
# (wall, CPU, peak RSS), then times three queries as whole processes, medians of 5.
# TRAILHOUND_BIN (default: a release build), TRAILHOUND_BENCH_DATA (bench-data/), SIZES.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${TRAILHOUND_BENCH_DATA:-bench-data}
if [ -z "${TRAILHOUND_BIN:-}" ]; then
  cargo build --release -q -p trailhound-cli -p trailhound-synth
  TRAILHOUND_BIN=./target/release/trailhound
fi
B=$TRAILHOUND_BIN
SYNTH=$(dirname "$B")/trailhound-synth
for n in ${SIZES:-2000000 6000000 20000000}; do
  days=$(( n / 66667 ))
  A=$DATA/archive-$n-$days; L=$DATA/scale-lake-$n
  [ -f "$A/.done" ] || { rm -rf "$A"; "$SYNTH" "$A" "$n" 300 1 "$days"; touch "$A/.done"; }
  rm -rf "$L"
  /usr/bin/time -f "convert $n: wall %e s, user %U s, sys %S s, maxrss %M KB" "$B" convert -q -j 2 "$A" "$L" 2>&1 | tail -1
  du -sb "$L/cloudtrail" | awk '{printf "lake bytes %d\n", $1}'
  first=$("$B" sql "$L" --format csv -c "SELECT min(date) FROM cloudtrail WHERE date <> 'unknown'" | tail -1)
  d1=$(date -u -d "$first + 10 days" +%Y-%m-%dT00:00:00Z)
  for q in "one day|SELECT eventsource, count(*) AS n FROM cloudtrail WHERE eventtime >= TIMESTAMP '$d1' AND eventtime < TIMESTAMP '$d1' + INTERVAL '1 day' GROUP BY 1 ORDER BY 2 DESC" \
           "top event names|SELECT eventname, count(*) AS n FROM cloudtrail GROUP BY 1 ORDER BY 2 DESC LIMIT 10" \
           "failed logins|SELECT sourceipaddress, date_bin(INTERVAL '5 minutes', eventtime) AS w, count(*) AS n FROM cloudtrail WHERE eventname = 'ConsoleLogin' AND responseelements LIKE '%Failure%' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 20"; do
    name=${q%%|*}; sql=${q#*|}
    ts=()
    for _ in 1 2 3 4 5; do
      s=$(date +%s.%N); "$B" sql "$L" --format csv -c "$sql" > /dev/null
      ts+=("$(echo "$(date +%s.%N) - $s" | bc)")
    done
    echo "query $n $name: median $(printf '%s\n' "${ts[@]}" | sort -n | sed -n 3p) s (${ts[*]})"
  done
done
