#!/bin/sh
# The browser suite drives Debian's Chromium. Install it when missing and we are root;
# otherwise stop with the exact command to run. Never skip: a missing browser fails the run.
set -eu
chromium="${UPSTANDER_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Chromium for the browser tests (apt-get install chromium)..."
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
    exit 0
fi
echo "Chromium is missing. The browser tests need it; run:" >&2
echo "  sudo apt-get update && sudo apt-get install -y chromium" >&2
exit 1
