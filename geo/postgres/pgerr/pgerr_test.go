package pgerr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gridmap-dev/gridmap/geo"
)

// TestSQLStates classifies every SQLSTATE gridmap relies on, wrapped as the
// stores wrap them, with no database: the answer a client gets for a
// failure must not depend on which package met it.
func TestSQLStates(t *testing.T) {
	const unchanged geo.ErrorCode = "" // returned as it came: an internal error
	cases := []struct {
		state string
		want  geo.ErrorCode
	}{
		{"08000", geo.EUNAVAILABLE}, // connection exception
		{"08003", geo.EUNAVAILABLE}, // connection does not exist
		{"08006", geo.EUNAVAILABLE}, // connection failure
		{"08P01", geo.EUNAVAILABLE}, // protocol violation
		{"57P01", geo.EUNAVAILABLE}, // admin shutdown: a failover or restart
		{"57P02", geo.EUNAVAILABLE}, // crash shutdown
		{"57P03", geo.EUNAVAILABLE}, // cannot connect now: starting up
		{"55000", geo.EUNAVAILABLE}, // object not in prerequisite state: refusing connections
		{"57014", geo.EUNAVAILABLE}, // query canceled: statement timeout
		{"55P03", geo.EUNAVAILABLE}, // lock not available: lock_timeout
		{"25006", geo.EUNAVAILABLE}, // read-only transaction: writing to a standby
		{"3D000", geo.EUNAVAILABLE}, // invalid catalog name: the database is gone
		{"53000", geo.EUNAVAILABLE}, // insufficient resources
		{"53100", geo.EUNAVAILABLE}, // disk full
		{"53200", geo.EUNAVAILABLE}, // out of memory
		{"53300", geo.EUNAVAILABLE}, // too many connections
		{"40001", geo.EUNAVAILABLE}, // serialization failure
		{"40P01", geo.EUNAVAILABLE}, // deadlock detected
		{"22021", geo.EINVALID},     // character not in repertoire: bad encoding
		{"22P02", geo.EINVALID},     // invalid text representation
		{"22P05", geo.EINVALID},     // untranslatable character
		{"22023", geo.EINVALID},     // invalid parameter value
		{"22003", geo.EINVALID},     // numeric value out of range
		{"23514", geo.EINVALID},     // check violation
		{"XX000", geo.EINVALID},     // PostGIS refusing a geometry
		{"23505", geo.ECONFLICT},    // unique violation: a second current version
		{"23P01", geo.ECONFLICT},    // exclusion violation: overlapping version periods
		{"42P01", unchanged},        // undefined table: a bug
		{"42883", unchanged},        // undefined function: a bug
		{"23503", unchanged},        // foreign key violation: the stores check references first
	}
	for _, c := range cases {
		t.Run(c.state, func(t *testing.T) {
			pgErr := &pgconn.PgError{Code: c.state, Message: "server text"}
			err := Classify(fmt.Errorf("store reports: %w", pgErr))
			var ge *geo.Error
			switch {
			case c.want == unchanged && errors.As(err, &ge):
				t.Fatalf("classified as %s; want it left for the log", ge.Code)
			case c.want == unchanged:
				if !errors.Is(err, pgErr) {
					t.Fatalf("lost the cause: %v", err)
				}
			case !errors.As(err, &ge) || ge.Code != c.want:
				t.Fatalf("got %v, want %s", err, c.want)
			case !errors.Is(err, pgErr):
				t.Fatalf("the cause is not kept for the log: %v", err)
			}
		})
	}
}

// TestConnectionFailures classifies failures that carry no SQLSTATE.
func TestConnectionFailures(t *testing.T) {
	domain := geo.Invalid("point", "bad point")
	cases := []struct {
		name string
		err  error
		want geo.ErrorCode // "" when err must come back unchanged
	}{
		{"nil", nil, ""},
		{"a client that hung up", fmt.Errorf("query: %w", context.Canceled), ""},
		{"a deadline that ran out", fmt.Errorf("query: %w", context.DeadlineExceeded), geo.EUNAVAILABLE},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, geo.EUNAVAILABLE},
		{"connection cut mid-answer", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), geo.EUNAVAILABLE},
		{"connection closed", fmt.Errorf("read: %w", net.ErrClosed), geo.EUNAVAILABLE},
		{"pool closed", errors.New("conn closed"), geo.EUNAVAILABLE},
		{"no rows", fmt.Errorf("get unit: %w", pgx.ErrNoRows), geo.ENOTFOUND},
		{"already a domain error", domain, geo.EINVALID},
		{"an unknown failure", errors.New("scan: cannot assign"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Classify(c.err)
			if c.want == "" {
				if got != c.err {
					t.Fatalf("got %v, want %v unchanged", got, c.err)
				}
				return
			}
			if code := geo.ErrorCodeOf(got); code != c.want {
				t.Fatalf("got %v (%s), want %s", got, code, c.want)
			}
		})
	}
	if Classify(domain) != domain {
		t.Error("a domain error must pass through as it is")
	}
}

// TestMessagesAreSafe: what a client may read never carries the driver's
// text for failures of the service (only for refused input).
func TestMessagesAreSafe(t *testing.T) {
	for _, state := range []string{"08006", "57P01", "53300", "40001", "23505"} {
		err := Classify(&pgconn.PgError{Code: state, Message: "secret detail", Detail: "table unit"})
		var ge *geo.Error
		if !errors.As(err, &ge) || ge.Message == "" || strings.Contains(ge.Message, "secret") || strings.Contains(ge.Message, "unit") {
			t.Errorf("%s: message %q", state, ge.Message)
		}
	}
}
