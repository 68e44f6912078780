package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

var (
	_ geo.SnapshotSource = (*DB)(nil)
	_ geo.PastResolver   = (*DB)(nil)
	_ geo.UnitStore      = (*DB)(nil)
)

const currentUnitsSQL = `SELECT ` + unitColumns + ` FROM unit WHERE valid_to IS NULL AND valid_from <= now()`
const currentEnclavesSQL = `SELECT ` + enclaveColumns + ` FROM enclave WHERE valid_to IS NULL AND valid_from <= now()`

// dataSinceSQL is the latest moment any version started or ended: the
// current versions are exactly the versions valid at any time from then on.
const dataSinceSQL = `SELECT coalesce(max(t), 'epoch') FROM (
  SELECT max(greatest(valid_from, valid_to)) AS t FROM unit
  UNION ALL SELECT max(greatest(valid_from, valid_to)) FROM enclave) s`

const dataVersionSQL = `SELECT coalesce(max(version), 0) FROM data_version`

// LoadCurrent reads the current units and enclaves and the data version in
// one repeatable-read transaction, so they agree with each other.
func (db *DB) LoadCurrent(ctx context.Context) (geo.CurrentData, error) {
	var d geo.CurrentData
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := pgx.BeginTxFunc(ctx, db.Pool, opts, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, dataVersionSQL).Scan(&d.Version); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, dataSinceSQL).Scan(&d.Since); err != nil {
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

// DataVersion returns the current data version (the largest data_version).
func (db *DB) DataVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := db.Pool.QueryRow(ctx, dataVersionSQL).Scan(&v); err != nil {
		return 0, fmt.Errorf("read data version: %w", translate(err))
	}
	return v, nil
}

// ResolveAt applies the resolution rules in PostGIS to the versions valid at
// at (gridmap_resolve in migration 002).
func (db *DB) ResolveAt(ctx context.Context, p orb.Point, at time.Time) (geo.Resolution, error) {
	var raw []byte
	err := db.Pool.QueryRow(ctx, `SELECT gridmap_resolve($1, $2, $3)`, p[0], p[1], at).Scan(&raw)
	if err != nil {
		return geo.Resolution{}, fmt.Errorf("resolve at %s: %w", at.Format(time.RFC3339), translate(err))
	}
	var r geo.Resolution
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("decode resolution: %w", err)
	}
	return r, nil
}

// Channel is the NOTIFY channel the schema's triggers announce changes on.
const Channel = "gridmap_changes"

// Change is one announced change: the layers touched and the new version.
type Change struct {
	Layers  []string `json:"layers"`
	Version int64    `json:"version"`
}

// Listen calls onChange for every change announced on Channel until ctx
// ends. It holds its own connection (LISTEN blocks it) and reconnects after
// a failure; after every (re)connect it calls onChange with an empty Change,
// since changes may have been missed while it was away.
func (db *DB) Listen(ctx context.Context, onChange func(Change)) {
	for backoff := time.Second; ctx.Err() == nil; {
		err := db.listenOnce(ctx, onChange)
		if ctx.Err() != nil {
			return
		}
		slog.WarnContext(ctx, "change listener lost its connection; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

func (db *DB) listenOnce(ctx context.Context, onChange func(Change)) error {
	conn, err := pgx.Connect(ctx, db.url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		return err
	}
	onChange(Change{})
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var ch Change
		if err := json.Unmarshal([]byte(n.Payload), &ch); err != nil {
			slog.WarnContext(ctx, "unreadable change notification", "payload", n.Payload, "err", err)
		}
		onChange(ch)
	}
}
