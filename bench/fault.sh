#!/usr/bin/env bash
# Fault campaign (issue 14): on a register of its own (a demo register of
# PEOPLE, default 300), WRITERS concurrent registrars (default 30) POST
# events through the API, each write with its own Idempotency-Key; the server
# is killed with SIGKILL at a random moment 1-4 s into the round and started
# again; every write that got no answer is sent again with its key and body.
# After each round: every acknowledged write is in the register as answered,
# no event is there twice or without an acknowledged write, and habeas
# verify (hash chain, projections, audit chain, every event's audit entry) is
# clean. ROUNDS rounds (default 10) on each backend; a table per round and
# the totals. Exits non-zero when a check fails.
#
#   bench/fault.sh                   SQLite, then PostgreSQL
#   BACKEND=sqlite ROUNDS=3 bench/fault.sh
#
# PostgreSQL: PG names the server (default postgres://postgres@127.0.0.1:5432/test);
# the campaign creates a database of its own there and drops it at the end.
# SEED makes a run repeatable (the kill moments and the writes).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-10}
WRITERS=${WRITERS:-30}
PEOPLE=${PEOPLE:-300}
PG=${PG:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/habeas" ./cmd/habeas
go build -o "$work/campaign" ./bench/campaign
status=0
for backend in ${BACKEND:-sqlite postgres}; do
  echo "== kill -9 campaign on $backend"
  "$work/campaign" -habeas "$work/habeas" -backend "$backend" -pg "$PG" -rounds "$ROUNDS" -writers "$WRITERS" \
    -people "$PEOPLE" ${SEED:+-seed "$SEED"} fault || status=1
done
exit $status
