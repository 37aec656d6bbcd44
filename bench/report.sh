#!/usr/bin/env bash
# Report benchmark (issue: releases, pledges and the public report). On an
# existing register, runs RUNS times, alternately:
#   - habeas report --as-of AS_OF --format html (page, charts, open data)
#   - habeas stats --as-of AS_OF --format json: the baseline, the figures of
#     the same date without releases, pledges, trend or disclosure control
# and prints the median wall time and peak memory of each and their ratio.
# Goal (issue): the report of the demo register in under 2 seconds.
# Usage: bench/report.sh DB [AS_OF] ; DB is a SQLite path or a postgres://
# DSN built by habeas demo [--people N]; AS_OF defaults to 2020-12-31;
# env RUNS (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh # median (this script defines its own measure below)
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: bench/report.sh DB [AS_OF]" >&2
  exit 2
fi
DB=$1
AS_OF=${2:-2020-12-31}
RUNS=${RUNS:-5}
case $DB in
  postgres://* | postgresql://*) ;;
  *) [ -f "$DB" ] || { echo "bench/report.sh: no database $DB (build one with habeas --db $DB demo)" >&2; exit 2; } ;;
esac
OUT=bench/out
mkdir -p "$OUT"
BIN=$OUT/habeas-report
go build -o "$BIN" ./cmd/habeas
T=$OUT/.report
rm -rf "$T".*

measure() {
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$T.time" "$@" >/dev/null 2>"$T.stderr" || { cat "$T.stderr" >&2; exit 1; }
  cat "$T.time" >>"$T.$label.txt"
}
# One run first so that both read a warm page cache.
"$BIN" --db "$DB" stats --as-of "$AS_OF" --format json >/dev/null
for i in $(seq 1 "$RUNS"); do
  measure stats "$BIN" --db "$DB" stats --as-of "$AS_OF" --format json
  rm -rf "$T.dir"
  measure report "$BIN" --db "$DB" report --as-of "$AS_OF" --out "$T.dir"
done
s=$(cut -d' ' -f1 "$T.stats.txt" | median); sm=$(cut -d' ' -f2 "$T.stats.txt" | median)
r=$(cut -d' ' -f1 "$T.report.txt" | median); rm=$(cut -d' ' -f2 "$T.report.txt" | median)
echo "register $DB, as of $AS_OF, $RUNS runs each (medians)"
awk -v s="$s" -v sm="$sm" -v r="$r" -v rm="$rm" 'BEGIN {
  printf "habeas stats  (baseline): %6.2f s  peak %6.0f MB\n", s, sm/1024
  printf "habeas report (html)    : %6.2f s  peak %6.0f MB\n", r, rm/1024
  printf "ratio report/stats      : %6.2f\n", r/s }'
