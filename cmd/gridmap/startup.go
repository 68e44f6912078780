package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// frontDoor is serve's handler from the moment its port is bound: while the
// node connects to the database and loads its index it answers /healthz
// (the process lives) and a 503 with Retry-After to everything else, saying
// what it is doing, so that a load balancer and a client see a node that
// is starting, not one that hangs. Then it hands every request to the API.
type frontDoor struct {
	api   atomic.Pointer[http.Handler]
	phase atomic.Pointer[string]
}

// starting sets what the node is doing, for the 503s.
func (f *frontDoor) starting(phase string) { f.phase.Store(&phase) }

// open hands every later request to h.
func (f *frontDoor) open(h http.Handler) { f.api.Store(&h) }

func (f *frontDoor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := f.api.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	phase := "starting"
	if p := f.phase.Load(); p != nil {
		phase = *p
	}
	if r.URL.Path == "/healthz" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write([]byte(`{"status":"starting"}`))
		return
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Retry-After", "5")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte(`{"type":"https://gridmap.dev/problems/unavailable","title":"Service Unavailable","status":503,` +
		`"detail":"this node is starting: ` + phase + `; retry shortly","code":"unavailable"}`))
}

// Waiting for the database at start: retried this often at most, and said
// in the log this often.
const (
	databaseRetryMax = 5 * time.Second
	databaseWaitLog  = 30 * time.Second
)

// openDatabase opens (and migrates) the database, waiting while it does not
// answer: a node started before its database, or during a restart, comes up
// once the database does. Anything else — a wrong password, a schema from
// a newer gridmap — ends serve at once. A stop while waiting is no error.
func openDatabase(ctx context.Context, url string) (*postgres.DB, error) {
	wait := 250 * time.Millisecond
	var logged time.Time
	for {
		db, err := postgres.Open(ctx, url, 16)
		if err == nil || geo.ErrorCodeOf(err) != geo.EUNAVAILABLE {
			return db, err
		}
		if time.Since(logged) >= databaseWaitLog {
			slog.WarnContext(ctx, "waiting for the database", "database", databaseLabel(url), "err", err)
			logged = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-time.After(wait):
		}
		wait = min(2*wait, databaseRetryMax)
	}
}
