#!/usr/bin/env bash
# Runs the test suite. PostgreSQL tests run when a server answers (CI has one on
# 127.0.0.1:5432, trust auth, database "test"); elsewhere they skip and say why.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
if [ -z "${HUMANTOUCH_TEST_POSTGRES_URL:-}" ]; then
  if "$BIN/python" - <<'PY' 2>/dev/null; then
import psycopg
psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres connect_timeout=3").close()
PY
    export HUMANTOUCH_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    echo "PostgreSQL found at 127.0.0.1:5432: PostgreSQL tests will run"
  else
    echo "No PostgreSQL at 127.0.0.1:5432 and HUMANTOUCH_TEST_POSTGRES_URL unset: PostgreSQL tests will be skipped"
  fi
fi
export HUMANTOUCH_CACHE_DIR=${HUMANTOUCH_CACHE_DIR:-$(mktemp -d)}
exec "$BIN/pytest" "$@"
