package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/geo"
)

// CreateEnclave stores the first version of an enclave code (or revives a
// retired one).
func (db *DB) CreateEnclave(ctx context.Context, actor string, e geo.Enclave) (geo.EditResult[geo.Enclave], error) {
	return db.writeEnclave(ctx, actor, e, 0, true)
}

// EditEnclave stores the next version of e's code, provided ifVersion is the
// current one.
func (db *DB) EditEnclave(ctx context.Context, actor string, e geo.Enclave, ifVersion int) (geo.EditResult[geo.Enclave], error) {
	return db.writeEnclave(ctx, actor, e, ifVersion, false)
}

const currentEnclaveSQL = `SELECT ` + enclaveColumns + ` FROM enclave WHERE code = $1 AND valid_to IS NULL`

func (db *DB) writeEnclave(ctx context.Context, actor string, e geo.Enclave, ifVersion int, create bool) (geo.EditResult[geo.Enclave], error) {
	var res geo.EditResult[geo.Enclave]
	if err := e.Validate(); err != nil {
		return res, err
	}
	if err := geo.ValidateRings(e.Geom); err != nil {
		return res, err
	}
	g, err := toGeom(e.Geom)
	if err != nil {
		return res, geo.Invalid("geometry", "%v", err)
	}
	err = db.inTx(ctx, actor, func(tx pgx.Tx) error {
		if err := lockCode(ctx, tx, "enclave", e.Code); err != nil {
			return err
		}
		current, history, err := versionsOf(ctx, tx, "enclave", e.Code)
		if err != nil {
			return err
		}
		if create && current != 0 {
			return geo.Errorf(geo.ECONFLICT, "code", "enclave %s already exists (version %d); revise it with PUT and If-Match", e.Code, current)
		}
		if !create {
			if err := precondition("enclave", e.Code, current, history, ifVersion); err != nil {
				return err
			}
		}
		if err := checkValid(ctx, tx, g); err != nil {
			return err
		}
		var ok bool
		if err := tx.QueryRow(ctx, parentExistsSQL, e.ManagingCode).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return geo.Invalid("managing_code", "no current unit has code %s", e.ManagingCode)
		}
		now, err := txNow(ctx, tx)
		if err != nil {
			return err
		}
		version, err := closeCurrent(ctx, tx, enclaveVersions, e.Code, now)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, insertEnclaveSQL, e.Code, e.Name, e.ManagingCode, e.Status, e.Reason, g,
			props(e.Properties), version, now); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, currentEnclaveSQL, e.Code)
		if err != nil {
			return err
		}
		if res.Version, err = pgx.CollectExactlyOneRow(rows, scanEnclave); err != nil {
			return err
		}
		res.Warnings, err = enclaveWarnings(ctx, tx, e.Code)
		return err
	})
	if err != nil {
		return res, fmt.Errorf("edit enclave %s: %w", e.Code, err)
	}
	return res, nil
}

const retireEnclaveSQL = `UPDATE enclave SET valid_to = clock_timestamp() WHERE code = $1 AND valid_to IS NULL RETURNING ` + enclaveColumns

// RetireEnclave closes the current version of an enclave without a
// successor; from then on the land is answered for by the unit around it.
func (db *DB) RetireEnclave(ctx context.Context, actor, code string, ifVersion int) (geo.Enclave, error) {
	var out geo.Enclave
	err := db.inTx(ctx, actor, func(tx pgx.Tx) error {
		if err := lockCode(ctx, tx, "enclave", code); err != nil {
			return err
		}
		current, history, err := versionsOf(ctx, tx, "enclave", code)
		if err != nil {
			return err
		}
		if err := precondition("enclave", code, current, history, ifVersion); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, retireEnclaveSQL, code)
		if err != nil {
			return err
		}
		out, err = pgx.CollectExactlyOneRow(rows, scanEnclave)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("retire enclave %s: %w", code, err)
	}
	return out, nil
}
