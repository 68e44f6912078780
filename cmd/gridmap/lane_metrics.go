package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gridmap-dev/gridmap/internal/fastlane"
)

// laneCollectors exports the fast lane's counts to /metrics: an operator
// sees whether callers' connections stay on the lane (answered against
// handed over), and a connection's first request that sends it to net/http
// shows as a handed-over connection.
func laneCollectors(lane *fastlane.Listener) []prometheus.Collector {
	stat := statReader(lane.Stats)
	return []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridmap_fastlane_connections_total",
			Help: "Connections the fast lane accepted (--fast-lane)."},
			stat(func(s fastlane.Stats) float64 { return float64(s.Connections) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridmap_fastlane_answered_total",
			Help: "Requests the fast lane answered itself, without net/http."},
			stat(func(s fastlane.Stats) float64 { return float64(s.Answered) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridmap_fastlane_handed_over_total",
			Help: "Connections the fast lane handed to net/http, at their first request it did not answer."},
			stat(func(s fastlane.Stats) float64 { return float64(s.HandedOver) })),
	}
}
