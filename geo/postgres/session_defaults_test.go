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
// (a ninth attacker). The timeout is LockTimeout unless the URL, the role
// or the database sets one; commits are synchronous unless they set them so.
func TestSessionDefaults(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	cases := []struct {
		name, setting string // the database's own setting, if any
		lock, commit  string // what sessions then run with
	}{
		{"the server's defaults", "", postgres.LockTimeout, "on"},
		{"commits set asynchronous", "synchronous_commit = off", postgres.LockTimeout, "on"},
		{"commits applied on standbys", "synchronous_commit = remote_apply", postgres.LockTimeout, "remote_apply"},
		{"a lock timeout of its own", "lock_timeout = '7s'", "7s", "on"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			database := pgx.Identifier{db.Pool.Config().ConnConfig.Database}.Sanitize()
			alter := []string{`ALTER DATABASE ` + database + ` RESET ALL`}
			if tc.setting != "" {
				alter = append(alter, `ALTER DATABASE `+database+` SET `+tc.setting)
			}
			for _, sql := range alter {
				if _, err := db.Pool.Exec(ctx, sql); err != nil {
					t.Fatal(err)
				}
			}
			fresh, err := postgres.Open(ctx, db.URL(), 1) // sessions begun after the database's settings changed
			if err != nil {
				t.Fatal(err)
			}
			defer fresh.Close()
			for setting, want := range map[string]string{"lock_timeout": tc.lock, "synchronous_commit": tc.commit} {
				var shown string
				if err := fresh.Pool.QueryRow(ctx, `SELECT current_setting($1)`, setting).Scan(&shown); err != nil {
					t.Fatal(err)
				}
				if shown != want {
					t.Errorf("%s %s, want %s", setting, shown, want)
				}
			}
		})
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
