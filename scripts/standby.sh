#!/usr/bin/env bash
# standby.sh gives the local PostgreSQL cluster a hot standby, streaming from
# it, so that the tests (and you) can run gridmap nodes on a real read-only
# replica: pg_createcluster a second cluster "standby" on port 5433, fill it
# with pg_basebackup -R (which writes standby.signal and primary_conninfo),
# and start it.
#
# It is idempotent and prints nothing when the standby already streams.
# scripts/db.sh calls it after setting up the local cluster; it needs root
# and Debian's postgresql-common (pg_createcluster, pg_ctlcluster).
set -euo pipefail
export PGOPTIONS="-c client_min_messages=warning"

PORT="${GRIDMAP_STANDBY_PORT:-5433}"
say() { echo "standby.sh: $*" >&2; }
die() { say "$*"; exit 1; }

command -v pg_lsclusters >/dev/null || die "postgresql-common is missing; run scripts/db.sh first"
[ "$(id -u)" = 0 ] || die "run as root to create the standby cluster, or set TEST_STANDBY_URL to an existing standby"

pgver=$(pg_lsclusters -h | awk '$2 == "main" {print $1}' | sort -n | tail -1)
[ -n "$pgver" ] || die "no 'main' cluster; run scripts/db.sh first"
primary_port=$(pg_lsclusters -h | awk -v v="$pgver" '$1 == v && $2 == "main" {print $3}')

streaming() {
  [ "$(runuser -u postgres -- psql -p "$PORT" -Atqc 'select pg_is_in_recovery()' 2>/dev/null)" = t ]
}

# A hot standby needs at least the primary's lock table.
locks=$(runuser -u postgres -- psql -p "$primary_port" -Atqc 'SHOW max_locks_per_transaction')

if pg_lsclusters -h | awk -v v="$pgver" '$1 == v && $2 == "standby"' | grep -q .; then
  if [ "$(pg_conftool -s "$pgver" standby show max_locks_per_transaction 2>/dev/null || echo 64)" != "$locks" ]; then
    pg_conftool "$pgver" standby set max_locks_per_transaction "$locks"
    pg_ctlcluster "$pgver" standby restart || true
  fi
  if ! pg_lsclusters -h | awk -v v="$pgver" '$1 == v && $2 == "standby" && $4 ~ /^online/' | grep -q .; then
    pg_ctlcluster "$pgver" standby start || true
  fi
  for _ in $(seq 1 40); do streaming && exit 0; sleep 0.25; done
  say "the standby cluster exists but does not stream; recreating it…"
  pg_dropcluster --stop "$pgver" standby
fi

say "creating a hot standby of the $pgver/main cluster on port $PORT (one time)…"
pg_createcluster "$pgver" standby --port "$PORT" >/dev/null
pg_conftool "$pgver" standby set max_locks_per_transaction "$locks"
datadir=$(pg_lsclusters -h | awk -v v="$pgver" '$1 == v && $2 == "standby" {print $6}')
[ -n "$datadir" ] && [ -d "$datadir" ] || die "cannot find the standby's data directory"
find "$datadir" -mindepth 1 -delete
# The primary keeps enough WAL for a standby that falls briefly behind while
# the tests create and drop databases.
runuser -u postgres -- psql -p "$primary_port" -Atqc "ALTER SYSTEM SET wal_keep_size = '1GB'" >/dev/null
runuser -u postgres -- psql -p "$primary_port" -Atqc "SELECT pg_reload_conf()" >/dev/null
runuser -u postgres -- pg_basebackup -p "$primary_port" -D "$datadir" -R -X stream -c fast
pg_ctlcluster "$pgver" standby start
for _ in $(seq 1 120); do streaming && exit 0; sleep 0.25; done
die "the standby on port $PORT did not come up; see /var/log/postgresql/postgresql-$pgver-standby.log"
