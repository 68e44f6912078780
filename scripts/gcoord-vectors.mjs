// gcoord-vectors.mjs writes geo/testdata/gcoord_vectors.json: reference
// conversions between WGS-84, GCJ-02 and BD-09 computed by the npm package
// gcoord (hujiulong/gcoord), which geo/crs_test.go checks geo/crs.go against.
// The JSON is committed, so the Go tests need neither node nor the network;
// rerun this only when the point set or the gcoord version changes.
//
// Run it from a scratch directory that has gcoord installed (gcoord is
// resolved from the current directory, not from this repository):
//
//	mkdir -p /tmp/gcoordgen && cd /tmp/gcoordgen && npm init -y && npm install gcoord@1.0.7
//	node /work/main/scripts/gcoord-vectors.mjs [out.json]
//
// The output defaults to ../geo/testdata/gcoord_vectors.json next to this
// script. Every conversion is applied to the same input point, read as a
// coordinate in the source system, through gcoord's public transform().
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(join(process.cwd(), 'noop.js'));
const gcoord = require('gcoord');
const { version } = require('gcoord/package.json');

const points = [
  // Tianjin, 南开区 and around (the pilot city).
  ['tianjin-nankai', 117.15, 39.12],
  ['tianjin-nankai-ne', 117.1734, 39.1389],
  ['tianjin-nankai-sw', 117.1162, 39.0987],
  ['tianjin-nankai-univ', 117.1709, 39.1036],
  ['tianjin-heping', 117.2003, 39.1187],
  ['tianjin-binhai', 117.7105, 39.0032],
  // Other cities, spread over the whole country.
  ['beijing-readme', 116.403988, 39.914266],
  ['beijing-tiananmen', 116.3975, 39.9087],
  ['shanghai', 121.4737, 31.2304],
  ['jinan', 117.0009, 36.6758],
  ['wuhan', 114.3054, 30.5931],
  ['guangzhou', 113.2644, 23.1291],
  ['chengdu', 104.0665, 30.5723],
  ['urumqi', 87.6168, 43.8256],
  ['kashgar', 75.9897, 39.4704],
  ['harbin', 126.535, 45.8038],
  ['mohe', 122.5386, 52.9723],
  ['sanya', 109.5119, 18.2528],
  ['lhasa', 91.1409, 29.6456],
  ['kunming', 102.8329, 24.8801],
  ['hongkong', 114.1694, 22.3193],
  ['zengmu-ansha', 112.2833, 3.9667],
  // The GCJ-02 -> WGS-84 example from gcoord's README.
  ['readme-gcj', 123, 45],
];

// A regular sample of a 2-degree grid over China.
for (const lon of [76, 86, 96, 106, 116, 126, 134]) {
  for (const lat of [22, 30, 38, 46]) points.push([`grid-${lon}-${lat}`, lon, lat]);
}

// Inside gcoord's rough bbox but not China: GCJ-02 is applied there too.
points.push(['seoul-in-bbox', 126.978, 37.5665]);
// Outside the bbox: GCJ-02 is the identity, BD-09 still shifts.
points.push(['tokyo-outside', 139.6917, 35.6895]);
points.push(['paris-outside', 2.3522, 48.8566]);
points.push(['null-island', 0, 0]);

const { WGS84, GCJ02, BD09 } = gcoord;
const conv = (p, from, to) => gcoord.transform([p[0], p[1]], from, to);

const vectors = points.map(([name, lon, lat]) => {
  const p = [lon, lat];
  return {
    name,
    in: p,
    wgs84_to_gcj02: conv(p, WGS84, GCJ02),
    wgs84_to_bd09: conv(p, WGS84, BD09),
    gcj02_to_wgs84: conv(p, GCJ02, WGS84),
    bd09_to_wgs84: conv(p, BD09, WGS84),
    gcj02_to_bd09: conv(p, GCJ02, BD09),
    bd09_to_gcj02: conv(p, BD09, GCJ02),
  };
});

const out =
  process.argv[2] ??
  fileURLToPath(new URL('../geo/testdata/gcoord_vectors.json', import.meta.url));
const doc = {
  generator: 'scripts/gcoord-vectors.mjs',
  gcoord_version: version,
  order: '[lon, lat] in degrees; each conversion reads "in" in its source CRS',
  vectors,
};
// One vector per line keeps diffs of the committed file readable.
const body = JSON.stringify(doc, null, 1).replace(
  /"vectors": \[[\s\S]*\]\n}$/,
  `"vectors": [\n${vectors.map((v) => '  ' + JSON.stringify(v)).join(',\n')}\n ]\n}`,
);
writeFileSync(out, body + '\n');
console.log(`wrote ${vectors.length} vectors to ${out}`);
