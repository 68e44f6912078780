package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/geo"
)

// The event record (migration 009). Rows are read by transaction id, not
// by row id: see geo.EventCursor. xid8 values travel as text (pgx has no
// codec for them) and are compared as numbers in Go. The queries order by
// event_log.xid, qualified: a bare "xid" names the text output column, so
// pages came in text order ("100000" before "99999") — a page could then
// end past events it skipped, and each page sorted every row after it.

var _ geo.EventLog = (*DB)(nil)

// eventPage bounds one read, so that a bulk load of reports (one
// transaction, a million events) is read and handed out in pieces.
const eventPage = 2000

// replayPage bounds one page of a replay, which is held in memory while it
// is sent to a client: one per stream that resumes, so smaller than
// eventPage (256 events of ~1 kB is ~256 kB a stream).
const replayPage = 256

// eventsSinceSQL reads the events of the transactions a snapshot did not
// see — those at or above its xmax ($1) and those running then ($2) —
// after a position in (xid, id) order ($3, $4).
const eventsSinceSQL = `SELECT id, xid::text, at, kind, codes, data FROM event_log
WHERE (xid >= $1::text::xid8 OR xid = ANY($2::text[]::xid8[]))
  AND (xid, id) > ($3::text::xid8, $4::bigint)
ORDER BY event_log.xid, event_log.id LIMIT $5`

// eventsAfterFloorSQL reads, on a standby, the events at or above a floor
// ($1) of the transactions not read yet ($2), after a position ($3, $4).
const eventsAfterFloorSQL = `SELECT id, xid::text, at, kind, codes, data FROM event_log
WHERE xid >= $1::text::xid8 AND NOT (xid = ANY($2::text[]::xid8[]))
  AND (xid, id) > ($3::text::xid8, $4::bigint)
ORDER BY event_log.xid, event_log.id LIMIT $5`

// replaySQL reads the events at or above a floor after a position.
const replaySQL = `SELECT id, xid::text, at, kind, codes, data FROM event_log
WHERE xid >= $1::text::xid8 AND (xid, id) > ($2::text::xid8, $3::bigint)
ORDER BY event_log.xid, event_log.id LIMIT $4`

// EventStart returns the cursor of the present snapshot.
func (db *DB) EventStart(ctx context.Context) (geo.EventCursor, error) {
	var snap string
	if err := db.Pool.QueryRow(ctx, `SELECT pg_current_snapshot()::text`).Scan(&snap); err != nil {
		return geo.EventCursor{}, fmt.Errorf("read the event record's position: %w", translate(err))
	}
	c, err := parseSnapshot(snap)
	c.Exact = !db.Standby()
	return c, err
}

// EventsSince reads, in one repeatable-read snapshot, the events of the
// transactions cur did not see, and returns that snapshot as the next
// cursor. Nothing is missed: a transaction is either visible to the new
// snapshot (and read now) or running in it (and read next time). On a
// standby, whose snapshots do not list the running transactions, it reads
// from cur's floor instead, skipping the transactions already read.
func (db *DB) EventsSince(ctx context.Context, cur geo.EventCursor, fn func(geo.Event) error) (geo.EventCursor, error) {
	var next geo.EventCursor
	err := db.readSnapshot(ctx, func(tx pgx.Tx, snap geo.EventCursor) error {
		next = snap
		if cur.Exact && snap.Exact {
			return eachEventPage(ctx, tx, eventsSinceSQL, []any{u64(cur.Xmax), u64s(cur.Running)}, fn)
		}
		read := map[uint64]bool{}
		for _, x := range cur.Read {
			read[x] = true
		}
		err := eachEventPage(ctx, tx, eventsAfterFloorSQL, []any{u64(cur.Xmin), u64s(cur.Read)}, func(e geo.Event) error {
			read[e.Xid] = true
			return fn(e)
		})
		for x := range read {
			if x >= snap.Xmin {
				next.Read = append(next.Read, x)
			}
		}
		return err
	})
	if err != nil {
		return cur, fmt.Errorf("read the event record: %w", err)
	}
	return next, nil
}

// ReplayEvents calls fn for every event with xid >= floor. It reports false
// when events at or above floor were pruned.
//
// fn writes to a client, which may block for seconds, so it is never called
// inside a transaction: each page is read into memory in a transaction of
// its own, which ends (its connection back in the pool) before fn sees the
// page. Pages follow each other by position in (xid, id) order, so across
// their snapshots each event comes once and none is skipped: a transaction
// visible to one page is visible to the later ones, and one that commits
// between pages has its events after the position or, below it, comes
// live (the subscription began before the replay). Every page checks the
// pruning again: a slow client's replay may outlast its oldest events.
func (db *DB) ReplayEvents(ctx context.Context, floor uint64, fn func(geo.Event) error) (bool, error) {
	after := eventPosition{xid: "0"}
	page := make([]geo.Event, 0, replayPage)
	for {
		complete := true
		page = page[:0]
		err := db.readOnly(ctx, func(tx pgx.Tx) error {
			var pruned string
			if err := tx.QueryRow(ctx, `SELECT pruned_below::text FROM event_head`).Scan(&pruned); err != nil {
				return err
			}
			if p, _ := strconv.ParseUint(pruned, 10, 64); floor < p {
				complete = false
				return nil
			}
			_, err := readEventPage(ctx, tx, replaySQL, []any{u64(floor)}, &after, replayPage, func(e geo.Event) error {
				page = append(page, e)
				return nil
			})
			return err
		})
		if err != nil {
			return false, fmt.Errorf("replay the event record: %w", err)
		}
		if !complete {
			return false, nil
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return false, fmt.Errorf("replay the event record: %w", err)
			}
		}
		if len(page) < replayPage {
			return true, nil
		}
		clear(page) // the sent events' data may go
	}
}

// readOnly runs fn in a read-only repeatable-read transaction (one
// snapshot for every statement; allowed on a standby).
func (db *DB) readOnly(ctx context.Context, fn func(pgx.Tx) error) error {
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	return translate(pgx.BeginTxFunc(ctx, db.Pool, opts, fn))
}

// readSnapshot runs fn in readOnly with the transaction's snapshot.
func (db *DB) readSnapshot(ctx context.Context, fn func(pgx.Tx, geo.EventCursor) error) error {
	return db.readOnly(ctx, func(tx pgx.Tx) error {
		var s string
		if err := tx.QueryRow(ctx, `SELECT pg_current_snapshot()::text`).Scan(&s); err != nil {
			return err
		}
		snap, err := parseSnapshot(s)
		if err != nil {
			return err
		}
		snap.Exact = !db.Standby()
		return fn(tx, snap)
	})
}

// eventPosition is where a paged read of the record stands: the (xid, id)
// of the last event read (xid as text, as it travels).
type eventPosition struct {
	xid string
	id  int64
}

// eachEventPage runs a paged event query (its own arguments, then the
// position and the page size) and calls fn for every row.
func eachEventPage(ctx context.Context, tx pgx.Tx, sql string, args []any, fn func(geo.Event) error) error {
	after := eventPosition{xid: "0"}
	for {
		n, err := readEventPage(ctx, tx, sql, args, &after, eventPage, fn)
		if err != nil || n < eventPage {
			return err
		}
	}
}

// readEventPage reads one page of a paged event query after the position
// *after, calls fn for every row and moves *after past them; it returns
// how many rows came.
func readEventPage(ctx context.Context, tx pgx.Tx, sql string, args []any, after *eventPosition, limit int,
	fn func(geo.Event) error) (int, error) {
	rows, err := tx.Query(ctx, sql, append(args[:len(args):len(args)], after.xid, after.id, limit)...)
	if err != nil {
		return 0, err
	}
	n := 0
	var xid string
	var e geo.Event
	_, err = pgx.ForEachRow(rows, []any{&e.ID, &xid, &e.At, &e.Kind, &e.Codes, &e.Data}, func() error {
		n++
		after.xid, after.id = xid, e.ID
		ev := e
		ev.Codes = distinctCodes(e.Codes) // a report its own unit handles names it twice
		ev.Data = append(json.RawMessage(nil), e.Data...)
		ev.Xid, _ = strconv.ParseUint(xid, 10, 64)
		return fn(ev)
	})
	return n, err
}

// distinctCodes returns a copy of codes without repeats, in their order.
func distinctCodes(codes []string) []string {
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// parseSnapshot reads pg_snapshot's text form, "xmin:xmax:xip,xip,…".
func parseSnapshot(s string) (geo.EventCursor, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return geo.EventCursor{}, fmt.Errorf("unexpected snapshot %q", s)
	}
	var c geo.EventCursor
	var err1, err2 error
	c.Xmin, err1 = strconv.ParseUint(parts[0], 10, 64)
	c.Xmax, err2 = strconv.ParseUint(parts[1], 10, 64)
	if err1 != nil || err2 != nil {
		return c, fmt.Errorf("unexpected snapshot %q", s)
	}
	for _, x := range strings.Split(parts[2], ",") {
		if x == "" {
			continue
		}
		v, err := strconv.ParseUint(x, 10, 64)
		if err != nil {
			return c, fmt.Errorf("unexpected snapshot %q", s)
		}
		c.Running = append(c.Running, v)
	}
	return c, nil
}

func u64(v uint64) string { return strconv.FormatUint(v, 10) }

func u64s(vs []uint64) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = u64(v)
	}
	return out
}

// AnnounceOverdue records a case.overdue event for every open case whose
// deadline passed since the last call, and returns how many.
func (db *DB) AnnounceOverdue(ctx context.Context) (int, error) {
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT gridmap_announce_overdue()`).Scan(&n); err != nil {
		return 0, fmt.Errorf("announce overdue cases: %w", translate(err))
	}
	return n, nil
}

// EventRetention is how long events are kept: a screen that was away
// longer reloads its figures instead of resuming.
const EventRetention = 24 * time.Hour

// PruneEvents deletes events older than keep and returns how many went.
func (db *DB) PruneEvents(ctx context.Context, keep time.Duration) (int64, error) {
	var total int64
	for {
		var n int64
		err := db.Pool.QueryRow(ctx, `SELECT gridmap_prune_events(make_interval(secs => $1), 10000)`, keep.Seconds()).Scan(&n)
		if err != nil {
			return total, fmt.Errorf("prune the event record: %w", translate(err))
		}
		total += n
		if n < 10000 {
			return total, nil
		}
	}
}
