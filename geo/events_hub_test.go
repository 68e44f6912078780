package geo

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeLog is an event record in memory: each read returns what was added
// since, with the floor one past the last transaction read.
type fakeLog struct {
	mu      sync.Mutex
	pending []Event
	xid     uint64
}

func (f *fakeLog) add(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := 0; i < n; i++ {
		f.xid++
		f.pending = append(f.pending, Event{ID: int64(f.xid), Xid: f.xid, Kind: EventReportCreated})
	}
}

func (f *fakeLog) EventStart(context.Context) (EventCursor, error) {
	return EventCursor{Xmin: 1, Exact: true}, nil
}

func (f *fakeLog) EventsSince(_ context.Context, cur EventCursor, fn func(Event) error) (EventCursor, error) {
	f.mu.Lock()
	got := f.pending
	f.pending = nil
	top := f.xid
	f.mu.Unlock()
	for _, e := range got {
		if err := fn(e); err != nil {
			return cur, err
		}
	}
	return EventCursor{Xmin: top + 1, Xmax: top + 1, Exact: true}, nil
}

func (f *fakeLog) ReplayEvents(context.Context, uint64, func(Event) error) (bool, error) {
	return true, nil
}

// TestEventHubFansOut: a subscriber gets every event in order, each with
// the floor of the read before it, then a floor marker; a subscriber that
// does not read is dropped once its buffer is full, and the others are not
// held back.
func TestEventHubFansOut(t *testing.T) {
	log := &fakeLog{}
	hub := NewEventHub(log, time.Millisecond, 16)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go hub.Run(ctx)
	<-hub.Ready()
	reader, stalled := subscribe(t, hub), subscribe(t, hub)
	var ids []int64
	var batch []Event
	var marker uint64 // the latest floor marker
	// Two reads of 10 events (and a floor marker each): the reader keeps up,
	// the stalled subscriber's buffer of 16 overflows on the second.
	for read, floor := 1, uint64(1); read <= 2; read++ {
		log.add(10)
		hub.Kick()
		for len(ids) < 10*read {
			select {
			case <-reader.Wait():
				batch, _ = reader.Take(batch)
				for _, e := range batch {
					if e.Kind == "" {
						marker = e.Floor
						continue
					}
					if e.Floor != floor {
						t.Fatalf("event %d has floor %d, want %d (that of the read before)", e.ID, e.Floor, floor)
					}
					ids = append(ids, e.ID)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("the reader got %d of %d events", len(ids), 10*read)
			}
		}
		floor = uint64(10*read + 1)
	}
	for i, id := range ids {
		if id != int64(i+1) {
			t.Fatalf("events out of order: %v", ids)
		}
	}
	if !stalled.Dropped() {
		t.Error("a subscriber that read nothing of 20 events with a buffer of 8 was not dropped")
	}
	if reader.Dropped() {
		t.Error("the reading subscriber was dropped")
	}
	waitFor(t, "the marker after the second read", func() bool {
		batch, _ = reader.Take(batch)
		for _, e := range batch {
			if e.Kind != "" {
				t.Fatalf("event %d after the last read", e.ID)
			}
			marker = e.Floor
		}
		return marker == 21
	})
	if _, ok := stalled.Take(nil); ok {
		t.Error("the dropped subscription still hands out events")
	}
	if st := hub.Stats(); st.Subscribers != 1 || st.Streams != 2 || st.Dropped != 1 || st.Published != 20 {
		t.Errorf("stats %+v: want the dropped subscriber to hold its place until closed", st)
	}
	stalled.Close()
	if st := hub.Stats(); st.Streams != 1 {
		t.Errorf("after the dropped one closed: %+v", st)
	}
	cancel()
	waitFor(t, "the reader's subscription ends with the hub", func() bool {
		<-reader.Wait()
		_, ok := reader.Take(nil)
		return !ok
	})
}

func subscribe(t *testing.T, hub *EventHub) *Subscription {
	t.Helper()
	s, err := hub.Subscribe("", true)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("%s: not within 5 s", what)
		}
	}
}

// TestIdleSubscriptionMemory: a subscription that has nothing waiting costs
// a few hundred bytes, not its whole buffer (a channel of 1024 events was
// ~115 kB each: 5,000 idle browsers held 627 MB). Floor markers, sent at
// every read that moves the floor, do not pile up in it either.
func TestIdleSubscriptionMemory(t *testing.T) {
	hub := NewEventHub(&fakeLog{}, time.Hour, 1024)
	const n = 2000
	subs := make([]*Subscription, 0, n)
	before := heapInUse()
	for i := 0; i < n; i++ {
		subs = append(subs, subscribe(t, hub))
	}
	for f := uint64(2); f < 50; f++ {
		hub.advance(f)
	}
	per := (int64(heapInUse()) - int64(before)) / n
	t.Logf("heap per idle subscription: %d bytes", per)
	if per > 2048 {
		t.Errorf("an idle subscription holds %d bytes", per)
	}
	runtime.KeepAlive(subs)
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestEventHubLimits: past PerClient subscriptions of one client the hub
// refuses with ERATELIMITED, past Streams in all with EUNAVAILABLE (the
// client's own share first); a subscription dropped for falling behind
// keeps its place until it is closed; 0 is no limit.
func TestEventHubLimits(t *testing.T) {
	for _, c := range []struct {
		name   string
		limits EventLimits
		open   []string // clients, in order
		want   []ErrorCode
	}{
		{"per client", EventLimits{PerClient: 2}, []string{"a", "a", "a", "b"}, []ErrorCode{"", "", ERATELIMITED, ""}},
		{"in all", EventLimits{Streams: 2}, []string{"a", "b", "c"}, []ErrorCode{"", "", EUNAVAILABLE}},
		{"both: the client's share first", EventLimits{Streams: 2, PerClient: 2}, []string{"a", "a", "a", "b"},
			[]ErrorCode{"", "", ERATELIMITED, EUNAVAILABLE}},
		{"none", EventLimits{}, []string{"a", "a", "a", "a"}, []ErrorCode{"", "", "", ""}},
		// "-": a caller without a token.
		{"callers without a token hold half", EventLimits{Streams: 4}, []string{"-a", "-b", "-c", "d", "e", "f"},
			[]ErrorCode{"", "", EUNAVAILABLE, "", "", EUNAVAILABLE}},
	} {
		t.Run(c.name, func(t *testing.T) {
			hub := NewEventHub(&fakeLog{}, time.Hour, 1)
			hub.SetLimits(c.limits)
			var subs []*Subscription
			for i, client := range c.open {
				s, err := hub.Subscribe(client, !strings.HasPrefix(client, "-"))
				if got := ErrorCode(""); err != nil {
					if got = ErrorCodeOf(err); got != c.want[i] {
						t.Fatalf("subscription %d of %s: %v, want %q", i+1, client, err, c.want[i])
					}
					continue
				}
				if c.want[i] != "" {
					t.Fatalf("subscription %d of %s taken, want %q", i+1, client, c.want[i])
				}
				subs = append(subs, s)
			}
			// The first falls behind and is dropped: it holds its place until
			// closed, and then frees it.
			hub.publish(Event{ID: 1, Kind: EventReportCreated})
			hub.publish(Event{ID: 2, Kind: EventReportCreated})
			if !subs[0].Dropped() {
				t.Fatal("a subscription with a buffer of 1 was not dropped after 2 events")
			}
			if _, err := hub.Subscribe(c.open[0], !strings.HasPrefix(c.open[0], "-")); (err == nil) != (c.limits == EventLimits{}) {
				t.Fatalf("while the dropped one is not closed: %v", err)
			}
			held := hub.Stats().Streams
			subs[0].Close()
			subs[0].Close() // twice frees once
			if st := hub.Stats(); st.Streams != held-1 {
				t.Fatalf("after closing: %+v, want %d places held", st, held-1)
			}
			if _, err := hub.Subscribe(c.open[0], !strings.HasPrefix(c.open[0], "-")); err != nil {
				t.Fatalf("after closing one: %v", err)
			}
		})
	}
}
