#!/usr/bin/env bash
# bench-fresh.sh measures freshness at the demo, city (~50,000 grids) and
# province (~300,000 grids) scales: for each, two gridmap nodes on the
# primary and one on the hot standby (scripts/standby.sh) serve the same
# database; cmd/gridmap-freshbench commits 1,000 edits one at a time and
# times commit → visible on every node and on the standby's database, CPU
# per applied change and RSS before and after; this script adds each node's
# start-up time and RSS. Data sets are built once (gridmap demo --scale …)
# and kept in databases of their own.
#
# Targets (issue 11): commit → visible on another node ≤ 100 ms p99 at every
# scale; on a standby node ≤ replay lag + 100 ms; RSS after 1,000 edits
# within 5 % of before.
set -euo pipefail
cd "$(dirname "$0")/.."
export PGOPTIONS="-c client_min_messages=warning"

base=${DATABASE_URL:-postgres://gridmap:gridmap@127.0.0.1:5432/gridmap?sslmode=disable}
admin_url=${base/\/gridmap\?/\/postgres?}
standby_base=${TEST_STANDBY_URL:-postgres://gridmap:gridmap@127.0.0.1:5433/gridmap?sslmode=disable}
edits=${BENCH_EDITS:-1000}
scales=${BENCH_SCALES:-demo city province}

go build -o bin/gridmap ./cmd/gridmap
go build -o bin/gridmap-freshbench ./cmd/gridmap-freshbench
have_standby=false
if psql "${standby_base/\/gridmap\?/\/postgres?}" -Atqc 'select pg_is_in_recovery()' 2>/dev/null | grep -q t; then
  have_standby=true
else
  echo "bench-fresh.sh: no hot standby answers at ${standby_base}; run scripts/standby.sh for the standby figures" >&2
fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# start_node NAME URL PORT: runs gridmap serve, waits until it is ready, and
# prints its start-up time and RSS; sets $node_pid.
start_node() {
  local name=$1 url=$2 port=$3 t0
  t0=$(date +%s.%N)
  ./bin/gridmap serve --addr "127.0.0.1:$port" --demo=false --database-url "$url" --log-level warn &
  node_pid=$!
  pids+=("$node_pid")
  for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { echo "node $name did not start" >&2; exit 1; }
  awk -v a="$t0" -v b="$(date +%s.%N)" -v n="$name" -v r="$(awk '/VmRSS/ {print $2/1024}' /proc/$node_pid/status)" \
    'BEGIN { printf "   node %s: ready in %.1f s, RSS %.0f MB\n", n, b - a, r }'
}

port=18180
for scale in $scales; do
  db=gridmap_bench_fresh_$scale
  url=${base/\/gridmap\?/\/$db?}
  if [ -z "$(psql "$admin_url" -Atc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
    psql "$admin_url" -qc "CREATE DATABASE $db TEMPLATE gridmap_test"
    echo "== building the $scale data set (gridmap demo --scale $scale)"
    log=$(mktemp)
    if ! /usr/bin/time -f "   built in %es, max RSS %MkB" ./bin/gridmap demo --yes --scale "$scale" --database-url "$url" >"$log" 2>&1; then
      cat "$log" >&2
      psql "$admin_url" -qc "DROP DATABASE $db" # so that the next run builds it again
      exit 1
    fi
    grep -E 'built in|^  grid' "$log" || true
    rm -f "$log"
  fi
  echo "== $scale: start-up"
  nodes=()
  start_node A "$url" $port; nodes+=(--node "A=http://127.0.0.1:$port=$node_pid")
  start_node B "$url" $((port + 1)); nodes+=(--node "B=http://127.0.0.1:$((port + 1))=$node_pid")
  standby_args=()
  if $have_standby; then
    surl=${standby_base/\/gridmap\?/\/$db?}
    for _ in $(seq 1 600); do psql "$surl" -Atqc 'select 1' >/dev/null 2>&1 && break; sleep 0.1; done
    start_node standby "$surl" $((port + 2)); nodes+=(--node "standby=http://127.0.0.1:$((port + 2))=$node_pid")
    standby_args=(--standby-database-url "$surl")
  fi
  ./bin/gridmap-freshbench --database-url "$url" --edits "$edits" --label "$scale" "${nodes[@]}" "${standby_args[@]}"
  cleanup
  pids=()
  port=$((port + 10))
done
