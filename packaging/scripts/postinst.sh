#!/bin/sh
# Makes the habeas system user and its directories; safe to run again.
set -e
if ! getent group habeas >/dev/null; then
  groupadd --system habeas
fi
if ! getent passwd habeas >/dev/null; then
  useradd --system --gid habeas --home-dir /var/lib/habeas --no-create-home \
    --shell /usr/sbin/nologin --comment "habeas custody register" habeas
fi
# systemd makes the state directory too (StateDirectory=); made here for
# systems or containers without it.
install -d -m 0700 -o habeas -g habeas /var/lib/habeas
install -d -m 0700 -o habeas -g habeas /var/backups/habeas
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
  # Not started on install: the administrator checks /etc/habeas/habeas.yaml
  # and adds the first user (habeas user add) first.
  systemctl enable habeas.service habeas-backup.timer >/dev/null 2>&1 || true
  if [ "$1" = configure ] && [ -n "${2:-}" ]; then
    # An upgrade: the running server restarts on the new binary.
    systemctl try-restart habeas.service >/dev/null 2>&1 || true
  fi
fi
exit 0
