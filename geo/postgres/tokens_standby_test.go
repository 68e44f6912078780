package postgres_test

import (
	"context"
	"testing"
	"time"

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
	db := pgtest.OpenPrimary(t)
	sdb, err := postgres.Open(ctx, pgtest.StandbyURL(t, db.URL()), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	if !sdb.Standby() {
		t.Fatal("the standby is not seen as one")
	}
	control := pgtest.ControlReplay(t, sdb)
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
				control.Pause(t)
				if _, err := db.CreateToken(ctx, access.Token{Name: "新手机", Role: access.RoleReporter, CreatedBy: "test",
					ExpiresAt: time.Now().Add(time.Hour)}, hash); err != nil {
					t.Fatal(err)
				}
				control.AwaitReceived(t, db)
				if c.resume > 0 {
					time.AfterFunc(c.resume, func() { control.Resume(t); close(resumed) })
				}
			}
			start := time.Now()
			tok, err := sdb.TokenByHash(ctx, hash)
			took := time.Since(start)
			if c.resume > 0 {
				<-resumed
			}
			control.Resume(t)
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

// codeOf is err's code, "" for none.
func codeOf(err error) geo.ErrorCode {
	if err == nil {
		return ""
	}
	return geo.ErrorCodeOf(err)
}
