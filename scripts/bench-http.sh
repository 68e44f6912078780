#!/usr/bin/env bash
# bench-http.sh measures gridmap's HTTP hot paths against this machine's own
# ceiling, in one run, at demo and city scale (and, when asked, province
# scale: BENCH_HTTP_SCALES="demo city province"): a bare net/http server
# (cmd/gridmap-bare) that answers with the bytes gridmap answered, under the
# same wrk settings. It prints, per scale:
#   - GET /v1/resolve at varying points over the data's extent, at 2, 8 and
#     32 connections: requests/s, p50, p99, the server's CPU time per
#     request, gridmap's share of the bare server's rate, and the bare
#     server's CPU time per request over gridmap's ("cpu ratio": the same
#     comparison, less moved by the machine's other load);
#   - the same, signed in: a token sent with every resolve;
#   - cached vector tiles (X-Cache: hit, gzip), the same;
#   - GET /v1/resolve beside a Tile38-like engine (cmd/gridmap-tile38engine:
#     Tile38's geometry, R-tree and RESP over every current unit; Tile38's
#     own module is refused here), both asked by one client that speaks
#     HTTP and RESP (cmd/gridmap-pointload), at 2, 8 and 32 connections,
#     and the bare server beside the engine the same way;
#   - POST /v1/resolve with 100,000 points (full JSON, NDJSON, and CSV with
#     fields=status,responsible.code): points/s and how far the batch raised
#     the server's peak RSS;
#   - report_hex/0/0/0, a report tile no cache holds, asked by one client and
#     flooded by 32, with the drawings a flooding request took, and a
#     street's report tile asked meanwhile by one more client.
# wrk, gridmap and the bare server share the machine's cores; the ratio is
# what compares, since both sides run under the same conditions. gridmap
# answers plain resolves on its fast lane (internal/fastlane), without
# net/http's per-request work, so its resolve can pass the bare server's
# rate; its tiles go through net/http as the bare server's do.
# Environment: DATABASE_URL (the main database), BENCH_HTTP_SCALES ("demo
# city"), BENCH_HTTP_DURATION (wrk run length, 4s), BENCH_HTTP_ROUNDS (runs
# per side and concurrency, taking turns, 3).
set -euo pipefail
cd "$(dirname "$0")/.."
export PGOPTIONS="-c client_min_messages=warning"

base=${DATABASE_URL:-postgres://gridmap:gridmap@127.0.0.1:5432/gridmap?sslmode=disable}
admin_url=${base/\/gridmap\?/\/postgres?}
duration=${BENCH_HTTP_DURATION:-4s}
rounds=${BENCH_HTTP_ROUNDS:-3}
port=18280
bare_port=18281
cold_port=18282
engine_port=18283

bash scripts/db.sh >/dev/null
command -v wrk >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
go build -o bin/gridmap ./cmd/gridmap
go build -o bin/gridmap-bare ./cmd/gridmap-bare
go build -o bin/gridmap-tilebench ./cmd/gridmap-tilebench
go build -o bin/gridmap-tile38engine ./cmd/gridmap-tile38engine
go build -o bin/gridmap-pointload ./cmd/gridmap-pointload

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
}
trap 'cleanup; rm -rf "$work"' EXIT

wait_ready() { # wait_ready URL
  for _ in $(seq 1 300); do curl -fs "$1" >/dev/null && return; sleep 0.2; done
  echo "$1 did not answer" >&2
  exit 1
}

# wait_engine: wait until the engine has loaded the units and answers PING.
wait_engine() {
  for _ in $(seq 300); do
    if grep -q 'RESP on' "$work/engine.log" &&
      exec 3<>"/dev/tcp/127.0.0.1/$engine_port" 2>/dev/null; then
      printf '*1\r\n$4\r\nPING\r\n' >&3
      local pong
      read -r -t 5 pong <&3 || true
      exec 3<&-
      [ "${pong%$'\r'}" = "+PONG" ] && return
    fi
    sleep 0.2
  done
  cat "$work/engine.log" >&2
  exit 1
}

# database NAME SCALE: a database holding the demo at SCALE, built when missing.
database() {
  local name=$1 scale=$2 url=${base/\/gridmap\?/\/$1?}
  if [ -z "$(psql "$admin_url" -Atc "SELECT 1 FROM pg_database WHERE datname = '$name'")" ]; then
    psql "$admin_url" -qc "CREATE DATABASE $name TEMPLATE gridmap_test"
  fi
  ./bin/gridmap migrate --database-url "$url" >/dev/null
  local grids want=1
  grids=$(psql "$url" -Atc "SELECT count(*) FROM unit WHERE level = 'grid' AND valid_to IS NULL")
  case $scale in city) want=40000 ;; province) want=250000 ;; esac
  if [ "$grids" -lt "$want" ]; then
    echo "   building the $scale data set (gridmap demo --scale $scale)" >&2
    ./bin/gridmap demo --yes --scale "$scale" --database-url "$url" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  fi
  echo "$url"
}

# cpu_ticks PID: the CPU time (user + system, in clock ticks) the process has used.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# measure PID TAG CMD...: runs CMD, a load generator whose output ends with
# a "TAG rps p50_ms p99_ms errors requests" line, against the server PID;
# prints "rps p50_ms p99_ms errors cpu_us_per_request". The server's CPU
# time per request is steadier than its rate on a shared machine: the rate
# moves with whatever else runs, the work a request costs much less.
measure() {
  local pid=$1 tag=$2 out t0 t1
  shift 2
  t0=$(cpu_ticks "$pid")
  out=$("$@" 2>&1)
  t1=$(cpu_ticks "$pid")
  echo "$out" | awk -v tag="$tag" -v ticks=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" '$1 == tag {
    print $2, $3, $4, $5, ($6 > 0 ? ticks / hz * 1e6 / $6 : 0)
  }'
}

# run_wrk PID SCRIPT URL CONNS: one wrk run against the server PID.
run_wrk() { measure "$1" wrk-summary wrk -t1 -c"$4" -d"$duration" --latency -s "$2" "$3"; }

# run_wrk_token PID SCRIPT URL CONNS: run_wrk signed in with $RESOLVE_TOKEN,
# the token used once just before, so that wrk's connections start with it
# in the cache whatever the pause since the last run (the cache trusts a
# read for 10 s and reads a token in use again before that runs out).
run_wrk_token() {
  curl -fsS -o /dev/null -H "Authorization: Bearer $RESOLVE_TOKEN" "$3$RESOLVE_WARM_PATH"
  run_wrk "$@"
}

# run_pointload PID BOX URL CONNS: one gridmap-pointload run against the
# server PID, at random points over BOX.
run_pointload() {
  measure "$1" pointload-summary ./bin/gridmap-pointload --target "$3" --conns "$4" --duration "$duration" --box "$2"
}

# compare WHAT RUNNER ARG NAME PID URL OTHER OTHER_PID OTHER_URL CONNS...:
# RUNNER (run_wrk or run_pointload, given ARG) on one server (gridmap, in
# every table but one) and on the other, taking turns for $rounds rounds;
# each side's figures are those of its median round (by requests/s), which a
# burst of noise on this shared machine does not move, and its median CPU
# time per request. "ratio" is the first side's rate over the other's; "cpu
# ratio" the other's CPU time per request over the first side's.
compare() {
  local what=$1 runner=$2 arg=$3 name=$4 pid=$5 url=$6 other=$7 other_pid=$8 other_url=$9
  shift 9
  printf '   %-22s %5s %12s %9s %9s %7s   %12s %9s %9s %7s   %5s %9s\n' "$what" conns "$name r/s" p50_ms p99_ms "cpu_us" \
    "$other r/s" p50_ms p99_ms "cpu_us" ratio "cpu ratio"
  for c in "$@"; do
    : >"$work/g" && : >"$work/b"
    for _ in $(seq "$rounds"); do
      "$runner" "$pid" "$arg" "$url" "$c" >>"$work/g"
      "$runner" "$other_pid" "$arg" "$other_url" "$c" >>"$work/b"
    done
    local m=$(((rounds + 1) / 2))
    read -r g50 g50l g99l _ < <(sort -n "$work/g" | awk -v m=$m 'NR == m')
    read -r b50 b50l b99l _ < <(sort -n "$work/b" | awk -v m=$m 'NR == m')
    gcpu=$(awk '{print $5}' "$work/g" | sort -g | awk -v m=$m 'NR == m')
    bcpu=$(awk '{print $5}' "$work/b" | sort -g | awk -v m=$m 'NR == m')
    gbad=$(awk '{n += $4} END {print n + 0}' "$work/g")
    bbad=$(awk '{n += $4} END {print n + 0}' "$work/b")
    awk -v c="$c" -v g="$g50" -v gl="$g50l" -v gh="$g99l" -v gc="$gcpu" -v b="$b50" -v bl="$b50l" -v bh="$b99l" -v bc="$bcpu" \
      -v bad="$gbad" -v obad="$bbad" -v name="$name" -v other="$other" 'BEGIN {
      printf "   %-22s %5d %12.0f %9.3f %9.3f %7.1f   %12.0f %9.3f %9.3f %7.1f   %5.2f %9.2f%s%s\n", "", c, g, gl, gh, gc, b, bl, bh, bc,
        (b > 0 ? g / b : 0), (gc > 0 ? bc / gc : 0), (bad > 0 ? "  (" name ": " bad " errors!)" : ""),
        (obad > 0 ? "  (" other ": " obad " errors!)" : "")
    }'
  done
}

# batch FILE QUERY LABEL: POST the batch, print points/s and the peak RSS rise.
batch() {
  local pid=${pids[0]}
  sync
  echo 5 >"/proc/$pid/clear_refs" # resets VmHWM to the current RSS
  local before after took
  before=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  took=$(curl -fs -o "$work/answer" -w '%{time_total}' -H 'Content-Type: application/json' \
    --data-binary @"$1" "http://127.0.0.1:$port/v1/resolve$2")
  after=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  awk -v n=100000 -v t="$took" -v b="$before" -v a="$after" -v bytes="$(stat -c %s "$work/answer")" -v l="$3" 'BEGIN {
    printf "   %-38s %8.0f points/s  answer %6.1f MB  peak RSS +%5.1f MB (from %.0f MB)\n", l, n / t, bytes / 1048576, (a - b) / 1024, b / 1024
  }'
}

# wrk_path PATH CONNS: one wrk run asking gridmap for PATH; prints "rps p50_ms
# p99_ms non2xx requests".
wrk_path() {
  WRK_PATH=$1 wrk -t1 -c"$2" -d"$duration" --latency -s scripts/wrk-path.lua "http://127.0.0.1:$port" 2>&1 |
    awk '/^wrk-summary/ {print $2, $3, $4, $5, $6}'
}

# uncached_draws: how many tiles that cannot be cached gridmap has drawn.
uncached_draws() { curl -fs "http://127.0.0.1:$port/metrics" | awk '/^gridmap_tile_uncached_draws_total/ {print $2}'; }

# flood_report_tiles LNG LAT: report_hex/0/0/0 (it reads every report, and no
# report tile is cached) asked by one client, then flooded by 32 while one
# more client asks the street-level report tile at LNG LAT. Identical
# requests share drawings, so the flood's rate is not bound to one drawing
# per request; "drawings a request" says how many it took.
flood_report_tiles() {
  local hex=/tiles/report_hex/0/0/0.mvt street bg d0 d1
  street=$(awk -v lng="$1" -v lat="$2" 'BEGIN {
    n = 2 ^ 15; r = lat * 3.14159265358979 / 180
    printf "/tiles/report/15/%d/%d.mvt", (lng + 180) / 360 * n, (1 - log(sin(r) / cos(r) + 1 / cos(r)) / 3.14159265358979) / 2 * n
  }')
  read -r one_rps one50 one99 one_bad _ < <(wrk_path "$hex" 1)
  d0=$(uncached_draws)
  wrk_path "$street" 1 >"$work/street" &
  bg=$!
  read -r fl_rps fl50 fl99 fl_bad fl_n < <(wrk_path "$hex" 32)
  wait "$bg"
  read -r st_rps st50 st99 st_bad st_n <"$work/street"
  d1=$(uncached_draws)
  echo "   report tiles, drawn fresh  conns     r/s    p50_ms    p99_ms  non-2xx"
  printf '   %-26s %5d %7.0f %9.3f %9.3f %8d\n' "report_hex/0/0/0" 1 "$one_rps" "$one50" "$one99" "$one_bad"
  printf '   %-26s %5d %7.0f %9.3f %9.3f %8d   %.3f drawings a request\n' "" 32 "$fl_rps" "$fl50" "$fl99" "$fl_bad" \
    "$(awk -v d=$((d1 - d0 - st_n)) -v n="$fl_n" 'BEGIN {print (n > 0 ? d / n : 0)}')"
  printf '   %-26s %5d %7.0f %9.3f %9.3f %8d   (during the flood)\n' "${street#/tiles/}" 1 "$st_rps" "$st50" "$st99" "$st_bad"
}

for scale in ${BENCH_HTTP_SCALES:-demo city}; do
  case $scale in
  demo) url=$(database gridmap_bench_demo demo) ;;
  city) url=$(database gridmap_bench city) ;;
  province) url=$(database gridmap_bench_province province) ;;
  *) echo "unknown scale $scale" >&2; exit 2 ;;
  esac
  read -r x0 y0 x1 y1 < <(psql "$url" -AtF' ' -c "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
    FROM (SELECT ST_Extent(geom) AS e FROM unit WHERE valid_to IS NULL) s")
  grids=$(psql "$url" -Atc "SELECT count(*) FROM unit WHERE level = 'grid' AND valid_to IS NULL")
  echo "== HTTP hot paths beside a bare net/http server, $scale scale ($grids grids); wrk 1 thread, median of $rounds alternating $duration runs, $(nproc) cores shared"

  # The tile list: the cold server's benchmark writes the tiles it fetched.
  ./bin/gridmap serve --addr "127.0.0.1:$cold_port" --demo=false --database-url "$url" --log-level warn --tile-cache-mb 0 &
  pids+=($!)
  wait_ready "http://127.0.0.1:$cold_port/readyz"
  ./bin/gridmap-tilebench --database-url "$url" --http "http://127.0.0.1:$cold_port" --urls "$work/tiles" --tiles 20 >/dev/null
  cleanup

  ./bin/gridmap serve --addr "127.0.0.1:$port" --demo=false --database-url "$url" --log-level warn &
  pids+=($!)
  wait_ready "http://127.0.0.1:$port/readyz"
  while read -r path; do curl -fs -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port$path"; done <"$work/tiles"
  mid=$(awk -v a="$x0" -v b="$x1" 'BEGIN {printf "%.7f", (a + b) / 2}'),$(awk -v a="$y0" -v b="$y1" 'BEGIN {printf "%.7f", (a + b) / 2}')
  ./bin/gridmap-bare --from "http://127.0.0.1:$port" --addr "127.0.0.1:$bare_port" --paths-file "$work/tiles" \
    --path "/v1/resolve?lng=${mid%,*}&lat=${mid#*,}" &
  pids+=($!)
  wait_ready "http://127.0.0.1:$bare_port/v1/resolve"

  gridmap=("gridmap" "${pids[0]}" "http://127.0.0.1:$port")
  bare=("bare" "${pids[1]}" "http://127.0.0.1:$bare_port")
  RESOLVE_BOX="$x0 $y0 $x1 $y1" compare "GET /v1/resolve" run_wrk scripts/wrk-resolve.lua "${gridmap[@]}" "${bare[@]}" 2 8 32
  # A caller that sends a token with every resolve (an integration, a
  # signed-in dashboard), its token in use.
  token=$(./bin/gridmap token create --database-url "$url" --role viewer --name bench-http --expires 1d 2>/dev/null | tail -1)
  RESOLVE_BOX="$x0 $y0 $x1 $y1" RESOLVE_TOKEN=$token RESOLVE_WARM_PATH="/v1/resolve?lng=${mid%,*}&lat=${mid#*,}" \
    compare "GET /v1/resolve, token" run_wrk_token scripts/wrk-resolve.lua "${gridmap[@]}" "${bare[@]}" 2 8 32
  ./bin/gridmap token revoke --database-url "$url" --name bench-http >/dev/null 2>&1
  TILE_URLS=$work/tiles compare "cached tiles ($(wc -l <"$work/tiles"))" run_wrk scripts/wrk-tiles.lua "${gridmap[@]}" "${bare[@]}" 2 8 32

  ./bin/gridmap-tile38engine --addr "127.0.0.1:$engine_port" --database-url "$url" 2>"$work/engine.log" &
  pids+=($!)
  wait_engine
  echo "   beside a Tile38-like engine (Tile38's geometry, R-tree and RESP: cmd/gridmap-tile38engine, every current unit),"
  echo "   one client for all (gridmap-pointload: GET /v1/resolve over HTTP, INTERSECTS units IDS POINT over RESP);"
  echo "   the bare server beside the engine is net/http doing no work, the HTTP stack's own share of the gap:"
  engine=("engine" "${pids[2]}" "resp://127.0.0.1:$engine_port")
  compare "point queries" run_pointload "$x0 $y0 $x1 $y1" "${gridmap[@]}" "${engine[@]}" 2 8 32
  compare "" run_pointload "$x0 $y0 $x1 $y1" "${bare[@]}" "${engine[@]}" 2 8 32

  awk -v x0="$x0" -v y0="$y0" -v x1="$x1" -v y1="$y1" 'BEGIN {
    srand(7); printf "{\"points\":["
    for (i = 0; i < 100000; i++) printf "%s[%.7f,%.7f]", (i ? "," : ""), x0 + rand() * (x1 - x0), y0 + rand() * (y1 - y0)
    printf "]}"
  }' >"$work/batch.json"
  echo "   POST /v1/resolve, 100,000 points over the extent ($(($(stat -c %s "$work/batch.json") / 1024)) kB body):"
  batch "$work/batch.json" "" "full answers (JSON)"
  batch "$work/batch.json" "?format=ndjson" "full answers (NDJSON)"
  batch "$work/batch.json" "?format=csv&fields=status,responsible.code" "status and responsible code (CSV)"
  flood_report_tiles "${mid%,*}" "${mid#*,}"
  cleanup
done
