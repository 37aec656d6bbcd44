#!/usr/bin/env bash
# Load campaign (issue 14): on a register of its own (a demo register of
# PEOPLE, default 1000), WRITERS concurrent registrars (default 50) POST
# events through the API and READERS concurrent readers (default 50) open
# person files, search the register and read the screening queue (as pages
# and through the API, as administrators, legal officers, monitors and
# registrars) and the public dashboard, for DURATION seconds (default 60) on
# each backend. Prints writes per second and the p50/p99 of writes and of
# each kind of read; checks that no request got a 5xx or no answer, that
# every read was answered 200, that every acknowledged write is in the
# register (0 lost, none twice), and that habeas verify is clean. Exits
# non-zero when a check fails.
#
#   bench/load.sh                    SQLite, then PostgreSQL
#   BACKEND=postgres DURATION=20 bench/load.sh
#
# PostgreSQL: PG names the server (default postgres://postgres@127.0.0.1:5432/test);
# the campaign creates a database of its own there and drops it at the end.
# (DURATION, not SECONDS: bash sets that itself.)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-60}
WRITERS=${WRITERS:-50}
READERS=${READERS:-50}
PEOPLE=${PEOPLE:-1000}
PG=${PG:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/habeas" ./cmd/habeas
go build -o "$work/campaign" ./bench/campaign
status=0
for backend in ${BACKEND:-sqlite postgres}; do
  echo "== load campaign on $backend, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  "$work/campaign" -habeas "$work/habeas" -backend "$backend" -pg "$PG" -duration "${DURATION}s" -writers "$WRITERS" \
    -readers "$READERS" -people "$PEOPLE" ${SEED:+-seed "$SEED"} load || status=1
done
exit $status
