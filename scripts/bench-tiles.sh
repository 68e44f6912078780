#!/usr/bin/env bash
# bench-tiles.sh prints the vector tile benchmarks over the city-scale data
# set (~50,000 grids), in one run:
#   - cold (uncached) tile latency p50/p99 at z10, z13 and z15 through
#     `gridmap serve --tile-cache-mb 0`, beside the direct ST_AsMVT query on
#     the same tiles (the ratio: below 1 is faster), and the tile sizes;
#   - cached throughput and latency with wrk over a mixed set of tiles, on
#     this machine's cores (wrk and the server share them);
#   - the Go benchmarks of the tiles package.
# It uses the database gridmap_bench, building the city there when it does
# not hold it (scripts/bench.sh builds it too, then calls this script).
set -euo pipefail
cd "$(dirname "$0")/.."
export PGOPTIONS="-c client_min_messages=warning"

base=${DATABASE_URL:-postgres://gridmap:gridmap@127.0.0.1:5432/gridmap?sslmode=disable}
bench_url=${base/\/gridmap\?/\/gridmap_bench?}
admin_url=${base/\/gridmap\?/\/postgres?}
cold_port=${BENCH_TILES_COLD_PORT:-18181}
hot_port=${BENCH_TILES_PORT:-18182}
duration=${BENCH_TILES_DURATION:-10s}

bash scripts/db.sh
command -v wrk >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
go build -o bin/gridmap ./cmd/gridmap
go build -o bin/gridmap-tilebench ./cmd/gridmap-tilebench

if [ -z "$(psql "$admin_url" -Atc "SELECT 1 FROM pg_database WHERE datname = 'gridmap_bench'")" ]; then
  psql "$admin_url" -qc "CREATE DATABASE gridmap_bench TEMPLATE gridmap_test"
fi
./bin/gridmap migrate --database-url "$bench_url" >/dev/null 2>&1 || true
grids=$(psql "$bench_url" -Atc "SELECT count(*) FROM unit WHERE level = 'grid' AND valid_to IS NULL" 2>/dev/null || echo 0)
has_tiles=$(psql "$bench_url" -Atc "SELECT to_regclass('tile_unit') IS NOT NULL" 2>/dev/null || echo f)
if [ "$has_tiles" != t ]; then
  echo "gridmap_bench predates the tile tables of migration 003; recreating it" >&2
  psql "$admin_url" -qc "DROP DATABASE gridmap_bench WITH (FORCE)" -c "CREATE DATABASE gridmap_bench TEMPLATE gridmap_test"
  grids=0
fi
if [ "${grids:-0}" -lt 40000 ]; then
  echo "== building the city-scale data set for the tile benchmark (gridmap demo --scale city)"
  ./bin/gridmap demo --yes --scale city --database-url "$bench_url" >/dev/null
fi
psql "$bench_url" -qc "VACUUM ANALYZE tile_unit" -c "VACUUM ANALYZE unit"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
start() { # start PORT EXTRA-FLAGS…
  local port=$1; shift
  ./bin/gridmap serve --addr "127.0.0.1:$port" --demo=false --database-url "$bench_url" --log-level warn "$@" &
  pids+=($!)
  for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && return; sleep 0.2; done
  echo "gridmap serve on :$port did not become ready" >&2; exit 1
}
start "$cold_port" --tile-cache-mb 0
urls=$(mktemp)
trap 'cleanup; rm -f "$urls"' EXIT
./bin/gridmap-tilebench --database-url "$bench_url" --http "http://127.0.0.1:$cold_port" --urls "$urls"

start "$hot_port"
while read -r path; do curl -fs -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$hot_port$path"; done <"$urls"
echo "== vector tiles: cached throughput ($(wc -l <"$urls") tiles z10–z16 over the city, gzip; wrk 1 thread, 16 connections, $duration; wrk and gridmap share the $(nproc) cores)"
TILE_URLS=$urls wrk -t1 -c16 -d"$duration" --latency -s scripts/wrk-tiles.lua "http://127.0.0.1:$hot_port" |
  grep -E 'Requests/sec|Transfer/sec|^ +(50|90|99)%|requests in|Non-2xx|not from the cache' || true
echo "   server RSS: $(awk '/VmRSS/ {print $2/1024 " MB"}' "/proc/${pids[-1]}/status")"
cleanup
pids=()

echo "== Go benchmarks (tiles, demo city)"
go test -run '^$' -bench . -benchmem ./tiles/ | grep -E '^Benchmark|^ok|FAIL' || true
