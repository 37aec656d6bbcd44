#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
  systemctl disable --now habeas-backup.timer habeas.service >/dev/null 2>&1 || true
fi
exit 0
