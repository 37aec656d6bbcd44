#!/usr/bin/env bash
# Monitoring benchmark (issue 20: the discrepancy table for every facility
# and month since 2016 on the default demo register, under 1 s). It builds
# the default demo register (or uses DB), records one visit to every
# facility at every month end from 2016-01 to the register's last month
# (observed total, men, women, pre-trial: the register's figures shifted so
# that some are flagged), then prints medians over RUNS runs of
#   habeas monitor discrepancies --format json     (the table, every visit)
# and, measured in the same run as a yardstick, of
#   habeas stats --as-of LAST                      (the figures of one date)
# with the ratio of the two.
# Usage: bench/monitor.sh [DB] ; env RUNS (default 5). A DB given is
# written to (visits are added): give a copy.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
OUT=bench/out
mkdir -p "$OUT"
BIN=$OUT/habeas
go build -o "$BIN" ./cmd/habeas
. bench/lib.sh
rm -f "$OUT"/*.txt

DB=${1:-}
if [ -z "$DB" ]; then
  DB=$OUT/monitor.db
  rm -f "$DB"
  echo "== building the default demo register in $DB"
  "$BIN" --db "$DB" demo | tail -1
fi
LAST=$(sqlite3 "$DB" "SELECT MAX(date) FROM events" | sed -E 's/(....)(..)(..)/\1-\2-\3/')
FACS=$(sqlite3 "$DB" "SELECT id FROM facilities ORDER BY id")
VISITS=$OUT/visits.json
echo "== writing one visit per facility and month end, 2016-01 to ${LAST:0:7}"
{
  echo "["
  first=1
  for F in $FACS; do
    m=2016-01-01
    while :; do
      end=$(date -d "$m +1 month -1 day" +%F)
      [[ "$end" > "$LAST" ]] && break
      n=$(( (RANDOM % 400) + 50 ))
      [ $first = 1 ] || echo ","
      first=0
      printf '{"facility":"%s","date":"%s","data":{"id":"bench-%s-%s","team":["bench"],"observed":{"total":%d,"men":%d,"women":%d,"pretrial":%d},"cells":[{"label":"A","use":"dormitory","area_m2":60,"people":%d,"litres_per_day":150,"toilets":1}]}}' \
        "$F" "$end" "$F" "$end" "$n" $((n - 10)) 10 $((n / 2)) $((n / 3))
      m=$(date -d "$m +1 month" +%F)
    done
  done
  echo "]"
} >"$VISITS"
"$BIN" --db "$DB" visit add "$VISITS"

echo "== habeas monitor discrepancies --format json, and habeas stats --as-of $LAST, $RUNS runs each, interleaved"
for i in $(seq "$RUNS"); do
  measure disc "$BIN" --db "$DB" monitor discrepancies --format json
  measure stats "$BIN" --db "$DB" stats --as-of "$LAST"
done
"$BIN" --db "$DB" monitor discrepancies --format csv >"$OUT/discrepancies.csv"
rows=$(($(wc -l <"$OUT/discrepancies.csv") - 1))
flagged=$(grep -c ',true$' "$OUT/discrepancies.csv" || true)
d=$(med_time disc); s=$(med_time stats)
echo "discrepancy table ($rows rows, $flagged flagged): median $d s, peak memory $(med_mem_mb disc) MB"
echo "stats of one date (yardstick): median $s s; ratio table/stats $(ratio "$d" "$s")"
