#!/usr/bin/env bash
# Web load benchmark (issue 5): 50 concurrent clients on loopback for 30 s on
# the public dashboard, then the same on a static asset of the same server in
# the same run. Prints requests, req/s, p50, p99 and errors of each and the
# ratio of the p99s (goal: dashboard p99 within 3x of the static asset's, no
# error).
#
#   bench/web.sh [DB]            DB: an existing register (SQLite file or postgres:// URL)
#   PEOPLE=1000000 bench/web.sh  without DB: build a demo register of PEOPLE first
#                                (a million people takes about 15 minutes)
# CLIENTS and DURATION (seconds per URL, default 30) change the load. (Not
# SECONDS: bash sets that itself, to the seconds since the shell started.)
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${CLIENTS:-50}
SECONDS_PER_URL=${DURATION:-30}
PEOPLE=${PEOPLE:-1000000}
work=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/habeas" ./cmd/habeas
go build -o "$work/webload" ./bench/webload
db=${1:-}
if [ -z "$db" ]; then
  db="$work/register.db"
  echo "building a demo register of $PEOPLE people in $db ..."
  /usr/bin/time -f "demo: %e s, %M KB" "$work/habeas" --db "$db" demo --people "$PEOPLE" --seed 1 >/dev/null
fi
port=$(( 20000 + RANDOM % 20000 ))
"$work/habeas" --db "$db" serve --addr "127.0.0.1:$port" 2>"$work/serve.log" &
pid=$!
# The first dashboard is computed at start; wait for it, so that the load
# measures serving, as it would be for every visitor after the first.
t0=$(date +%s)
until curl -fsS -o /dev/null "http://127.0.0.1:$port/"; do
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 1
done
echo "first dashboard after $(( $(date +%s) - t0 )) s"
echo "load: $CLIENTS clients, ${SECONDS_PER_URL} s per URL, on $(nproc) cores"
"$work/webload" -c "$CLIENTS" -d "${SECONDS_PER_URL}s" \
  "http://127.0.0.1:$port/" "http://127.0.0.1:$port/static/habeas.css"
