#!/usr/bin/env bash
# Spreadsheet import benchmark (issue 6). A census CSV of ROWS rows (FACILITIES
# facilities, one row per facility and day, counts for two categories) in
# habeas's own export layout is imported with full validation into an empty
# database, and the same CSV loaded into a bare table by the database's own
# loader as the baseline:
#   - SQLite: habeas import facilities + census   vs   sqlite3 .import
#   - PostgreSQL: the same                        vs   psql \copy
# Prints rows/s, peak memory and the ratio to the baseline.
#
# NOT YET the benchmark the issue asks for (a 1,000,000-person register as
# people/admissions/charges CSV): habeas cannot import people from CSV yet.
#
# Usage: bench/import.sh [ROWS] ; env FACILITIES (default 1000), PG (a
# postgres DSN for a scratch database; its public schema is dropped).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
FACILITIES=${FACILITIES:-1000}
PG=${PG:-postgres://postgres@127.0.0.1:5432/habeas_bench?sslmode=disable}
OUT=bench/out/import
mkdir -p "$OUT"
BIN=$OUT/habeas
go build -o "$BIN" ./cmd/habeas

# measure CMD...: runs the command; sets SECS and MB.
measure() {
  /usr/bin/time -f "%e %M" -o "$OUT/.time" "$@" >"$OUT/.stdout" 2>"$OUT/.stderr" || { cat "$OUT/.stdout" "$OUT/.stderr"; exit 1; }
  read -r SECS KB <"$OUT/.time"
  MB=$((KB / 1024))
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / (s > 0 ? s : 0.01) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 0.01) }'; }

DAYS=$(( (ROWS + FACILITIES - 1) / FACILITIES ))
FAC=$OUT/facilities.csv
CEN=$OUT/census.csv
echo "== generating $ROWS census rows ($FACILITIES facilities x $DAYS days)"
awk -v n="$FACILITIES" 'BEGIN {
  print "id,name,kind,province,capacity,capacity_date,capacity_source"
  for (i = 1; i <= n; i++) printf "F%05d,Facility %d,prison,Province %d,%d,2015-01-01,bench\n", i, i, i % 25, 200 + i % 700
}' >"$FAC"
awk -v n="$FACILITIES" -v rows="$ROWS" 'BEGIN {
  print "facility,date,total,women,source"
  srand(1); k = 0
  for (d = 0; k < rows; d++) {
    t = mktime("2015 01 02 12 00 00") + d * 86400
    day = strftime("%Y-%m-%d", t)
    for (i = 1; i <= n && k < rows; i++) { pop = 150 + int(rand() * 900); printf "F%05d,%s,%d,%d,bench\n", i, day, pop, int(pop / 12); k++ }
  }
}' >"$CEN"

echo "== SQLite"
DB=$OUT/import.db
rm -f "$DB" "$DB-wal" "$DB-shm"
"$BIN" --db "$DB" import facilities "$FAC" --no-progress >/dev/null
measure "$BIN" --db "$DB" import census "$CEN" --no-progress
H_SECS=$SECS; H_MB=$MB
cat "$OUT/.stdout"
BASE=$OUT/base.db
rm -f "$BASE"
measure sqlite3 "$BASE" ".mode csv" ".import $CEN census"
S_SECS=$SECS; S_MB=$MB
echo "habeas import census: ${H_SECS}s, $(rate "$ROWS" "$H_SECS") rows/s, peak ${H_MB} MB"
echo "sqlite3 .import:      ${S_SECS}s, $(rate "$ROWS" "$S_SECS") rows/s, peak ${S_MB} MB"
echo "ratio habeas / sqlite3: $(ratio "$H_SECS" "$S_SECS") (goal: 2 or less)"

if psql "$PG" -c 'SELECT 1' >/dev/null 2>&1; then
  echo "== PostgreSQL ($PG)"
  psql -q "$PG" -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public' >/dev/null
  "$BIN" --db "$PG" import facilities "$FAC" --no-progress >/dev/null
  measure "$BIN" --db "$PG" import census "$CEN" --no-progress
  H_SECS=$SECS; H_MB=$MB
  psql -q "$PG" -c 'DROP TABLE IF EXISTS base_census; CREATE TABLE base_census (facility text, date text, total int, women int, source text)' >/dev/null
  measure psql -q "$PG" -c "\\copy base_census FROM '$CEN' WITH (FORMAT csv, HEADER true)"
  P_SECS=$SECS
  echo "habeas import census: ${H_SECS}s, $(rate "$ROWS" "$H_SECS") rows/s, peak ${H_MB} MB"
  echo "psql \\copy:           ${P_SECS}s, $(rate "$ROWS" "$P_SECS") rows/s"
  echo "ratio habeas / psql: $(ratio "$H_SECS" "$P_SECS") (goal: 2 or less)"
else
  echo "== PostgreSQL skipped: $PG cannot be reached (createdb habeas_bench, or set PG)"
fi
