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
# One awk pass (a date(1) per visit is slow on a loaded machine).
echo "$FACS" | awk -v last="$LAST" '
  function mend(y, m) { return (m == 2) ? ((y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28) : ((m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31) }
  BEGIN { srand(20); printf "[" ; first = 1 }
  {
    for (y = 2016; y <= 2030; y++) for (m = 1; m <= 12; m++) {
      d = sprintf("%04d-%02d-%02d", y, m, mend(y, m))
      if (d > last) continue
      n = int(rand() * 400) + 50
      printf "%s{\"facility\":\"%s\",\"date\":\"%s\",\"data\":{\"id\":\"bench-%s-%s\",\"team\":[\"bench\"],\"observed\":{\"total\":%d,\"men\":%d,\"women\":10,\"pretrial\":%d},\"cells\":[{\"label\":\"A\",\"use\":\"dormitory\",\"area_m2\":60,\"people\":%d,\"litres_per_day\":150,\"toilets\":1}]}}\n", (first ? "" : ","), $1, d, $1, d, n, n - 10, int(n / 2), int(n / 3)
      first = 0
    }
  }
  END { print "]" }' >"$VISITS"
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
echo "discrepancy table ($rows rows, $flagged flagged): median $d s wall, $(med_cpu disc) s CPU, peak memory $(med_mem_mb disc) MB"
echo "stats of one date (yardstick): median $s s wall, $(med_cpu stats) s CPU; ratio table/stats $(ratio "$d" "$s")"
