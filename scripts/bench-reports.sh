#!/usr/bin/env bash
# bench-reports.sh measures reports end to end over HTTP on loopback, against
# the demo city in a database of its own (gridmap_bench_reports):
#   1. sustained ingestion, one report per POST /v1/reports (wrk): each report
#      is resolved, stored durably (synchronous commit) with its first history
#      entry and statistics delta, and answered only then; the stored rows are
#      counted afterwards against the 2xx answers;
#   2. the offline batch upload, 1,000 reports per POST /v1/reports:batch;
#   3. GET /v1/stats over 1,000,000 stored reports (the table is topped up to
#      that by cmd/gridmap-reportbench, which resolves and walks each report).
# scripts/bench.sh calls it; it also runs alone. BENCH_REPORTS_DURATION (20s)
# and BENCH_REPORTS_TOTAL (1000000) tune it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PGOPTIONS="-c client_min_messages=warning"

base=${DATABASE_URL:-postgres://gridmap:gridmap@127.0.0.1:5432/gridmap?sslmode=disable}
db_url=${base/\/gridmap\?/\/gridmap_bench_reports?}
admin_url=${base/\/gridmap\?/\/postgres?}
port=${BENCH_REPORTS_PORT:-18082}
duration=${BENCH_REPORTS_DURATION:-20s}
total=${BENCH_REPORTS_TOTAL:-1000000}
url="http://127.0.0.1:$port"

command -v wrk >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
go build -o bin/gridmap ./cmd/gridmap
go build -o bin/gridmap-reportbench ./cmd/gridmap-reportbench

work=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== reports: a fresh database with the demo city (gridmap_bench_reports)"
psql "$admin_url" -qc "DROP DATABASE IF EXISTS gridmap_bench_reports WITH (FORCE)"
psql "$admin_url" -qc "CREATE DATABASE gridmap_bench_reports TEMPLATE gridmap_test"
./bin/gridmap serve --addr "127.0.0.1:$port" --database-url "$db_url" --log-level warn \
  --write-rate 0 --write-rate-addr 0 --escalate-every 0 &
server=$!
for _ in $(seq 1 150); do curl -fs "$url/readyz" >/dev/null && break; sleep 0.2; done
curl -fs "$url/readyz" >/dev/null || { echo "gridmap serve did not become ready" >&2; exit 1; }
echo "   durability: synchronous_commit=$(psql "$db_url" -Atc 'SHOW synchronous_commit'), fsync=$(psql "$db_url" -Atc 'SHOW fsync')"

export TOKEN POINTS_LUA="$work/points.lua"
TOKEN=$(./bin/gridmap token create --role reporter --name bench --expires 1d --database-url "$db_url" 2>/dev/null)
# 5,000 random points of 南开区 (plain Lua: wrk picks one per report).
psql "$db_url" -Atc "SELECT 'points = {' || string_agg(format('{%s,%s}', round(ST_X(g)::numeric, 7), round(ST_Y(g)::numeric, 7)), ',') || '}'
  FROM (SELECT (ST_Dump(ST_GeneratePoints(geom, 5000, 1))).geom AS g FROM unit WHERE code = '120104' AND valid_to IS NULL) s" > "$POINTS_LUA"

figures() { grep -E 'Requests/sec|Latency  |50%|99%|requests in|Non-2xx|requests:' "$1" | sed 's/^/   /'; }

echo "== ingestion: one report per POST /v1/reports (wrk, 2 threads, 64 connections, $duration)"
BATCH=1 wrk -t2 -c64 -d"$duration" --latency -s scripts/wrk-reports.lua "$url" > "$work/single.txt"
figures "$work/single.txt"
rps=$(awk '/Requests\/sec/ {print $2}' "$work/single.txt")
non2xx=$(awk '/Non-2xx/ {print $5}' "$work/single.txt"); non2xx=${non2xx:-0}
answered=$(awk '/requests in/ {print $1}' "$work/single.txt")
read -r stored events < <(psql "$db_url" -AtF' ' -c "SELECT count(*), (SELECT count(*) FROM report_event e JOIN report r ON r.id = e.report_id WHERE r.reporter = 'bench') FROM report WHERE reporter = 'bench'")
echo "   => $rps reports/s; $answered answered ($non2xx not 2xx); stored $stored reports with $events history entries (requests still in flight when wrk stopped are stored too)"

echo "== batch upload: 1,000 reports per POST /v1/reports:batch (wrk, 2 threads, 4 connections, $duration)"
BATCH=1000 wrk -t2 -c4 -d"$duration" --latency -s scripts/wrk-reports.lua "$url" > "$work/batch.txt"
figures "$work/batch.txt"
bps=$(awk '/Requests\/sec/ {print $2}' "$work/batch.txt")
echo "   => $(awk -v b="$bps" 'BEGIN {printf "%.0f", b * 1000}') reports/s in batches of 1,000"

echo "== statistics over $total stored reports"
./bin/gridmap-reportbench --database-url "$db_url" --reports "$total" --days 90

from=$(date -u -d '-100 days' +%F); to=$(date -u -d '+1 day' +%F)
psql "$db_url" -Atc "SELECT '   reports stored: ' || count(*) || '; statistics rows: ' || (SELECT count(*) FROM report_stat) FROM report"
for q in "unit=120104" "" "unit=120104003"; do
  path="/v1/stats?$q&from=$from&to=$to"
  cold=$(curl -fs -o "$work/stats.json" -w '%{time_total}' "$url$path")
  covered=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['totals']['count'])" "$work/stats.json")
  echo "   GET $path: covers $covered reports; first request $(awk -v s="$cold" 'BEGIN {printf "%.1f", s * 1000}') ms"
  wrk -t1 -c1 -d5s --latency "$url$path" > "$work/stats.txt"
  figures "$work/stats.txt" | grep -E '50%|99%|Requests/sec'
done
