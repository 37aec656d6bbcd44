#!/usr/bin/env bash
# Screening benchmark (issue: screening). On an existing register, runs RUNS
# times, alternately:
#   - habeas screen --as-of AS_OF --format json: the whole screening
#   - habeas screen --as-of AS_OF --facts-only: the baseline, reading the same
#     people and computing their facts without evaluating any rule
# and prints the median wall time and peak memory of each, the ratio
# screen/read (goal: at most 1.5) and whether peak memory stays under 1.5 GB.
# Usage: bench/screen.sh DB [AS_OF] ; DB is a SQLite path or a postgres://
# DSN of a database built by habeas demo --people N; AS_OF defaults to
# 2020-12-31; env RUNS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh # median (this script defines its own measure below)
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: bench/screen.sh DB [AS_OF]" >&2
  exit 2
fi
DB=$1
AS_OF=${2:-2020-12-31}
RUNS=${RUNS:-3}
case $DB in
  postgres://* | postgresql://*) ;;
  *) [ -f "$DB" ] || { echo "bench/screen.sh: no database $DB (build one with habeas --db $DB demo --people N)" >&2; exit 2; } ;;
esac
OUT=bench/out
mkdir -p "$OUT"
BIN=$OUT/habeas-screen
go build -o "$BIN" ./cmd/habeas

# Files of their own, so as not to mix with bench/register.sh running at the
# same time in the same directory.
T=$OUT/.screen
rm -f "$T".*

# measure LABEL OUTFILE CMD...: runs the command with its output to OUTFILE,
# appends "seconds maxrss_kb" to $T.LABEL.txt
measure() {
  local label=$1 out=$2; shift 2
  /usr/bin/time -f "%e %M %U %S" -o "$T.time" "$@" >"$out" 2>"$T.stderr" || { cat "$T.stderr" >&2; exit 1; }
  cat "$T.time" >>"$T.$label.txt"
}
med_time() { cut -d' ' -f1 "$T.$1.txt" | median; }
med_mem_mb() { cut -d' ' -f2 "$T.$1.txt" | median | awk '{printf "%.0f", $1/1024}'; }
# CPU seconds (user + system): on a shared machine the steadier figure
med_cpu() { awk '{ print $3 + $4 }' "$T.$1.txt" | median; }
max_mem_mb() { cut -d' ' -f2 "$T.$1.txt" | sort -n | tail -1 | awk '{printf "%.0f", $1/1024}'; }

echo "== habeas screen --as-of $AS_OF on $DB, against --facts-only, $RUNS runs each"
for i in $(seq "$RUNS"); do
  measure screen /dev/null "$BIN" --db "$DB" screen --as-of "$AS_OF" --format json
  measure read "$T.stdout" "$BIN" --db "$DB" screen --as-of "$AS_OF" --facts-only
done
cat "$T.stdout"
st=$(med_time screen); rt=$(med_time read)
echo "screen: median $st s, median peak memory $(med_mem_mb screen) MB"
echo "read (facts only): median $rt s, median peak memory $(med_mem_mb read) MB"
echo "ratio screen/read: $(awk -v a="$st" -v b="$rt" 'BEGIN{if (b > 0) printf "%.2f", a/b; else print "n/a (read took 0 s)"}') (goal <= 1.5)"
sc=$(med_cpu screen); rc=$(med_cpu read)
echo "cpu (user + system): screen median $sc s, read median $rc s, ratio $(awk -v a="$sc" -v b="$rc" 'BEGIN{if (b > 0) printf "%.2f", a/b; else print "n/a"}')"
peak=$(max_mem_mb screen)
echo "screen peak memory under 1.5 GB: $(awk -v m="$peak" 'BEGIN{print (m < 1536 ? "yes" : "NO")}') (highest of $RUNS runs: $peak MB)"
rm -f "$T".*
