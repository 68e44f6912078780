package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
)

// GET /v1/events: the event record as Server-Sent Events. Each event is
//
//	id: <floor>-<event id>
//	data: {"event_id":…,"kind":"report.created","at":…,"codes":[…],"data":{…}}
//
// Heartbeats are comments that carry the latest resume point as their id,
// so a client's Last-Event-ID keeps moving while nothing happens. A client
// that reconnects (EventSource does by itself, sending Last-Event-ID) is
// sent every event from that point's floor again: it misses none, and
// recognises the few it already had by event_id. The caller's scope and
// the unit asked for narrow the stream; personal data follow the rules of
// privacy.go. EventSource cannot send headers, so this route also takes
// the token as ?access_token= (the only one that does; see auth.go). A node
// holds so many streams, in all and per client address (the hub's limits):
// past them a stream is refused before it starts, 429 or 503.

// eventsPath is the route, for the token-in-query exception.
const eventsPath = "/v1/events"

// Stream defaults: how often a heartbeat is sent, how long one write may
// block before the client is given up, and the reconnection delay
// suggested to EventSource.
const (
	DefaultEventHeartbeat = 15 * time.Second
	eventWriteTimeout     = 10 * time.Second
	eventRetryMillis      = "2000"
	// eventFullRetry is the Retry-After of a client address refused for
	// holding its share of streams: a place frees only when one of its own
	// streams ends, so retrying at once is useless.
	eventFullRetry = "10"
)

// eventMessage is the data of one event on the wire.
type eventMessage struct {
	EventID int64           `json:"event_id"`
	Kind    string          `json:"kind"`
	At      time.Time       `json:"at"`
	Codes   []string        `json:"codes"`
	Data    json.RawMessage `json:"data"`
}

// eventStream is one client's stream.
type eventStream struct {
	c     *gin.Context
	rc    *http.ResponseController
	h     *handlers
	unit  string
	kinds []string
	floor uint64         // the latest resume point sent or known
	live  uint64         // events below this transaction id never come live (the subscription's floor)
	seen  map[int64]bool // replayed events that may come live, not to be sent twice
	who   access.Principal
	in    bool         // signed in
	check func() error // checks the token again (nil: anonymous)
}

func (h *handlers) eventRoutes(v1 *gin.RouterGroup) {
	v1.GET("/events", h.events)
}

// kickEvents tells this node's event reader that a write with events just
// committed, so its own subscribers need not wait for the next poll.
func (h *handlers) kickEvents() {
	if h.deps.Events != nil {
		h.deps.Events.Kick()
	}
}

func (h *handlers) events(c *gin.Context) {
	hub := h.deps.Events
	if hub == nil {
		fail(c, geo.Errorf(geo.EUNAVAILABLE, "", "this server streams no events"))
		return
	}
	s, resume, err := h.newEventStream(c)
	if err != nil {
		fail(c, err)
		return
	}
	select {
	case <-hub.Ready():
	case <-time.After(5 * time.Second):
		fail(c, geo.Errorf(geo.EUNAVAILABLE, "", "the event record cannot be read yet"))
		return
	}
	if requestMethod(c) == http.MethodHead {
		s.start(false) // the headers of the stream, and no stream
		return
	}
	// The address rate limits use: X-Forwarded-For only from --trusted-proxies.
	_, signedIn := callerOf(c)
	sub, err := hub.Subscribe(clientKey(c), signedIn)
	if err != nil {
		if geo.ErrorCodeOf(err) == geo.ERATELIMITED {
			c.Header("Retry-After", eventFullRetry)
		}
		fail(c, err)
		return
	}
	defer sub.Close()
	s.live = sub.Floor()
	if !resume {
		// From now on: a heartbeat before the first floor marker (the record
		// may stand still for hours) must not say 0-0, from which a
		// reconnect would be sent the whole retained record again.
		s.floor = s.live
	}
	s.start(!resume)
	if resume && !s.replay(s.floor) {
		return
	}
	s.follow(sub)
}

// newEventStream reads the request: unit, kinds and the resume point.
func (h *handlers) newEventStream(c *gin.Context) (*eventStream, bool, error) {
	s := &eventStream{c: c, rc: http.NewResponseController(c.Writer), h: h, seen: map[int64]bool{}}
	s.who, s.in = callerOf(c)
	if f, ok := c.Get(recheckKey); ok {
		s.check, _ = f.(func() error)
	}
	var err error
	if u := c.Query("unit"); u != "" {
		if s.unit, err = parseCode("unit", u); err != nil {
			return nil, false, err
		}
	}
	if err := scopeFilter(c, &s.unit); err != nil {
		return nil, false, err
	}
	for _, k := range list(c, "kinds") {
		if !slices.Contains(geo.EventKinds, k) {
			return nil, false, geo.Invalid("kinds", "unknown event kind %q", clip(k))
		}
		s.kinds = append(s.kinds, k)
	}
	last, field := c.GetHeader("Last-Event-ID"), "Last-Event-ID"
	if last == "" {
		last, field = c.Query("last_event_id"), "last_event_id"
	}
	if last == "" {
		return s, false, nil
	}
	if s.floor, _, err = geo.ParseEventID(field, last); err != nil {
		return nil, false, err
	}
	return s, true, nil
}

// start sends the headers and the reconnection delay and, on a fresh
// stream (withID), its resume point: a stream cut before its first event
// or heartbeat must not reconnect without one, which would start afresh
// and lose what happened in between. A resumed stream's client has its own.
func (s *eventStream) start(withID bool) {
	hd := s.c.Writer.Header()
	hd.Set("Content-Type", "text/event-stream; charset=utf-8")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Accel-Buffering", "no") // proxies must not hold events back
	s.c.Status(http.StatusOK)
	opening := "retry: " + eventRetryMillis + "\n"
	if withID {
		opening += "id: " + geo.EventID(s.floor, 0) + "\n" // no data: EventSource keeps the id, fires nothing
	}
	s.write(opening + "\n")
}

// replay sends the events from floor on; it reports false when the stream
// must end (the client went away). The record hands them over page by page
// with no database connection held, as a write may block for
// eventWriteTimeout. Only the events that may also come live are
// remembered: a replay of a day's record must not keep a day of ids.
func (s *eventStream) replay(floor uint64) bool {
	complete, err := s.h.deps.Events.Replay(s.c.Request.Context(), floor, func(e geo.Event) error {
		e.Floor = floor
		if e.Xid >= s.live {
			s.seen[e.ID] = true
		}
		if !s.send(e) {
			return errClientGone
		}
		return nil
	})
	switch {
	case err != nil:
		return false
	case !complete:
		// The record no longer reaches back that far: the client reloads.
		return s.write("event: reset\ndata: {\"kind\":\"stream.reset\",\"reason\":\"events before this point were pruned; reload\"}\n\n")
	}
	return true
}

var errClientGone = geo.Errorf(geo.EUNAVAILABLE, "", "client gone")

// follow sends live events and heartbeats until the client goes, the
// subscriber is dropped or the server stops.
func (s *eventStream) follow(sub *geo.Subscription) {
	beat := s.h.deps.EventHeartbeat
	if beat <= 0 {
		beat = DefaultEventHeartbeat
	}
	tick := time.NewTicker(beat)
	defer tick.Stop()
	var batch []geo.Event
	for {
		select {
		case <-s.c.Request.Context().Done():
			return
		case <-tick.C:
			if !s.stillAllowed() || !s.heartbeat() {
				return
			}
		case <-sub.Wait():
			var ok bool
			if batch, ok = sub.Take(batch); !ok {
				return // dropped for falling behind, or shutting down: the client resumes elsewhere or later
			}
			if !s.sendLive(batch) {
				return
			}
		}
	}
}

// sendLive sends a batch the hub handed over; false means the client is gone.
func (s *eventStream) sendLive(batch []geo.Event) bool {
	for _, e := range batch {
		switch {
		case e.Kind == "":
			s.floor = max(s.floor, e.Floor)
		case s.seen[e.ID]:
			delete(s.seen, e.ID)
		case !s.send(e):
			return false
		}
	}
	return true
}

// heartbeat is a comment with the latest resume point as its id (an event
// with no data moves EventSource's lastEventId without firing).
func (s *eventStream) heartbeat() bool {
	return s.write("id: " + geo.EventID(s.floor, 0) + "\n: heartbeat\n\n")
}

// stillAllowed reports whether the stream's token is still good. A token
// revoked or expired while its stream runs ends the stream at the next
// heartbeat after the token cache's TTL, as it ends every other request;
// the client's reconnect is refused. A database that cannot answer now
// ends nothing.
func (s *eventStream) stillAllowed() bool {
	return s.check == nil || geo.ErrorCodeOf(s.check()) != geo.EUNAUTHORIZED
}

// send writes e if the stream wants it; false means the client is gone.
func (s *eventStream) send(e geo.Event) bool {
	if !e.Within(s.unit) || (len(s.kinds) > 0 && !slices.Contains(s.kinds, e.Kind)) || !s.allowed(&e) {
		return true
	}
	data, codes := s.dataOf(&e), e.Codes
	if e.Kind == geo.EventImportFinished {
		var shown bool
		if data, codes, shown = s.importSeen(&e); !shown {
			return true
		}
	}
	msg := eventMessage{EventID: e.ID, Kind: e.Kind, At: e.At, Codes: codes, Data: data}
	b, err := json.Marshal(msg)
	if err != nil {
		return true // data came from jsonb: cannot happen
	}
	return s.write("id: " + geo.EventID(e.Floor, e.ID) + "\ndata: " + string(b) + "\n\n")
}

// allowed applies the caller's scope (scopeFilter set s.unit to it when no
// unit was asked for, but a unit inside the scope narrows further).
func (s *eventStream) allowed(e *geo.Event) bool {
	return !s.in || s.who.Scope == "" || e.Within(s.who.Scope)
}

// dataOf is the event's data without the personal fields the caller may not see.
func (s *eventStream) dataOf(e *geo.Event) json.RawMessage {
	if !e.AboutReport() {
		return e.Data
	}
	shown := s.h.deps.PublicFields.For(s.who, s.in, e.Codes...)
	if shown.ShowsAll() {
		return e.Data
	}
	var d map[string]any
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return json.RawMessage(`{}`)
	}
	if s.in && d["reporter"] == s.who.Name {
		return e.Data
	}
	redactEventData(d, shown)
	b, _ := json.Marshal(d) // decoded JSON encodes
	return b
}

// redactEventData takes out of a report event's data what e hides.
func redactEventData(d map[string]any, e access.Exposure) {
	if !e.Shows(access.FieldReporter) {
		delete(d, "reporter")
	}
	if !e.Shows(access.FieldDescription) {
		delete(d, "description")
	}
	if p, ok := d["point"].([]any); ok && len(p) == 2 && !e.Shows(access.FieldPoint) {
		for i := range p {
			if v, ok := p[i].(float64); ok {
				p[i] = access.Coarse(v)
			}
		}
	}
}

// write sends text and flushes it, giving a client that does not read
// eventWriteTimeout before it is given up.
func (s *eventStream) write(text string) bool {
	_ = s.rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
	if _, err := s.c.Writer.WriteString(text); err != nil {
		return false
	}
	return s.rc.Flush() == nil
}
