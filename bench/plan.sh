#!/usr/bin/env bash
# Plan benchmark (issue 19, item 1). On an existing register (by default the
# demo register: habeas --db /tmp/plan-demo.db demo), times with go test
# -bench, COUNT times each:
#   - Read: reading the screening of AS_OF as the server keeps it (in memory,
#     current after every write) and the estate: the baseline
#   - Plan: the same, and the whole plan to capacity with judicial supervision
#     switched off and two categories excluded (their costs computed too)
# and prints the median of each, their ratio and whether the plan stays under
# the goal of 2 s. The screening itself (habeas screen, what habeas plan on the
# command line runs first) is bench/screen.sh's.
# Usage: bench/plan.sh [DB] [AS_OF]; env COUNT (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh # median
DB=${1:-/tmp/plan-demo.db}
AS_OF=${2:-2020-12-31}
COUNT=${COUNT:-5}
case $DB in
  postgres://* | postgresql://*) ;;
  *) [ -f "$DB" ] || { echo "bench/plan.sh: no database $DB (build one with go run ./cmd/habeas --db $DB demo)" >&2; exit 2; } ;;
esac
OUT=bench/out
mkdir -p "$OUT"
T=$OUT/.plan
echo "== plan as of $AS_OF on $DB, $COUNT runs each (GOMAXPROCS=${GOMAXPROCS:-all})"
HABEAS_PLAN_DB=$DB HABEAS_PLAN_AS_OF=$AS_OF go test -run '^$' -bench '^BenchmarkPlan$' -benchtime 3x -count "$COUNT" ./internal/plan/ | tee "$T.txt" | grep -E '^Benchmark' || true
secs() { awk -v k="BenchmarkPlan/$1" '$1 ~ "^"k"(-[0-9]+)?$" {print $3/1e9}' "$T.txt" | median; }
rt=$(secs Read); pt=$(secs Plan)
echo "read (screening kept in memory, and the estate): median $rt s"
echo "plan (read + plan with costs): median $pt s"
echo "ratio plan/read: $(awk -v a="$pt" -v b="$rt" 'BEGIN{if (b > 0) printf "%.2f", a/b; else print "n/a"}')"
echo "plan under 2 s: $(awk -v p="$pt" 'BEGIN{print (p < 2 ? "yes" : "NO")}')"
rm -f "$T.txt"
