#!/usr/bin/env bash
# Run the whole test suite a second time against a real PostgreSQL server on 127.0.0.1.
# Installs and starts Debian's PostgreSQL when allowed (root); stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing PostgreSQL for the second test run..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  elif [ "${CI:-}" = "true" ]; then
    echo "CI: PostgreSQL is missing and cannot be installed (not root)." >&2
    exit 1
  else
    echo "PostgreSQL not installed: skipping the PostgreSQL test run (install 'postgresql')."
    exit 0
  fi
fi
if [ "$(id -u)" != "0" ] && [ "${CI:-}" != "true" ] && [ -z "${TEST_DATABASE_URI:-}" ]; then
  echo "Not root: skipping the PostgreSQL run (set TEST_DATABASE_URI to use your own server)."
  exit 0
fi

if [ -z "${TEST_DATABASE_URI:-}" ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
  started_here=""
  if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
    pg_ctlcluster "$version" main start
    started_here=yes
  fi
  stop() { [ -n "$started_here" ] && pg_ctlcluster "$version" main stop || true; }
  trap stop EXIT
  as_postgres() { su postgres -c "$1"; }
  if ! as_postgres "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='blog'\"" | grep -q 1; then
    as_postgres "psql -qc \"CREATE ROLE blog LOGIN PASSWORD 'blog'\""
  fi
  as_postgres "dropdb --if-exists blog_test"
  as_postgres "createdb -O blog blog_test"
  export TEST_DATABASE_URI="postgresql+psycopg://blog:blog@127.0.0.1:5432/blog_test"
fi

echo "Running the test suite against PostgreSQL..."
.venv/bin/python -m pytest "$@"
