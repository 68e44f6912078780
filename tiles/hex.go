package tiles

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/uber/h3-go/v4"
)

// report_hex counts reports per H3 cell, computed in Go: PostGIS has no H3
// here (no h3-pg), and the cells must be exactly H3's so they line up with
// the resolver's and the patrols'. The points come from the tile widened by
// a cell's width, so a cell on the tile's edge counts every report in it and
// looks the same in both tiles that draw it.

// hexPointsSQL returns the hazards and events in an envelope ($1..$4,
// WGS84), with the report filters and the scope as $5..$10. A caller who
// may not see exact points ($11) has them counted where they are shown,
// rounded to 0.002°, except under its scope ($12): a cell counted from an
// exact point, of a report the filters isolate, would place it closer than
// its rounded point does. The envelope is wider than the rounding's reach.
const hexPointsSQL = `
SELECT ST_X(r.shown), ST_Y(r.shown), r.severity, r.state NOT IN ('closed', 'rejected')
  FROM (SELECT r.*, ` + shownPointSQL + ` AS shown FROM report r) r
 WHERE r.geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) AND r.kind <> 'patrol_log'` + reportFilterSQL

// hexResolution chooses the H3 resolution for a zoom: cells some 30–60
// pixels across on a 512-pixel tile.
func hexResolution(z int) int {
	switch {
	case z <= 6:
		return 4
	case z == 7:
		return 5
	case z <= 9:
		return 6
	case z <= 11:
		return 7
	case z == 12:
		return 8
	}
	return 9
}

// hexEdgeKm is the mean edge length of H3 cells by resolution (4 to 9).
var hexEdgeKm = map[int]float64{4: 22.6, 5: 8.54, 6: 3.23, 7: 1.22, 8: 0.461, 9: 0.174}

type hexCount struct {
	count, open, maxSeverity int
}

func renderReportHex(ctx context.Context, q querier, l *Layer, c Coord, f Filter) ([]int64, []byte, error) {
	res := hexResolution(c.Z)
	tile := maptile.New(uint32(c.X), uint32(c.Y), maptile.Zoom(c.Z))
	b := tile.Bound()
	margin := 2.5 * hexEdgeKm[res] / 111.0 / math.Cos(b.Center()[1]*math.Pi/180)
	args := append([]any{b.Min[0] - margin, b.Min[1] - margin, b.Max[0] + margin, b.Max[1] + margin}, f.args(l)...)
	counts, err := countCells(ctx, q, args, res)
	if err != nil {
		return nil, nil, err
	}
	fc := geojson.NewFeatureCollection()
	cells := make([]h3.Cell, 0, len(counts))
	for cell := range counts {
		cells = append(cells, cell)
	}
	slices.Sort(cells) // the bytes, and so the ETag, depend only on the data
	for _, cell := range cells {
		feat, err := hexFeature(cell, counts[cell], res)
		if err != nil {
			return nil, nil, err
		}
		fc.Append(feat)
	}
	return nil, encodeHexLayer(l.Name, fc, tile), nil
}

// countCells counts the reports hexPointsSQL finds per H3 cell. The tiles'
// connections plan generically (openPool), and this statement's generic
// plan walks any envelope through the spatial index row by row: a city's
// reports in a district-wide tile took 1 s, where the plan for the actual
// envelope and filters (a parallel scan) takes 0.3 s. So it is planned for
// its values, in a transaction of its own that says so.
func countCells(ctx context.Context, q querier, args []any, res int) (map[h3.Cell]*hexCount, error) {
	counts := map[h3.Cell]*hexCount{}
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL plan_cache_mode = force_custom_plan"); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, hexPointsSQL, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var lng, lat float64
			var severity int
			var open bool
			if err := rows.Scan(&lng, &lat, &severity, &open); err != nil {
				return err
			}
			if err := countReport(counts, lng, lat, severity, open, res); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return counts, err
}

// countReport adds a report at lng, lat to its cell's counts.
func countReport(counts map[h3.Cell]*hexCount, lng, lat float64, severity int, open bool, res int) error {
	cell, err := h3.LatLngToCell(h3.NewLatLng(lat, lng), res)
	if err != nil {
		return fmt.Errorf("h3 cell of %v,%v: %w", lng, lat, err)
	}
	hc := counts[cell]
	if hc == nil {
		hc = &hexCount{}
		counts[cell] = hc
	}
	hc.count++
	hc.maxSeverity = max(hc.maxSeverity, severity)
	if open {
		hc.open++
	}
	return nil
}

func hexFeature(cell h3.Cell, hc *hexCount, res int) (*geojson.Feature, error) {
	boundary, err := cell.Boundary()
	if err != nil {
		return nil, err
	}
	ring := make(orb.Ring, 0, len(boundary)+1)
	for _, ll := range boundary {
		ring = append(ring, orb.Point{ll.Lng, ll.Lat})
	}
	ring = append(ring, ring[0])
	feat := geojson.NewFeature(orb.Polygon{ring})
	// The low 52 bits (base cell and digits) are unique among cells of one
	// resolution, and exact as a JavaScript number.
	feat.ID = uint64(cell) & (1<<52 - 1)
	feat.Properties = geojson.Properties{"count": hc.count, "open": hc.open, "max_severity": hc.maxSeverity,
		"cell": cell.String(), "res": res}
	return feat, nil
}

// hexClip is the tile plus the buffer the PostGIS layers keep.
var hexClip = orb.Bound{Min: orb.Point{-Buffer, -Buffer}, Max: orb.Point{Extent + Buffer, Extent + Buffer}}

// encodeHexLayer projects the cells into the tile, clips them to its
// buffer, makes exterior rings clockwise in tile coordinates (MVT 2.1;
// orb keeps the winding it is given, and y flips in projection) and encodes
// the layer as version 2.
func encodeHexLayer(name string, fc *geojson.FeatureCollection, tile maptile.Tile) []byte {
	if len(fc.Features) == 0 {
		return nil
	}
	layer := mvt.NewLayer(name, fc)
	layer.Version, layer.Extent = 2, Extent
	layer.ProjectToTile(tile)
	layer.Clip(hexClip)
	layer.RemoveEmpty(0, 1)
	for _, f := range layer.Features {
		if p, ok := f.Geometry.(orb.Polygon); ok && len(p) > 0 && signedAreaOf(p[0]) < 0 {
			p[0].Reverse()
		}
	}
	b, err := mvt.Marshal(mvt.Layers{layer})
	if err != nil {
		panic(fmt.Sprintf("tiles: encode report_hex: %v", err)) // only fails on unencodable property types, which it has none of
	}
	return b
}

// signedAreaOf is the surveyor's formula; positive means clockwise once y
// points down, as in tile coordinates.
func signedAreaOf(r orb.Ring) float64 {
	a := 0.0
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}
