#!/usr/bin/env bash
# bench.sh prints gridmap's benchmarks beside the PostGIS baseline, in one run:
# the resolver in process and over HTTP (batch and single GET with wrk), the
# Go micro-benchmarks, then the tile, import and report benchmarks when present.
# It builds the city-scale data set (~50,000 grids) in its own database.
set -euo pipefail
cd "$(dirname "$0")/.."
export PGOPTIONS="-c client_min_messages=warning"

base=${DATABASE_URL:-postgres://gridmap:gridmap@127.0.0.1:5432/gridmap?sslmode=disable}
bench_url=${base/\/gridmap\?/\/gridmap_bench?}
admin_url=${base/\/gridmap\?/\/postgres?}
port=${BENCH_PORT:-18080}

command -v wrk >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
go build -o bin/gridmap ./cmd/gridmap
go build -o bin/gridmap-bench ./cmd/gridmap-bench

for db in gridmap_bench gridmap_bench_demo; do
  if [ -z "$(psql "$admin_url" -Atc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
    psql "$admin_url" -qc "CREATE DATABASE $db TEMPLATE gridmap_test"
  fi
done
demo_url=${base/\/gridmap\?/\/gridmap_bench_demo?}
echo "== the demo city (gridmap demo): in-process resolver beside PostGIS"
./bin/gridmap demo --yes --database-url "$demo_url" 2>&1 | grep -E 'built in'
./bin/gridmap-bench --database-url "$demo_url" --label "demo city (南开区 + 万新街道)"
echo "== building the city-scale data set (gridmap demo --scale city)"
/usr/bin/time -f "   took %es, max RSS %MkB" ./bin/gridmap demo --yes --scale city --database-url "$bench_url" 2>&1 | grep -E 'took|built|district|street|community|grid|enclave'

./bin/gridmap serve --addr "127.0.0.1:$port" --demo=false --database-url "$bench_url" --log-level warn &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
echo "   server RSS after start: $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$server/status)"

./bin/gridmap-bench --database-url "$bench_url" --http "http://127.0.0.1:$port" --label "city (all of Tianjin)"

for conns in 8 32; do
  echo "== single-point GET /v1/resolve over HTTP (wrk, 1 thread, $conns connections, 10 s; wrk and gridmap share the 2 cores)"
  wrk -t1 -c$conns -d10s --latency -s scripts/wrk-resolve.lua "http://127.0.0.1:$port" | grep -E 'Requests/sec|Latency|50%|90%|99%|requests in|Non-2xx' || true
done
echo "   server RSS after load: $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$server/status)"
kill $server; wait $server 2>/dev/null || true
trap - EXIT

echo "== Go benchmarks (geo)"
go test -run '^$' -bench . -benchmem ./geo/ | grep -E '^Benchmark|ok|FAIL'
echo "== Go benchmarks (api: the resolve handler, answers' JSON at city scale)"
go test -run '^$' -bench 'ResolveGET|AnswerJSON' -benchmem ./api/ | grep -E '^Benchmark|ok|FAIL'

for extra in scripts/bench-http.sh scripts/bench-fresh.sh scripts/bench-tiles.sh scripts/bench-import.sh scripts/bench-reports.sh scripts/bench-photos.sh scripts/bench-topology.sh; do
  if [ -x "$extra" ] || [ -f "$extra" ]; then bash "$extra"; fi
done

echo "== live events: commit → event on another node of the primary and on a standby node (1,000 reports, 4 writers)"
TEST_DATABASE_URL=${TEST_DATABASE_URL:-${base/\/gridmap\?/\/gridmap_test?}} \
  go test ./api/ -run '^$' -bench EventLatency -benchtime 1000x 2>/dev/null | grep -E '^Benchmark|ok|FAIL'

echo "== the importer at province scale (~300,000 grids) beside ogr2ogr"
BENCH_IMPORT_SCALE=province bash scripts/bench-import.sh
