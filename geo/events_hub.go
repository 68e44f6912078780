package geo

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridmap-dev/gridmap/internal/faillog"
)

// EventHub is a node's one reader of the event record: it polls the record
// of the database the node is attached to (a primary or a hot standby) and
// hands each new event to every subscriber. A subscriber that does not keep
// up is dropped, never waited for: one stalled browser must not hold back
// the others or grow the server's memory. A dropped client reconnects with
// its last event id and is sent what it missed from the record. How many
// subscriptions a node holds, in all and per client, is bounded (SetLimits).
type EventHub struct {
	log    EventLog
	poll   time.Duration
	buffer int

	mu      sync.Mutex
	subs    map[*Subscription]struct{}
	floor   uint64 // every event below it has been handed out
	ready   chan struct{}
	kick    chan struct{}
	limits  EventLimits
	streams int            // subscriptions not closed yet, dropped ones included
	clients map[string]int // of them, per client
	anon    int            // of them, those of callers without a token

	published, dropped, refused atomic.Int64
}

// EventLimits bound the subscriptions of a hub: Streams in all, PerClient
// from one client (the API's client address); 0 is no limit. Callers
// without a token hold at most half of Streams (anonymousShare): a flood of
// anonymous streams from many addresses filled a node, and the wall
// screens' and phones' signed-in streams found no place. A dropped
// subscription holds its place until it is closed: until then its stream
// still holds a goroutine and a connection.
type EventLimits struct {
	Streams, PerClient int
}

// The default limits: an idle stream costs a node some 35 kB (17 kB of
// heap for its connection and state, 18 kB of goroutine stack), so a full
// node holds tens of MB for its streams; a command centre behind one
// address runs well under 16 screens.
const (
	DefaultEventStreams   = 1000
	DefaultEventPerClient = 16
)

// Subscription is one subscriber's stream. Wait signals when events or
// floor markers (Kind "", whose Floor says that every earlier event was
// handed out) are waiting, or the subscription ended; Take takes them.
//
// The waiting events are a slice, not a buffered channel: a channel
// allocates its whole capacity at once (1024 events are ~115 kB), for every
// idle browser, while the slice grows only with what is waiting and is let
// go once taken. The hub bounds it to its buffer.
type Subscription struct {
	hub       *EventHub
	client    string
	anonymous bool          // the caller sent no token
	floor     uint64        // the hub's floor when it subscribed
	wake      chan struct{} // one pending signal; closed when the subscription ends
	dropped   atomic.Bool

	mu     sync.Mutex // under the hub's
	queue  []Event
	ended  bool
	placed bool // holds a place in the hub's limits (hub.mu)
}

// spareCap is the largest batch storage Take keeps for reuse: an idle
// stream after a burst must not go on holding the burst's storage.
const spareCap = 64

// Dropped reports whether the hub dropped the subscriber for falling
// behind (the subscription has then ended).
func (s *Subscription) Dropped() bool { return s.dropped.Load() }

// Floor is the hub's resume point when the subscription began: every event
// it is handed has a transaction id at or above it (a replay of the record
// may stop marking events to skip there).
func (s *Subscription) Floor() uint64 { return s.floor }

// Wait returns the channel that receives when there is something to Take.
func (s *Subscription) Wait() <-chan struct{} { return s.wake }

// Take returns the waiting events in order and clears them; ok is false
// once the subscription has ended (closed, dropped or the hub stopped),
// when whatever was waiting is let go: the client resumes from its last
// event id. batch is the previous call's result, whose storage is reused.
func (s *Subscription) Take(batch []Event) (events []Event, ok bool) {
	if cap(batch) > spareCap {
		batch = nil
	} else {
		clear(batch) // the sent events' data must not live on in the storage
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return nil, false
	}
	events, s.queue = s.queue, batch[:0]
	return events, true
}

// Close ends the subscription and frees its place.
func (s *Subscription) Close() { s.hub.remove(s) }

// push queues e unless limit events are waiting; false means the
// subscriber fell behind. Called with the hub's mu held.
func (s *Subscription) push(e Event, limit int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.queue)
	switch {
	case e.Kind == "" && n > 0 && s.queue[n-1].Kind == "":
		s.queue[n-1].Floor = e.Floor // only the latest floor matters: markers do not pile up
	case n >= limit:
		return false
	default:
		s.queue = append(s.queue, e)
	}
	select {
	case s.wake <- struct{}{}:
	default: // a signal is pending already
	}
	return true
}

// end drops what is waiting and wakes the subscriber for the last time.
func (s *Subscription) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		s.ended, s.queue = true, nil
		close(s.wake)
	}
}

// EventHubStats are the hub's counters, for /metrics.
type EventHubStats struct {
	Subscribers int   // subscriptions handed events
	Streams     int   // places held against the limits (dropped subscriptions not closed yet too)
	Published   int64 // events handed to subscribers (each event once)
	Dropped     int64 // subscribers dropped for falling behind
	Refused     int64 // subscriptions refused by the limits
}

// NewEventHub returns a hub reading log every poll; each subscriber may
// have up to buffer events waiting. Run it before subscribing.
func NewEventHub(log EventLog, poll time.Duration, buffer int) *EventHub {
	return &EventHub{log: log, poll: max(poll, time.Millisecond), buffer: max(buffer, 1),
		subs: map[*Subscription]struct{}{}, ready: make(chan struct{}), kick: make(chan struct{}, 1),
		clients: map[string]int{}}
}

// SetLimits sets how many subscriptions the hub takes (none: no limit).
func (h *EventHub) SetLimits(l EventLimits) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.limits = l
}

// Stats returns the hub's counters.
func (h *EventHub) Stats() EventHubStats {
	h.mu.Lock()
	n, streams := len(h.subs), h.streams
	h.mu.Unlock()
	return EventHubStats{Subscribers: n, Streams: streams, Published: h.published.Load(),
		Dropped: h.dropped.Load(), Refused: h.refused.Load()}
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

// Subscribe adds a subscriber for client, signed in (with a token) or not.
// Events committed after the call reach it; for earlier ones, replay the
// record (Replay) and drop duplicates by id. Past the limits it fails:
// ERATELIMITED when client holds its share (checked first: it is that
// client's doing), EUNAVAILABLE when the node holds all it takes, or all
// it gives callers without a token.
func (h *EventHub) Subscribe(client string, signedIn bool) (*Subscription, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if l := h.limits.PerClient; l > 0 && h.clients[client] >= l {
		h.refused.Add(1)
		return nil, Errorf(ERATELIMITED, "", "%d event streams are open from this address, the most it may have; close one first", l)
	}
	if l := h.limits.Streams; l > 0 && h.streams >= l {
		h.refused.Add(1)
		return nil, Errorf(EUNAVAILABLE, "", "this server follows %d event streams, the most it takes; retry later or on another node", l)
	}
	if l := h.limits.Streams; l > 0 && !signedIn && h.anon >= anonymousShare(l) {
		h.refused.Add(1)
		return nil, Errorf(EUNAVAILABLE, "", "this server follows %d event streams without a token, the most it takes; retry later, or with a token", anonymousShare(l))
	}
	s := &Subscription{hub: h, client: client, anonymous: !signedIn, floor: h.floor, wake: make(chan struct{}, 1), placed: true}
	h.subs[s] = struct{}{}
	h.streams++
	h.clients[client]++
	if s.anonymous {
		h.anon++
	}
	return s, nil
}

// anonymousShare is how many of a hub's streams callers without a token
// may hold: half (rounded down), the rest kept for signed-in ones.
func anonymousShare(streams int) int { return streams / 2 }

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
	reading := &faillog.Log{Failing: "reading the event record failed; retrying",
		Recovered: "reading the event record works again", Every: time.Minute, Level: slog.LevelWarn}
	for {
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
		if ctx.Err() == nil {
			reading.Report(ctx, err, time.Now())
		}
		if err != nil {
			continue // events handed out before the failure are sent again: their ids tell
		}
		if next.Xmin > cur.Xmin {
			h.advance(next.Xmin)
		}
		cur = next
	}
}

// start finds the present position of the record, retrying every second
// until the database answers.
func (h *EventHub) start(ctx context.Context) (EventCursor, bool) {
	starting := &faillog.Log{Failing: "cannot read the event record yet; retrying", Every: time.Minute, Level: slog.LevelWarn}
	for {
		cur, err := h.log.EventStart(ctx)
		if err == nil {
			h.mu.Lock()
			h.floor = cur.Xmin
			h.mu.Unlock()
			close(h.ready)
			return cur, true
		}
		if ctx.Err() == nil { // cut short by the node stopping: not a failure
			starting.Report(ctx, err, time.Now())
		}
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
		if !s.push(e, h.buffer) {
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

// remove ends s and frees its place (once).
func (h *EventHub) remove(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dropLocked(s, false)
	if s.placed {
		s.placed = false
		h.streams--
		if h.clients[s.client]--; h.clients[s.client] <= 0 {
			delete(h.clients, s.client)
		}
		if s.anonymous {
			h.anon--
		}
	}
}

// dropLocked stops handing events to s; its place stays taken until Close.
func (h *EventHub) dropLocked(s *Subscription, slow bool) {
	if _, ok := h.subs[s]; !ok {
		return
	}
	delete(h.subs, s)
	if slow {
		s.dropped.Store(true)
		h.dropped.Add(1)
	}
	s.end()
}
