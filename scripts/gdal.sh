#!/usr/bin/env bash
# gdal.sh makes GDAL's command-line tools (ogr2ogr, ogrinfo) available: the
# import tests make with them the files GIS staff hand over, and the OGC API
# tests read gridmap with GDAL's own client (the OAPIF driver QGIS shares).
# On Debian/Ubuntu as root it installs the distribution's gdal-bin when
# missing; it is idempotent and prints nothing when GDAL is there. When it
# cannot install, it says what to install and exits 1.
set -euo pipefail
command -v ogr2ogr >/dev/null && command -v ogrinfo >/dev/null && exit 0

say() { echo "gdal.sh: $*" >&2; }
if [ ! -r /etc/debian_version ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  say "ogr2ogr and ogrinfo (GDAL ≥ 3.1) are needed by the tests: install gdal-bin (apt-get install gdal-bin), or GDAL from your distribution"
  exit 1
fi
say "installing GDAL (gdal-bin) from the distribution (one time)…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq gdal-bin >/dev/null
