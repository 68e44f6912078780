package importer

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestCrashAroundCommit stops an import job's process for good (its
// goroutine never runs another line until the test lets it) just before
// COMMIT and just after it, then does what a node restarted a minute later
// does: reads the job (GET /v1/imports/{id}) and runs Recover. A committed
// import must read as succeeded, with its counts, its data there and one
// import.finished event saying so; one that did not commit must read as
// interrupted, then failed, with nothing changed. A SIGKILL cannot be aimed
// this precisely (TestKillMidImport kills before COMMIT); stopping the
// goroutine is the same for the database, as the process does nothing more.
func TestCrashAroundCommit(t *testing.T) {
	cases := []struct {
		name      string
		committed bool // stopped after COMMIT, in Applied; else at the "committing" phase, in the transaction
	}{
		{"before COMMIT", false},
		{"after COMMIT, while this node's index applies it", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := demotest.Open(t)
			ctx, cancel := context.WithCancel(context.Background())
			fc := readCollection(t, exportFile(t, db, ExportOptions{Level: geo.Grid, Under: testStreet, Format: "geojson"}, "g.geojson"))
			code := props(fc.Features[0])["code"].(string)
			props(fc.Features[0])["name"] = "崩溃前后网格"
			file := fc.write(t, "renamed.geojson")
			before := fingerprint(t, db)

			stopped, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			let := func() { once.Do(func() { close(release) }) }
			stop := func() { close(stopped); <-release }
			dying := &Jobs{Pool: db.Pool, Base: ctx}
			var p Progress
			if c.committed {
				dying.Applied = func(context.Context) (int64, error) { stop(); return 0, errors.New("the process died") }
			} else {
				p = stopAtPhase{"committing", stop}
			}
			o := opts()
			id, err := dying.Create(ctx, "renamed.geojson", o, geo.JobRunning)
			if err != nil {
				t.Fatal(err)
			}
			type result struct {
				rep *geo.ImportReport
				err error
			}
			var r result
			ended := make(chan struct{})
			go func() {
				defer close(ended)
				r.rep, r.err = dying.RunJob(ctx, id, []string{file}, o, p)
			}()
			t.Cleanup(func() { let(); cancel(); <-ended })
			select {
			case <-stopped:
			case <-ended:
				t.Fatalf("the import ended before it could be stopped: %v", r.err)
			}

			if c.committed {
				// The dying node itself still says running until its index
				// has the import (read-your-writes).
				if job, err := dying.Job(ctx, id); err != nil || job.Status != geo.JobRunning || job.Phase != phaseApplying {
					t.Errorf("on the committing node: %s %q %v, want running %q", job.Status, job.Phase, err, phaseApplying)
				}
			}
			restarted := &Jobs{Pool: db.Pool, Base: context.Background()}
			job := silenceFor2Minutes(t, db, restarted, id, c.committed)
			if c.committed {
				wantSucceeded(t, job, len(fc.Features))
			} else if job.Status != geo.JobInterrupted || job.Error != interruptedMessage {
				t.Errorf("GET while the process is dead: %s %q, want interrupted %q", job.Status, job.Error, interruptedMessage)
			}
			n, _, err := restarted.Recover(ctx)
			if want := map[bool]int{true: 0, false: 1}[c.committed]; err != nil || n != want {
				t.Errorf("Recover marked %d jobs (%v), want %d", n, err, want)
			}
			check := func(when string) {
				t.Helper()
				job, err := restarted.Job(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				events := finishedEvents(t, db, id)
				if c.committed {
					wantSucceeded(t, job, len(fc.Features))
					pgtest.AssertEveryVersionChanged(t, db)
					if got := unitName(t, db, code); got != "崩溃前后网格" {
						t.Errorf("%s: %s is named %q, the import's data is not there", when, code, got)
					}
					if len(events) != 1 || events[0].status != string(geo.JobSucceeded) || job.Report == nil || events[0].version != job.Report.IndexVersion {
						t.Errorf("%s: import.finished events %+v, want one succeeded at the report's version", when, events)
					}
					return
				}
				if job.Status != geo.JobFailed || job.Error != interruptedMessage {
					t.Errorf("%s: %s %q, want failed %q", when, job.Status, job.Error, interruptedMessage)
				}
				if fingerprint(t, db) != before {
					t.Errorf("%s: the database changed", when)
				}
				if len(events) != 1 || events[0].status != string(geo.JobFailed) {
					t.Errorf("%s: import.finished events %+v, want one failed", when, events)
				}
			}
			check("after Recover")

			// Let the stopped process go on, as a stalled (not dead) one
			// would: an interrupted job must not commit after all, and a
			// committed one keeps its outcome and its one event.
			let()
			<-ended
			if c.committed && (r.err != nil || !r.rep.Committed || r.rep.IndexVersion == 0) {
				t.Errorf("RunJob of the committed import: %v, committed %v, index version %d", r.err, r.rep.Committed, r.rep.IndexVersion)
			}
			if !c.committed && r.err == nil {
				t.Error("RunJob of the interrupted import returned no error")
			}
			check("after the process went on")
		})
	}
}

// stopAtPhase stops the import in its transaction at the phase at.
type stopAtPhase struct {
	at   string
	stop func()
}

func (p stopAtPhase) Phase(name string) {
	if name == p.at {
		p.stop()
	}
}

func (stopAtPhase) Set(int64, int64) {}

// silenceFor2Minutes makes the job's heartbeat two minutes old, as if its
// process had died then, and reads it as a restarted node would. An
// unfinished job's stopped process may still beat once (every Heartbeat):
// then it is tried again.
func silenceFor2Minutes(t *testing.T, db *postgres.DB, j *Jobs, id int64, committed bool) geo.ImportJob {
	t.Helper()
	for try := 0; ; try++ {
		_, err := db.Pool.Exec(context.Background(), `UPDATE import_job SET updated_at = now() - interval '2 minutes' WHERE id = $1`, id)
		if err != nil {
			t.Fatal(err)
		}
		job, err := j.Job(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if committed || job.Status == geo.JobInterrupted || try == 2 {
			return job
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// wantSucceeded checks a committed job's record: one grid renamed, the
// others of the street unchanged, and the data version it committed as.
func wantSucceeded(t *testing.T, job geo.ImportJob, features int) {
	t.Helper()
	if job.Status != geo.JobSucceeded || job.Error != "" || job.FinishedAt == nil || job.Report == nil {
		t.Fatalf("job %d: %s %q, report %v, want succeeded", job.ID, job.Status, job.Error, job.Report != nil)
	}
	if c := job.Report.Counts; !job.Report.Committed || c.Features != features || c.Changed != 1 || c.Unchanged != features-1 || job.Report.IndexVersion == 0 {
		t.Errorf("job %d report: committed %v, counts %+v, index version %d; want %d features, 1 changed",
			job.ID, job.Report.Committed, c, job.Report.IndexVersion, features)
	}
}

// finishedEvent is an import.finished event of the event record.
type finishedEvent struct {
	status  string
	version int64
}

// finishedEvents returns the import.finished events of a job, in order.
func finishedEvents(t *testing.T, db *postgres.DB, id int64) []finishedEvent {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT data->>'status', coalesce((data->>'index_version')::bigint, 0)
		FROM event_log WHERE kind = 'import.finished' AND (data->>'id')::bigint = $1 ORDER BY id`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []finishedEvent
	for rows.Next() {
		var e finishedEvent
		if err := rows.Scan(&e.status, &e.version); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// unitName is the name of a current unit ("" if there is none).
func unitName(t *testing.T, db *postgres.DB, code string) string {
	t.Helper()
	var name string
	err := db.Pool.QueryRow(context.Background(), `SELECT coalesce(max(name), '') FROM unit WHERE code = $1 AND valid_to IS NULL`, code).Scan(&name)
	if err != nil {
		t.Fatal(err)
	}
	return name
}
