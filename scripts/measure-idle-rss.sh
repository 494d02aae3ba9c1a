#!/usr/bin/env bash
# Measures the idle resident memory of the headless hub (release build): starts it on free ports
# with a fresh data directory, makes a few admin requests, waits 5 s, reads VmRSS, stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p millrace
DATA=$(mktemp -d)
OUT=$(mktemp)
target/release/millrace serve --data-dir "$DATA" --keystore file \
  --admin-addr 127.0.0.1:0 --player-addr 127.0.0.1:0 --hooks-addr 127.0.0.1:0 >"$OUT" 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA" "$OUT"' EXIT
for _ in $(seq 1 100); do grep -q 'Open the admin UI' "$OUT" && break; sleep 0.1; done
ADMIN=$(grep -o 'http://127.0.0.1:[0-9]*/#' "$OUT" | head -1 | sed 's|/#||')
TOKEN=$(cat "$DATA/admin-token")
for _ in 1 2 3; do
  curl -fsS -o /dev/null -H "Authorization: Bearer $TOKEN" "$ADMIN/admin/api/status"
  curl -fsS -o /dev/null "$ADMIN/"
done
sleep 5
echo "idle headless hub: $(grep VmRSS /proc/$PID/status | awk '{print $2, $3}') RSS, $(grep Threads /proc/$PID/status | awk '{print $2}') threads"
