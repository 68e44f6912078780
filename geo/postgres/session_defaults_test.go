package postgres_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// TestSessionDefaults: a table locked by hand holds a read only as long
// as the pools' lock timeout, then the read fails as unavailable (a 503
// with Retry-After), where it waited until the server cut the connection
// (a ninth attacker). The timeout is LockTimeout unless the URL sets one;
// commits are synchronous whatever the server's default.
func TestSessionDefaults(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, `ALTER DATABASE `+pgx.Identifier{db.Pool.Config().ConnConfig.Database}.Sanitize()+
		` SET synchronous_commit = off`); err != nil {
		t.Fatal(err)
	}
	fresh, err := postgres.Open(ctx, db.URL(), 1) // sessions begun after the server's default changed
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	for setting, want := range map[string]string{"lock_timeout": postgres.LockTimeout, "synchronous_commit": "on"} {
		var shown string
		if err := fresh.Pool.QueryRow(ctx, `SELECT current_setting($1)`, setting).Scan(&shown); err != nil {
			t.Fatal(err)
		}
		if shown != want {
			t.Errorf("%s %s, want %s", setting, shown, want)
		}
	}
	u, err := url.Parse(db.URL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("lock_timeout", "300ms")
	u.RawQuery = q.Encode()
	short, err := postgres.Open(ctx, u.String(), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer short.Close()

	locked := make(chan struct{})
	release := make(chan struct{})
	go func() {
		_ = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `LOCK TABLE unit IN ACCESS EXCLUSIVE MODE`); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	defer close(release)
	start := time.Now()
	_, err = short.GetUnit(ctx, "120104", time.Time{})
	if took := time.Since(start); geo.ErrorCodeOf(err) != geo.EUNAVAILABLE || took > 5*time.Second {
		t.Errorf("a read of a locked table: %v after %v, want unavailable after about 300 ms", err, took)
	}
}
