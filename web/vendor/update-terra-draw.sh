#!/usr/bin/env bash
# update-terra-draw.sh VERSION ADAPTER_VERSION copies the ES module builds of
# npm terra-draw@VERSION and terra-draw-maplibre-gl-adapter@ADAPTER_VERSION
# into web/vendor/terra-draw, where go:embed picks them up. The adapter
# imports the bare specifier "terra-draw"; the import map in web/index.html
# resolves it to the copied file, so both files stay byte for byte as
# published. The npm packages ship no licence file: LICENSE.txt (MIT, the
# repository's) is kept as it is.
set -euo pipefail
version=${1:?usage: update-terra-draw.sh VERSION ADAPTER_VERSION (e.g. 1.35.0 1.4.1)}
adapter=${2:?usage: update-terra-draw.sh VERSION ADAPTER_VERSION (e.g. 1.35.0 1.4.1)}
dest=$(cd "$(dirname "$0")" && pwd)/terra-draw
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "terra-draw@$version" "terra-draw-maplibre-gl-adapter@$adapter" >/dev/null &&
  mkdir core adapter && tar xzf terra-draw-[0-9]*.tgz -C core && tar xzf terra-draw-maplibre-gl-adapter-*.tgz -C adapter)
grep -q '"license": "MIT"' "$tmp/core/package/package.json" "$tmp/adapter/package/package.json"
cp "$tmp/core/package/dist/terra-draw.modern.js" "$dest/"
cp "$tmp/adapter/package/dist/terra-draw-maplibre-gl-adapter.modern.js" "$dest/"
sed -i -E "s/terra-draw@[0-9]+\.[0-9]+\.[0-9]+/terra-draw@$version/g; s/terra-draw-maplibre-gl-adapter@[0-9]+\.[0-9]+\.[0-9]+/terra-draw-maplibre-gl-adapter@$adapter/g; s/^# terra-draw .*/# terra-draw $version (MapLibre adapter $adapter)/" "$dest/README.md"
echo "terra-draw $version and its MapLibre adapter $adapter copied to $dest"
