#!/usr/bin/env bash
# update-maplibre.sh VERSION copies the dist files of npm maplibre-gl@VERSION
# (and its licence) into web/vendor/maplibre-gl, where go:embed picks them up.
set -euo pipefail
version=${1:?usage: update-maplibre.sh VERSION (e.g. 6.17.0)}
dest=$(cd "$(dirname "$0")" && pwd)/maplibre-gl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "maplibre-gl@$version" >/dev/null && tar xzf maplibre-gl-*.tgz)
for f in dist/maplibre-gl.mjs dist/maplibre-gl-worker.mjs dist/maplibre-gl.css LICENSE.txt; do
  cp "$tmp/package/$f" "$dest/"
done
sed -i -E "s/maplibre-gl@?[0-9]+\.[0-9]+\.[0-9]+/maplibre-gl@$version/g; s/^# maplibre-gl .*/# maplibre-gl $version/" "$dest/README.md"
echo "maplibre-gl $version copied to $dest; update the import in web/app.js if the file names changed"
