#!/usr/bin/env bash
# The real desktop app under Xvfb, inside a fresh D-Bus session with a real Secret Service
# (gnome-keyring):
#  1. smoke: start it, wait until the window shows the Overview, save a screenshot of the whole
#     screen to artifacts/desktop-overview.png and check it by OCR (tesseract) — a blank or error
#     page fails; check the hub answers and keeps its key in the OS keyring;
#  2. end-to-end through tauri-driver + WebKitWebDriver (scripts/desktop-e2e.mjs): signed in,
#     first-run question, an integration created from a template, close hides, single instance.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--inner" ]; then
  cargo build -p millrace-desktop
  mkdir -p artifacts
  exec timeout 600 dbus-run-session -- scripts/with-secret-service.sh \
    xvfb-run -a -s "-screen 0 1280x800x24" "$0" --inner
fi

ART=artifacts
DATA=$(mktemp -d)
LOG=$ART/desktop.log
cleanup() {
  if [ -n "${PID:-}" ]; then
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  rm -rf "$DATA"
}
trap cleanup EXIT

# An explicit player address: no first-run question over the window in this check.
MILLRACE_DATA_DIR=$DATA \
MILLRACE_ADMIN_ADDR=127.0.0.1:0 MILLRACE_PLAYER_ADDR=127.0.0.1:0 MILLRACE_HOOKS_ADDR=127.0.0.1:0 \
MILLRACE_KEYSTORE=keyring \
  target/debug/millrace-desktop >"$LOG" 2>&1 &
PID=$!

admin=""
for _ in $(seq 1 120); do
  admin=$(grep -o 'admin=127\.0\.0\.1:[0-9]*' "$LOG" | head -1 | cut -d= -f2 || true)
  [ -n "$admin" ] && break
  kill -0 "$PID" 2>/dev/null || { echo "desktop app exited early:"; cat "$LOG"; exit 1; }
  sleep 0.5
done
[ -n "$admin" ] || { echo "the hub never reported its admin address"; cat "$LOG"; exit 1; }
curl -fsS "http://$admin/healthz" >/dev/null
echo "hub answers on $admin"

shot=$ART/desktop-overview.png
ok=""
for _ in $(seq 1 60); do
  sleep 1
  import -window root "$shot" 2>/dev/null || continue
  text=$(tesseract "$shot" - 2>/dev/null || true)
  if grep -q "Overview" <<<"$text" && grep -qi "get started" <<<"$text"; then
    ok=1
    break
  fi
done
if [ -z "$ok" ]; then
  echo "desktop smoke: FAILED — the window never showed the Overview. OCR text:"
  echo "$text"
  echo "--- app log ---"; cat "$LOG"
  exit 1
fi
status=$(curl -fsS -H "Authorization: Bearer $(cat "$DATA/admin-token")" "http://$admin/admin/api/status")
grep -q '"kind":"keyring"' <<<"$status" || { echo "the key store is not the OS keyring: $status"; exit 1; }
echo "desktop smoke: OK — the window shows the Overview (screenshot: $shot)"
# SIGTERM (a logout, a service manager) quits gracefully, like the tray's Quit.
kill -TERM "$PID"
wait "$PID" || true
PID=""
grep -q "millrace stopped" "$LOG" || { echo "the hub was not stopped gracefully:"; tail -5 "$LOG"; exit 1; }
echo "desktop smoke: SIGTERM stopped the hub gracefully"

echo "desktop end-to-end (tauri-driver):"
node scripts/desktop-e2e.mjs target/debug/millrace-desktop
