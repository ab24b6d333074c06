#!/usr/bin/env bash
# The nginx test (tests/deploy) and the benchmark's nginx scenario run Debian's nginx.
exec bash "$(dirname "$0")/ensure_debian_package.sh" nginx /usr/sbin/nginx "the reverse-proxy test"
