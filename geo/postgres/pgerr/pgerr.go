// Package pgerr is the one classifier of PostgreSQL errors: it turns what
// pgx returns into the *geo.Error a client may see, so that the same
// failure gets the same answer whichever package met it (the stores, the
// audit, the tiles, the importer).
//
// The classes, and why:
//
//   - An outage or a failover — a lost or refused connection (SQLSTATE
//     class 08), a server shutting down or starting (57P01-57P03), a server
//     refusing connections while it is not ready (55000), too little memory,
//     disk or connections (class 53), a statement timeout (57014), a write
//     that reached a standby after a failover (25006) — and a transaction
//     that lost a race (40001 serialization failure, 40P01 deadlock) are
//     geo.EUNAVAILABLE: nothing was written, and the same request will
//     succeed when retried (the API answers 503 with Retry-After). So are
//     reports overtaken by an edit's commit (GMVER, migration 031), whose
//     cause (geo.MovedError) tells the API to resolve them again.
//   - Text or values the database cannot take (22021 bad encoding, 22P02,
//     22P05, other data exceptions), a check constraint (23514) and a
//     PostGIS refusal (XX000) are geo.EINVALID: the input is at fault.
//   - A unique or exclusion constraint (23505, 23P01) is geo.ECONFLICT: the
//     write clashes with stored state.
//   - pgx.ErrNoRows is geo.ENOTFOUND.
//   - A client that hung up (context.Canceled) is returned as it is: not an
//     error to log, and nothing to answer.
//
// Anything else is returned unchanged, which the API reports as an
// internal error and logs: an unclassified failure is a bug to look at.
package pgerr

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gridmap-dev/gridmap/geo"
)

// Messages sent to clients: what happened, never the driver's text.
const (
	msgUnavailable = "the database is unavailable; retry"
	msgBusy        = "the database is busy or restarting; retry"
	msgLostRace    = "the write lost a race with another; retry"
	msgReadOnly    = "the database refused the write as read-only: it is a standby (a failover), or set read-only (default_transaction_read_only: the node opens its connections again within seconds of it being set back); send writes to a node on a primary that takes them"
	msgConflict    = "conflicts with a stored version"
	msgMoved       = "the boundaries changed while this was being stored; nothing was stored: send it again"
	msgNotFound    = "not found"
)

// Classify returns err as a *geo.Error when it is a database failure with a
// known meaning, and err itself otherwise (nil, a *geo.Error already, a
// cancellation, or an unknown failure).
func Classify(err error) error {
	var ge *geo.Error
	switch {
	case err == nil, errors.As(err, &ge), errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, pgx.ErrNoRows):
		return &geo.Error{Code: geo.ENOTFOUND, Message: msgNotFound, Err: err}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return bySQLState(err, pgErr)
	}
	if connectionLost(err) {
		return &geo.Error{Code: geo.EUNAVAILABLE, Message: msgUnavailable, Err: err}
	}
	return err
}

// LostRace reports whether the database failed a transaction to break a
// deadlock or a serialization conflict: nothing it did was written, and
// the same transaction run again may well succeed.
func LostRace(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && lostRace(pgErr.Code)
}

// movedState is raised by gridmap_reports_gate (migration 031), its detail
// the data version the boundaries moved to.
const movedState = "GMVER"

func lostRace(code string) bool { return code == "40001" || code == "40P01" }

// bySQLState classifies an error the server sent.
func bySQLState(err error, pgErr *pgconn.PgError) error {
	code := pgErr.Code
	switch {
	case lostRace(code):
		return &geo.Error{Code: geo.EUNAVAILABLE, Message: msgLostRace, Err: err}
	case code == "25006":
		return &geo.Error{Code: geo.EUNAVAILABLE, Message: msgReadOnly, Err: err}
	case code == movedState:
		v, _ := strconv.ParseInt(pgErr.Detail, 10, 64)
		return &geo.Error{Code: geo.EUNAVAILABLE, Message: msgMoved, Err: &geo.MovedError{Version: v}}
	case unavailableState(code):
		return &geo.Error{Code: geo.EUNAVAILABLE, Message: msgBusy, Err: err}
	case code == "23505" || code == "23P01":
		return &geo.Error{Code: geo.ECONFLICT, Message: msgConflict, Err: err}
	case invalidState(code):
		// The server's message is about the value sent (an encoding, a
		// malformed number, a ring PostGIS refuses), never about the schema.
		return &geo.Error{Code: geo.EINVALID, Message: "rejected by the database: " + pgErr.Message, Err: err}
	}
	return err
}

// unavailableState reports whether a SQLSTATE means the server cannot
// answer now but will: an outage, a failover, exhausted resources.
func unavailableState(code string) bool {
	switch code {
	case "57P01", "57P02", "57P03", // admin shutdown, crash shutdown, cannot connect now
		"55000", // object not in prerequisite state: a server refusing connections
		"57014", // query canceled: a statement timeout
		"55P03", // lock not available: a lock_timeout ran out (set in the database URL, or on the role or the database)
		"25006", // read-only transaction: a write reached a standby after a failover
		"3D000": // invalid catalog name: the database was dropped or renamed under the pool
		return true
	}
	return strings.HasPrefix(code, "08") || strings.HasPrefix(code, "53") // connection exception, insufficient resources
}

// invalidState reports whether a SQLSTATE blames the input: data
// exceptions (class 22: bad encoding, malformed text, values out of range),
// a check constraint, and PostGIS's internal errors about geometry.
func invalidState(code string) bool {
	return strings.HasPrefix(code, "22") || code == "23514" || code == "XX000"
}

// connectionLost reports whether err is a connection-level failure with no
// SQLSTATE: the connection could not be made, broke mid-statement or timed
// out. A deadline that ran out is one too (the database did not answer in
// time); a cancellation is not (the caller left).
func connectionLost(err error) bool {
	var connErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connErr) || errors.As(err, &netErr) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "conn closed")
}
