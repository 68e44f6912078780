package main

import (
	"flag"
	"fmt"
	"regexp"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// followConfig tunes how serve keeps its resolver index in step with the
// database.
type followConfig struct {
	poll         time.Duration
	checkEvery   time.Duration
	maxReplayLag time.Duration
}

func followFlags(fs *flag.FlagSet, f *followConfig) {
	fs.DurationVar(&f.poll, "follow-poll", 0,
		"how often the change record is read without a notification; 0 chooses: 50ms on a standby (where nothing notifies), 1s on the primary (env GRIDMAP_FOLLOW_POLL)")
	fs.DurationVar(&f.checkEvery, "index-check-every", 5*time.Minute,
		"how often the resolver index's checksums are compared with the database's (a mismatch is logged and rebuilt); 0 never (env GRIDMAP_INDEX_CHECK_EVERY)")
	fs.DurationVar(&f.maxReplayLag, "max-replay-lag", time.Minute,
		"on a hot standby, /readyz answers 503 while the standby's replay is further behind than this, or it has received nothing from a primary for longer; 0 sets no limit (env GRIDMAP_MAX_REPLAY_LAG)")
}

// options returns the follow options for a node on a primary or a standby.
func (f followConfig) options(standby bool) (geo.FollowOptions, error) {
	if f.poll < 0 || f.checkEvery < 0 || f.maxReplayLag < 0 {
		return geo.FollowOptions{}, fmt.Errorf("--follow-poll, --index-check-every and --max-replay-lag must not be negative")
	}
	poll := f.poll
	if poll == 0 {
		poll = time.Second
		if standby {
			poll = 50 * time.Millisecond
		}
	}
	return geo.FollowOptions{Poll: poll, Verify: f.checkEvery}, nil
}

// statReader turns a function returning a snapshot of counters into a
// maker of metric value functions, one per counter.
func statReader[T any](snapshot func() T) func(func(T) float64) func() float64 {
	return func(field func(T) float64) func() float64 {
		return func() float64 { return field(snapshot()) }
	}
}

// goCollector exports the Go runtime's statistics, and the heap that was
// live at the last collection (go_gc_heap_live_bytes): RSS includes the
// garbage the collector lets accumulate up to GOGC, so only the live heap
// tells whether following edits makes a node grow.
func goCollector() prometheus.Collector {
	return collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(
		collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(`^/gc/heap/live:bytes$`)}))
}

// indexCollectors exports the resolver index's freshness to /metrics.
func indexCollectors(svc *geo.Service) []prometheus.Collector {
	stat := statReader(svc.FollowStats)
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gridmap_index_version",
			Help: "The data version the resolver index reflects."},
			stat(func(s geo.FollowStats) float64 { return float64(s.IndexVersion) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gridmap_database_version",
			Help: "The latest data version the node's database held when the index last looked; the index is behind by this minus gridmap_index_version."},
			stat(func(s geo.FollowStats) float64 { return float64(s.DatabaseVersion) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridmap_index_changes_applied_total",
			Help: "Changes applied to the resolver index incrementally."},
			stat(func(s geo.FollowStats) float64 { return float64(s.Applied) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridmap_index_apply_seconds_total",
			Help: "Time spent applying changes to the resolver index."},
			stat(func(s geo.FollowStats) float64 { return s.ApplyTime.Seconds() })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridmap_index_rebuilds_total",
			Help: "Full builds of the resolver index (start-up, large changes, drift)."},
			stat(func(s geo.FollowStats) float64 { return float64(s.Rebuilds) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridmap_index_rebuild_seconds_total",
			Help: "Time spent on full builds of the resolver index, loading included."},
			stat(func(s geo.FollowStats) float64 { return s.RebuildTime.Seconds() })),
	}
}

// roleCollectors exports what an operator asks of a node's database: is it
// a hot standby, and how far behind its primary is its replay.
func roleCollectors(db *postgres.DB) []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gridmap_database_standby",
			Help: "1 when the node's database is a hot standby (a read node), 0 on a primary."},
			func() float64 {
				if db.Standby() {
					return 1
				}
				return 0
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gridmap_database_replay_lag_seconds",
			Help: "How long a standby's replay has been short of a position it had received (0 when in step, and on a primary), looked at every 5 s."},
			func() float64 { return db.ReplayLag().Seconds() }),
	}
}
