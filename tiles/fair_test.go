package tiles

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/demo/demotest"
)

// TestClientTurns: a client holds at most its limit of turns, its next
// request waits for one of them, another client does not wait for it, and
// a client with nothing under way or waiting is forgotten.
func TestClientTurns(t *testing.T) {
	ct := newClientTurns(2)
	ctx := context.Background()
	var held []func()
	for range 2 {
		release, err := ct.wait(ctx, "A")
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, release)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := ct.wait(short, "A"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a third turn of A: %v, want it to wait", err)
	}
	soon, cancelSoon := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelSoon()
	releaseB, err := ct.wait(soon, "B")
	if err != nil {
		t.Fatalf("B waited behind A: %v", err)
	}
	got := make(chan error, 1)
	go func() {
		release, err := ct.wait(ctx, "A")
		if err == nil {
			release()
		}
		got <- err
	}()
	held[0]()
	if err := <-got; err != nil {
		t.Fatalf("A's waiting request after a turn came back: %v", err)
	}
	held[1]()
	releaseB()
	if release, err := ct.wait(ctx, ""); err != nil {
		t.Fatal(err)
	} else {
		release()
	}
	if n := len(ct.clients); n != 0 {
		t.Errorf("%d clients remembered with nothing under way", n)
	}
}

// TestFreshDrawingsWaitApart: an attacker's loops of density tiles, each
// with a filter of its own, held every render slot and the dashboards'
// boundary tiles waited 5–20 s. Uncached tiles now have slots of their
// own, and each client at most half of them: while the attacker draws all
// it may, its next request waits its turn, and another client's report
// tile finds a slot; a boundary tile is drawn while every uncached slot is
// taken.
func TestFreshDrawingsWaitApart(t *testing.T) {
	db := demotest.Open(t)
	s := newService(t, db, Config{Renders: 2, RenderTimeout: 10 * time.Second})
	if 2*s.clients.limit > cap(s.fresh) {
		t.Fatalf("a client may hold %d of %d slots: more than half", s.clients.limit, cap(s.fresh))
	}
	hex := request(t, s, "report_hex", Coord{Z: 0, X: 0, Y: 0})
	hex.Client = "attacker"
	for range s.clients.limit { // the attacker's drawings under way: its turns, and as many slots
		release, err := s.clients.wait(context.Background(), hex.Client)
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		s.fresh <- struct{}{}
		defer func() { <-s.fresh }()
	}
	short := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 300*time.Millisecond)
	}
	t.Run("the flooding client waits its turn", func(t *testing.T) {
		ctx, cancel := short()
		defer cancel()
		if _, _, err := s.Get(ctx, hex); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a request beyond the client's turns: %v, want it to wait", err)
		}
	})
	t.Run("another client does not", func(t *testing.T) {
		other := hex
		other.Client = "dashboard"
		ctx, cancel := short()
		defer cancel()
		if _, _, err := s.Get(ctx, other); err != nil {
			t.Errorf("another client's report tile: %v", err)
		}
	})
	t.Run("boundaries do not wait for uncached drawings", func(t *testing.T) {
		free := cap(s.fresh) - len(s.fresh)
		for range free {
			s.fresh <- struct{}{}
		}
		defer func() {
			for range free {
				<-s.fresh
			}
		}()
		ctx, cancel := short()
		defer cancel()
		if _, _, err := s.Get(ctx, request(t, s, "district", Coord{Z: 0, X: 0, Y: 0})); err != nil {
			t.Errorf("a boundary tile while every uncached slot is taken: %v", err)
		}
	})
}

// fill takes every slot of slots; drain gives them back.
func fill(slots chan struct{}) {
	for range cap(slots) {
		slots <- struct{}{}
	}
}

func drain(slots chan struct{}) {
	for range cap(slots) {
		<-slots
	}
}
