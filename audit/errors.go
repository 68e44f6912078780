package audit

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gridmap-dev/gridmap/geo"
)

// unavailable marks database failures so clients are told to retry; domain
// errors pass through.
func unavailable(err error) error {
	var ge *geo.Error
	if err == nil || errors.As(err, &ge) {
		return err
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) || pgconn.SafeToRetry(err) {
		return &geo.Error{Code: geo.EUNAVAILABLE, Message: "database unavailable", Err: err}
	}
	return err
}
