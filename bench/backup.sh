#!/usr/bin/env bash
# The backup of a large SQLite register while 10 writers record people
# (issue 21, item 3): 'habeas backup' next to the sqlite3 shell's .backup and
# the stepped online backup API, with the writers' latency percentiles.
# Usage: bench/backup.sh [REGISTER.db]   (default: a demo register made once
# at /tmp/bk-demo.db with 'habeas demo', about 750 MB)
set -euo pipefail
cd "$(dirname "$0")/.."
db=${1:-/tmp/bk-demo.db}
bin=$(mktemp -d)/habeas
go build -o "$bin" ./cmd/habeas
if [ ! -f "$db" ]; then nice -n 10 "$bin" --db "$db" demo; fi
HABEAS_BENCH_DB=$db HABEAS_BENCH_BIN=$bin TMPDIR=${TMPDIR:-/tmp} \
  nice -n 10 go test -run '^$' -bench BenchmarkBackupUnderWriters -benchtime 1x -timeout 30m -v ./internal/backup/ | grep -v '^goos\|^goarch\|^pkg\|^cpu'
