#!/usr/bin/env bash
# The nginx test (tests/deploy) runs Debian's nginx; install it when missing and we are allowed to.
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing nginx for the reverse-proxy test..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
  exit 0
fi
if [ "${CI:-}" = "true" ]; then
  echo "CI: nginx is missing and cannot be installed (not root)." >&2
  exit 1
fi
echo "nginx not found: the reverse-proxy test will be skipped (install the 'nginx' package)."
