package importer

import (
	"context"
	"fmt"
	"strings"

	"github.com/gridmap-dev/gridmap/geo"
)

// Where a file lands. A file read in the wrong coordinate system can land
// in China and within every range check — Gauss-Krüger eastings read in a
// neighbouring zone move the city 260 km east, into the sea — and it was
// told only as units sticking out of their parents, warnings that commit
// (a newcomer's walkthrough: a file in EPSG:4547 read as EPSG:4548).
// Stored units are the witness: when most of the features the database
// already holds lie away from their stored boundaries, the coordinate
// system is wrong, and the zones in which the file lands on them are named.

// landingSQL compares the features that have a current stored version
// with it: how many, which lie away from it (their boxes apart and their
// centres over 1 km apart), and how far at the median.
const landingSQL = `
WITH pairs AS (
  SELECT s.idx, CASE WHEN NOT (s.fixed && u.geom)
                     THEN ST_Distance(ST_Centroid(s.fixed)::geography, ST_Centroid(u.geom)::geography) END AS d
  FROM import_stage s JOIN unit u ON u.code = s.code AND u.valid_to IS NULL
  WHERE s.ok AND s.fixed IS NOT NULL)
SELECT count(*)::int, coalesce(array_agg(idx ORDER BY idx) FILTER (WHERE d > 1000), '{}'),
       coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY d) FILTER (WHERE d > 1000), 0)
FROM pairs`

// zonesThatLandSQL lists the coordinate systems among $2 in which feature
// $1's own coordinates land within 1 km of its stored unit (a zone far
// from them cannot transform them: gridmap_try_transform gives NULL).
const zonesThatLandSQL = `
SELECT coalesce(array_agg(c.srid ORDER BY c.srid), '{}')
FROM import_stage s JOIN unit u ON u.code = s.code AND u.valid_to IS NULL, unnest($2::int[]) AS c(srid)
WHERE s.idx = $1
  AND ST_DWithin(gridmap_try_transform(ST_SetSRID(ST_Centroid(ST_GeomFromWKB(s.wkb)), c.srid), 4326)::geography, u.geom::geography, 1000)`

// Most of a file's stored features must lie away for it to be refused:
// one unit moved on purpose is not a wrong coordinate system.
const (
	minAwayFeatures = 3
	minAwayShare    = 0.8
)

// checkLanding refuses a file whose features lie away from their stored
// boundaries (see above). Those features are taken out of the later
// checks: the one error says what is wrong with all of them, where each
// would otherwise be told as outside the token's scope or its parent.
func (r *run) checkLanding(ctx context.Context) error {
	var compared int
	var away []int32
	var median float64
	if err := r.tx.QueryRow(ctx, landingSQL).Scan(&compared, &away, &median); err != nil {
		return fmt.Errorf("compare with the stored boundaries: %w", err)
	}
	if len(away) < minAwayFeatures || float64(len(away)) < minAwayShare*float64(compared) {
		return nil
	}
	r.bad = append(r.bad, away...)
	hint := "check the coordinate system (the srs option)"
	if zones, err := r.zonesThatLand(ctx, int(away[0])); err != nil {
		return err
	} else if len(zones) > 0 {
		hint = fmt.Sprintf("%s puts them on their stored boundaries: pass it as the srs option", strings.Join(zones, " or "))
	}
	r.add(-1, "", geo.SeverityError, geo.IssueOutOfRange, nil,
		"read as %s, %d of the %d features the database holds lie away from their stored boundaries, %.0f km apart at the median: "+
			"the coordinate system is probably wrong; %s", r.crs.Label, len(away), compared, median/1000, hint)
	return r.flushBad(ctx)
}

// zonesThatLand names the CGCS2000 Gauss-Krüger systems other than the
// file's in which feature idx lands on its stored unit.
func (r *run) zonesThatLand(ctx context.Context, idx int) ([]string, error) {
	var candidates []int32
	for srid := 4491; srid <= 4554; srid++ {
		if srid != r.crs.SRID {
			candidates = append(candidates, int32(srid))
		}
	}
	var srids []int32
	if err := r.tx.QueryRow(ctx, zonesThatLandSQL, idx, candidates).Scan(&srids); err != nil {
		return nil, fmt.Errorf("try the other zones: %w", err)
	}
	var names []string
	for _, s := range srids {
		z, _ := gkZoneOf(int(s))
		names = append(names, fmt.Sprintf("EPSG:%d (central meridian %dE)", s, z.CM))
	}
	return names, nil
}
