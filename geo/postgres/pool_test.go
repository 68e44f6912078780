package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestFullPoolDoesNotStopTheFollower holds every connection of a node's
// request pool, as a lock held elsewhere and a burst of requests waiting
// on it would: the index still follows an edit made elsewhere, readiness
// says what is wrong, and a point PostGIS must answer gets 503 in bounded
// time instead of hanging.
func TestFullPoolDoesNotStopTheFollower(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	node, err := postgres.Open(ctx, db.URL(), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(node.Close)
	svc := geo.NewService(node, node)
	if err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	run, stop := context.WithCancel(ctx)
	defer stop()
	go svc.Follow(run, geo.FollowOptions{Poll: 20 * time.Millisecond})

	held := holdAll(t, node.Pool)
	defer func() {
		for _, c := range held {
			c.Release()
		}
	}()
	v := moveEnclave(t, db, 0.01) // through another pool: another node's edit
	waitFor(t, "the follower applies an edit while the request pool is full", func() bool { return svc.Version() >= v })

	t.Run("readiness names the busy pool", func(t *testing.T) {
		pctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		err := node.Ping(pctx)
		if err == nil || !strings.Contains(err.Error(), "all 2 of this node's database connections are busy") {
			t.Errorf("Ping = %v, want it to say the connections are busy", err)
		}
	})
	t.Run("a point for PostGIS gets 503 in bounded time", func(t *testing.T) {
		start := time.Now()
		_, err := node.ResolveCurrent(ctx, orb.Point{117.2, 39.1}, time.Time{}, v+1)
		if geo.ErrorCodeOf(err) != geo.EUNAVAILABLE || time.Since(start) > 10*time.Second {
			t.Errorf("ResolveCurrent = %v after %v, want EUNAVAILABLE within about 5 s", err, time.Since(start))
		}
	})
}

// holdAll acquires every connection of pool.
func holdAll(t *testing.T, pool *pgxpool.Pool) []*pgxpool.Conn {
	t.Helper()
	var held []*pgxpool.Conn
	for range pool.Config().MaxConns {
		c, err := pool.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	return held
}

// TestDatabaseURLSettings: pgxpool's own settings in the URL are honoured
// and not sent to the server (which refuses unknown parameters), and the
// node's connections are named in pg_stat_activity.
func TestDatabaseURLSettings(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	cases := []struct {
		name, query string
		maxConns    int32
		app         string
	}{
		{"defaults", "", 16, "gridmap"},
		{"pool size from the URL", "&pool_max_conns=3", 3, "gridmap"},
		{"name from the URL", "&application_name=district-7", 16, "district-7"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db, err := postgres.Open(ctx, url+c.query, 16)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if got := db.Pool.Config().MaxConns; got != c.maxConns {
				t.Errorf("MaxConns = %d, want %d", got, c.maxConns)
			}
			var app string
			if err := db.Pool.QueryRow(ctx, `SELECT current_setting('application_name')`).Scan(&app); err != nil {
				t.Fatal(err)
			}
			if app != c.app {
				t.Errorf("application_name = %q, want %q", app, c.app)
			}
		})
	}
}

// TestMissingDatabaseIsSaid: a database URL naming a database that does not
// exist is told as such, with what creates it, and is not an outage to
// wait out — a newcomer's gridmap migrate said "busy or restarting; retry"
// and gridmap serve waited for it forever.
func TestMissingDatabaseIsSaid(t *testing.T) {
	url := pgtest.NewDatabase(t) // the server answers
	missing := strings.Replace(url, "/gridmap_t", "/gridmap_missing_t", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := postgres.Open(ctx, missing, 2)
	if err == nil {
		db.Close()
		t.Fatal("opened a database that does not exist")
	}
	if geo.ErrorCodeOf(err) == geo.EUNAVAILABLE || !strings.Contains(err.Error(), "does not exist") ||
		!strings.Contains(err.Error(), "scripts/db.sh") {
		t.Errorf("got %v (%s)", err, geo.ErrorCodeOf(err))
	}
}

// TestRoleNow: the question WatchRole asks every few seconds — a failover
// is noticed only if it answers — answers on a primary and on a hot
// standby (how far it received, and that it streams).
func TestRoleNow(t *testing.T) {
	db := pgtest.OpenPrimary(t)
	ctx := context.Background()
	sdb := pgtest.OpenStandby(t, db.URL(), 2)
	for name, c := range map[string]struct {
		db      *postgres.DB
		standby bool
	}{"primary": {db, false}, "standby": {sdb, true}} {
		t.Run(name, func(t *testing.T) {
			role, err := c.db.RoleNow(ctx)
			if err != nil || role.Standby != c.standby || (role.Standby && role.Received <= 0) || !role.Receiving {
				t.Errorf("RoleNow = %+v, %v; want standby %v, what a standby received, receiving", role, err, c.standby)
			}
		})
	}
}

// TestAStandbyBehindIsNotReady: a node on a standby whose replay has
// fallen further behind than the limit says so (Behind, which /readyz
// asks), and is ready again once it has caught up; a primary never is
// behind. The shared standby's replay is paused for a few seconds.
func TestAStandbyBehindIsNotReady(t *testing.T) {
	db := pgtest.OpenPrimary(t)
	ctx := context.Background()
	sdb := pgtest.OpenStandby(t, db.URL(), 2)
	control := pgtest.ControlReplay(t, sdb)
	const limit = time.Second
	control.Pause(t)
	if _, err := db.CreateUnit(ctx, "test", geo.Unit{Code: "139901", Level: geo.District, Name: "测试区", Geom: square(118, 38, 1)}); err != nil {
		t.Fatal(err)
	}
	control.AwaitReceived(t, db)
	watch, stop := context.WithCancel(ctx)
	defer stop()
	go sdb.WatchRole(watch, func(bool) {}) // looks at once (the replay short of what it received), then every RoleCheck
	waitFor(t, "the standby's lag is seen", func() bool { return sdb.ReplayLag() > limit })
	if err := sdb.Behind(limit); geo.ErrorCodeOf(err) != geo.EUNAVAILABLE || !strings.Contains(err.Error(), "replay") {
		t.Errorf("with replay paused, lag %s: Behind = %v, want unavailable, naming the replay", sdb.ReplayLag(), err)
	}
	if err := sdb.Behind(0); err != nil {
		t.Errorf("no limit: %v", err)
	}
	control.Resume(t)
	start := time.Now()
	for sdb.Behind(limit) != nil && time.Since(start) < 3*postgres.RoleCheck {
		time.Sleep(50 * time.Millisecond)
	}
	if err := sdb.Behind(limit); err != nil {
		t.Errorf("replay resumed: %v", err)
	}
	if err := db.Behind(time.Nanosecond); err != nil {
		t.Errorf("the primary: %v", err)
	}
}

// TestAReadOnlySpellEnds: a primary set read-only for a while (ALTER
// DATABASE … SET default_transaction_read_only) refuses writes (503
// unavailable) and takes them again soon after it is set back, though
// every connection of the pool was opened while it was read-only (they kept
// the setting, and the writes were refused for as long as they lived).
func TestAReadOnlySpellEnds(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	admin, err := pgxpool.New(ctx, db.URL()+"&default_transaction_read_only=off")
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var name string
	if err := admin.QueryRow(ctx, `SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	set := func(sql string) {
		if _, err := admin.Exec(ctx, `ALTER DATABASE `+pgx.Identifier{name}.Sanitize()+sql); err != nil {
			t.Fatal(err)
		}
	}
	set(` SET default_transaction_read_only = on`)
	node, err := postgres.Open(ctx, db.URL(), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	conns := make([]*pgxpool.Conn, 4) // the whole pool opened read-only
	for i := range conns {
		if conns[i], err = node.Pool.Acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range conns {
		c.Release()
	}
	create := func(i int) error {
		_, err := node.CreateUnit(ctx, "test", geo.Unit{Code: fmt.Sprintf("1399%02d", i), Level: geo.District, Name: "测试区",
			Geom: square(118, 38, 1)})
		return err
	}
	if err := create(0); geo.ErrorCodeOf(err) != geo.EUNAVAILABLE || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("a write while read-only: %v, want unavailable, read-only", err)
	}
	set(` RESET default_transaction_read_only`)
	start := time.Now()
	for i := 1; create(i) != nil; i++ {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("writes still refused 5 s after the database was set back (%d tries)", i)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("writes taken again %s after the database was set back", time.Since(start).Round(time.Millisecond))
}
