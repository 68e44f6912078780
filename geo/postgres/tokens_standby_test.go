package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestTokenOnStandbyAwaitsReplay looks a token up on a real hot standby
// whose replay is paused (a phone's new token must not be called unknown
// there for not being replayed yet): a token the standby has received is
// found once replay resumes within TokenReplayWait, is EUNAVAILABLE while
// replay stays paused past it, and a token nobody made is ENOTFOUND.
func TestTokenOnStandbyAwaitsReplay(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t)
	sdb, err := postgres.Open(ctx, pgtest.StandbyURL(t, db.URL()), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	if !sdb.Standby() {
		t.Fatal("the standby is not seen as one")
	}
	control := standbyControl(t, sdb)
	for _, c := range []struct {
		name    string
		made    bool          // the token is made on the primary
		resume  time.Duration // replay resumes after this (0: not while asked)
		want    geo.ErrorCode // "" found
		atLeast time.Duration // the answer waited for replay at least this long
	}{
		{name: "a token nobody made, on a standby caught up", want: geo.ENOTFOUND},
		{name: "a new token, replay resumed meanwhile", made: true, resume: 300 * time.Millisecond, atLeast: 300 * time.Millisecond},
		{name: "a new token, replay paused throughout", made: true, want: geo.EUNAVAILABLE, atLeast: postgres.TokenReplayWait},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, hash := access.NewTokenSecret()
			resumed := make(chan struct{})
			if c.made {
				control.pause(t)
				if _, err := db.CreateToken(ctx, access.Token{Name: "新手机", Role: access.RoleReporter, CreatedBy: "test",
					ExpiresAt: time.Now().Add(time.Hour)}, hash); err != nil {
					t.Fatal(err)
				}
				control.awaitReceived(t, db)
				if c.resume > 0 {
					time.AfterFunc(c.resume, func() { control.resume(t); close(resumed) })
				}
			}
			start := time.Now()
			tok, err := sdb.TokenByHash(ctx, hash)
			took := time.Since(start)
			if c.resume > 0 {
				<-resumed
			}
			control.resume(t)
			// Other packages' tests write to the primary meanwhile, and the
			// standby replays their log too: past TokenReplayWait a lookup
			// is EUNAVAILABLE, which is not wrong, only not yet the answer.
			// What a token's lookup must never say is the wrong one.
			for tries := 0; c.want != geo.EUNAVAILABLE && codeOf(err) == geo.EUNAVAILABLE && tries < 10; tries++ {
				tok, err = sdb.TokenByHash(ctx, hash)
			}
			if got := codeOf(err); got != c.want {
				t.Fatalf("TokenByHash: %v (code %q), want code %q", err, got, c.want)
			}
			if c.want == "" && tok.Name != "新手机" {
				t.Errorf("found %+v", tok)
			}
			if took < c.atLeast {
				t.Errorf("answered after %v, before replay could have reached it (%v)", took, c.atLeast)
			}
		})
	}
}

// replayControl pauses and resumes a standby's replay (a superuser's
// functions: the test role is one) and watches what it received.
type replayControl struct{ conn *pgxpool.Pool }

func standbyControl(t *testing.T, sdb *postgres.DB) replayControl {
	conn, err := pgxpool.New(context.Background(), sdb.URL())
	if err != nil {
		t.Fatal(err)
	}
	c := replayControl{conn}
	t.Cleanup(func() {
		c.resume(t) // never leave the shared standby paused
		conn.Close()
	})
	return c
}

func (c replayControl) pause(t *testing.T) {
	if _, err := c.conn.Exec(context.Background(), `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatalf("pause replay: %v", err)
	}
}

func (c replayControl) resume(t *testing.T) {
	if _, err := c.conn.Exec(context.Background(), `SELECT pg_wal_replay_resume()`); err != nil {
		t.Errorf("resume replay: %v", err)
	}
}

// awaitReceived waits until the standby has received the primary's log as
// far as it is written now.
func (c replayControl) awaitReceived(t *testing.T, primary *postgres.DB) {
	ctx := context.Background()
	var lsn string
	if err := primary.Pool.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&lsn); err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(10 * time.Millisecond) {
		var got bool
		if err := c.conn.QueryRow(ctx, `SELECT pg_last_wal_receive_lsn() >= $1::pg_lsn`, lsn).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got {
			return
		}
	}
	t.Fatal("the standby did not receive the primary's log within 10 s")
}

// codeOf is err's code, "" for none.
func codeOf(err error) geo.ErrorCode {
	if err == nil {
		return ""
	}
	return geo.ErrorCodeOf(err)
}
