#!/usr/bin/env bash
# bench-photos.sh measures the photo store over HTTP on loopback, with each
# backend: PostgreSQL (the default) and the S3-compatible server of
# scripts/s3.sh (--blob-url), each with a fresh database of its own. It
# prints, per backend, the upload throughput (photos/s, MB/s) and latency
# percentiles of new photos, of retries, and of reads of originals and
# thumbnails (cmd/gridmap-photobench), and the in-process time of checking
# a photo and making its thumbnail. scripts/bench.sh calls it; it also runs
# alone. BENCH_PHOTOS (200) and BENCH_PHOTOS_CONNS (8) tune it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PGOPTIONS="-c client_min_messages=warning"

base=${DATABASE_URL:-postgres://gridmap:gridmap@127.0.0.1:5432/gridmap?sslmode=disable}
admin_url=${base/\/gridmap\?/\/postgres?}
port=${BENCH_PHOTOS_PORT:-18083}
n=${BENCH_PHOTOS:-200}
conns=${BENCH_PHOTOS_CONNS:-8}
s3_server=${TEST_S3_URL:-s3://gridmap:gridmap-secret@127.0.0.1:7070/?tls=false}

bash scripts/s3.sh
go build -o bin/gridmap ./cmd/gridmap
go build -o bin/gridmap-photobench ./cmd/gridmap-photobench

server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true; }
trap cleanup EXIT

# run_backend LABEL DATABASE [--blob-url URL]: a fresh database, a server, a token, the driver.
run_backend() {
  local label=$1 db=$2; shift 2
  local url=${base/\/gridmap\?/\/$db?}
  psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  psql "$admin_url" -qc "CREATE DATABASE $db TEMPLATE gridmap_test"
  ./bin/gridmap migrate --database-url "$url" >/dev/null
  local token
  token=$(./bin/gridmap token create --database-url "$url" --role admin --name photobench --expires 1h 2>/dev/null)
  ./bin/gridmap serve --addr "127.0.0.1:$port" --database-url "$url" --demo=false --log-level warn \
    --write-rate 0 --write-rate-addr 0 --escalate-every 0 "$@" &
  server=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  GRIDMAP_TOKEN=$token ./bin/gridmap-photobench --url "http://127.0.0.1:$port" --label "$label" --photos "$n" --conns "$conns"
  echo "   server RSS after the run: $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$server/status)"
  kill "$server"; wait "$server" 2>/dev/null || true
  server=
  psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"
}

run_backend "PostgreSQL backend" gridmap_bench_photos
bucket="gridmap-bench-$(date +%s)"
run_backend "S3 backend (Versity S3 gateway on loopback)" gridmap_bench_photos_s3 \
  --blob-url "${s3_server%%/\?*}/$bucket?tls=false&create=true"

echo "== photos: check and thumbnail in process (what every new upload pays), one core"
./bin/gridmap-photobench --thumbnail-only --photos 40
./bin/gridmap-photobench --thumbnail-only --photos 10 --width 4000 --height 3000
go test -run '^$' -bench 'Process|Thumbnail' -benchmem ./photo/ | grep -E '^Benchmark'
