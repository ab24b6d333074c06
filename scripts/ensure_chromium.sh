#!/usr/bin/env bash
# Browser tests drive Debian's Chromium; install it when missing and we are allowed to.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Chromium for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
if [ "${CI:-}" = "true" ]; then
  echo "CI: Chromium is missing and cannot be installed (not root)." >&2
  exit 1
fi
echo "Chromium not found: browser tests will be skipped (install the 'chromium' package)."
