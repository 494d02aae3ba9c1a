#!/usr/bin/env bash
# Installs everything Millrace needs beyond Rust and Node.js, on Debian 12 / Ubuntu 22.04+:
#   - the system libraries the desktop app (Tauri v2: GTK 3, WebKitGTK 4.1) builds against;
#   - the tools the test suite uses: Xvfb, D-Bus and gnome-keyring (a real Secret Service),
#     Debian's Chromium (browser tests), WebKitWebDriver, ImageMagick and tesseract (screenshots);
#   - tauri-driver (the desktop app's end-to-end test) and cargo-fuzz (scripts/fuzz);
#   - the UI's npm dependencies, from ui/package-lock.json.
# Run it as root or with sudo available. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

PACKAGES=(
  # desktop build (Tauri v2 on Linux)
  libwebkit2gtk-4.1-dev build-essential pkg-config libssl-dev libxdo-dev
  libayatana-appindicator3-dev librsvg2-dev
  # tests: headless display, D-Bus session, Secret Service, browser, screenshots
  xvfb xauth x11-utils dbus dbus-x11 gnome-keyring libsecret-tools
  chromium webkit2gtk-driver imagemagick tesseract-ocr tesseract-ocr-eng python3-xlib
  # packaging (.deb via the Tauri bundler)
  dpkg-dev file
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "==> Debian packages already installed"
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "Node.js 20+ and npm are required (https://nodejs.org); install them and run this again." >&2
  exit 1
fi
if ! command -v tauri-driver >/dev/null; then
  echo "==> installing tauri-driver (WebDriver for the desktop app's end-to-end test)"
  cargo install tauri-driver --locked
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz (scripts/fuzz)"
  cargo install cargo-fuzz --locked
fi
echo "==> installing the UI's npm dependencies (npm ci)"
(cd ui && npm ci --no-audit --no-fund)
echo "==> done"
