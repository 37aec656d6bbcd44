#!/bin/sh
# The register (/var/lib/habeas) and its backups (/var/backups/habeas) are
# kept even on purge: they are custody records, which no package removal
# may delete. Remove them by hand when they are to go, after their retention.
set -e
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
if [ "$1" = purge ]; then
  echo "habeas: the register in /var/lib/habeas and the backups in /var/backups/habeas are kept; remove them by hand when their retention ends" >&2
fi
exit 0
