#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432 for the tests, starting the local cluster if needed.
set -euo pipefail

answers() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1; then
    cat >&2 <<'TXT'
The tests need PostgreSQL on 127.0.0.1:5432 (trust authentication for the user `postgres`), and its
client tools are not installed. Debian/Ubuntu: sudo apt-get install postgresql
Or point LOKET_TEST_POSTGRES at one (postgresql://user@host:port/postgres).
TXT
    exit 1
fi
answers && exit 0

if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    echo "Starting PostgreSQL ${version} (pg_ctlcluster)..."
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 30); do answers && exit 0; sleep 1; done
fi
echo "PostgreSQL does not answer on 127.0.0.1:5432; start it, or set LOKET_TEST_POSTGRES." >&2
exit 1
