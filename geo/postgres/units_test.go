package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

func square(x, y, d float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}}}
}

func TestMigrationsFromEmpty(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ { // the second run finds nothing to do
		if err := postgres.Migrate(ctx, url); err != nil {
			t.Fatalf("migrate run %d: %v", i+1, err)
		}
	}
	db, err := postgres.Open(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, table := range []string{"unit", "enclave", "change_log", "data_version", "repair_log"} {
		var n int
		if err := db.Pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}
}

// TestPoolRunsWithoutJIT: the JIT spent seconds compiling the audit of
// one community at each edit's commit; the pool turns it off unless the URL
// asks for it.
func TestPoolRunsWithoutJIT(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	for _, tc := range []struct{ name, url, want string }{
		{"default", url, "off"},
		{"asked for in the url", url + "&jit=on", "on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := postgres.Open(ctx, tc.url, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var jit string
			if err := db.Pool.QueryRow(ctx, "SHOW jit").Scan(&jit); err != nil {
				t.Fatal(err)
			}
			if jit != tc.want {
				t.Errorf("jit = %s, want %s", jit, tc.want)
			}
		})
	}
}

// TestAuditLocksOfLargeWrites: a single edit locks the audit of its own
// parents only, but a write of a whole city marks every unit dirty, and one
// advisory lock per unit overflowed the lock table; past 32 parents the
// refresh takes the one city-wide lock.
func TestAuditLocksOfLargeWrites(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, url, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tc := range []struct {
		name    string
		parents int
		want    int // advisory locks held: the shared city-wide one and one per parent, or the exclusive one
	}{
		{"an edit's parents", 2, 3},
		{"32 parents", 32, 33},
		{"a city's parents", 50000, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := db.Pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			const audit = `SELECT count(*) FROM gridmap_audit_store(ARRAY(SELECT lpad(i::text, 12, '0') FROM generate_series(1, $1) i))`
			if _, err := tx.Exec(ctx, audit, tc.parents); err != nil {
				t.Fatal(err)
			}
			var locks int
			const held = `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()`
			if err := tx.QueryRow(ctx, held).Scan(&locks); err != nil {
				t.Fatal(err)
			}
			if locks != tc.want {
				t.Errorf("%d advisory locks held, want %d", locks, tc.want)
			}
		})
	}
}

func TestConcurrentMigrations(t *testing.T) {
	url := pgtest.NewDatabase(t)
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() { errs <- postgres.Migrate(context.Background(), url) }()
	}
	for i := 0; i < 4; i++ {
		if err := <-errs; err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
}

func TestOneCurrentVersionPerCode(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	u := geo.Unit{Code: "120104", Level: geo.District, Name: "南开区", Geom: square(117, 39, 0.1)}
	if _, err := db.ReviseUnit(ctx, "test", u); err != nil {
		t.Fatal(err)
	}
	// Bypass the store: the database itself must refuse a second current version.
	_, err := db.Pool.Exec(ctx, `INSERT INTO unit (code, level, name, geom, version, valid_from, created_by)
		VALUES ('120104', 'district', 'dup', ST_Multi(ST_MakeEnvelope(117, 39, 117.1, 39.1, 4326)), 2, now(), 'test')`)
	if err == nil {
		t.Fatal("a second current version of 120104 was accepted")
	}
	// An overlapping validity period is refused too, even when closed.
	_, err = db.Pool.Exec(ctx, `INSERT INTO unit (code, level, name, geom, version, valid_from, valid_to, created_by)
		VALUES ('120104', 'district', 'old', ST_Multi(ST_MakeEnvelope(117, 39, 117.1, 39.1, 4326)), 3,
		        now() - interval '1 day', now() + interval '1 day', 'test')`)
	if err == nil {
		t.Fatal("an overlapping version period was accepted")
	}
}

func TestSchemaRefusesBadRows(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	cases := map[string]string{
		"code of the wrong length": `INSERT INTO unit (code, level, name, geom, version, valid_from, created_by)
			VALUES ('1201041', 'district', 'x', ST_Multi(ST_MakeEnvelope(0,0,1,1,4326)), 1, now(), 't')`,
		"self-intersecting ring": `INSERT INTO unit (code, level, name, geom, version, valid_from, created_by)
			VALUES ('120104', 'district', 'x', 'SRID=4326;MULTIPOLYGON(((0 0,1 1,1 0,0 1,0 0)))', 1, now(), 't')`,
		"unknown enclave status": `INSERT INTO enclave (code, name, managing_code, status, geom, version, valid_from, created_by)
			VALUES ('E1', 'x', '120104', 'lost', ST_Multi(ST_MakeEnvelope(0,0,1,1,4326)), 1, now(), 't')`,
		"valid_to before valid_from": `INSERT INTO unit (code, level, name, geom, version, valid_from, valid_to, created_by)
			VALUES ('120104', 'district', 'x', ST_Multi(ST_MakeEnvelope(0,0,1,1,4326)), 1, now(), now() - interval '1 s', 't')`,
	}
	for name, sql := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := db.Pool.Exec(ctx, sql); err == nil {
				t.Errorf("accepted: %s", name)
			}
		})
	}
}

func TestUnitHistory(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	u := geo.Unit{Code: "120104", Level: geo.District, Name: "南开区", Geom: square(117, 39, 0.1)}
	for i, d := range []float64{0.1, 0.2, 0.3} {
		u.Geom = square(117, 39, d)
		v, err := db.ReviseUnit(ctx, "editor-a", u)
		if err != nil {
			t.Fatal(err)
		}
		if v != i+1 {
			t.Fatalf("revision %d got version %d", i+1, v)
		}
		time.Sleep(5 * time.Millisecond)
	}
	hist, err := db.UnitHistory(ctx, "120104")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 {
		t.Fatalf("history has %d versions, want 3", len(hist))
	}
	for i, h := range hist {
		if h.Version != i+1 {
			t.Errorf("version %d at position %d", h.Version, i)
		}
		if i < 2 && (h.ValidTo == nil || !h.ValidTo.Equal(hist[i+1].ValidFrom)) {
			t.Errorf("version %d ends at %v, next starts at %v: periods must abut", h.Version, h.ValidTo, hist[i+1].ValidFrom)
		}
	}
	if hist[2].ValidTo != nil {
		t.Error("the last version must be current")
	}
	// The version valid at an earlier time is the earlier geometry.
	old, err := db.GetUnit(ctx, "120104", hist[0].ValidFrom.Add(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if old.Version != 1 || old.Geom.Bound() != square(117, 39, 0.1).Bound() {
		t.Errorf("at v1's time got version %d with bound %v", old.Version, old.Geom.Bound())
	}
	var logged int
	db.Pool.QueryRow(ctx, `SELECT count(*) FROM change_log WHERE code = '120104' AND actor = 'editor-a'`).Scan(&logged)
	if logged != 5 { // 3 inserts + 2 closes
		t.Errorf("change log has %d entries by editor-a, want 5", logged)
	}
}

func TestChangesAreAnnounced(t *testing.T) {
	db := pgtest.Open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	changes := make(chan postgres.Change, 8)
	go db.Listen(ctx, func(c postgres.Change) { changes <- c })
	if first := <-changes; first.Version != 0 {
		t.Fatalf("the first callback after connecting should be the catch-up call, got %+v", first)
	}
	u := geo.Unit{Code: "120104001", Level: geo.Street, Name: "长虹街道", ParentCode: "120104", Geom: square(117, 39, 0.01)}
	if _, err := db.ReviseUnit(ctx, "t", u); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-changes:
		// One commit, one version and one notification, naming every layer
		// it changed: the street, and the gaps its audit refresh recomputed.
		if !slices.Equal(c.Layers, []string{"gap", "street"}) || c.Version == 0 {
			t.Errorf("got change %+v, want layers gap and street with a version", c)
		}
	case <-ctx.Done():
		t.Fatal("no notification within 20 s")
	}
}
