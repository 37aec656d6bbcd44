#!/usr/bin/env bash
# Stats benchmark (issue 2: the figures of a date from the aggregate
# projection). On an existing SQLite register it prints:
#   - how long the first open by this build takes (it builds the aggregate
#     projection of a register made before it) and its peak memory
#   - medians over RUNS runs of `habeas stats --as-of D` for each date, by
#     this build and, as the baseline measured in the same run, by BASE (the
#     binary before the change, which scans the stays) and by a bare sqlite3
#     count of the stays held on D; and the ratios
#   - whether `stats --format json` of this build and of BASE are identical
#     on the dates of CHECK
# Usage: bench/stats.sh DB ; env RUNS (default 5), BASE (default
# /tmp/habeas-base), DATES, CHECK. DB is migrated and gets the aggregates:
# give it a copy.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:?usage: bench/stats.sh DB (a copy: it is upgraded)}
RUNS=${RUNS:-5}
BASE=${BASE:-/tmp/habeas-base}
DATES=${DATES:-2020-03-31 2016-12-31}
CHECK=${CHECK:-2016-12-31 2018-06-30 2020-03-31 2020-12-31}
OUT=bench/out
mkdir -p "$OUT"
BIN=$OUT/habeas
go build -o "$BIN" ./cmd/habeas

. bench/lib.sh
rm -f "$OUT"/*.txt

echo "== first open by this build (builds the aggregates if the register predates them)"
measure open "$BIN" --verbose --db "$DB" stats --as-of 2020-03-31
grep -h "aggregate" "$OUT/.stderr" || echo "(nothing built: the register already had them)"
echo "open + stats: $(med_time open) s, peak memory $(med_mem_mb open) MB"
echo "rows: $(sqlite3 "$DB" "SELECT (SELECT COUNT(*) FROM stays) || ' stays, ' || (SELECT COUNT(*) FROM agg_pop) || ' agg_pop, ' || (SELECT COUNT(*) FROM agg_cells) || ' agg_cells, ' || (SELECT COUNT(*) FROM agg_flags) || ' agg_flags'")"

for D in $DATES; do
  A=$(echo "$D" | tr -d -)
  echo "== habeas stats --as-of $D, $RUNS runs each, interleaved"
  for i in $(seq "$RUNS"); do
    measure "new_$D" "$BIN" --db "$DB" stats --as-of "$D" --format json
    [ -x "$BASE" ] && measure "base_$D" "$BASE" --db "$DB" stats --as-of "$D" --format json
    measure "scan_$D" sqlite3 "$DB" "SELECT COUNT(*) FROM stays WHERE from_date <= $A AND to_date > $A"
  done
  n=$(med_time "new_$D"); s=$(med_time "scan_$D")
  echo "this build: median $n s, peak memory $(med_mem_mb "new_$D") MB"
  if [ -x "$BASE" ]; then
    b=$(med_time "base_$D")
    echo "baseline $BASE (scans the stays): median $b s, peak memory $(med_mem_mb "base_$D") MB; ratio this/baseline $(ratio "$n" "$b")"
  fi
  echo "sqlite3 count of the stays held (a bare scan): median $s s; ratio this/scan $(ratio "$n" "$s")"
done

if [ -x "$BASE" ]; then
  echo "== identical figures (stats --format json, this build and $BASE)"
  for D in $CHECK; do
    "$BIN" --db "$DB" stats --as-of "$D" --format json >"$OUT/new.json"
    "$BASE" --db "$DB" stats --as-of "$D" --format json >"$OUT/base.json"
    cmp -s "$OUT/new.json" "$OUT/base.json" && echo "$D: identical" || { echo "$D: DIFFERENT"; diff "$OUT/base.json" "$OUT/new.json" | head -20; }
  done
fi
