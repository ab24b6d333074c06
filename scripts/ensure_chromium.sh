#!/usr/bin/env bash
# Browser tests drive Debian's Chromium.
exec bash "$(dirname "$0")/ensure_debian_package.sh" chromium /usr/bin/chromium "the browser tests"
