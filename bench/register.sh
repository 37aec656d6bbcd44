#!/usr/bin/env bash
# Register benchmarks (issue: the register). Prints medians over RUNS runs and
# ratios against baselines measured in the same run:
#   - habeas demo --people N on SQLite: wall time and peak memory
#   - habeas stats --as-of on that database: wall time and peak memory
#   - import of the exported ledger into an empty SQLite database, events/s,
#     against sqlite3's .import of the same rows as CSV into a bare table
#   - the same on PostgreSQL against psql's \copy
# Usage: bench/register.sh [PEOPLE] ; env RUNS (default 3), PG (a postgres DSN
# for a scratch database; its public schema is dropped and recreated), REUSE
# (1: skip the demo, stats, verify and export, and import bench/out's
# events.jsonl and events.csv left by an earlier run, or put there by hand;
# at a million people the demo alone takes over half an hour).
#
# habeas loads a new SQLite file through a rollback journal (see
# docs/interchange.md), so the baseline is sqlite3's .import in its default
# journal mode; the same into a WAL file is printed too, and the ratio is
# given against the faster of the two.
set -euo pipefail
cd "$(dirname "$0")/.."
PEOPLE=${1:-1000000}
RUNS=${RUNS:-3}
PG=${PG:-postgres://postgres@127.0.0.1:5432/habeas_bench?sslmode=disable}
OUT=bench/out
mkdir -p "$OUT"
BIN=$OUT/habeas
go build -o "$BIN" ./cmd/habeas

. bench/lib.sh
rm -f "$OUT"/*.txt

DB=$OUT/register.db
if [ "${REUSE:-}" = 1 ]; then
  [ -s "$OUT/events.jsonl" ] && [ -s "$OUT/events.csv" ] || { echo "REUSE=1 needs $OUT/events.jsonl and $OUT/events.csv" >&2; exit 1; }
  EVENTS=$(wc -l <"$OUT/events.jsonl")
  echo "== reusing $OUT/events.jsonl ($EVENTS events): demo, stats, verify and export skipped"
else
echo "== habeas demo --people $PEOPLE (SQLite), $RUNS runs"
for i in $(seq "$RUNS"); do
  rm -f "$DB" "$DB-wal" "$DB-shm"
  measure demo "$BIN" --db "$DB" demo --people "$PEOPLE"
done
cat "$OUT/.stdout"
EVENTS=$(sqlite3 "$DB" "SELECT COUNT(*) FROM events")
PERSONS=$(sqlite3 "$DB" "SELECT COUNT(*) FROM persons")
echo "demo: median $(med_time demo) s, peak memory $(med_mem_mb demo) MB ($EVENTS events, $PERSONS people)"

echo "== habeas stats --as-of 2020-03-31, $((RUNS*3)) runs"
for i in $(seq $((RUNS*3))); do measure stats "$BIN" --db "$DB" stats --as-of 2020-03-31 --format json; done
echo "stats: median $(med_time stats) s, peak memory $(med_mem_mb stats) MB"
grep -E '"(population|capacity|occupancy_pct|pretrial_share)"' "$OUT/.stdout" | head -4 | tr -d ' \n'; echo

echo "== habeas verify"
measure verify "$BIN" --db "$DB" verify
echo "verify: $(med_time verify) s, peak memory $(med_mem_mb verify) MB ($(tail -2 "$OUT/.stdout" | tr '\n' ' '))"

echo "== export and re-import into SQLite, against sqlite3 .import"
measure export "$BIN" --db "$DB" export events -o "$OUT/events.jsonl"
echo "export: $(med_time export) s"
sqlite3 -csv "$DB" "SELECT seq, kind, date, person, facility, body, prev, hash FROM events ORDER BY seq" >"$OUT/events.csv"
ls -la "$OUT/events.jsonl" "$OUT/events.csv" | awk '{print $5, $9}'
# The demo database is no longer needed; at a million people every copy is
# tens of gigabytes.
rm -f "$DB" "$DB-wal" "$DB-shm"
fi
SCHEMA="CREATE TABLE events (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, date INTEGER NOT NULL, person TEXT NOT NULL, facility TEXT NOT NULL, body TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL);"
for i in $(seq "$RUNS"); do
  rm -f "$OUT/import.db"*
  measure import_sqlite "$BIN" -v --db "$OUT/import.db" import events "$OUT/events.jsonl"
  grep -v migrated "$OUT/.stderr" >"$OUT/import_sqlite.log" # where the commit's time went
  if [ "$i" = 1 ]; then
    "$BIN" --db "$OUT/import.db" export events 2>/dev/null | cmp -s - "$OUT/events.jsonl" && same=yes || same=NO
  fi
  rm -f "$OUT/import.db"* "$OUT/bare.db"*
  sqlite3 "$OUT/bare.db" "$SCHEMA" >/dev/null
  measure baseline_sqlite sqlite3 "$OUT/bare.db" ".import --csv $OUT/events.csv events"
  rm -f "$OUT/bare.db"*
  sqlite3 "$OUT/bare.db" "PRAGMA journal_mode=WAL;" "$SCHEMA" >/dev/null
  measure baseline_sqlite_wal sqlite3 "$OUT/bare.db" ".import --csv $OUT/events.csv events"
  rm -f "$OUT/bare.db"*
done
hi=$(med_time import_sqlite); bi=$(med_time baseline_sqlite); bw=$(med_time baseline_sqlite_wal)
echo "habeas import (SQLite): median $hi s, $(awk -v n="$EVENTS" -v t="$hi" 'BEGIN{printf "%.0f", n/t}') events/s, peak $(med_mem_mb import_sqlite) MB"
echo "sqlite3 .import baseline (rollback journal): median $bi s, $(awk -v n="$EVENTS" -v t="$bi" 'BEGIN{printf "%.0f", n/t}') rows/s"
echo "sqlite3 .import baseline (WAL): median $bw s"
best=$(awk -v a="$bi" -v b="$bw" 'BEGIN{print (a < b ? a : b)}')
echo "ratio habeas/sqlite3: $(ratio "$hi" "$best") against the faster baseline ($(ratio "$hi" "$bi") rollback journal, $(ratio "$hi" "$bw") WAL)"
echo "re-export after import identical to the original export: $same"

if pg_isready -h 127.0.0.1 -p 5432 -q; then
  echo "== import into PostgreSQL, against psql \\copy"
  psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='habeas_bench'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE habeas_bench"
  reset_pg() { psql "$PG" -qc "DROP SCHEMA public CASCADE; CREATE SCHEMA public;" >/dev/null 2>&1; }
  for i in $(seq "$RUNS"); do
    reset_pg
    measure import_pg "$BIN" -v --db "$PG" import events "$OUT/events.jsonl"
    grep -v migrated "$OUT/.stderr" >"$OUT/import_pg.log"
    reset_pg
    psql "$PG" -qc "$SCHEMA" >/dev/null
    measure baseline_pg psql "$PG" -qc "\\copy events FROM '$OUT/events.csv' CSV"
  done
  hp=$(med_time import_pg); bp=$(med_time baseline_pg)
  echo "habeas import (PostgreSQL): median $hp s, $(awk -v n="$EVENTS" -v t="$hp" 'BEGIN{printf "%.0f", n/t}') events/s"
  echo "psql \\copy baseline: median $bp s"
  echo "ratio habeas/psql: $(awk -v a="$hp" -v b="$bp" 'BEGIN{printf "%.2f", a/b}')"
  reset_pg
  [ "${REUSE:-}" = 1 ] || rm -f "$OUT/events.jsonl" "$OUT/events.csv"
else
  echo "PostgreSQL not running: PostgreSQL figures skipped"
fi
