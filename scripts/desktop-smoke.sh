#!/usr/bin/env bash
# Smoke test of the real desktop app: builds millrace-desktop, starts it under Xvfb inside a fresh
# D-Bus session with a real Secret Service (gnome-keyring), waits until the window shows the
# admin UI's status page, saves a screenshot to artifacts/desktop-status.png and checks it by OCR
# (tesseract) — a blank or error page fails. Also checks the hub answers while the window is up.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--inner" ]; then
  cargo build -p millrace-desktop
  mkdir -p artifacts
  exec timeout 300 dbus-run-session -- scripts/with-secret-service.sh \
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

shot=$ART/desktop-status.png
for _ in $(seq 1 60); do
  sleep 1
  import -window root "$shot" 2>/dev/null || continue
  text=$(tesseract "$shot" - 2>/dev/null || true)
  if grep -qi "listeners" <<<"$text" && grep -qi "key store" <<<"$text"; then
    if grep -q '"kind":"keyring"' < <(curl -fsS -H "Authorization: Bearer $(cat "$DATA/admin-token")" "http://$admin/admin/api/status"); then
      echo "desktop smoke: OK — the window shows the status page (screenshot: $shot)"
      exit 0
    fi
    echo "the status page is shown but the key store is not the OS keyring"; exit 1
  fi
done
echo "desktop smoke: FAILED — the window never showed the status page. OCR text:"
echo "$text"
echo "--- app log ---"; cat "$LOG"
exit 1
