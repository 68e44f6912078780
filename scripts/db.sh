#!/usr/bin/env bash
# db.sh makes a PostGIS database reachable for gridmap and its tests.
#
#   - If DATABASE_URL is set and answers, it is used as it is (the postgis
#     extension is created if missing) and nothing is installed.
#   - Otherwise, on Debian/Ubuntu as root, PostgreSQL and PostGIS are
#     installed from the distribution's packages, the local cluster is
#     started, and the role "gridmap" with the databases "gridmap" and
#     "gridmap_test" (each with postgis) are created.
#   - With GRIDMAP_DB_TESTS=1 (make test), the local cluster is also made
#     ready for the tests: its lock table raised to 256 per transaction
#     (a restart, when it is lower) and scripts/standby.sh gives it a
#     streaming hot standby on port 5433 for the standby tests (unless
#     TEST_STANDBY_URL names one already); and the tests get a cluster of
#     their own, "tests" on port 5434, for every other test database
#     (ensure_test_cluster says why). make run does none of it: it does
#     not restart or add to a cluster it finds running (an operator's, next
#     to which gridmap is being tried).
#
# It is idempotent and prints nothing when everything is already in place.
# When it cannot proceed it says exactly what to install or set.
set -euo pipefail
export PGOPTIONS="-c client_min_messages=warning"

LOCAL_URL="postgres://gridmap:gridmap@127.0.0.1:5432/gridmap?sslmode=disable"
TESTS_PORT=5434
TESTS_URL="postgres://gridmap:gridmap@127.0.0.1:$TESTS_PORT/gridmap_test?sslmode=disable"

say() { echo "db.sh: $*" >&2; }
die() { say "$*"; exit 1; }

answers() { psql "$1" -Atqc 'select 1' >/dev/null 2>&1; }

for_tests() { [ "${GRIDMAP_DB_TESTS:-0}" = 1 ]; }

# ensure_lock_table gives the local cluster room for the tests: they build
# many demo cities at once, each in one transaction that locks many
# relations, and the default lock table (64 per connection) can run out
# under that load ("out of shared memory").
ensure_lock_table() {
  for_tests && [ "$(id -u)" = 0 ] && command -v pg_lsclusters >/dev/null || return 0
  local v
  v=$(pg_lsclusters -h | awk '$2 == "main" && $3 == 5432 {print $1}' | head -1)
  [ -n "$v" ] || return 0
  if [ "$(runuser -u postgres -- psql -p 5432 -Atqc 'SHOW max_locks_per_transaction')" -lt 256 ]; then
    pg_conftool "$v" main set max_locks_per_transaction 256
    pg_ctlcluster "$v" main restart
    for _ in $(seq 1 30); do runuser -u postgres -- psql -p 5432 -Atqc 'select 1' >/dev/null 2>&1 && break; sleep 0.5; done
  fi
}

# ensure_standby starts the local standby the tests use, when it is ours to start.
ensure_standby() {
  if for_tests && [ -z "${TEST_STANDBY_URL:-}" ] && [ "$(id -u)" = 0 ] && command -v pg_lsclusters >/dev/null; then
    bash "$(dirname "$0")/standby.sh"
  fi
}

# ensure_test_cluster gives the tests' databases a cluster of their own,
# made for databases that live a few seconds: it keeps no WAL for a standby
# (wal_level=minimal), so a copy of a template is written once — on "main",
# which streams to the standby, each copy was written again as WAL and
# replayed there, a third of the storage tests' CPU — and it does not wait
# for the disk (fsync=off: a crash loses nothing the tests keep). The tests
# that read their database on the standby make it on "main". Only when
# TEST_DATABASE_URL is unset or names it, and only as root.
ensure_test_cluster() {
  for_tests && [ "${TEST_DATABASE_URL:-$TESTS_URL}" = "$TESTS_URL" ] && [ "$(id -u)" = 0 ] &&
    command -v pg_lsclusters >/dev/null || return 0
  local v
  v=$(pg_lsclusters -h | awk '$2 == "main" {print $1}' | sort -n | tail -1)
  [ -n "$v" ] || return 0
  if ! cluster_exists "$v" tests; then
    say "creating the cluster 'tests' on port $TESTS_PORT for the tests' databases (one time)…"
    pg_createcluster "$v" tests --port "$TESTS_PORT" >/dev/null
    local setting
    for setting in "wal_level minimal" "max_wal_senders 0" "fsync off" "synchronous_commit off" \
      "full_page_writes off" "max_locks_per_transaction 256"; do
      pg_conftool "$v" tests set $setting
    done
  fi
  start_cluster "$v" tests "$TESTS_PORT"
  ensure_role_and_databases "$TESTS_PORT" gridmap_test
  answers "$TESTS_URL" || die "the cluster 'tests' is up but $TESTS_URL does not answer; see /var/log/postgresql/postgresql-$v-tests.log"
}

# cluster_exists says whether the local cluster version name exists.
cluster_exists() {
  pg_lsclusters -h | awk -v v="$1" -v n="$2" '$1 == v && $2 == n' | grep -q .
}

# start_cluster starts the local cluster version name unless it is online,
# and waits up to 15 s for it to answer on port.
start_cluster() {
  local v=$1 name=$2 port=$3
  if ! pg_lsclusters -h | awk -v v="$v" -v n="$name" '$1 == v && $2 == n && $4 ~ /^online/' | grep -q .; then
    pg_ctlcluster "$v" "$name" start
  fi
  for _ in $(seq 1 30); do as_postgres_at "$port" -c 'select 1' >/dev/null 2>&1 && break; sleep 0.5; done
}

# ensure_role_and_databases makes, on the local cluster at port, the role
# gridmap (a superuser: migration 001 creates postgis in an ICU test
# database) and the databases named, each with postgis and btree_gist.
ensure_role_and_databases() {
  local port=$1 db
  shift
  as_postgres_at "$port" -c "DO \$\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gridmap') THEN
      CREATE ROLE gridmap LOGIN SUPERUSER PASSWORD 'gridmap';
    END IF; END \$\$" >/dev/null
  for db in "$@"; do
    if [ -z "$(as_postgres_at "$port" -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
      as_postgres_at "$port" -c "CREATE DATABASE $db OWNER gridmap" >/dev/null
    fi
    as_postgres_at "$port" -d "$db" -c 'CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS btree_gist' >/dev/null
  done
}

# as_postgres_at runs psql as the postgres superuser on the local cluster at port.
as_postgres_at() {
  local port=$1
  shift
  runuser -u postgres -- psql -p "$port" -Atq -v ON_ERROR_STOP=1 "$@"
}

ensure_postgis_at() {
  psql "$1" -Atqc 'CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS btree_gist' >/dev/null 2>&1 ||
    die "the database at DATABASE_URL has no postgis extension and this role may not create it; run 'CREATE EXTENSION postgis' as a superuser"
}

# create_local_database makes the database a DATABASE_URL on this machine's
# cluster names when it does not exist yet, owned by the URL's role, with
# PostGIS: DATABASE_URL=…/mydb make run should just work (a newcomer had to
# create it by hand). Only as root, only on 127.0.0.1 or localhost; createdb
# refuses a name that exists.
create_local_database() {
  local url=$1 db user
  [ "$(id -u)" = 0 ] && command -v pg_lsclusters >/dev/null || return 1
  case "$url" in *@127.0.0.1[:/]* | *@localhost[:/]*) ;; *) return 1 ;; esac
  db=${url##*/}; db=${db%%\?*}
  user=${url#*://}; user=${user%%[:@]*}
  runuser -u postgres -- createdb -O "$user" -- "$db" 2>/dev/null || return 1
  runuser -u postgres -- psql -d "$db" -qc 'CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS btree_gist' >/dev/null
  echo "db.sh: created the database $db (owner $user) on the local cluster" >&2
}

if [ -n "${DATABASE_URL:-}" ] && [ "${DATABASE_URL}" != "$LOCAL_URL" ]; then
  command -v psql >/dev/null || die "psql is missing; install the PostgreSQL client (apt-get install postgresql-client)"
  answers "$DATABASE_URL" || { create_local_database "$DATABASE_URL" && answers "$DATABASE_URL"; } ||
    die "DATABASE_URL is set but does not answer: fix it, or unset it to use a local cluster"
  ensure_postgis_at "$DATABASE_URL"
  exit 0
fi

if command -v psql >/dev/null && answers "$LOCAL_URL" &&
   answers "${LOCAL_URL/\/gridmap?/\/gridmap_test?}"; then
  ensure_lock_table
  ensure_standby
  ensure_test_cluster
  exit 0
fi

[ -r /etc/debian_version ] || die "no database answers and this is not Debian/Ubuntu: install PostgreSQL 15+ with PostGIS 3 (the tests use pg_stat_force_next_flush, new in 15), then set DATABASE_URL (and TEST_DATABASE_URL for tests) to a database where the postgis extension exists"
[ "$(id -u)" = 0 ] || die "no database answers; run this script as root to install and start PostgreSQL + PostGIS, or set DATABASE_URL"

if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || ! command -v pg_lsclusters >/dev/null; then
  say "installing PostgreSQL and PostGIS from the distribution (one time)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql postgis >/dev/null
fi

pgver=$(ls /usr/share/postgresql/*/extension/postgis.control | sed -E 's#.*/postgresql/([0-9]+)/.*#\1#' | sort -n | tail -1)
if ! cluster_exists "$pgver" main; then
  say "creating the PostgreSQL $pgver cluster 'main'…"
  pg_createcluster "$pgver" main >/dev/null
fi
port=$(pg_lsclusters -h | awk -v v="$pgver" '$1 == v && $2 == "main" {print $3}')
[ "$port" = 5432 ] || die "the PostgreSQL $pgver cluster listens on port $port, not 5432; set DATABASE_URL and TEST_DATABASE_URL to it"
start_cluster "$pgver" main "$port"

ensure_lock_table
ensure_role_and_databases "$port" gridmap gridmap_test
answers "$LOCAL_URL" || die "the local cluster is up but $LOCAL_URL does not answer; check pg_hba.conf allows password logins on 127.0.0.1"
ensure_standby
ensure_test_cluster
