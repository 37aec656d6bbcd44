#!/usr/bin/env bash
# Outbreak model benchmark (issue 19, performance): on a demo register it
# prints medians over RUNS runs of
#   - habeas outbreak --runs 1000 --days 180 over every facility (the goal:
#     under 10 s at GOMAXPROCS=2 on a quiet machine, peak memory under 500 MB)
#   - beside it, in the same run, habeas outbreak --deterministic: one
#     deterministic run of the same model (same strata query, same start-up)
# and the ratio of the two. GOMAXPROCS is 2 unless set.
# Usage: bench/outbreak.sh DB ; env RUNS (default 5), AS_OF (default: the
# register's latest date), MODEL_RUNS (default 1000), DAYS (default 180).
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:?usage: bench/outbreak.sh DB (a demo register: habeas --db DB demo)}
RUNS=${RUNS:-5}
MODEL_RUNS=${MODEL_RUNS:-1000}
DAYS=${DAYS:-180}
export GOMAXPROCS=${GOMAXPROCS:-2}
OUT=bench/out
mkdir -p "$OUT"
BIN=$OUT/habeas
go build -o "$BIN" ./cmd/habeas

. bench/lib.sh
rm -f "$OUT"/outbreak_*.txt
ASOF=()
[ -n "${AS_OF:-}" ] && ASOF=(--as-of "$AS_OF")

echo "== habeas outbreak --runs $MODEL_RUNS --days $DAYS (GOMAXPROCS=$GOMAXPROCS), $RUNS times each, interleaved with one deterministic run"
for i in $(seq "$RUNS"); do
  measure outbreak_stochastic "$BIN" --db "$DB" outbreak "${ASOF[@]}" --runs "$MODEL_RUNS" --days "$DAYS" --format json
  measure outbreak_deterministic "$BIN" --db "$DB" outbreak "${ASOF[@]}" --days "$DAYS" --deterministic
done
s=$(med_time outbreak_stochastic); d=$(med_time outbreak_deterministic)
echo "stochastic, $MODEL_RUNS runs: median $s s, peak memory $(med_mem_mb outbreak_stochastic) MB"
echo "deterministic, one run:  median $d s, peak memory $(med_mem_mb outbreak_deterministic) MB"
echo "ratio stochastic/deterministic $(ratio "$s" "$d")"
"$BIN" --db "$DB" outbreak "${ASOF[@]}" --runs "$MODEL_RUNS" --days "$DAYS" --format json |
  python3 -c 'import json,sys; r=json.load(sys.stdin); print("facilities", len(r["facilities"]), "people held", r["population"])'
