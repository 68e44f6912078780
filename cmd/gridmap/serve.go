package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gridmap-dev/gridmap/api"
	"github.com/gridmap-dev/gridmap/internal/connwatch"
	"github.com/gridmap-dev/gridmap/internal/fastlane"
)

// stallTimeout is how long a connection may move no bytes before it is
// closed.
const stallTimeout = 2 * time.Minute

// headerTimeout is how long a request's headers may take to arrive, from
// their first byte (from the connection's opening, for its first request).
const headerTimeout = 10 * time.Second

type serveConfig struct {
	databaseURL string
	addr        string
	loadDemo    bool
	cors        string
	logLevel    string
	logRequests bool
	debugAddr   string
	blobURL     string
	fastLane    bool
	access      accessConfig
	reports     reportConfig
	tiles       tileConfig
	follow      followConfig
	events      eventConfig
	imports     importConfig
}

// accessConfig is the access policy of serve.
type accessConfig struct {
	publicReads    bool
	writeRate      float64
	addrWriteRate  float64
	publicURL      string
	trustedProxies string
}

// serveFlags defines the flags of serve into cfg.
func serveFlags(cfg *serveConfig) *flag.FlagSet {
	fs := newFlags("serve", &cfg.databaseURL)
	fs.StringVar(&cfg.addr, "addr", ":8080", "listen address (env GRIDMAP_ADDR)")
	fs.BoolVar(&cfg.loadDemo, "demo", true, "load the demo city when the database has no units (env GRIDMAP_DEMO)")
	fs.StringVar(&cfg.cors, "cors-origins", "*", "comma-separated origins allowed by CORS, * for any (env GRIDMAP_CORS_ORIGINS)")
	fs.StringVar(&cfg.logLevel, "log-level", "info", "debug, info, warn or error (env GRIDMAP_LOG_LEVEL)")
	fs.BoolVar(&cfg.logRequests, "log-requests", false, "log every request at info level: method, path, status, duration, bytes (env GRIDMAP_LOG_REQUESTS)")
	fs.StringVar(&cfg.debugAddr, "debug-addr", "", "serve Go's profiles (/debug/pprof/) on this address, e.g. 127.0.0.1:6060; empty serves none (env GRIDMAP_DEBUG_ADDR)")
	fs.StringVar(&cfg.blobURL, "blob-url", "", "keep photos' bytes in an S3-compatible bucket, s3://[KEY:SECRET@]HOST[:PORT]/BUCKET[/PREFIX][?tls=false&region=R]; default: in PostgreSQL (env GRIDMAP_BLOB_URL)")
	fs.BoolVar(&cfg.fastLane, "fast-lane", true, "answer plain GET /v1/resolve requests on the connection, without net/http's per-request work; false leaves every connection to net/http (env GRIDMAP_FAST_LANE)")
	accessFlags(fs, &cfg.access)
	serveReportFlags(fs, &cfg.reports)
	tileFlags(fs, &cfg.tiles)
	followFlags(fs, &cfg.follow)
	eventFlags(fs, &cfg.events)
	importQueueFlags(fs, &cfg.imports)
	return fs
}

func runServe(ctx context.Context, args []string) error {
	var cfg serveConfig
	fs := serveFlags(&cfg)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if err := setupLogging(cfg.logLevel); err != nil {
		return err
	}
	if err := cfg.reports.parse(); err != nil {
		return err
	}
	if err := cfg.events.parse(); err != nil {
		return err
	}
	// The settings are checked before the database is: a typo must not
	// wait for a migration and an index build to be reported.
	if _, _, err := cfg.access.policy(); err != nil {
		return err
	}
	if err := cfg.imports.check(); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	defer ln.Close()
	// The profiles' address too is taken before the database is opened: a
	// port in use is said at once, not after the index is built.
	if err := serveDebug(ctx, cfg.debugAddr); err != nil {
		return fmt.Errorf("--debug-addr: %w", err)
	}
	return serve(ctx, cfg, ln)
}

// serve wires the service together and runs it on ln until ctx ends. On a
// hot standby it runs as a read node: no migrations, no demo, no jobs, no
// writes; its index follows the change record by polling. A promotion (or
// a primary rejoining as a standby) changes the node's role within
// postgres.RoleCheck, without a restart. The port answers from the start
// (frontDoor): /healthz at once, the API once the index is loaded.
func serve(ctx context.Context, cfg serveConfig, ln net.Listener) error {
	front := &frontDoor{}
	front.starting("connecting to the database")
	// A connection that moves no bytes for two minutes is closed: an idle
	// keep-alive one, a client that stopped reading, a hung answer. Without
	// that, one request per connection would let a client hold connections
	// without end; without the header timeout, a client sending its
	// headers a byte a minute could. connwatch does what IdleTimeout,
	// WriteTimeout and ReadHeaderTimeout would, without the timers they set
	// on every request.
	watched := connwatch.Listen(ln, stallTimeout, headerTimeout)
	watched.AnswerRefusals(api.RefusalProblem) // net/http's own 400s and 431s as problems too
	// The plainest resolves are answered on the fast lane without net/http's
	// per-request machinery; every other connection goes on to net/http.
	var served net.Listener = watched
	var lane *fastlane.Listener
	if cfg.fastLane {
		lane = fastlane.Listen(watched, fastlane.Options{ConnState: watched.ConnState})
		served = lane
	}
	srv := &http.Server{Handler: watched.Handler(front), ConnState: watched.ConnState, ConnContext: watched.ConnContext}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(served) }()
	// Requests drain before the node and the database close: a stop calls
	// shutdown first; a failed start (only 503s served) closes it last.
	var once sync.Once
	shutdown := func() (err error) {
		once.Do(func() {
			shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
			defer cancel()
			err = shutdownServers(shutdownCtx, srv, lane)
		})
		return err
	}
	defer shutdown()
	db, err := openDatabase(ctx, cfg.databaseURL)
	if err != nil || db == nil {
		return err
	}
	defer db.Close()
	front.starting("loading the resolver index")
	n, err := startNode(ctx, cfg, db)
	if err != nil {
		return err
	}
	defer n.stop()
	n.lane = lane
	handler, err := n.handler(cfg)
	if err != nil {
		return err
	}
	front.open(handler)
	if a, ok := handler.(fastlane.Answerer); ok && lane != nil {
		lane.Open(a) // until then every connection goes to net/http at its first request
	}
	role := "primary"
	if db.Standby() {
		role = "standby (read-only)"
	}
	slog.Info("gridmap serving", "addr", ln.Addr().String(), "open", browseURL(ln.Addr()), "database", role,
		"index_version", n.svc.Version())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		slog.Info("shutting down")
		return shutdown()
	}
}

// shutdownServers stops srv and lane (nil: none) at once, so that net/http's
// keep-alive connections learn of the stop while the lane's answer their
// last requests, and waits for both within ctx.
func shutdownServers(ctx context.Context, srv *http.Server, lane *fastlane.Listener) error {
	laneDone := make(chan error, 1)
	go func() {
		if lane != nil {
			laneDone <- lane.Shutdown(ctx)
		}
		close(laneDone)
	}()
	err := srv.Shutdown(ctx)
	return errors.Join(<-laneDone, err)
}

// browseURL is where a browser on this machine finds the dashboard (the
// wall screen is at /screen, the phone app at /m/): a newcomer need not
// work it out from the listening address.
func browseURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}
