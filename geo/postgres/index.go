package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

var (
	_ geo.ChangeSource = (*DB)(nil)
	_ geo.PastResolver = (*DB)(nil)
	_ geo.UnitStore    = (*DB)(nil)
)

// The resolver index's side of the database: the current data, the change
// record it follows (migration 007), and the rules in SQL for what the
// index cannot answer. Every read here works on a hot standby.

// The index needs no properties (households, grid workers, ...): they are
// not read for it, which at province scale saves a third of its memory.
const indexUnitColumns = `code, level, name, coalesce(parent_code, ''), geom, 'null'::jsonb,
	version, valid_from, valid_to, '', created_at`
const indexEnclaveColumns = `code, name, managing_code, status, reason, geom, ST_Area(geom::geography),
	'null'::jsonb, version, valid_from, valid_to, '', created_at`

// validNow is the rules' own test of a version (gridmap_resolve's, at
// now): valid from its start until its end. A version that starts later,
// and the one it replaces, whose end is then later too, are told apart by
// it: the index holds the one valid now, as PostGIS answers.
const validNow = `valid_from <= now() AND (valid_to IS NULL OR valid_to > now())`

const currentUnitsSQL = `SELECT ` + indexUnitColumns + ` FROM unit WHERE ` + validNow
const currentEnclavesSQL = `SELECT ` + indexEnclaveColumns + ` FROM enclave WHERE ` + validNow

// dataSinceSQL is the latest moment any version started or ended, and the
// next moment one will: the versions valid now are exactly the versions
// valid at any time between the two (the second NULL when none will).
const dataSinceSQL = `SELECT coalesce(max(t) FILTER (WHERE t <= now()), 'epoch'), min(t) FILTER (WHERE t > now()) FROM (
  SELECT valid_from AS t FROM unit UNION ALL SELECT valid_to FROM unit WHERE valid_to IS NOT NULL
  UNION ALL SELECT valid_from FROM enclave UNION ALL SELECT valid_to FROM enclave WHERE valid_to IS NOT NULL) s`

const headSQL = `SELECT version, pruned_through, coalesce(stamp::text, '') FROM data_head`

// stampOfSQL is the stamp of a version's change rows: no row once they
// are pruned, an empty stamp for versions written before migration 029.
const stampOfSQL = `SELECT coalesce(stamp::text, '') FROM data_change WHERE version = $1 LIMIT 1`

// readOnlyTx is a consistent read: every query in it sees one snapshot.
var readOnlyTx = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}

// LoadCurrent reads the current units and enclaves and the data version in
// one repeatable-read transaction, so they agree with each other.
func (db *DB) LoadCurrent(ctx context.Context) (geo.CurrentData, error) {
	var d geo.CurrentData
	err := pgx.BeginTxFunc(ctx, db.follow, readOnlyTx, func(tx pgx.Tx) (err error) {
		var pruned int64
		if err := tx.QueryRow(ctx, headSQL).Scan(&d.Version, &pruned, &d.Stamp); err != nil {
			return err
		}
		if err := scanSpan(tx.QueryRow(ctx, dataSinceSQL), &d.Since, &d.Until); err != nil {
			return err
		}
		if d.Layers, err = layerVersions(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, currentUnitsSQL)
		if err != nil {
			return err
		}
		if d.Units, err = pgx.CollectRows(rows, scanUnit); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, currentEnclavesSQL)
		if err != nil {
			return err
		}
		d.Enclaves, err = pgx.CollectRows(rows, scanEnclave)
		return err
	})
	if err != nil {
		return d, fmt.Errorf("load current units: %w", translate(err))
	}
	return d, nil
}

// HeadVersion returns the latest committed data version. A write asks it
// (geo.Service.CatchUp) on the request pool: the follower's is its own.
func (db *DB) HeadVersion(ctx context.Context) (int64, error) {
	var v, pruned int64
	var stamp string
	if err := db.Pool.QueryRow(ctx, headSQL).Scan(&v, &pruned, &stamp); err != nil {
		return 0, fmt.Errorf("read data version: %w", translate(err))
	}
	return v, nil
}

const changesSinceSQL = `SELECT entity, codes FROM data_change WHERE version > $1 ORDER BY version, id`
const changedUnitsSQL = `SELECT ` + indexUnitColumns + ` FROM unit WHERE code = ANY($1) AND ` + validNow
const changedEnclavesSQL = `SELECT ` + indexEnclaveColumns + ` FROM enclave WHERE code = ANY($1) AND ` + validNow
const changedSinceSQL = `SELECT coalesce(max(t) FILTER (WHERE t <= now()), 'epoch'), min(t) FILTER (WHERE t > now()) FROM (
  SELECT valid_from AS t FROM unit WHERE code = ANY($1) UNION ALL SELECT valid_to FROM unit WHERE code = ANY($1)
  UNION ALL SELECT valid_from FROM enclave WHERE code = ANY($2) UNION ALL SELECT valid_to FROM enclave WHERE code = ANY($2)) s`

// ChangesSince reads, in one snapshot, what the change record holds after
// version: the current rows of every code changed since (state, not steps:
// a code changed twice is read once), the codes left without a current
// version, and the layers touched.
func (db *DB) ChangesSince(ctx context.Context, version int64) (geo.ChangeSet, error) {
	cs := geo.ChangeSet{From: version}
	err := pgx.BeginTxFunc(ctx, db.follow, readOnlyTx, func(tx pgx.Tx) error {
		var pruned int64
		if err := tx.QueryRow(ctx, headSQL).Scan(&cs.Version, &pruned, &cs.Stamp); err != nil {
			return err
		}
		switch {
		case cs.Version < version:
			cs.Reset = true // the database lost commits the caller has applied
			return nil
		case cs.Version == version:
			cs.FromStamp, cs.FromKnown = cs.Stamp, true // nothing new, unless a lost version's number was given again
			return nil
		case version < pruned:
			cs.Reset = true // the record no longer reaches back that far
			return nil
		}
		switch err := tx.QueryRow(ctx, stampOfSQL, version).Scan(&cs.FromStamp); {
		case err == nil:
			cs.FromKnown = true
		case !errors.Is(err, pgx.ErrNoRows): // none: version 0, or its rows pruned
			return err
		}
		units, enclaves, err := changedCodes(ctx, tx, version, &cs)
		if err != nil || cs.Reset {
			return err
		}
		if cs.LayerVersions, err = layerVersions(ctx, tx); err != nil {
			return err
		}
		return loadChanged(ctx, tx, units, enclaves, &cs)
	})
	if err != nil {
		return cs, fmt.Errorf("read changes since version %d: %w", version, translate(err))
	}
	return cs, nil
}

// changedCodes lists the unit and enclave codes and the layers the change
// rows after version name.
func changedCodes(ctx context.Context, tx pgx.Tx, version int64, cs *geo.ChangeSet) (units, enclaves []string, err error) {
	rows, err := tx.Query(ctx, changesSinceSQL, version)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var entity string
		var codes []string
		if err := rows.Scan(&entity, &codes); err != nil {
			return nil, nil, err
		}
		switch entity {
		case "unit":
			units = append(units, codes...)
		case "enclave":
			enclaves = append(enclaves, codes...)
		case "layer":
			cs.Layers = append(cs.Layers, codes...)
		case "redraw":
			cs.Redrawn = append(cs.Redrawn, codes...)
		case "reset":
			cs.Reset = true
		}
	}
	slices.Sort(units)
	slices.Sort(enclaves)
	slices.Sort(cs.Layers)
	cs.Layers = slices.Compact(cs.Layers)
	return slices.Compact(units), slices.Compact(enclaves), rows.Err()
}

// loadChanged reads the current rows of the changed codes.
func loadChanged(ctx context.Context, tx pgx.Tx, units, enclaves []string, cs *geo.ChangeSet) error {
	rows, err := tx.Query(ctx, changedUnitsSQL, units)
	if err != nil {
		return err
	}
	if cs.Units, err = pgx.CollectRows(rows, scanUnit); err != nil {
		return err
	}
	rows, err = tx.Query(ctx, changedEnclavesSQL, enclaves)
	if err != nil {
		return err
	}
	if cs.Enclaves, err = pgx.CollectRows(rows, scanEnclave); err != nil {
		return err
	}
	cs.RetiredUnits = missing(units, cs.Units, func(u geo.Unit) string { return u.Code })
	cs.RetiredEnc = missing(enclaves, cs.Enclaves, func(e geo.Enclave) string { return e.Code })
	return scanSpan(tx.QueryRow(ctx, changedSinceSQL, units, enclaves), &cs.Since, &cs.Until)
}

// scanSpan reads the span dataSinceSQL and changedSinceSQL answer: since,
// and until (zero when no version starts or ends later).
func scanSpan(row pgx.Row, since, until *time.Time) error {
	var next pgtype.Timestamptz
	if err := row.Scan(since, &next); err != nil {
		return err
	}
	if next.Valid {
		*until = next.Time
	}
	return nil
}

// layerVersions reads the data version of every tile layer.
func layerVersions(ctx context.Context, tx pgx.Tx) (map[string]int64, error) {
	rows, err := tx.Query(ctx, `SELECT layer, version FROM data_version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var layer string
		var v int64
		if err := rows.Scan(&layer, &v); err != nil {
			return nil, err
		}
		out[layer] = v
	}
	return out, rows.Err()
}

// missing returns the codes (sorted) that no found item has.
func missing[T any](codes []string, found []T, code func(T) string) []string {
	have := make(map[string]bool, len(found))
	for _, f := range found {
		have[code(f)] = true
	}
	var out []string
	for _, c := range codes {
		if !have[c] {
			out = append(out, c)
		}
	}
	return out
}

// Checksums computes the checksums of the current rows
// (gridmap_index_checksums) and the data version they are at.
func (db *DB) Checksums(ctx context.Context) (geo.Checksums, int64, error) {
	var sums geo.Checksums
	var version int64
	err := pgx.BeginTxFunc(ctx, db.follow, readOnlyTx, func(tx pgx.Tx) error {
		var pruned int64
		var stamp string
		if err := tx.QueryRow(ctx, headSQL).Scan(&version, &pruned, &stamp); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT class, n, x, versions FROM gridmap_index_checksums()`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var class string
			var c geo.ClassSum
			if err := rows.Scan(&class, &c.Count, &c.Xor, &c.Versions); err != nil {
				return err
			}
			if class == "enclave" {
				sums.Enclaves = c
			} else if r := geo.Level(class).Rank(); r >= 0 {
				sums.Levels[r] = c
			}
		}
		return rows.Err()
	})
	if err != nil {
		return sums, 0, fmt.Errorf("index checksums: %w", translate(err))
	}
	return sums, version, nil
}

// pointQueryWait bounds a point PostGIS answers in the index's place (a
// time before the index, a version it has not reached): with the pool full
// or a lock held, the caller hears 503 and retries rather than hang.
const pointQueryWait = 5 * time.Second

// ResolveAt applies the resolution rules in PostGIS to the versions valid at
// at (gridmap_resolve in migration 002): the tests' oracle. Its
// index_version is the last version that changed a layer; a node asks
// ResolveCurrent, which names the head.
func (db *DB) ResolveAt(ctx context.Context, p orb.Point, at time.Time) (geo.Resolution, error) {
	ctx, cancel := context.WithTimeout(ctx, pointQueryWait)
	defer cancel()
	var raw []byte
	err := db.Pool.QueryRow(ctx, `SELECT gridmap_resolve($1, $2, $3)`, p[0], p[1], at).Scan(&raw)
	if err != nil {
		return geo.Resolution{}, fmt.Errorf("resolve at %s: %w", at.Format(time.RFC3339), translate(err))
	}
	return decodeResolution(raw)
}

// ResolveCurrent applies the rules in PostGIS to the versions valid at at
// (zero: now) in data that must have reached minVersion: a node whose
// index is behind answers so, and a standby that has not replayed the
// version yet says it is unavailable rather than answer from older data.
func (db *DB) ResolveCurrent(ctx context.Context, p orb.Point, at time.Time, minVersion int64) (geo.Resolution, error) {
	ctx, cancel := context.WithTimeout(ctx, pointQueryWait)
	defer cancel()
	var raw []byte
	var version int64
	err := db.Pool.QueryRow(ctx, `SELECT h.version, gridmap_resolve($1, $2, coalesce($3, now())) FROM data_head h`,
		p[0], p[1], nullTime(at)).Scan(&version, &raw)
	if err != nil {
		return geo.Resolution{}, fmt.Errorf("resolve: %w", translate(err))
	}
	if version < minVersion {
		return geo.Resolution{}, geo.Errorf(geo.EUNAVAILABLE, "min_version",
			"this node's database is at data version %d, not yet %d; retry shortly", version, minVersion)
	}
	r, err := decodeResolution(raw)
	r.IndexVersion = version
	return r, err
}

func decodeResolution(raw []byte) (geo.Resolution, error) {
	var r geo.Resolution
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("decode resolution: %w", err)
	}
	return r, nil
}
