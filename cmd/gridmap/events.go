package main

import (
	"context"
	"flag"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/api"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// eventConfig is how serve streams the event record (GET /v1/events) and
// what anonymous reads may show of personal data.
type eventConfig struct {
	poll         time.Duration
	buffer       int
	heartbeat    time.Duration
	maxStreams   int
	maxPerClient int
	publicFields string
	exposure     access.Exposure
}

func eventFlags(fs *flag.FlagSet, e *eventConfig) {
	fs.DurationVar(&e.poll, "events-poll", 100*time.Millisecond,
		"how often a node reads the event record for /v1/events, on a primary or a standby (env GRIDMAP_EVENTS_POLL)")
	fs.IntVar(&e.buffer, "events-buffer", 1024,
		"events a /v1/events client may fall behind by before it is dropped (it resumes from its last event id) (env GRIDMAP_EVENTS_BUFFER)")
	fs.DurationVar(&e.heartbeat, "events-heartbeat", api.DefaultEventHeartbeat,
		"time between heartbeats of /v1/events (env GRIDMAP_EVENTS_HEARTBEAT)")
	fs.IntVar(&e.maxStreams, "events-max-streams", geo.DefaultEventStreams,
		"/v1/events streams this node holds at once, at most half of them without a token; past that a stream is a 503 with Retry-After; 0: no limit (env GRIDMAP_EVENTS_MAX_STREAMS)")
	fs.IntVar(&e.maxPerClient, "events-max-per-client", geo.DefaultEventPerClient,
		"/v1/events streams one client address holds at once (see --trusted-proxies); past that a 429; 0: no limit (env GRIDMAP_EVENTS_MAX_PER_CLIENT)")
	fs.StringVar(&e.publicFields, "public-fields", "none",
		"personal data anonymous reads may show: none, all, or a list of phone, reporter, description, point (env GRIDMAP_PUBLIC_FIELDS)")
}

// parse checks the flags.
func (e *eventConfig) parse() error {
	if e.poll <= 0 || e.buffer < 1 || e.heartbeat <= 0 {
		return usagef("--events-poll, --events-buffer and --events-heartbeat must be positive")
	}
	if e.maxStreams < 0 || e.maxPerClient < 0 {
		return usagef("--events-max-streams and --events-max-per-client must be at least 0 (0: no limit)")
	}
	x, err := access.ParseExposure(e.publicFields)
	if err != nil {
		return usagef("--public-fields %q: want none, all or a list of phone, reporter, description, point", e.publicFields)
	}
	e.exposure = x
	return nil
}

// newHub returns the node's event hub over log, with the stream limits.
func (e *eventConfig) newHub(log geo.EventLog) *geo.EventHub {
	hub := geo.NewEventHub(log, e.poll, e.buffer)
	hub.SetLimits(geo.EventLimits{Streams: e.maxStreams, PerClient: e.maxPerClient})
	return hub
}

// eventCollectors exports the event hub's counters to /metrics.
func eventCollectors(hub *geo.EventHub) []prometheus.Collector {
	stat := statReader(hub.Stats)
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gridmap_event_subscribers",
			Help: "Clients following /v1/events on this node."},
			stat(func(s geo.EventHubStats) float64 { return float64(s.Subscribers) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridmap_events_read_total",
			Help: "Events read from the event record and handed to the subscribers."},
			stat(func(s geo.EventHubStats) float64 { return float64(s.Published) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridmap_event_subscribers_dropped_total",
			Help: "Subscribers dropped for falling behind (they resume from their last event id)."},
			stat(func(s geo.EventHubStats) float64 { return float64(s.Dropped) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridmap_event_streams_refused_total",
			Help: "Streams refused for the limits (--events-max-streams, --events-max-per-client)."},
			stat(func(s geo.EventHubStats) float64 { return float64(s.Refused) })),
	}
}

// announceOverdue records the cases that became overdue since the last
// sweep (time, not a write, makes them so) and prunes old events.
func announceOverdue(ctx context.Context, db *postgres.DB) {
	n, err := db.AnnounceOverdue(ctx)
	if err != nil && ctx.Err() == nil {
		slog.WarnContext(ctx, "announcing overdue cases failed; retrying at the next sweep", "err", err)
	} else if n > 0 {
		slog.InfoContext(ctx, "cases became overdue", "count", n)
	}
}

// pruneEvents deletes events past postgres.EventRetention.
func pruneEvents(ctx context.Context, db *postgres.DB) {
	if n, err := db.PruneEvents(ctx, postgres.EventRetention); err != nil && ctx.Err() == nil {
		slog.WarnContext(ctx, "pruning the event record failed; retrying later", "err", err)
	} else if n > 0 {
		slog.InfoContext(ctx, "pruned old events", "count", n)
	}
}
