#!/usr/bin/env bash
# bench-import.sh measures the importer and the coverage audit on the
# city-scale data set (~50,000 grids; BENCH_IMPORT_SCALE=province for
# ~300,000), beside ogr2ogr as the baseline:
#
#   1. builds the city (gridmap demo --scale city) in its own database and
#      exports its grids as a GIS office would hand them over: a shapefile in
#      the CGCS2000 Gauss-Krüger zone of Tianjin (EPSG:4527), GBK attributes;
#   2. removes the grids and imports the shapefile with gridmap import: read,
#      reproject, validate (ST_IsValidDetail), check parents, overlaps and
#      gaps, write versions, refresh the GiST indexes and the stored audit,
#      all in one transaction; then times a full resolver index build, which
#      is how a node applies a change this large;
#   3. loads the same shapefile with ogr2ogr into a plain PostGIS table,
#      reprojecting too but checking nothing: the floor for moving the bytes;
#   4. recomputes the whole city's coverage audit (gridmap audit --refresh).
#
# Targets: import under 60 s, audit under 30 s on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export PGOPTIONS="-c client_min_messages=warning"

base=${DATABASE_URL:-postgres://gridmap:gridmap@127.0.0.1:5432/gridmap?sslmode=disable}
url=${base/\/gridmap\?/\/gridmap_bench_import?}
admin_url=${base/\/gridmap\?/\/postgres?}
scale=${BENCH_IMPORT_SCALE:-city}
db_name=gridmap_bench_import

command -v ogr2ogr >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq gdal-bin >/dev/null; } ||
  { echo "bench-import.sh: ogr2ogr is needed: apt-get install -y gdal-bin" >&2; exit 1; }
go build -o bin/gridmap ./cmd/gridmap

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db_name WITH (FORCE)"
psql "$admin_url" -qc "CREATE DATABASE $db_name TEMPLATE gridmap_test"

echo "== import benchmark: the $scale data set's grids from a shapefile (EPSG:4527, GBK)"
./bin/gridmap demo --yes --scale "$scale" --database-url "$url" 2>&1 | grep -E '^  grid' || true
./bin/gridmap export --level grid --format shapefile --srs EPSG:4527 --encoding gbk \
  --database-url "$url" -o "$work/grids.shp"
rm -f "$work/grids.cpg" # as older tools leave it: the encoding must be detected
ls -l "$work"/grids.* | awk '{ s += $5 } END { printf "   shapefile: %.1f MB\n", s / 1048576 }'
psql "$url" -qc "DELETE FROM unit WHERE level = 'grid'"

t0=$(now)
./bin/gridmap import --database-url "$url" --json "$work/grids.shp" >"$work/report.json" 2>"$work/import.log" ||
  { cat "$work/import.log"; exit 1; }
t1=$(now)
import_s=$(secs "$t0" "$t1")
python3 - "$work/report.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["counts"]
print(f"   gridmap import: {c['features']} features, {c['created']} created, {r['errors']} errors, "
      f"{r['warnings']} warnings; {r['crs']}; {r['encoding']}")
EOF
sed -n "s/^\[ *\([0-9.]*\)s\] \(.*\)/      at \1 s: \2/p" "$work/import.log"
echo "   gridmap import (validation, versions, indexes, audit refresh): ${import_s} s"

t0=$(now)
echo "" | ./bin/gridmap resolve --database-url "$url" 2>"$work/resolve.log" >/dev/null
t1=$(now)
echo "   resolver index build after the import (load + build: how a node applies a change this large): $(secs "$t0" "$t1") s"

# GDAL wants libpq keywords, not a URL with parameters.
pg=$(python3 -c 'import sys, urllib.parse as u
p = u.urlparse(sys.argv[1]); q = dict(u.parse_qsl(p.query))
print(" ".join(f"{k}={v}" for k, v in [("host", p.hostname), ("port", p.port or 5432), ("dbname", p.path[1:]),
      ("user", p.username), ("password", p.password)] + list(q.items()) if v))' "$url")
t0=$(now)
ogr2ogr -f PostgreSQL "PG:$pg" "$work/grids.shp" -nln ogr_grids -t_srs EPSG:4326 -nlt MULTIPOLYGON \
  -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=GIST --config PG_USE_COPY YES
t1=$(now)
ogr_s=$(secs "$t0" "$t1")
echo "   ogr2ogr into PostGIS (reprojection and a GiST index, no validation): ${ogr_s} s"
echo "   ratio gridmap import / ogr2ogr: $(awk -v a="$import_s" -v b="$ogr_s" 'BEGIN { printf "%.1f", a / b }')x"

echo "== coverage audit of the whole city (gridmap audit --refresh)"
t0=$(now)
./bin/gridmap audit --refresh --database-url "$url" 2>&1 | grep -E '^coverage|^  gaps' || true
t1=$(now)
echo "   whole-city audit: $(secs "$t0" "$t1") s"

psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db_name WITH (FORCE)"
