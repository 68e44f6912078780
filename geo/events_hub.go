package geo

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// EventHub is a node's one reader of the event record: it polls the record
// of the database the node is attached to (a primary or a hot standby) and
// hands each new event to every subscriber. A subscriber that does not keep
// up is dropped, never waited for: one stalled browser must not hold back
// the others or grow the server's memory. A dropped client reconnects with
// its last event id and is sent what it missed from the record.
type EventHub struct {
	log    EventLog
	poll   time.Duration
	buffer int

	mu    sync.Mutex
	subs  map[*Subscription]struct{}
	floor uint64 // every event below it has been handed out
	ready chan struct{}
	kick  chan struct{}

	published, dropped atomic.Int64
}

// Subscription is one subscriber's stream. C yields the events in order,
// and floor markers (Kind "") whose Floor says that every earlier event was
// handed out; it is closed when the subscriber is dropped or closes.
type Subscription struct {
	C       <-chan Event
	c       chan Event
	hub     *EventHub
	dropped atomic.Bool
}

// Dropped reports whether the hub dropped the subscriber for falling
// behind (its channel is then closed).
func (s *Subscription) Dropped() bool { return s.dropped.Load() }

// Close ends the subscription.
func (s *Subscription) Close() { s.hub.remove(s, false) }

// EventHubStats are the hub's counters, for /metrics.
type EventHubStats struct {
	Subscribers int
	Published   int64 // events handed to subscribers (each event once)
	Dropped     int64 // subscribers dropped for falling behind
}

// NewEventHub returns a hub reading log every poll; each subscriber may
// have up to buffer events waiting. Run it before subscribing.
func NewEventHub(log EventLog, poll time.Duration, buffer int) *EventHub {
	return &EventHub{log: log, poll: max(poll, time.Millisecond), buffer: max(buffer, 1),
		subs: map[*Subscription]struct{}{}, ready: make(chan struct{}), kick: make(chan struct{}, 1)}
}

// Stats returns the hub's counters.
func (h *EventHub) Stats() EventHubStats {
	h.mu.Lock()
	n := len(h.subs)
	h.mu.Unlock()
	return EventHubStats{Subscribers: n, Published: h.published.Load(), Dropped: h.dropped.Load()}
}

// Ready is closed once the hub has found where the record stands.
func (h *EventHub) Ready() <-chan struct{} { return h.ready }

// Kick makes the hub read the record now: this node just committed a
// change that has events (other nodes find it at their next poll).
func (h *EventHub) Kick() {
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

// Subscribe adds a subscriber. Events committed after the call reach it;
// for earlier ones, replay the record (Replay) and drop duplicates by id.
func (h *EventHub) Subscribe() *Subscription {
	c := make(chan Event, h.buffer)
	s := &Subscription{C: c, c: c, hub: h}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Replay calls fn for every event with xid >= floor (see EventLog).
func (h *EventHub) Replay(ctx context.Context, floor uint64, fn func(Event) error) (bool, error) {
	return h.log.ReplayEvents(ctx, floor, fn)
}

// Floor is the resume point after the latest events handed out.
func (h *EventHub) Floor() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.floor
}

// Run polls the record until ctx ends.
func (h *EventHub) Run(ctx context.Context) {
	cur, ok := h.start(ctx)
	if !ok {
		return
	}
	defer h.closeAll()
	tick := time.NewTicker(h.poll)
	defer tick.Stop()
	for failures := 0; ; {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-h.kick:
		}
		next, err := h.log.EventsSince(ctx, cur, func(e Event) error {
			e.Floor = cur.Xmin
			h.publish(e)
			return nil
		})
		if err != nil {
			if ctx.Err() == nil && failures%50 == 0 {
				slog.WarnContext(ctx, "reading the event record failed; retrying", "err", err, "failures", failures+1)
			}
			failures++
			continue // events handed out before the failure are sent again: their ids tell
		}
		failures = 0
		if next.Xmin > cur.Xmin {
			h.advance(next.Xmin)
		}
		cur = next
	}
}

// start finds the present position of the record, retrying until the
// database answers.
func (h *EventHub) start(ctx context.Context) (EventCursor, bool) {
	for {
		cur, err := h.log.EventStart(ctx)
		if err == nil {
			h.mu.Lock()
			h.floor = cur.Xmin
			h.mu.Unlock()
			close(h.ready)
			return cur, true
		}
		slog.WarnContext(ctx, "cannot read the event record yet; retrying", "err", err)
		select {
		case <-ctx.Done():
			return cur, false
		case <-time.After(time.Second):
		}
	}
}

// publish hands e to every subscriber, dropping those whose buffer is full.
func (h *EventHub) publish(e Event) {
	h.published.Add(1)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sendLocked(e)
}

// advance records a new floor and tells the subscribers.
func (h *EventHub) advance(floor uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.floor = floor
	h.sendLocked(Event{Floor: floor})
}

func (h *EventHub) sendLocked(e Event) {
	for s := range h.subs {
		select {
		case s.c <- e:
		default:
			h.dropLocked(s, true)
		}
	}
}

// closeAll ends every subscription: the hub stops (the server shuts down).
func (h *EventHub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		h.dropLocked(s, false)
	}
}

func (h *EventHub) remove(s *Subscription, slow bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dropLocked(s, slow)
}

func (h *EventHub) dropLocked(s *Subscription, slow bool) {
	if _, ok := h.subs[s]; !ok {
		return
	}
	delete(h.subs, s)
	if slow {
		s.dropped.Store(true)
		h.dropped.Add(1)
	}
	close(s.c)
}
