package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/gridmap-dev/gridmap/api"
	"github.com/gridmap-dev/gridmap/audit"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/importer"
)

type serveConfig struct {
	databaseURL string
	addr        string
	loadDemo    bool
	cors        string
	logLevel    string
	access      accessConfig
	reports     reportConfig
	tiles       tileConfig
}

// accessConfig is the access policy of serve.
type accessConfig struct {
	publicReads    bool
	writeRate      float64
	addrWriteRate  float64
	publicURL      string
	trustedProxies string
}

func runServe(ctx context.Context, args []string) error {
	var cfg serveConfig
	fs := newFlags("serve", &cfg.databaseURL)
	fs.StringVar(&cfg.addr, "addr", envOr("GRIDMAP_ADDR", ":8080"), "listen address (env GRIDMAP_ADDR)")
	fs.BoolVar(&cfg.loadDemo, "demo", envBool("GRIDMAP_DEMO", true), "load the demo city when the database has no units (env GRIDMAP_DEMO)")
	fs.StringVar(&cfg.cors, "cors-origins", envOr("GRIDMAP_CORS_ORIGINS", "*"), "comma-separated origins allowed by CORS, * for any (env GRIDMAP_CORS_ORIGINS)")
	fs.StringVar(&cfg.logLevel, "log-level", envOr("GRIDMAP_LOG_LEVEL", "info"), "debug, info, warn or error (env GRIDMAP_LOG_LEVEL)")
	accessFlags(fs, &cfg.access)
	reportFlags(fs, &cfg.reports)
	tileFlags(fs, &cfg.tiles)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if err := cfg.reports.parse(); err != nil {
		return err
	}
	setupLogging(cfg.logLevel)

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	defer ln.Close()
	return serve(ctx, cfg, ln)
}

// serve wires the service together and runs it on ln until ctx ends.
func serve(ctx context.Context, cfg serveConfig, ln net.Listener) error {
	db, err := postgres.Open(ctx, cfg.databaseURL, 16)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.loadDemo {
		if err := loadDemoIfEmpty(ctx, db); err != nil {
			return err
		}
	}

	svc := geo.NewService(db, db)
	if err := svc.Reload(ctx); err != nil {
		return err
	}
	bg, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	go svc.Follow(bg)
	tileSvc, err := openTiles(ctx, cfg.tiles, db.Pool)
	if err != nil {
		return err
	}
	defer tileSvc.Close()
	go tileSvc.Follow(bg)
	go db.Listen(bg, func(ch postgres.Change) { svc.Changed(); tileSvc.Changed(ch.Layers) })
	go runReportJobs(bg, db, cfg.reports)
	// Uploaded imports run under bg: shutting down rolls them back, and
	// serve returns only after their outcome is recorded.
	imports := &importer.Jobs{Pool: db.Pool, Base: bg}
	defer func() { stopBackground(); imports.Wait() }()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		postgres.NewPoolCollector(db.Pool))
	reg.MustRegister(tileSvc.Collectors()...)
	auth, proxies, err := cfg.access.policy()
	if err != nil {
		return err
	}
	handler := api.New(api.Deps{
		Units:          db,
		Resolver:       svc,
		Registry:       reg,
		CORSOrigins:    strings.Split(cfg.cors, ","),
		Tokens:         db,
		Auth:           auth,
		Editor:         db,
		Versions:       db,
		PublicURL:      cfg.access.publicURL,
		TrustedProxies: proxies,
		Reports:        db,
		Patrols:        db,
		Policy:         cfg.reports.policy,
		Imports:        imports,
		Audit:          &audit.Store{Pool: db.Pool},
		Tiles:          tileSvc,
		TileMaxAge:     cfg.tiles.maxAge,
		Ready: func(ctx context.Context) error {
			if err := db.Ping(ctx); err != nil {
				return errors.New("database does not answer")
			}
			return svc.Ready()
		},
	})
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	slog.Info("gridmap serving", "addr", ln.Addr().String())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

func loadDemoIfEmpty(ctx context.Context, db *postgres.DB) error {
	sum, built, err := demo.BuildIfEmpty(ctx, db, demo.ScaleDemo, func(step string) { slog.Info("demo city", "step", step) })
	if err != nil {
		return err
	}
	if built {
		slog.Info("demo city loaded into the empty database", "took", sum.Duration.Round(time.Millisecond),
			"districts", sum.Counts[geo.District], "streets", sum.Counts[geo.Street],
			"communities", sum.Counts[geo.Community], "grids", sum.Counts[geo.Grid])
	}
	return nil
}

func setupLogging(level string) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l})))
}
