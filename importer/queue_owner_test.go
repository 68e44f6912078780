package importer

import (
	"context"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
)

// TestOneOwnerHoldsFewPlaces: a caller holds at most DefaultPerOwner
// places in the queue, from the first byte of an upload until its job
// ends, so that uploads whose jobs wait (a slow file ahead of them, another
// node's import) cannot fill the queue either (an attacker's review: five
// small uploads from one token, queued, left none for anyone else).
func TestOneOwnerHoldsFewPlaces(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	jobs := &Jobs{Pool: db.Pool, Base: ctx, Space: &Space{Dir: t.TempDir()}}
	defer jobs.Wait()
	// Another import holds the lock: the started jobs wait, in the queue.
	lock, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback(ctx)
	if _, err := lock.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, importLock); err != nil {
		t.Fatal(err)
	}
	file := `{"type":"FeatureCollection","features":[]}`
	upload := func(owner string) error {
		area, err := jobs.Receive(ctx, owner)
		if err != nil {
			return err
		}
		if err := area.Save("g.geojson", strings.NewReader(file)); err != nil {
			area.Discard()
			return err
		}
		o := opts()
		o.DryRun = true
		_, err = area.Start(ctx, o)
		return err
	}
	steps := []struct {
		name, owner string
		want        geo.ErrorCode // "": accepted
	}{
		{"alice's first", "alice", ""},
		{"alice's second", "alice", ""},
		{"alice's third, both waiting", "alice", geo.ERATELIMITED},
		{"bob's first", "bob", ""},
	}
	for _, s := range steps {
		if err := upload(s.owner); geo.ErrorCodeOf(err) != s.want && !(s.want == "" && err == nil) {
			t.Fatalf("%s: %v, want %q", s.name, err, s.want)
		}
	}
	if err := lock.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	jobs.Wait()
	if err := upload("alice"); err != nil {
		t.Errorf("alice's upload once her jobs ended: %v", err)
	}
}
