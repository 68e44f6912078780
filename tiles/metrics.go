package tiles

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the tile service's Prometheus instruments.
type metrics struct {
	hits, misses  prometheus.Counter
	unkept        prometheus.Counter
	renderSeconds *prometheus.HistogramVec
	all           []prometheus.Collector
}

func newMetrics(s *Service) *metrics {
	m := &metrics{
		hits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gridmap_tile_cache_hits_total", Help: "Tile requests answered from the cache."}),
		misses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gridmap_tile_cache_misses_total", Help: "Tile requests that had to draw the tile."}),
		unkept: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gridmap_tile_cache_unkept_total",
			Help: "Drawn tiles not cached: drawn at versions the node had not applied, or reached by a change meanwhile."}),
		renderSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gridmap_tile_render_seconds", Help: "Time to draw a tile, by zoom.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"zoom"}),
	}
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	m.all = []prometheus.Collector{m.hits, m.misses, m.unkept, m.renderSeconds,
		gauge("gridmap_tile_cache_bytes", "Bytes held by the tile cache.", func() float64 {
			_, b, _ := s.cache.stats()
			return float64(b)
		}),
		gauge("gridmap_tile_cache_entries", "Tiles held by the tile cache.", func() float64 {
			n, _, _ := s.cache.stats()
			return float64(n)
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridmap_tile_cache_evictions_total",
			Help: "Tiles evicted from the cache to stay within its size."}, func() float64 {
			_, _, e := s.cache.stats()
			return float64(e)
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridmap_tile_uncached_draws_total",
			Help: "Drawings of tiles that cannot be cached (reports, patrols); identical requests share one."},
			func() float64 { return float64(s.uncached.drawn.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridmap_tile_uncached_shared_total",
			Help: "Requests for tiles that cannot be cached answered by a drawing another request started."},
			func() float64 { return float64(s.uncached.shared.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridmap_tile_version_reads_total",
			Help: "Queries of the data versions (each serves every tile request that arrived before it started)."},
			func() float64 { return float64(s.clock.reads.Load()) }),
	}
	return m
}

// Collectors returns the instruments to register with a Prometheus registry.
func (s *Service) Collectors() []prometheus.Collector { return s.m.all }

// zoomLabel keeps the zoom label's cardinality bounded.
func zoomLabel(z int) string {
	if z > 18 {
		return "19+"
	}
	return strconv.Itoa(z)
}
