#!/usr/bin/env bash
# update-echarts.sh VERSION copies the "common" build of npm echarts@VERSION
# (and its licence and notice) into web/vendor/echarts, where go:embed picks
# them up.
set -euo pipefail
version=${1:?usage: update-echarts.sh VERSION (e.g. 6.1.0)}
dest=$(cd "$(dirname "$0")" && pwd)/echarts
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "echarts@$version" >/dev/null && tar xzf echarts-*.tgz)
cp "$tmp/package/dist/echarts.common.min.js" "$dest/"
cp "$tmp/package/LICENSE" "$dest/LICENSE.txt"
cp "$tmp/package/NOTICE" "$dest/NOTICE.txt"
sed -i -E "s/echarts@?[0-9]+\.[0-9]+\.[0-9]+/echarts@$version/g; s/^# echarts .*/# echarts $version/" "$dest/README.md"
echo "echarts $version copied to $dest"
