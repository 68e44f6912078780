// Where the console opens (app.js), and the unit its open hazards start
// from: the unit the data is about, not a city written into the page.
//
// - A token scoped to a unit: that unit (GET /v1/me names it, with its box),
//   so a scoped editor never asks first for what it may not see.
// - Otherwise the district of the first grid (GET /v1/units?level=grid
//   &limit=1; its district is the first six digits of its code, as codes
//   nest), where the boundaries are drawn down to grids.
// - A server without grids: the extent of its boundaries (their TileJSON
//   bounds), and the hazards of the whole city.
//
// The map is centred on the unit's box at the zoom that fits it, but at
// least the grids' first zoom (the tile catalog's), so that the first view
// shows the boundaries GIS staff come for; when that zooms in and no grid
// lies at the box's centre (a district divided into grids only in part),
// on the first grid's street instead. An address that says where
// (the map's #zoom/lat/lng) is left alone, and so is a map moved by hand
// before the answers came.

import { whoami } from './me.js';

const maxZoom = 17; // a small scope (a grid) is framed, not filled

/**
 * addressed says whether the page's address says where the map is (its
 * hash, #zoom/lat/lng): read before the map is made, which writes one.
 */
export const addressed = () => /^#\d/.test(location.hash);

/**
 * initView places map and returns { placed, home }: placed settles once
 * the first view is set (or left to the address: there, true); home()
 * resolves to the unit the console is about for the token set now —
 * { code, name, bbox, scoped } — or null (no grids: the whole city).
 * token() is the tab's token, getJSON reads this server's JSON, api makes
 * its URLs.
 */
export function initView({ map, api, getJSON, token, there }) {
  let data = null; // the data's home, asked once

  async function scopeHome() {
    const tok = token();
    if (!tok) return null;
    const { me } = await whoami(api, tok);
    if (!me?.scope) return null;
    return { code: me.scope, name: me.unit?.name ?? me.scope, bbox: me.unit?.bbox ?? null, scoped: true };
  }

  const home = async () => (await scopeHome().catch(() => null)) ?? (await (data ??= dataHome(getJSON)).catch(() => null));

  async function place() {
    if (there) return; // the address says where
    let moved = false;
    const byHand = (e) => { if (e.originalEvent) moved = true; };
    map.on('movestart', byHand);
    try {
      // After the style has loaded: it sets its own view (tiles/style.go) as it does.
      const styled = new Promise((ok) => (map.isStyleLoaded() ? ok() : map.once('style.load', ok)));
      const [h, gridZoom] = await Promise.all([home(), firstZoom(getJSON, 'grid'), styled]);
      const box = h?.bbox ?? (await getJSON('tiles/district.json').catch(() => null))?.bounds;
      if (moved || !box) return;
      const cam = map.cameraForBounds([[box[0], box[1]], [box[2], box[3]]], { padding: 40 });
      if (!cam) return;
      const zoom = Math.min(maxZoom, h ? Math.max(cam.zoom, gridZoom + 0.2) : cam.zoom);
      let center = cam.center;
      if (zoom > cam.zoom && h.grid) {
        const r = await getJSON(`v1/resolve?lng=${center.lng.toFixed(6)}&lat=${center.lat.toFixed(6)}`).catch(() => null);
        if (!r?.grid) center = (await centreOf(getJSON, h.grid.code.slice(0, 9))) ?? h.grid; // no grid there: where the grids are
        if (moved) return;
      }
      map.jumpTo({ center, zoom });
    } finally {
      map.off('movestart', byHand);
    }
  }

  return { placed: place().catch((err) => console.warn('first view', err)), home };
}

// dataHome finds the district of the first grid: { code, name, bbox, grid
// (the grid's code and centre) }, or null on a server without grids.
async function dataHome(getJSON) {
  const grid = (await getJSON('v1/units?level=grid&limit=1')).features?.[0];
  if (!grid) return null;
  const code = String(grid.properties.code);
  const district = await getJSON(`v1/units/${encodeURIComponent(code.slice(0, 6))}`).catch(() => null);
  const u = district?.geometry ? district : grid; // codes that do not nest: the grid itself
  const g = bboxOf(grid.geometry.coordinates);
  return { code: String(u.properties.code), name: u.properties.name, bbox: bboxOf(u.geometry.coordinates),
    grid: { code, lng: (g[0] + g[2]) / 2, lat: (g[1] + g[3]) / 2 } };
}

// centreOf is the centre of unit code's box, or null.
async function centreOf(getJSON, code) {
  const u = await getJSON(`v1/units/${encodeURIComponent(code)}`).catch(() => null);
  if (!u?.geometry) return null;
  const b = bboxOf(u.geometry.coordinates);
  return { lng: (b[0] + b[2]) / 2, lat: (b[1] + b[3]) / 2 };
}

// firstZoom is the first zoom a tile layer is drawn at (GET /tiles/catalog), 13 if it cannot be read.
async function firstZoom(getJSON, layer) {
  const cat = await getJSON('tiles/catalog').catch(() => null);
  return cat?.layers?.find((l) => l.name === layer)?.minzoom ?? 13;
}

/** bboxOf is the [west, south, east, north] of GeoJSON coordinates. */
export function bboxOf(coords) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] !== 'number') return c.forEach(walk);
    b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]);
    b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
  };
  walk(coords);
  return b;
}
