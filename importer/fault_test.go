package importer

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestKillMidImport kills an import process (SIGKILL: no deferred cleanup,
// no rollback from Go) at several moments — in the middle of streaming the
// file into staging, while PostGIS validates, and after every version was
// written but before COMMIT — and checks each time that the database is
// exactly as before and that the next import succeeds.
func TestKillMidImport(t *testing.T) {
	if os.Getenv("GRIDMAP_KILL_CHILD") != "" {
		t.Skip("the child runs TestKillChild")
	}
	src := demotest.Open(t)
	file := exportFile(t, src, ExportOptions{Format: "geojson"}, "city.geojson")
	db := pgtest.Open(t)
	mustImport(t, db, geo.ImportOptions{Actor: "seed", Level: geo.District}, districtsGeoJSON(t))
	before := fingerprint(t, db)
	cases := []struct {
		name, killAt string
		pause        bool
	}{
		{"while streaming features into staging", "reading", true},
		{"while PostGIS validates", "validating geometry", false},
		{"after writing every version, before COMMIT", "committing", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := killChildAt(t, db.URL(), file, c.killAt, c.pause)
			if strings.Contains(out, "committed") {
				t.Fatalf("the import finished before it could be killed:\n%s", out)
			}
			if got := fingerprint(t, db); got != before {
				t.Fatalf("the database changed after the kill:\n%s", out)
			}
		})
	}
	rep := mustImport(t, db, opts(), file)
	if !rep.Committed || rep.Counts.Created == 0 {
		t.Fatalf("the import after the kills: %+v", rep.Counts)
	}
	interruptedJobsShowAsSuch(t, db)
}

// killChildAt runs TestKillChild in a new process and SIGKILLs it once it
// reports the phase; it returns what the child printed.
func killChildAt(t *testing.T, url, file, phase string, pause bool) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.v")
	cmd.Env = append(os.Environ(), "GRIDMAP_KILL_CHILD=1", "GRIDMAP_KILL_DB="+url, "GRIDMAP_KILL_FILE="+file,
		fmt.Sprintf("GRIDMAP_KILL_PAUSE=%v", pause), "GRIDMAP_KILL_PHASE="+phase)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var seen strings.Builder
	sc := bufio.NewScanner(stdout)
	timer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer timer.Stop()
	for sc.Scan() {
		seen.WriteString(sc.Text() + "\n")
		if sc.Text() == "phase "+phase {
			cmd.Process.Signal(syscall.SIGKILL)
			break
		}
	}
	cmd.Wait()
	return seen.String()
}

// TestKillChild is the import process TestKillMidImport kills.
func TestKillChild(t *testing.T) {
	if os.Getenv("GRIDMAP_KILL_CHILD") == "" {
		t.Skip("run by TestKillMidImport")
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, os.Getenv("GRIDMAP_KILL_DB"), 4)
	if err != nil {
		t.Fatal(err)
	}
	o := opts()
	jobs := &Jobs{Pool: db.Pool, Base: ctx}
	id, err := jobs.Create(ctx, "city.geojson", o, geo.JobRunning)
	if err != nil {
		t.Fatal(err)
	}
	p := &killProgress{at: os.Getenv("GRIDMAP_KILL_PHASE"), pause: os.Getenv("GRIDMAP_KILL_PAUSE") == "true"}
	rep, err := jobs.RunJob(ctx, id, []string{os.Getenv("GRIDMAP_KILL_FILE")}, o, p)
	fmt.Printf("committed=%v err=%v\n", rep.Committed, err)
}

// killProgress prints each phase for the parent and, if asked, stops at the
// chosen one to be killed there: for "reading", in the middle of the COPY.
type killProgress struct {
	at, phase string
	pause     bool
}

func (p *killProgress) Phase(name string) {
	p.phase = name
	if name == "reading" && p.at == "reading" {
		return // announced on the first batch of features instead
	}
	fmt.Printf("phase %s\n", name)
	if p.pause && name == p.at {
		time.Sleep(time.Minute)
	}
}

func (p *killProgress) Set(done, total int64) {
	if p.phase == "reading" && p.at == "reading" && done > 0 {
		fmt.Printf("phase reading\n")
		if p.pause {
			time.Sleep(time.Minute)
		}
	}
}

// interruptedJobsShowAsSuch: the killed children's job rows stay "running"
// with a stale heartbeat, which readers report as interrupted.
func interruptedJobsShowAsSuch(t *testing.T, db *postgres.DB) {
	ctx := context.Background()
	var id int64
	err := db.Pool.QueryRow(ctx, `UPDATE import_job SET updated_at = now() - interval '2 minutes'
		WHERE status = 'running' RETURNING id`).Scan(&id)
	if err != nil {
		t.Fatalf("no job of a killed import is left running: %v", err)
	}
	job, err := (&Jobs{Pool: db.Pool}).Job(ctx, id)
	if err != nil || job.Status != geo.JobInterrupted {
		t.Errorf("job %d: %s %v, want interrupted", id, job.Status, err)
	}
}
