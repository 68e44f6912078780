package postgres_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// readEvents reads the events cur did not see and returns them with the
// next cursor.
func readEvents(t *testing.T, db *postgres.DB, cur geo.EventCursor) ([]geo.Event, geo.EventCursor) {
	t.Helper()
	var got []geo.Event
	next, err := db.EventsSince(context.Background(), cur, func(e geo.Event) error {
		got = append(got, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, next
}

func eventKinds(es []geo.Event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Kind
	}
	return out
}

// TestEventsOfLateCommits is the sequence-order trap: transaction A writes
// its event first (the lower row id) and commits last. A reader that has
// already read B's later row still reads A's when A commits — on the primary
// and on a hot standby, whose snapshots do not list running transactions —
// and a replay from the floor of the first read has both.
func TestEventsOfLateCommits(t *testing.T) {
	db := pgtest.OpenPrimary(t)
	ctx := context.Background()
	sdb := pgtest.OpenStandby(t, db.URL(), 2)
	readers := map[string]*postgres.DB{"primary": db, "standby": sdb}
	starts := map[string]geo.EventCursor{}
	var err error
	for name, r := range readers {
		if starts[name], err = r.EventStart(ctx); err != nil {
			t.Fatal(err)
		}
	}
	insert := `INSERT INTO event_log (kind, codes, data) VALUES ($1, '{120104}', '{}') RETURNING id`
	a, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Rollback(ctx)
	var idA, idB int64
	if err := a.QueryRow(ctx, insert, "test.a").Scan(&idA); err != nil {
		t.Fatal(err)
	}
	if err := db.Pool.QueryRow(ctx, insert, "test.b").Scan(&idB); err != nil {
		t.Fatal(err)
	}
	if idA >= idB {
		t.Fatalf("ids %d, %d: A should have taken the lower id", idA, idB)
	}
	curs := map[string]geo.EventCursor{}
	for name, r := range readers {
		var got []geo.Event
		got, curs[name] = readUntil(t, r, starts[name], 1)
		if !slices.Equal(eventKinds(got), []string{"test.b"}) {
			t.Fatalf("%s, first read: %v, want only B's (A has not committed)", name, eventKinds(got))
		}
	}
	if err := a.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for name, r := range readers {
		got, cur := readUntil(t, r, curs[name], 1)
		if !slices.Equal(eventKinds(got), []string{"test.a"}) {
			t.Fatalf("%s, second read: %v, want A's event, committed late", name, eventKinds(got))
		}
		if got, _ = readEvents(t, r, cur); len(got) != 0 {
			t.Fatalf("%s, third read: %v, want nothing new", name, eventKinds(got))
		}
		var replayed []string
		complete, err := r.ReplayEvents(ctx, starts[name].Xmin, func(e geo.Event) error {
			replayed = append(replayed, e.Kind)
			return nil
		})
		if err != nil || !complete {
			t.Fatalf("%s, replay: %v, complete %v", name, err, complete)
		}
		slices.Sort(replayed)
		if !slices.Equal(replayed, []string{"test.a", "test.b"}) {
			t.Fatalf("%s, replay from the first floor: %v", name, replayed)
		}
	}
}

// readUntil reads from cur until at least n events came (a standby
// replays the primary's commits a moment later).
func readUntil(t *testing.T, db *postgres.DB, cur geo.EventCursor, n int) ([]geo.Event, geo.EventCursor) {
	t.Helper()
	var all []geo.Event
	for start := time.Now(); len(all) < n && time.Since(start) < 10*time.Second; time.Sleep(20 * time.Millisecond) {
		var got []geo.Event
		got, cur = readEvents(t, db, cur)
		all = append(all, got...)
	}
	return all, cur
}

// testGrid is a grid of 南开区 in the demo city.
const testGrid = "120104010001002"

// TestEventsOfChanges checks that every kind of change writes its event in
// its own transaction, with the codes scope checks use.
func TestEventsOfChanges(t *testing.T) {
	e := newReportEnv(t)
	cur, err := e.db.EventStart(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := e.report(t, e.pointIn(t, "unit", testGrid))
	if _, err := e.db.CreateReports(e.ctx, []casework.Report{r}); err != nil {
		t.Fatal(err)
	}
	got, cur := readEvents(t, e.db, cur)
	if len(got) != 1 || got[0].Kind != geo.EventReportCreated || !got[0].Within(testGrid) || got[0].Within("120110") {
		t.Fatalf("after a report: %+v", got)
	}
	if codes := got[0].Codes; len(slices.Compact(slices.Sorted(slices.Values(codes)))) != len(codes) {
		t.Errorf("the report event names a unit twice: %v", codes) // its unit handles it
	}
	var data map[string]any
	if err := json.Unmarshal(got[0].Data, &data); err != nil || data["id"] != r.ID || data["reporter"] != "测试员" {
		t.Fatalf("report event data %s (%v)", got[0].Data, err)
	}
	if _, _, err := e.db.Transition(e.ctx, r.ID, casework.TransitionRequest{Action: casework.ActionAccept, Actor: "街道"}, casework.DefaultPolicy()); err != nil {
		t.Fatal(err)
	}
	if got, cur = readEvents(t, e.db, cur); !slices.Equal(eventKinds(got), []string{geo.EventReportUpdated}) {
		t.Fatalf("after a step: %v", eventKinds(got))
	}
	if _, err := e.db.Escalate(e.ctx, casework.DefaultPolicy(), time.Now().Add(49*time.Hour), 10); err != nil {
		t.Fatal(err)
	}
	if got, cur = readEvents(t, e.db, cur); !slices.Contains(eventKinds(got), geo.EventCaseEscalated) {
		t.Fatalf("after escalation: %v", eventKinds(got))
	}
	if _, err := e.db.Pool.Exec(e.ctx, `UPDATE report SET due_at = now() - interval '1 second' WHERE id = $1`, r.ID); err != nil {
		t.Fatal(err)
	}
	readEvents(t, e.db, cur) // the test's own update
	if _, err := e.db.Pool.Exec(e.ctx, `UPDATE event_cursor SET at = now() - interval '1 minute'`); err != nil {
		t.Fatal(err)
	}
	cur, _ = e.db.EventStart(e.ctx)
	if n, err := e.db.AnnounceOverdue(e.ctx); err != nil || n < 1 {
		t.Fatalf("announce overdue: %d, %v", n, err)
	}
	if got, cur = readEvents(t, e.db, cur); !slices.Contains(eventKinds(got), geo.EventCaseOverdue) {
		t.Fatalf("after the overdue sweep: %v", eventKinds(got))
	}
	if n, _ := e.db.AnnounceOverdue(e.ctx); n != 0 {
		t.Fatalf("a second sweep announced %d cases again", n)
	}
	moveEnclave(t, e.db, 0.0005)
	if got, cur = readEvents(t, e.db, cur); !slices.Contains(eventKinds(got), geo.EventEnclaveChanged) {
		t.Fatalf("after an enclave edit: %v", eventKinds(got))
	}
	// Retiring a grid leaves a gap in its community: the units and the
	// audit's gaps changed, in the retirement's own transaction.
	if _, err := e.db.Pool.Exec(e.ctx, `UPDATE unit SET valid_to = now() WHERE code = $1 AND valid_to IS NULL`, testGrid); err != nil {
		t.Fatal(err)
	}
	got, cur = readEvents(t, e.db, cur)
	if k := eventKinds(got); !slices.Contains(k, geo.EventUnitChanged) || !slices.Contains(k, geo.EventAuditChanged) {
		t.Fatalf("after retiring a grid: %v", k)
	}
	for _, ev := range got {
		if ev.Kind == geo.EventAuditChanged && !ev.Within(testGrid[:12]) {
			t.Errorf("the audit event is not placed at the grid's community: %v", ev.Codes)
		}
	}
	var job int64
	if err := e.db.Pool.QueryRow(e.ctx, `INSERT INTO import_job (status, actor, source, options)
		VALUES ('running', 'test', '网格.shp', '{"scope":"120104"}') RETURNING id`).Scan(&job); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Pool.Exec(e.ctx, `UPDATE import_job SET status = 'succeeded', finished_at = now() WHERE id = $1`, job); err != nil {
		t.Fatal(err)
	}
	if got, _ = readEvents(t, e.db, cur); !slices.Equal(eventKinds(got), []string{geo.EventImportFinished}) || !got[0].Within("120104001") {
		t.Fatalf("after an import finished: %v", got)
	}
}

// TestEventsPruned checks that a replay from before the pruned part of the
// record says so.
func TestEventsPruned(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	start, _ := db.EventStart(ctx)
	if _, err := db.Pool.Exec(ctx, `INSERT INTO event_log (kind, codes, data, at) VALUES ('test.old', '{}', '{}', now() - interval '2 days')`); err != nil {
		t.Fatal(err)
	}
	if n, err := db.PruneEvents(ctx, postgres.EventRetention); err != nil || n != 1 {
		t.Fatalf("prune: %d, %v", n, err)
	}
	complete, err := db.ReplayEvents(ctx, start.Xmin, func(geo.Event) error { return nil })
	if err != nil || complete {
		t.Fatalf("replay from before the pruned events: complete %v, %v", complete, err)
	}
}

// TestReplayHoldsNoConnection: a replay hands its events to fn with no
// database connection held and no transaction open, so that a client that
// reads slowly (each write may block for seconds) cannot pin the pool. It
// used to run fn inside one transaction: twenty stalled reconnects held all
// sixteen connections of a server "idle in transaction". Every event from
// the floor still arrives once, in (xid, id) order, across the pages, also
// while other transactions commit events during the replay.
func TestReplayHoldsNoConnection(t *testing.T) {
	for _, c := range []struct {
		name    string
		events  int
		writeIn bool // commit more events while the replay runs
	}{
		{"one event", 1, false},
		{"a few", 7, false},
		{"several pages", 5001, false},
		{"several pages, events committed meanwhile", 3001, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := pgtest.Open(t)
			ctx := context.Background()
			watch, err := pgx.Connect(ctx, db.URL()) // outside the pool: the pool's count is asserted
			if err != nil {
				t.Fatal(err)
			}
			defer watch.Close(ctx)
			start, _ := db.EventStart(ctx)
			insert := `INSERT INTO event_log (kind, codes, data) SELECT 'unit.changed', '{120104}', jsonb_build_object('n', g)
FROM generate_series(1, $1) AS g`
			if _, err := db.Pool.Exec(ctx, insert, c.events); err != nil {
				t.Fatal(err)
			}
			var got []geo.Event
			complete, err := db.ReplayEvents(ctx, start.Xmin, func(e geo.Event) error {
				if len(got)%500 == 0 || len(got) == c.events-1 {
					if n := db.Pool.Stat().AcquiredConns(); n != 0 {
						t.Fatalf("at event %d the replay holds %d connections of the pool", len(got)+1, n)
					}
					var open int
					if err := watch.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`).Scan(&open); err != nil || open != 0 {
						t.Fatalf("at event %d, %d transactions are open (%v)", len(got)+1, open, err)
					}
				}
				if c.writeIn && len(got)%1000 == 0 {
					if _, err := db.Pool.Exec(ctx, insert, 3); err != nil {
						return err
					}
				}
				got = append(got, e)
				return nil
			})
			if err != nil || !complete {
				t.Fatalf("replay: complete %v, %v", complete, err)
			}
			if len(got) < c.events {
				t.Fatalf("replayed %d of %d events", len(got), c.events)
			}
			for i := 1; i < len(got); i++ {
				a, b := got[i-1], got[i]
				if a.Xid > b.Xid || (a.Xid == b.Xid && a.ID >= b.ID) {
					t.Fatalf("event %d (%d, %d) after (%d, %d): out of order or twice", i, b.Xid, b.ID, a.Xid, a.ID)
				}
			}
		})
	}
}
