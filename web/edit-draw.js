// The drawing control of edit mode (edit.js), terra-draw (vendor/terra-draw,
// MIT), and the exact coordinates behind it. terra-draw keeps coordinates
// to 9 decimals (0.1 mm). Vertices the editor did not move are sent back
// with the full precision they were loaded with, so shared edges with the
// neighbours stay exactly shared.
import { TerraDraw, TerraDrawLineStringMode, TerraDrawPolygonMode, TerraDrawSelectMode, ValidateNotSelfIntersecting } from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from './vendor/terra-draw/terra-draw-maplibre-gl-adapter.modern.js';

const PRECISION = 9;
const round = (x) => Math.round(x * 10 ** PRECISION) / 10 ** PRECISION;

/** key names a drawn vertex in a map of exact coordinates. */
export const key = (c) => `${c[0]},${c[1]}`;

/**
 * newDraw returns the drawing control over map: a polygon mode (new
 * boundaries), a line mode (the split tool's line) and a select mode whose
 * vertices move, gain midpoints and can be deleted, but whose boundary as a
 * whole neither slides nor is deleted by a key.
 */
export function newDraw(map) {
  return new TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({ map, coordinatePrecision: PRECISION, prefixId: 'gridmap-edit' }),
    modes: [
      new TerraDrawPolygonMode({
        validation: (f, { updateType }) => (updateType === 'provisional' ? { valid: true } : ValidateNotSelfIntersecting(f)),
        styles: { fillColor: '#1e88e5', fillOpacity: 0.15, outlineColor: '#1565c0', outlineWidth: 2.5,
          closingPointColor: '#ffffff', closingPointOutlineColor: '#1565c0', closingPointWidth: 6, closingPointOutlineWidth: 2.5 },
      }),
      new TerraDrawLineStringMode({ styles: { lineStringColor: '#c62828', lineStringWidth: 3, closingPointColor: '#ffffff',
        closingPointOutlineColor: '#c62828', closingPointWidth: 6, closingPointOutlineWidth: 2.5 } }),
      new TerraDrawSelectMode({
        allowManualDeselection: false,
        keyEvents: { deselect: null, delete: null, rotate: null, scale: null }, // no whole-feature delete by key
        flags: {
          polygon: {
            feature: {
              draggable: false, // vertices move, the whole boundary does not slide by accident
              validation: (f) => ValidateNotSelfIntersecting(f),
              coordinates: { draggable: true, midpoints: true, deletable: true },
            },
          },
        },
        styles: { selectedPolygonColor: '#1e88e5', selectedPolygonFillOpacity: 0.2, selectedPolygonOutlineColor: '#0d47a1',
          selectedPolygonOutlineWidth: 3, selectionPointColor: '#ffffff', selectionPointOutlineColor: '#0d47a1',
          selectionPointWidth: 6, selectionPointOutlineWidth: 2.5, midPointColor: '#bbdefb', midPointOutlineColor: '#0d47a1',
          midPointWidth: 4, midPointOutlineWidth: 1.5 },
      }),
    ],
  });
}

/** forDraw rounds a ring for terra-draw and remembers its exact vertices in exact. */
export function forDraw(ring, exact) {
  const out = [];
  for (const c of ring) {
    const r = [round(c[0]), round(c[1])];
    exact.set(key(r), [c[0], c[1]]);
    const last = out[out.length - 1];
    if (!last || last[0] !== r[0] || last[1] !== r[1]) out.push(r);
  }
  return out;
}

/**
 * drawnGeometry is the boundary as drawn now, a MultiPolygon with the exact
 * coordinates of every vertex that was not moved; holes[part] are the
 * loaded part's holes, kept as they are (terra-draw edits outer rings).
 */
export function drawnGeometry(draw, exact, holes) {
  const parts = draw.getSnapshot()
    .filter((f) => f.geometry.type === 'Polygon' && f.properties.mode === 'polygon' && !f.properties.currentlyDrawing)
    .sort((a, b) => (a.properties.part ?? Infinity) - (b.properties.part ?? Infinity))
    .map((f) => [f.geometry.coordinates[0].map((c) => exact.get(key(c)) ?? c),
      ...(Number.isInteger(f.properties.part) ? holes[f.properties.part] ?? [] : [])]);
  return { type: 'MultiPolygon', coordinates: parts };
}

/** fitTo shows a Polygon's or a MultiPolygon's outer rings on map. */
export function fitTo(map, g) {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const poly of g.type === 'Polygon' ? [g.coordinates] : g.coordinates) {
    for (const [x, y] of poly[0]) { w = Math.min(w, x); s = Math.min(s, y); e = Math.max(e, x); n = Math.max(n, y); }
  }
  if (w <= e) map.fitBounds([[w, s], [e, n]], { padding: 90, maxZoom: 17, duration: 500 });
}
