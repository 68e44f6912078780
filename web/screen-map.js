// The big screen's map is the style of /style.json repainted dark: deep blue
// land, glowing boundaries, light labels with a dark halo, and a stronger
// hazard-density ramp. Only paint properties change, so every layer, its
// zoom range and its data stay those of the dashboard.
const paint = {
  background: { 'background-color': '#050d1f' },
  'district-fill': { 'fill-color': '#0b2347' },
  'street-fill': { 'fill-color': ['case', ['boolean', ['feature-state', 'hover'], false], 'rgba(39,211,255,0.18)', 'rgba(0,0,0,0)'] },
  'community-fill': { 'fill-color': 'rgba(0,0,0,0)' },
  'grid-fill': { 'fill-color': 'rgba(0,0,0,0)' },
  'grid-line': { 'line-color': '#1d4f7a' },
  'community-line': { 'line-color': '#2a6fa8' },
  'street-line': { 'line-color': '#3fa9f5' },
  'district-line': { 'line-color': '#27d3ff' },
  'gap-fill': { 'fill-color': '#ff8f00', 'fill-opacity': 0.6 },
  'enclave-fill': { 'fill-color': '#ff4fa3', 'fill-opacity': 0.45 },
  'report_hex-fill': { 'fill-opacity': 0.32, 'fill-outline-color': 'rgba(0,0,0,0)',
    'fill-color': ['interpolate', ['linear'], ['get', 'count'], 1, '#ffb020', 5, '#ff6a3d', 20, '#ff2d55'] },
};
const labelPaint = { 'text-color': '#dbe8ff', 'text-halo-color': 'rgba(5,13,31,0.9)', 'text-halo-width': 1.5 };

/** darken repaints the loaded style of map. */
export function darken(map) {
  for (const layer of map.getStyle().layers) {
    const p = paint[layer.id] ?? (layer.type === 'symbol' ? labelPaint : null);
    if (!p) continue;
    for (const [k, v] of Object.entries(p)) map.setPaintProperty(layer.id, k, v);
  }
}
