package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

var _ geo.Reprojector = (*DB)(nil)

// transformBBoxSQL reprojects a box to WGS 84: its edges are densified
// first (64 steps a side), since a straight edge in a projected system is a
// curve in degrees, and the envelope of the result is returned.
const transformBBoxSQL = `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (
  SELECT ST_Transform(ST_Segmentize(ST_MakeEnvelope($1, $2, $3, $4, $5::int),
    greatest($3::float8 - $1::float8, $4::float8 - $2::float8, 1e-6) / 64), 4326)::box2d AS e) s`

// TransformBBox returns the WGS 84 envelope of b, a box in the EPSG system
// srid (easting or longitude first).
func (db *DB) TransformBBox(ctx context.Context, b orb.Bound, srid int) (orb.Bound, error) {
	var out orb.Bound
	err := db.Pool.QueryRow(ctx, transformBBoxSQL, b.Min[0], b.Min[1], b.Max[0], b.Max[1], srid).
		Scan(&out.Min[0], &out.Min[1], &out.Max[0], &out.Max[1])
	if err == nil {
		return out, nil
	}
	// An outage or a failover stays what it is (503); any other refusal the
	// server sends is PROJ's: the box lies outside what the system can express.
	classified := translate(err)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && geo.ErrorCodeOf(classified) != geo.EUNAVAILABLE {
		return out, geo.Invalid("bbox", "the box cannot be transformed from EPSG:%d: %s", srid, pgErr.Message)
	}
	return out, fmt.Errorf("transform the box from EPSG:%d: %w", srid, classified)
}
