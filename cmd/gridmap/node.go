package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/gridmap-dev/gridmap/api"
	"github.com/gridmap-dev/gridmap/audit"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/importer"
	"github.com/gridmap-dev/gridmap/internal/fastlane"
	"github.com/gridmap-dev/gridmap/tiles"
)

// What serve runs behind its port: the node (startNode loads the index and
// starts what follows the database), the API handler over it, and the
// metrics /metrics serves.

// node is what runs behind the API: the database, the index following its
// change record, the tile cache, the event hub and the import queue.
type node struct {
	db      *postgres.DB
	svc     *geo.Service
	tiles   *tiles.Service
	events  *geo.EventHub
	lane    *fastlane.Listener // nil without --fast-lane
	imports *importer.Jobs
	photos  casework.PhotoStore
	// background ends with stop, once the servers have drained (not at the
	// signal, which ends the followers at once): the API's reads off the
	// request path run under it.
	background context.Context
	// stop ends the background work (followers, jobs, imports) and waits
	// for the imports' outcome to be recorded.
	stop func()
}

// startNode loads the index (and, on an empty primary, the demo city) and
// starts what follows the database in the background.
func startNode(ctx context.Context, cfg serveConfig, db *postgres.DB) (n *node, err error) {
	n = &node{db: db}
	if _, err := cfg.follow.options(db.Standby()); err != nil {
		return nil, err
	}
	if cfg.loadDemo && !db.Standby() {
		if err := loadDemoIfEmpty(ctx, db); err != nil {
			return nil, err
		}
	}
	if n.photos, err = openPhotos(ctx, cfg.blobURL, db); err != nil {
		return nil, err
	}
	n.svc = geo.NewService(db, db)
	if err := n.svc.Reload(ctx); err != nil {
		return nil, err
	}
	if n.tiles, err = openTiles(ctx, cfg.tiles, db.Pool, n.svc); err != nil {
		return nil, err
	}
	bg, stopBackground := context.WithCancel(ctx)
	var stopAPI context.CancelFunc
	n.background, stopAPI = context.WithCancel(context.WithoutCancel(ctx))
	n.stop = func() { stopBackground(); stopAPI(); n.tiles.Close() }
	n.svc.OnChange = n.tiles.Changed
	go n.tiles.Follow(bg)
	go n.followData(bg, cfg.follow)
	// The listener and the leader wait on a standby, should it be promoted.
	go db.Listen(bg, func(postgres.Change) { n.svc.Changed() })
	go db.Lead(bg, "jobs", func(ctx context.Context) { runJobs(ctx, db, cfg.reports) })
	n.events = cfg.events.newHub(db)
	go n.events.Run(bg)
	// Uploaded imports run under bg: shutting down rolls them back, and
	// serve returns only after their outcome is recorded.
	if n.imports, err = openImports(ctx, cfg.imports, db, bg, n.svc.CatchUp); err != nil {
		n.stop()
		return nil, err
	}
	n.stop = func() { stopBackground(); stopAPI(); n.imports.Wait(); n.tiles.Close() }
	return n, nil
}

// followData keeps the index following the change record until ctx ends,
// polling as often as the database's role asks (a standby rings no
// doorbell), and starts the follower afresh when the role changes: a
// standby promoted, or a primary rejoined as a standby of another.
func (n *node) followData(ctx context.Context, cfg followConfig) {
	roles := make(chan bool, 1)
	go n.db.WatchRole(ctx, func(standby bool) {
		select {
		case roles <- standby:
		default: // a restart is pending; it reads the role then
		}
	})
	for {
		opt, _ := cfg.options(n.db.Standby()) // checked by startNode
		run, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); n.svc.Follow(run, opt) }()
		select {
		case <-ctx.Done():
		case <-roles:
		}
		stop()
		<-done
		if ctx.Err() != nil {
			return
		}
		n.svc.Changed() // catch up at once under the new role
	}
}

// handler returns the HTTP API over the node, with its metrics.
func (n *node) handler(cfg serveConfig) (http.Handler, error) {
	auth, proxies, err := cfg.access.policy()
	if err != nil {
		return nil, err
	}
	db, svc := n.db, n.svc
	return api.New(api.Deps{
		Units:          db,
		Resolver:       svc,
		Index:          svc,
		DataVersion:    db.HeadVersion,
		Positions:      db,
		ReadOnly:       db.Standby,
		Registry:       n.registry(),
		CORSOrigins:    strings.Split(cfg.cors, ","),
		Tokens:         db,
		Auth:           auth,
		Editor:         db,
		Topology:       db,
		Versions:       db,
		PublicURL:      cfg.access.publicURL,
		TrustedProxies: proxies,
		Reports:        db,
		Patrols:        db,
		Photos:         n.photos,
		Policy:         cfg.reports.policy,
		Imports:        n.imports,
		Audit:          &audit.Store{Pool: db.Pool},
		Tiles:          n.tiles,
		TileMaxAge:     cfg.tiles.maxAge,
		LogRequests:    cfg.logRequests,
		Events:         n.events,
		EventHeartbeat: cfg.events.heartbeat,
		PublicFields:   cfg.events.exposure,
		Background:     n.background,
		Ready: func(ctx context.Context) error {
			if err := db.Ping(ctx); err != nil {
				return err
			}
			if err := db.Behind(cfg.follow.maxReplayLag); err != nil {
				return err
			}
			return svc.Ready()
		},
	}), nil
}

// registry returns the metrics /metrics serves: the process's, the
// database pool's, the tile cache's, the index's, the event hub's, the
// fast lane's and the import queue's.
func (n *node) registry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(goCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		postgres.NewPoolCollector(n.db.Pool))
	reg.MustRegister(n.tiles.Collectors()...)
	reg.MustRegister(indexCollectors(n.svc)...)
	reg.MustRegister(roleCollectors(n.db)...)
	reg.MustRegister(eventCollectors(n.events)...)
	if n.lane != nil {
		reg.MustRegister(laneCollectors(n.lane)...)
	}
	if n.imports != nil {
		reg.MustRegister(importCollectors(n.imports)...)
	}
	return reg
}

func loadDemoIfEmpty(ctx context.Context, db *postgres.DB) error {
	sum, built, err := demo.BuildIfEmpty(ctx, db, demo.ScaleDemo, func(step string) { slog.Info("demo city", "step", step) })
	if err != nil {
		return err
	}
	if built {
		slog.Info("demo city loaded into the empty database", "took", sum.Duration,
			"districts", sum.Counts[geo.District], "streets", sum.Counts[geo.Street],
			"communities", sum.Counts[geo.Community], "grids", sum.Counts[geo.Grid])
	}
	return nil
}
