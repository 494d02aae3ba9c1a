#!/usr/bin/env bash
# Runs a command with a real, unlocked Secret Service (gnome-keyring) on the current D-Bus
# session bus, then stops it. Use inside a fresh session:
#   dbus-run-session -- scripts/with-secret-service.sh <command...>
set -uo pipefail
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  echo "no D-Bus session: run this under dbus-run-session" >&2
  exit 2
fi
KEYRING_HOME=$(mktemp -d)
export XDG_DATA_HOME="$KEYRING_HOME" XDG_CONFIG_HOME="$KEYRING_HOME" XDG_RUNTIME_DIR="$KEYRING_HOME"
printf '%s' 'millrace-test' | gnome-keyring-daemon --foreground --unlock --components=secrets \
  >"$KEYRING_HOME/gnome-keyring.log" 2>&1 &
GKD=$!
for _ in $(seq 1 100); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null \
      | grep -q 'boolean true'; then
    break
  fi
  sleep 0.1
done
"$@"
rc=$?
kill "$GKD" 2>/dev/null
wait "$GKD" 2>/dev/null
rm -rf "$KEYRING_HOME"
exit $rc
