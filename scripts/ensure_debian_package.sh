#!/usr/bin/env bash
# Install a Debian package that tests need when its program is missing and we may (root).
# Usage: ensure_debian_package.sh PACKAGE PROGRAM "WHAT NEEDS IT"
# Outside CI without root it says what will be skipped; under CI=true that is a failure.
set -euo pipefail
package=$1 program=$2 purpose=$3
if command -v "$(basename "$program")" >/dev/null 2>&1 || [ -x "$program" ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing $package for $purpose..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
  exit 0
fi
if [ "${CI:-}" = "true" ]; then
  echo "CI: $package is missing and cannot be installed (not root)." >&2
  exit 1
fi
echo "$package not found: $purpose will be skipped (install the '$package' package)."
