// Package tiles serves gridmap's vector tiles (MVT 2.1): the boundary layers
// drawn by PostGIS with ST_AsMVT from pre-projected, pre-generalised side
// tables (migration 003), several layers in one response, cached in memory
// under the data version of the layers involved, so that an edit shows on the
// very next request on every replica; plus TileJSON 3.0, a MapLibre style
// and the layer catalog.
//
// A tile request goes: parse and validate (layers, z/x/y, filters: all
// whitelisted, every value bound as a parameter) → read the current data
// versions (coalesced: one query serves every request that arrived while it
// was not yet sent) → cache hit, or render once for all concurrent asks of
// the same key.
package tiles
