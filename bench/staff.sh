#!/usr/bin/env bash
# Staff-side latency (issue 16, item 7) on an existing register: a copy of
# DB is served by the real binary and driven through the API and the pages
# by bench/campaign, in three phases of DURATION seconds each:
#   1. one registrar writing alone: the latency of a single-event write
#      ("one event" line: p50 goal <= 10 ms, p99 <= 50 ms);
#   2. one reader alone, going through person page, person API, search,
#      queue and dashboard in turn: the person page's p50 (goal <= 20 ms);
#   3. 30 registrars writing at once: events per second (goal >= 200 on
#      SQLite).
# Each phase ends with the campaign's checks (every acknowledged write in
# the register once, habeas verify clean). DB is a SQLite file made by
# habeas demo --people N (it is copied, never changed).
# Usage: bench/staff.sh DB ; env DURATION (default 60), PHASES (default
# "1 2 3").
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
  echo "usage: bench/staff.sh DB  (a SQLite register made by habeas demo --people N)" >&2
  exit 2
fi
DB=$(realpath "$1")
DURATION=${DURATION:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/habeas" ./cmd/habeas
go build -o "$work/campaign" ./bench/campaign
status=0
for phase in ${PHASES:-1 2 3}; do
  case $phase in
  1) w=1 r=0 what="one registrar writing alone" ;;
  2) w=0 r=1 what="one reader alone" ;;
  3) w=30 r=0 what="30 registrars writing at once" ;;
  *) echo "unknown phase $phase" >&2; exit 2 ;;
  esac
  echo "== phase $phase: $what, ${DURATION}s, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  mkdir -p "$work/p$phase"
  "$work/campaign" -habeas "$work/habeas" -from "$DB" -work "$work/p$phase" -duration "${DURATION}s" -writers "$w" \
    -readers "$r" ${SEED:+-seed "$SEED"} load || status=1
  rm -rf "$work/p$phase"
done
exit $status
