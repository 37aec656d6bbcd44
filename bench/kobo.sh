#!/usr/bin/env bash
# Field intake benchmark (issue 20: importing 10,000 KoboToolbox submissions,
# 5 cells, 3 interviews and 2 recommendations each, into the demo register
# in under 10 s). It builds the default demo register (or uses DB), writes a
# KoboToolbox XLSX export of habeas's visit form with N submissions to its
# facilities (bench/kobogen), then, RUNS times, imports it into a fresh copy
# of the register (the copy is not timed) and imports it again into the
# same copy (every submission already there: the cost of reading and
# checking the export alone). Prints medians of wall and CPU time (user +
# system; on a shared machine the CPU time says more) and peak memory.
# Usage: bench/kobo.sh [DB] ; env N (default 10000), RUNS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
RUNS=${RUNS:-3}
OUT=bench/out
mkdir -p "$OUT"
BIN=$OUT/habeas
go build -o "$BIN" ./cmd/habeas
go build -o "$OUT/kobogen" ./bench/kobogen
. bench/lib.sh
rm -f "$OUT"/*.txt

DB=${1:-}
if [ -z "$DB" ]; then
  DB=$OUT/kobo-demo.db
  if [ ! -s "$DB" ]; then
    echo "== building the default demo register in $DB"
    "$BIN" --db "$DB" demo --force | tail -1
  fi
fi
XLSX=$OUT/kobo-visits.xlsx
echo "== writing $N submissions (5 cells, 3 interviews, 2 recommendations each) to $XLSX"
# shellcheck disable=SC2046
"$OUT/kobogen" -n "$N" -out "$XLSX" $(sqlite3 "$DB" "SELECT id FROM facilities ORDER BY id")
ls -l "$XLSX" | awk '{printf "%.1f MB\n", $5/1048576}'

# Interviews are sealed with the monitoring organisation's key: a key of
# the benchmark's own, and the organisation added to each copy.
KEY=$OUT/kobo-org.key
rm -f "$KEY"
"$BIN" org key generate --out "$KEY" >/dev/null
COPY=$OUT/kobo-run.db
for i in $(seq "$RUNS"); do
  rm -f "$COPY" "$COPY-wal" "$COPY-shm"
  cp "$DB" "$COPY"
  "$BIN" --db "$COPY" org add bench --name "Bench monitors" --kind monitoring >/dev/null
  measure import "$BIN" --db "$COPY" --org-key "bench=$KEY" import visits "$XLSX" --org bench
  cat "$OUT/.stdout"
  measure again "$BIN" --db "$COPY" --org-key "bench=$KEY" import visits "$XLSX" --org bench
done
"$BIN" --db "$COPY" monitor indicators --format csv >"$OUT/kobo-indicators.csv"
echo "visits in the register after the imports: $(($(wc -l <"$OUT/kobo-indicators.csv") - 1))"
rm -f "$COPY" "$COPY-wal" "$COPY-shm"
echo "import of $N submissions: median $(med_time import) s wall, $(med_cpu import) s CPU, peak memory $(med_mem_mb import) MB"
echo "the same again (all already there): median $(med_time again) s wall, $(med_cpu again) s CPU, peak memory $(med_mem_mb again) MB"
