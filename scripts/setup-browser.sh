#!/usr/bin/env bash
# Install the browser the end-to-end test drives: Debian's chromium package.
#
# Nothing else is installed, and no browser is downloaded: the test launches
# /usr/bin/chromium through Playwright's Python package (a dev dependency),
# so `playwright install` is never needed. Does nothing when
# /usr/bin/chromium already exists. Needs root, or sudo.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    echo "setup-browser: /usr/bin/chromium is already installed ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "setup-browser: /usr/bin/chromium is missing, and installing it needs root or sudo" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends chromium
echo "setup-browser: installed $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
