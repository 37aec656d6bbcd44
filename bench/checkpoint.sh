#!/usr/bin/env bash
# Checkpoint benchmark (issue 18). What keeping the ledger's Merkle tree
# costs, against the same code without it (BASE: by default the commit
# before the tree came in), and what checkpoints and proofs take:
#   - demo load: habeas demo --people $PEOPLE into a fresh SQLite file, this
#     tree's binary and BASE's in turn, RUNS pairs; the median of the
#     pairwise ratios;
#   - single writes: one census event recorded and committed per operation
#     (as an API write) into a copy of each demo register, by the Go
#     benchmark BenchmarkRecordOneOn run in this tree and in BASE's, RUNS
#     pairs of WRITES writes; median ns per write and ratio;
#   - habeas checkpoint on the demo register (the whole command: opening
#     the database, reading the tree, signing, storing), RUNS runs;
#   - GET /api/v1/checkpoint/proof between sizes spread over the ledger,
#     PROOFS requests to a running server, median and max milliseconds.
# Targets: append within 10% of BASE; checkpoint under 1 s; proof under
# 100 ms.
#
# Usage: bench/checkpoint.sh ; env PEOPLE (default 38990, the real
# population: 947,100 events), RUNS (3), WRITES (300), PROOFS (50), BASE.
set -euo pipefail
cd "$(dirname "$0")/.."
PEOPLE=${PEOPLE:-38990}
RUNS=${RUNS:-3}
WRITES=${WRITES:-300}
PROOFS=${PROOFS:-50}
if [ -z "${BASE:-}" ]; then
  first=$(git log --diff-filter=A --format=%H -- internal/store/sqldb/migrations/sqlite/00009_tree.sql | tail -1)
  BASE=$(git rev-parse "$first^")
fi
OUT=${OUT:-bench/out/checkpoint}
rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
. bench/lib.sh
trap 'kill "${pid:-0}" 2>/dev/null || true' EXIT

echo "== building this tree and BASE $(git rev-parse --short "$BASE")"
go build -o "$OUT/habeas" ./cmd/habeas
mkdir -p "$OUT/base"
git archive "$BASE" | tar -x -C "$OUT/base"
cp internal/ledger/record_bench_test.go "$OUT/base/internal/ledger/"
(cd "$OUT/base" && go build -o "$OUT/habeas-base" ./cmd/habeas)

pairs() { paste -d' ' <(cut -d' ' -f1 "$OUT/$1.txt") <(cut -d' ' -f1 "$OUT/$2.txt") | awk '{ printf "%.4f\n", $1 / $2 }' | median; }

echo "== demo load, $PEOPLE people, $RUNS pairs"
for _ in $(seq "$RUNS"); do
  measure demo "$OUT/habeas" --db "$OUT/n.db" demo --people "$PEOPLE" --force
  measure demo_base "$OUT/habeas-base" --db "$OUT/b.db" demo --people "$PEOPLE" --force
done
events=$("$OUT/habeas" --db "$OUT/n.db" verify 2>/dev/null | sed -n 's/^events: \([0-9]*\).*/\1/p')
printf 'demo load (%s events): with tree %s s, without %s s, ratio %s (median of pairs)\n' \
  "$events" "$(med_time demo)" "$(med_time demo_base)" "$(pairs demo demo_base)"

echo "== single writes, $RUNS pairs of $WRITES"
nsop() { sed -n 's/^BenchmarkRecordOneOn[^ ]*[ \t]*[0-9]*[ \t]*\([0-9.]*\) ns\/op.*/\1/p'; }
for _ in $(seq "$RUNS"); do
  HABEAS_BENCH_DB="$OUT/n.db" go test -run '^$' -bench BenchmarkRecordOneOn -benchtime "${WRITES}x" ./internal/ledger/ | nsop >>"$OUT/write.txt"
  (cd "$OUT/base" && HABEAS_BENCH_DB="$OUT/b.db" go test -run '^$' -bench BenchmarkRecordOneOn -benchtime "${WRITES}x" ./internal/ledger/) | nsop >>"$OUT/write_base.txt"
done
w=$(median <"$OUT/write.txt")
wb=$(median <"$OUT/write_base.txt")
printf 'single write: with tree %.2f ms, without %.2f ms, ratio %s (median of pairs)\n' \
  "$(awk -v n="$w" 'BEGIN{print n/1e6}')" "$(awk -v n="$wb" 'BEGIN{print n/1e6}')" "$(pairs write write_base)"

echo "== checkpoint, $RUNS runs"
"$OUT/habeas" report keygen --out "$OUT/key" >/dev/null
for _ in $(seq "$RUNS"); do
  measure checkpoint "$OUT/habeas" --db "$OUT/n.db" checkpoint --key "$OUT/key.key" --out "$OUT/cp.txt"
done
printf 'checkpoint of %s events: %s s (median, whole command)\n' "$(sed -n 2p "$OUT/cp.txt")" "$(med_time checkpoint)"

echo "== consistency proofs, $PROOFS requests"
port=$(( 20000 + RANDOM % 20000 ))
"$OUT/habeas" --db "$OUT/n.db" serve --addr "127.0.0.1:$port" 2>"$OUT/serve.log" &
pid=$!
until curl -fsS -o /dev/null "http://127.0.0.1:$port/api/v1/checkpoint" 2>/dev/null; do
  kill -0 "$pid" 2>/dev/null || { cat "$OUT/serve.log"; exit 1; }
  sleep 1
done
n=$(sed -n 2p "$OUT/cp.txt")
for i in $(seq "$PROOFS"); do
  from=$(( (n * i) / (PROOFS + 1) + 1 ))
  curl -fsS -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/api/v1/checkpoint/proof?from=$from&to=$n" >>"$OUT/proof.txt"
done
printf 'consistency proof (HTTP, loopback): median %.1f ms, max %.1f ms\n' \
  "$(median <"$OUT/proof.txt" | awk '{print $1*1000}')" "$(sort -n "$OUT/proof.txt" | tail -1 | awk '{print $1*1000}')"
