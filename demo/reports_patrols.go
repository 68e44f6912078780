package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// patrolRingSQL gives a grid's outline and its patrol route: the boundary
// pulled 15 m in (the grid itself when it is too small), a vertex every 10 m.
const patrolRingSQL = `
WITH g AS (SELECT geom, ST_Buffer(geom::geography, -15)::geometry AS inner_geom
           FROM unit WHERE code = $1 AND valid_to IS NULL)
SELECT ST_AsGeoJSON(geom),
       ST_AsGeoJSON(ST_Segmentize(ST_ExteriorRing(ST_GeometryN(
         CASE WHEN ST_IsEmpty(inner_geom) THEN geom ELSE inner_geom END, 1))::geography, 10)::geometry)
FROM g`

// cellUnitsSQL finds, for cell centres, the finest unit covering each (a
// grid, or a community in a gap): stored visits are narrowed by it.
const cellUnitsSQL = `
SELECT coalesce((SELECT u.code FROM unit u WHERE u.valid_to IS NULL AND u.level IN ('grid', 'community')
                   AND ST_Covers(u.geom, ST_SetSRID(ST_MakePoint(c.x, c.y), 4326))
                 ORDER BY gridmap_level_rank(u.level) DESC, u.code LIMIT 1), '')
FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS c(x, y, ord) ORDER BY c.ord`

// patrolGridsSQL picks the patrolled grids: every n-th grid of 南开区 and
// the first grid of 百合春天社区.
const patrolGridsSQL = `
SELECT code FROM (SELECT code, row_number() OVER (ORDER BY code) AS k FROM unit
                  WHERE level = 'grid' AND valid_to IS NULL AND starts_with(code, '` + NankaiCode + `')) s
WHERE k % $1 = 1
UNION ALL
SELECT min(code) FROM unit WHERE level = 'grid' AND valid_to IS NULL AND parent_code = '` + BaihechuntianCode + `'
ORDER BY 1`

// patrols walks demoPatrolGrids workers round their grids on each of the
// last demoPatrolDays days, most of them every day, some only part of the
// way, some pausing or losing signal — and today, in the hours before the
// build, so that today's coverage (the wall screen's, the phone's) is not
// an empty 0 % on a fresh demo.
func (b *builder) patrols(rng *rand.Rand, anchor time.Time, workers map[string]string) error {
	var grids []string
	rows, err := b.tx.Query(b.ctx, patrolGridsSQL, max(1, NankaiGrids/(demoPatrolGrids-1)))
	if err != nil {
		return err
	}
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return err
		}
		grids = append(grids, code)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	today := geo.ChinaDay(anchor)
	for d := demoPatrolDays; d >= 0; d-- {
		day := time.Date(today.Year(), today.Month(), today.Day()-d, 9, 0, 0, 0, geo.ChinaTime)
		for _, g := range grids {
			if rng.IntN(10) < 2 {
				continue // not patrolled that day
			}
			start := patrolStart(rng, day, d == 0, anchor)
			id := uuid.NewSHA1(demoNS, fmt.Appendf(nil, "patrol-%s-%s", g, day.Format(time.DateOnly))).String()
			if err := b.patrol(rng, id, g, workers[g], start, anchor); err != nil {
				return fmt.Errorf("patrol of %s: %w", g, err)
			}
		}
	}
	return nil
}

// patrolStart picks when a grid's patrol on day (09:00 China time) begins:
// within six hours of nine on a past day; today, 1.5 to 5.5 hours before the
// build (a patrol that would end after it is left out) but never before
// today's midnight. A build just after midnight would otherwise date today's
// patrol yesterday, where the grid's patrol of yesterday already holds the id.
func patrolStart(rng *rand.Rand, day time.Time, today bool, anchor time.Time) time.Time {
	if !today {
		return day.Add(time.Duration(rng.IntN(360)) * time.Minute)
	}
	start := anchor.Add(-time.Duration(90+rng.IntN(240)) * time.Minute)
	midnight := day.Add(-9 * time.Hour)
	if start.Before(midnight) {
		return midnight
	}
	return start
}

// patrol walks one patrol of grid under id from start and stores it, unless
// the walk would end after the build (anchor).
func (b *builder) patrol(rng *rand.Rand, id, grid, worker string, start, anchor time.Time) error {
	var gridJSON, ringJSON string
	if err := b.tx.QueryRow(b.ctx, patrolRingSQL, grid).Scan(&gridJSON, &ringJSON); err != nil {
		return err
	}
	shape, err := geojson.UnmarshalGeometry([]byte(gridJSON))
	if err != nil {
		return err
	}
	ringGeom, err := geojson.UnmarshalGeometry([]byte(ringJSON))
	if err != nil {
		return err
	}
	ring, ok := ringGeom.Geometry().(orb.LineString)
	mp, ok2 := shape.Geometry().(orb.MultiPolygon)
	if !ok || !ok2 || len(ring) < 2 {
		return fmt.Errorf("no patrol route")
	}
	if worker == "" {
		worker = "网格员"
	}
	// Walk 50–100% of the route from a random vertex at 1.1–1.5 m/s, a fix
	// per vertex with a few metres of GPS noise; sometimes a 15-minute gap.
	n := len(ring) / 2
	n += rng.IntN(len(ring) - n + 1)
	from := rng.IntN(len(ring))
	speed := 1.1 + 0.4*rng.Float64()
	gapAt := -1
	if rng.IntN(10) < 3 {
		gapAt = rng.IntN(n)
	}
	at := start
	in := casework.PatrolInput{ID: id, Worker: worker, Grid: grid, CRS: geo.WGS84}
	for k := 0; k < n; k++ {
		p := ring[(from+k)%len(ring)]
		lat := p[1] * math.Pi / 180
		jitter := orb.Point{p[0] + rng.NormFloat64()*3/(111320*math.Cos(lat)), p[1] + rng.NormFloat64()*3/110540}
		in.Fixes = append(in.Fixes, casework.Fix{Point: jitter, At: at.UTC().Truncate(time.Second)})
		at = at.Add(time.Duration(10 / speed * float64(time.Second)))
		if k == gapAt {
			at = at.Add(15 * time.Minute)
		}
	}
	if len(in.Fixes) < 2 || at.After(anchor) {
		return nil
	}
	if err := in.Validate(anchor); err != nil {
		return err
	}
	summary, visits := casework.SummariseTrack(in.WGS84Fixes(), mp, casework.CellsOf(mp))
	xs, ys := make([]float64, len(visits)), make([]float64, len(visits))
	for i, v := range visits {
		c := casework.CellCentre(v.Cell)
		xs[i], ys[i] = c[0], c[1]
	}
	rows, err := b.tx.Query(b.ctx, cellUnitsSQL, xs, ys)
	if err != nil {
		return err
	}
	for i := 0; rows.Next(); i++ {
		if err := rows.Scan(&visits[i].Unit); err != nil {
			rows.Close()
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	p := casework.Patrol{PatrolInput: in, ReceivedAt: at.Add(5 * time.Minute).UTC(), Summary: summary, Visits: visits,
		Hash: in.Fingerprint()}
	return postgres.InsertPatrolTx(b.ctx, b.tx, p)
}
