#!/bin/sh
# Make sure the browser tests have a Chromium: install Debian's `chromium` package when it
# is missing and this user may install packages (root, or passwordless sudo). Never fails
# the run: without a browser the browser tests are skipped with the reason.
if [ -n "$MARSAD_CHROMIUM" ] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: no apt-get here; the browser tests will be skipped (set MARSAD_CHROMIUM to a Chromium binary)" >&2
    exit 0
fi
if [ "$(id -u)" = "0" ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "ensure_chromium: chromium is missing and this user may not install packages; the browser tests will be skipped" >&2
    exit 0
fi
echo "ensure_chromium: installing Debian's chromium for the browser tests" >&2
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium; } >/dev/null; then
    echo "ensure_chromium: apt-get could not install chromium; the browser tests will be skipped" >&2
fi
exit 0
