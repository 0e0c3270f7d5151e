#!/bin/sh
# The programs `make test` needs from Debian: Chromium, which the browser suite drives, and
# gettext's msgfmt, which compiles the translation catalogues (the compiled files are never
# committed). Install the missing ones when we are root; otherwise stop with the exact command
# to run. Never skip: a missing program fails the run.
set -eu
chromium="${UPSTANDER_CHROMIUM:-/usr/bin/chromium}"
msgfmt="${UPSTANDER_MSGFMT:-/usr/bin/msgfmt}"
missing=""
[ -x "$chromium" ] || missing="$missing chromium"
[ -x "$msgfmt" ] || missing="$missing gettext"
if [ -z "$missing" ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing what the tests need (apt-get install$missing)..."
    apt-get update -q
    # shellcheck disable=SC2086  # one package name per word
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
    exit 0
fi
echo "Missing:$missing. The tests need them; run:" >&2
echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
exit 1
