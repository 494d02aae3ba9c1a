#!/usr/bin/env bash
# Builds the desktop app in release mode and bundles it as a .deb for Debian/Ubuntu with the
# Tauri bundler (the CLI comes from ui/node_modules: `npm ci` in ui/ installs it). The package is
# written to target/release/bundle/deb/. Needs what scripts/install-deps.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x ui/node_modules/.bin/tauri ] || (cd ui && npm ci --no-audit --no-fund)
(cd src-tauri && ../ui/node_modules/.bin/tauri build --bundles deb)
deb=$(ls -t target/release/bundle/deb/*.deb | head -1)
echo "built $deb"
# The package must install the app, its desktop entry and its icon.
dpkg-deb --contents "$deb" | grep -q "usr/bin/millrace-desktop"
dpkg-deb --contents "$deb" | grep -q "usr/share/applications/.*\.desktop"
dpkg-deb --contents "$deb" | grep -q "usr/share/icons/"
dpkg-deb --field "$deb" Package Version Depends
