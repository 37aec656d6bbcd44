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
# bench/import.sh register [SRC.db] is the register benchmark: the register
# of SRC.db (default: habeas demo --people $PEOPLE, 20000) is exported as
# facilities, cells, people, admissions and charges CSV (SKIP_EXPORT=1 reuses the
# files of an earlier run; SRC.db may then be gone, and only the imported
# register's population is printed); the sheets are imported with full validation into
# an empty SQLite database (facilities and cells first, then habeas import
# register: people, admissions and charges in one pass), and the same CSV
# files loaded with sqlite3 .import into bare tables as the baseline; the
# same on PostgreSQL (a fresh schema in $PGREG, database test) against psql
# \copy. RUNS (default 1) runs of each, alternating; medians are printed.
# On SQLite it also prints a floor: the ledger events the import wrote,
# loaded on their own by sqlite3 .import into a bare table.
# NOPG=1 leaves PostgreSQL out, NOSQLITE=1 SQLite; KEEP=1 keeps the SQLite
# databases.
#
# Usage: bench/import.sh [ROWS] ; env FACILITIES (default 1000), PG (a
# postgres DSN for a scratch database; its public schema is dropped).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = register ]; then MODE=register; shift; else MODE=census; fi
ROWS=${1:-1000000}
FACILITIES=${FACILITIES:-1000}
PG=${PG:-postgres://postgres@127.0.0.1:5432/habeas_bench?sslmode=disable}
OUT=${OUT:-bench/out/import}
mkdir -p "$OUT"
BIN=$OUT/habeas
go build -o "$BIN" ./cmd/habeas

# measure CMD...: runs the command; sets SECS (wall), CPU (user + system
# seconds of the command itself: on a loaded machine the steadier figure)
# and MB (peak RSS).
measure() {
  /usr/bin/time -f "%e %M %U %S" -o "$OUT/.time" "$@" >"$OUT/.stdout" 2>"$OUT/.stderr" || { cat "$OUT/.stdout" "$OUT/.stderr"; exit 1; }
  read -r SECS KB T_USER T_SYS <"$OUT/.time"
  MB=$((KB / 1024))
  CPU=$(awk -v a="$T_USER" -v b="$T_SYS" 'BEGIN { print a + b }')
}
export PGOPTIONS='--client-min-messages=warning'
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / (s > 0 ? s : 0.01) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 0.01) }'; }

if [ "$MODE" = register ]; then
  SRC=${1:-}
  PEOPLE=${PEOPLE:-20000}
  PGREG=${PGREG:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable&search_path=bench_register}
  R=$OUT/register
  mkdir -p "$R"
  if [ -z "$SRC" ]; then
    SRC=$R/demo.db
    echo "== habeas demo --people $PEOPLE"
    "$BIN" --db "$SRC" demo --people "$PEOPLE" --force >/dev/null
  fi
  echo "== exporting the register of $SRC"
  EXP_SECS=0
  for w in facilities cells people admissions charges; do
    [ -z "${SKIP_EXPORT:-}" ] || [ ! -s "$R/$w.csv" ] || continue
    measure "$BIN" --db "$SRC" export $w --out "$R/$w.csv"
    n=$(($(wc -l <"$R/$w.csv") - 1))
    echo "export $w: $n rows in ${SECS}s ($(rate "$n" "$SECS") rows/s), peak ${MB} MB"
    [ $w = facilities ] || [ $w = cells ] || EXP_SECS=$(awk -v a="$EXP_SECS" -v b="$SECS" 'BEGIN { print a + b }')
  done
  NP=$(($(wc -l <"$R/people.csv") - 1)); NA=$(($(wc -l <"$R/admissions.csv") - 1)); NC=$(($(wc -l <"$R/charges.csv") - 1))
  NROWS=$((NP + NA + NC))
  echo "rows: people $NP, admissions $NA, charges $NC; $NROWS in all"

  # load TARGET: habeas import register of the sheets into an empty
  # database (facilities and cells first, not timed); sets H_SECS and H_MB.
  load() {
    "$BIN" --db "$1" import facilities "$R/facilities.csv" --no-progress >/dev/null
    "$BIN" --db "$1" import cells "$R/cells.csv" --no-progress >/dev/null
    measure "$BIN" --db "$1" import register --people "$R/people.csv" --admissions "$R/admissions.csv" --charges "$R/charges.csv" --no-progress
    H_SECS=$SECS; H_MB=$MB; H_CPU=$CPU
    echo "  habeas import register: ${SECS}s ($(rate "$NROWS" "$SECS") rows/s), CPU ${CPU}s, peak ${MB} MB"
  }
  # median of the arguments
  median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
  RUNS=${RUNS:-1}
  if [ -z "${NOSQLITE:-}" ]; then
  echo "== SQLite ($RUNS runs each, alternating)"
  DB=$R/import.db
  BASE=$R/base.db
  HS=(); HM=(); HC=(); SS=(); SM=(); SC=()
  for ((run = 1; run <= RUNS; run++)); do
    rm -f "$DB" "$DB-wal" "$DB-shm" "$DB-journal"
    load "$DB"
    HS+=("$H_SECS"); HM+=("$H_MB"); HC+=("$H_CPU")
    rm -f "$BASE"
    measure sqlite3 "$BASE" ".mode csv" ".import $R/people.csv people" ".import $R/admissions.csv admissions" ".import $R/charges.csv charges"
    echo "  sqlite3 .import: ${SECS}s ($(rate "$NROWS" "$SECS") rows/s), CPU ${CPU}s, peak ${MB} MB"
    SS+=("$SECS"); SM+=("$MB"); SC+=("$CPU")
  done
  H_SECS=$(median "${HS[@]}"); H_MB=$(median "${HM[@]}"); H_CPU=$(median "${HC[@]}")
  S_SECS=$(median "${SS[@]}"); S_MB=$(median "${SM[@]}"); S_CPU=$(median "${SC[@]}")
  echo "habeas import register (people, admissions, charges), median: ${H_SECS}s, $(rate "$NROWS" "$H_SECS") rows/s, CPU ${H_CPU}s, peak ${H_MB} MB"
  echo "sqlite3 .import of the same CSV, median:                    ${S_SECS}s, $(rate "$NROWS" "$S_SECS") rows/s, CPU ${S_CPU}s, peak ${S_MB} MB"
  echo "ratio habeas / sqlite3: $(ratio "$H_SECS" "$S_SECS") wall, $(ratio "$H_CPU" "$S_CPU") CPU (goal: 2 or less)"
  # The floor: the ledger events the import wrote, dumped as CSV and loaded
  # by sqlite3 .import into a bare table, costs this much on its own —
  # before any validation, projection or index. Like the sheets' baseline,
  # in sqlite3's default journal mode (habeas loads a register without
  # persons through a rollback journal too).
  LEDGER=$R/ledger.csv
  sqlite3 -csv "$DB" "SELECT seq, kind, date, person, facility, body, prev, hash FROM events ORDER BY seq" >"$LEDGER"
  NEV=$(sqlite3 "$DB" "SELECT COUNT(*) FROM events")
  LS=(); LC=()
  for ((run = 1; run <= RUNS; run++)); do
    rm -f "$BASE"
    sqlite3 "$BASE" "CREATE TABLE events (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, date INTEGER NOT NULL, person TEXT NOT NULL, facility TEXT NOT NULL, body TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL)" >/dev/null
    measure sqlite3 "$BASE" ".import --csv $LEDGER events"
    LS+=("$SECS"); LC+=("$CPU")
  done
  L_SECS=$(median "${LS[@]}"); L_CPU=$(median "${LC[@]}")
  echo "floor: the $NEV ledger events alone ($(($(stat -c %s "$LEDGER") / 1000000)) MB as CSV, against $(($(cat "$R/people.csv" "$R/admissions.csv" "$R/charges.csv" | wc -c) / 1000000)) MB of sheets) by sqlite3 .import, median: ${L_SECS}s, CPU ${L_CPU}s; ratio to the sheets baseline $(ratio "$L_SECS" "$S_SECS") wall, $(ratio "$L_CPU" "$S_CPU") CPU"
  rm -f "$LEDGER"
  for d in 2016-06-30 2020-03-31; do
    # The source may be gone (SKIP_EXPORT with sheets of an earlier run).
    a=unknown
    [ ! -s "$SRC" ] || a=$("$BIN" --db "$SRC" stats --as-of $d --format json | grep -m1 '"population"')
    b=$("$BIN" --db "$DB" stats --as-of $d --format json | grep -m1 '"population"')
    echo "population on $d: source $a, imported $b"
  done
  [ -n "${KEEP:-}" ] || rm -f "$BASE" "$DB" "$DB-wal" "$DB-shm"
  fi

  BASEPG=${PGREG%%\?*}
  if [ -z "${NOPG:-}" ] && psql "$BASEPG" -c 'SELECT 1' >/dev/null 2>&1; then
    echo "== PostgreSQL ($PGREG, $RUNS runs each, alternating)"
    SCHEMA=$(sed -n 's/.*search_path=\([a-z_]*\).*/\1/p' <<<"$PGREG")
    # The baseline's columns are the CSV header's, quoted ("case" is a
    # reserved word), all text.
    cols() { head -1 "$1" | sed 's/^/"/; s/,/" text, "/g; s/$/" text/'; }
    HS=(); HM=(); QS=(); QM=()
    for ((run = 1; run <= RUNS; run++)); do
      psql -q "$BASEPG" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE; CREATE SCHEMA $SCHEMA; DROP SCHEMA IF EXISTS ${SCHEMA}_base CASCADE; CREATE SCHEMA ${SCHEMA}_base" >/dev/null
      load "$PGREG"
      HS+=("$H_SECS"); HM+=("$H_MB")
      psql -q "$BASEPG" -c "CREATE TABLE ${SCHEMA}_base.people ($(cols "$R/people.csv")); CREATE TABLE ${SCHEMA}_base.admissions ($(cols "$R/admissions.csv")); CREATE TABLE ${SCHEMA}_base.charges ($(cols "$R/charges.csv"))" >/dev/null
      measure psql -q "$BASEPG" -c "\copy ${SCHEMA}_base.people FROM '$R/people.csv' WITH (FORMAT csv, HEADER true)" \
        -c "\copy ${SCHEMA}_base.admissions FROM '$R/admissions.csv' WITH (FORMAT csv, HEADER true)" \
        -c "\copy ${SCHEMA}_base.charges FROM '$R/charges.csv' WITH (FORMAT csv, HEADER true)"
      echo "  psql \\copy: ${SECS}s ($(rate "$NROWS" "$SECS") rows/s), peak ${MB} MB"
      QS+=("$SECS"); QM+=("$MB")
    done
    H_SECS=$(median "${HS[@]}"); H_MB=$(median "${HM[@]}"); Q_SECS=$(median "${QS[@]}"); Q_MB=$(median "${QM[@]}")
    echo "habeas import register (people, admissions, charges), median: ${H_SECS}s, $(rate "$NROWS" "$H_SECS") rows/s, peak ${H_MB} MB"
    echo "psql \\copy of the same CSV, median:                         ${Q_SECS}s, $(rate "$NROWS" "$Q_SECS") rows/s, peak ${Q_MB} MB (client)"
    echo "ratio habeas / psql: $(ratio "$H_SECS" "$Q_SECS") (goal: 2 or less)"
    psql -q "$BASEPG" -c "DROP SCHEMA $SCHEMA CASCADE; DROP SCHEMA ${SCHEMA}_base CASCADE" >/dev/null
  else
    echo "== PostgreSQL skipped: $PGREG cannot be reached (or NOPG is set)"
  fi
  exit 0
fi

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
rm -f "$DB" "$DB-wal" "$DB-shm" "$DB-journal"
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
