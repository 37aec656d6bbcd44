#!/usr/bin/env bash
# Builds the Debian package and checks it the way an administrator would use
# it (issue 21, item 6): the units pass systemd-analyze verify (where it is
# installed), the package installs with dpkg -i, habeas starts the way the
# unit starts it (as its user, in its directory, with its command line: CI has
# no systemd) and answers, the nightly backup script writes a backup that
# restores, and the package purges and installs again cleanly. Run as root on
# a machine where a package named habeas may be installed and removed (CI).
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH)/bin"
if [ "$(id -u)" != 0 ]; then echo "packaging/check.sh: run as root (it installs the package)" >&2; exit 2; fi
if dpkg -s habeas >/dev/null 2>&1; then
  echo "packaging/check.sh: a habeas package is installed already; not touching it" >&2; exit 2
fi

step() { printf '\n== %s\n' "$*"; }
fail() { echo "packaging/check.sh: FAILED: $*" >&2; exit 1; }

step "build"
command -v nfpm >/dev/null || go install github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2
rm -rf dist && mkdir -p dist
go build -ldflags "-s -w" -o dist/habeas ./cmd/habeas
version="0.1.0"
if rev=$(git rev-parse --short=12 HEAD 2>/dev/null); then version="0.1.0~git${rev}"; fi
VERSION=$version GOARCH=$(go env GOARCH) nfpm package --config packaging/nfpm.yaml --packager deb --target dist/
deb=$(ls dist/*.deb)
dpkg-deb --info "$deb" | sed -n '1,/Description/p'
dpkg-deb --contents "$deb"

# What this check makes and must not leave behind on a shared machine.
made_state=; [ -e /var/lib/habeas ] || made_state=1
made_backups=; [ -e /var/backups/habeas ] || made_backups=1
made_user=; getent passwd habeas >/dev/null || made_user=1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18089)
pid=
scratch=$(mktemp -d)
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  dpkg --purge habeas >/dev/null 2>&1 || true
  [ -n "$made_state" ] && rm -rf /var/lib/habeas
  [ -n "$made_backups" ] && rm -rf /var/backups/habeas
  if [ -n "$made_user" ] && getent passwd habeas >/dev/null; then userdel habeas 2>/dev/null || true; fi
  if [ -n "$made_user" ] && getent group habeas >/dev/null; then groupdel habeas 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

step "install"
dpkg -i "$deb"
getent passwd habeas >/dev/null || fail "no habeas user after install"
[ "$(stat -c %U /var/lib/habeas)" = habeas ] || fail "/var/lib/habeas is not the habeas user's"
[ -f /etc/habeas/habeas.yaml ] || fail "no /etc/habeas/habeas.yaml"
dpkg-query -W -f='${Conffiles}\n' habeas | grep -q /etc/habeas/habeas.yaml || fail "/etc/habeas/habeas.yaml is not a conffile"

unit=/usr/lib/systemd/system/habeas.service
if command -v systemd-analyze >/dev/null; then
  step "systemd-analyze verify"
  # Offline: it reads the unit files and checks their directives and commands.
  systemd-analyze verify "$unit" /usr/lib/systemd/system/habeas-backup.service /usr/lib/systemd/system/habeas-backup.timer
else
  echo "systemd-analyze not installed: the units are not verified"
fi

# The unit's own settings, read from the installed file.
get() { sed -n "s/^$1=//p" "$unit" | tail -1; }
user=$(get User); workdir=$(get WorkingDirectory); exec_start=$(get ExecStart)
for d in NoNewPrivileges ProtectSystem PrivateTmp StateDirectory; do
  grep -q "^$d=" "$unit" || fail "the unit has no $d="
done

step "start as the unit does: $exec_start (as $user in $workdir), on 127.0.0.1:$port"
# shellcheck disable=SC2086 # the ExecStart line is split into words as systemd does
(cd "$workdir" && exec setpriv --reuid="$user" --regid="$user" --init-groups --no-new-privs \
  env -i PATH=/usr/bin:/bin HOME="$workdir" $exec_start --addr "127.0.0.1:$port") >"$scratch/serve.log" 2>&1 &
pid=$!
ok=
for _ in $(seq 1 60); do
  for path in /readyz /login; do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port$path" 2>/dev/null; then ok=$path; break 2; fi
  done
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
[ -n "$ok" ] || { cat "$scratch/serve.log"; fail "habeas did not answer on 127.0.0.1:$port"; }
echo "habeas answers $ok"
[ "$(stat -c %U /var/lib/habeas/habeas.db)" = habeas ] || fail "the register is not the habeas user's"

step "the nightly backup, as the timer runs it"
(cd "$workdir" && setpriv --reuid="$user" --regid="$user" --init-groups env -i PATH=/usr/bin:/bin \
  HABEAS_DB=/var/lib/habeas/habeas.db /usr/lib/habeas/habeas-backup)
b=$(ls /var/backups/habeas/habeas-*.tar.gz | tail -1)
[ -n "$b" ] || fail "no backup written"
/usr/bin/habeas --db "$scratch/restored.db" restore "$b"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=

step "purge, install again, install over itself"
echo "# edited by the administrator" >>/etc/habeas/habeas.yaml
dpkg --purge habeas
[ ! -e /usr/bin/habeas ] || fail "/usr/bin/habeas is left after purge"
[ ! -e /etc/habeas/habeas.yaml ] || fail "/etc/habeas/habeas.yaml is left after purge"
[ -e /var/lib/habeas/habeas.db ] || fail "purge deleted the register (it must keep custody records)"
dpkg -i "$deb"
dpkg -i "$deb"
grep -q "edited by the administrator" /etc/habeas/habeas.yaml && fail "the purged configuration came back"
/usr/bin/habeas --db /var/lib/habeas/habeas.db verify >/dev/null
echo "packaging/check.sh: ok ($deb)"
