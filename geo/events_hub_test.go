package geo

import (
	"context"
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
	reader, stalled := hub.Subscribe(), hub.Subscribe()
	var ids []int64
	// Two reads of 10 events (and a floor marker each): the reader keeps up,
	// the stalled subscriber's buffer of 16 overflows on the second.
	for batch, floor := 1, uint64(1); batch <= 2; batch++ {
		log.add(10)
		hub.Kick()
		for len(ids) < 10*batch {
			select {
			case e := <-reader.C:
				if e.Kind == "" {
					continue
				}
				if e.Floor != floor {
					t.Fatalf("event %d has floor %d, want %d (that of the read before)", e.ID, e.Floor, floor)
				}
				ids = append(ids, e.ID)
			case <-time.After(5 * time.Second):
				t.Fatalf("the reader got %d of %d events", len(ids), 10*batch)
			}
		}
		floor = uint64(10*batch + 1)
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
	if e, ok := <-reader.C; !ok || e.Kind != "" || e.Floor != 21 { // the marker after the second read
		t.Errorf("after the events: %+v %v, want a floor marker at 21", e, ok)
	}
	if st := hub.Stats(); st.Subscribers != 1 || st.Dropped != 1 || st.Published != 20 {
		t.Errorf("stats %+v", st)
	}
	cancel()
	for range reader.C { // closed when the hub stops
	}
}
