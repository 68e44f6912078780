package tiles

import (
	"context"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgerr"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/singleflight"
)

// Config tunes the tile service. Zero values take the defaults.
type Config struct {
	// CacheBytes bounds the in-memory tile cache (default 256 MiB); a
	// negative value disables caching.
	CacheBytes int64
	// RenderTimeout bounds the drawing of one tile (default 30 s).
	RenderTimeout time.Duration
	// Renders bounds the tiles drawn at once, so a dashboard zooming out
	// cannot take every database connection (default 2 per CPU).
	Renders int
	// DatabaseURL, if set, is where tiles are read from instead of the
	// main database: a read replica. Tiles then show an edit once the
	// replica has replayed it (the versions are read there too).
	DatabaseURL string
	// Follower, if set, tells the layers' data versions this node has
	// applied, so that a cached tile is served without asking the
	// database. It must follow the database tiles are drawn from (not a
	// DatabaseURL of its own). A request that names a newer MinVersion
	// waits for it briefly, else asks the database, and is refused
	// (EUNAVAILABLE) when the database is behind it too.
	Follower Follower
}

// Follower is the node's view of the data versions: the version of every
// tile layer as the node has applied them and the data version they are at,
// and a bounded wait for a newer one. geo.Service is one.
type Follower interface {
	LayerVersions() (map[string]int64, int64)
	WaitVersion(ctx context.Context, v int64, d time.Duration) bool
}

// minVersionWait bounds how long a tile request naming a newer version
// waits for the node before the database is asked.
const minVersionWait = 500 * time.Millisecond

func (c Config) withDefaults() Config {
	if c.CacheBytes == 0 {
		c.CacheBytes = 256 << 20
	}
	if c.RenderTimeout == 0 {
		c.RenderTimeout = 30 * time.Second
	}
	if c.Renders == 0 {
		c.Renders = 2 * runtime.GOMAXPROCS(0)
	}
	return c
}

// Service draws, caches and describes tiles.
type Service struct {
	pool      *pgxpool.Pool
	cfg       Config
	available []*Layer
	missing   map[string]string // layer → why it is not available
	cache     *cache
	clock     *clock
	flight    singleflight.Group // drawings of cacheable tiles, by key and versions
	uncached  rounds             // drawings of the others, by key
	renders   chan struct{}
	sweeps    chan struct{}
	m         *metrics

	layerSets  sync.Map // layer list as asked → its layers
	layerSetsN atomic.Int64
}

// Request is one validated tile request.
type Request struct {
	Layers []*Layer
	Coord  Coord
	Filter Filter
	// MinVersion is the oldest data version the tile may show (0: any): a
	// client that has just written version v names it to see its edit on
	// any node.
	MinVersion int64
}

// Tile is a drawn tile: the MVT bytes, their gzip, and a strong validator.
type Tile struct {
	Raw     []byte
	Gzip    []byte
	ETag    string    // quoted strong entity tag of Raw
	key     string    // the cache key: request and the versions drawn at
	drawn   Versions  // the versions of the layers drawn
	expires time.Time // when a version dated in the future begins; zero: never

	// The header values of the two encodings, made once for every hit.
	ETagHeader, GzipETagHeader     []string
	LengthHeader, GzipLengthHeader []string
}

// finish fills the header values of a drawn tile.
func (t *Tile) finish() *Tile {
	t.ETagHeader = []string{t.ETag}
	t.GzipETagHeader = []string{strings.TrimSuffix(t.ETag, `"`) + `-gz"`}
	t.LengthHeader = []string{strconv.Itoa(len(t.Raw))}
	t.GzipLengthHeader = []string{strconv.Itoa(len(t.Gzip))}
	return t
}

// New returns the tile service reading the database of main (or
// cfg.DatabaseURL). It fails when the database lacks migration 003's
// tables, and serves only the layers whose data exist. Close releases it.
func New(ctx context.Context, main *pgxpool.Pool, cfg Config) (*Service, error) {
	cfg = cfg.withDefaults()
	pool, err := openPool(ctx, main, cfg)
	if err != nil {
		return nil, err
	}
	s, err := build(ctx, pool, cfg)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// openPool opens the tiles' own connections. Their statements run with
// generic plans: each tile statement has the same shape for every tile, and
// PostgreSQL would otherwise re-plan it at every execution (its custom plans
// are no better here), which cost as much as drawing a street-level tile.
// Own connections also keep a burst of tile requests from starving the API.
func openPool(ctx context.Context, main *pgxpool.Pool, cfg Config) (*pgxpool.Pool, error) {
	pcfg := main.Config()
	if cfg.DatabaseURL != "" {
		var err error
		if pcfg, err = pgxpool.ParseConfig(cfg.DatabaseURL); err != nil {
			return nil, fmt.Errorf("tile database url: %w", err)
		}
		postgres.NoJIT(pcfg.ConnConfig.RuntimeParams)
	}
	pcfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	pcfg.ConnConfig.RuntimeParams["application_name"] = "gridmap tiles"
	pcfg.MaxConns = int32(cfg.Renders) + 2 // the version reads need one
	pcfg.MinConns = 0
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("open tile pool: %w", err)
	}
	return pool, nil
}

func build(ctx context.Context, pool *pgxpool.Pool, cfg Config) (*Service, error) {
	var ok bool
	s := &Service{pool: pool, cfg: cfg, missing: map[string]string{}, cache: newCache(max(cfg.CacheBytes, 0)),
		renders: make(chan struct{}, cfg.Renders), sweeps: make(chan struct{}, 1)}
	for _, l := range registry {
		if l.Requires != "" {
			if err := pool.QueryRow(ctx, relationExistsSQL, l.Requires).Scan(&ok); err != nil {
				return nil, fmt.Errorf("check layer %s: %w", l.Name, err)
			}
			if !ok {
				s.missing[l.Name] = "its table " + l.Requires + " does not exist"
				continue
			}
		}
		s.available = append(s.available, l)
	}
	s.clock = newClock(s.readVersions, 5*time.Second)
	s.m = newMetrics(s)
	return s, nil
}

// Close closes the tile service's connections.
func (s *Service) Close() { s.pool.Close() }

// Layers returns the layers this server draws, in drawing order.
func (s *Service) Layers() []*Layer { return s.available }

// ParseRequest validates a tile request: the layer list, z/x/y (y may end
// in .mvt) and the filter query parameters.
func (s *Service) ParseRequest(layers, z, x, y string, q url.Values) (Request, error) {
	var r Request
	var err error
	if r.Layers, err = s.layerSet(layers); err != nil {
		return r, err
	}
	if r.Coord, err = ParseCoord(z, x, y); err != nil {
		return r, err
	}
	r.Filter, err = ParseFilter(q, r.Layers)
	return r, err
}

// ParseRequestQuery is ParseRequest with the raw query string, which it
// parses only when there is one: a plain tile request allocates nothing.
func (s *Service) ParseRequestQuery(layers, z, x, y, rawQuery string) (Request, error) {
	if rawQuery == "" {
		return s.ParseRequest(layers, z, x, y, nil)
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return Request{}, geo.Invalid("query", "malformed query string: %v", err)
	}
	return s.ParseRequest(layers, z, x, y, q)
}

// layerSet parses a layer list, remembering the lists seen (there are few:
// the dashboards ask for the same sets again and again).
func (s *Service) layerSet(list string) ([]*Layer, error) {
	if l, ok := s.layerSets.Load(list); ok {
		return l.([]*Layer), nil
	}
	l, err := parseLayers(list, s.available)
	if err == nil && s.layerSetsN.Add(1) <= maxLayerSets {
		s.layerSets.Store(list, l)
	}
	return l, err
}

// maxLayerSets bounds the remembered layer lists: a client inventing
// spellings cannot grow the map.
const maxLayerSets = 1024

// Get returns the tile for r and whether it came from the cache. The tile
// reflects every edit committed before Get was called — or, with a
// Follower, every edit this node has applied and at least r.MinVersion.
func (s *Service) Get(ctx context.Context, r Request) (*Tile, bool, error) {
	if !r.cacheable() {
		// Drawn fresh from the database, but not from one behind the
		// version asked (a standby that has not replayed an edit).
		if r.MinVersion > 0 {
			if _, err := s.versions(ctx, r.MinVersion); err != nil {
				return nil, false, pgerr.Classify(err)
			}
		}
		s.m.misses.Inc()
		t, err := s.uncached.do(ctx, cacheKey(r, nil), func(ctx context.Context, begin func()) (*Tile, error) {
			return s.renderInSlot(ctx, r, begin)
		})
		return t, false, err
	}
	v, err := s.versions(ctx, r.MinVersion)
	if err != nil {
		return nil, false, pgerr.Classify(err)
	}
	t, key, ok := s.lookup(r, v)
	if ok {
		s.m.hits.Inc()
		return t, true, nil
	}
	s.m.misses.Inc()
	ch := s.flight.DoChan(key, func() (any, error) { return s.renderAndKeep(ctx, key, r) })
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, false, res.Err
		}
		return res.Val.(*Tile), false, nil
	case <-ctx.Done():
		return nil, false, ctx.Err() // the drawing goes on for the others who asked, and is kept
	}
}

// Cached returns r's tile if the cache holds it at the data versions this
// node has applied, without waiting or asking the database (for a caller
// that must not wait: internal/fastlane). It returns false, counting
// nothing, when r is not cacheable, the node follows no change record or
// has not applied r.MinVersion yet, or the tile is not drawn: Get then
// answers.
func (s *Service) Cached(r Request) (*Tile, bool) {
	f := s.cfg.Follower
	if f == nil || !r.cacheable() {
		return nil, false
	}
	v, at := f.LayerVersions()
	if v == nil || at < r.MinVersion {
		return nil, false
	}
	t, _, ok := s.lookup(r, v)
	if !ok {
		return nil, false
	}
	s.m.hits.Inc()
	return t, true
}

// lookup returns r's tile drawn at v from the cache, or the key to keep it
// under once drawn.
func (s *Service) lookup(r Request, v Versions) (t *Tile, key string, ok bool) {
	kb := keyBuffers.Get().(*[]byte)
	*kb = appendCacheKey((*kb)[:0], r, v)
	t, ok = s.cache.getBytes(*kb)
	if !ok {
		key = string(*kb)
	}
	keyBuffers.Put(kb)
	return t, key, ok
}

// versions returns the layers' data versions a request is served at: the
// node's own when it follows the database and is not behind min, else the
// database's, read after the request arrived; EUNAVAILABLE when the
// database too is behind min.
func (s *Service) versions(ctx context.Context, min int64) (Versions, error) {
	if f := s.cfg.Follower; f != nil {
		v, at := f.LayerVersions()
		if v != nil && at >= min {
			return v, nil
		}
		if v != nil && f.WaitVersion(ctx, min, minVersionWait) {
			if v, _ = f.LayerVersions(); v != nil {
				return v, nil
			}
		}
	}
	v, head, err := s.clock.Current(ctx)
	if err == nil && head < min {
		// A tile drawn now would not show every edit the caller has seen
		// (a standby behind, a version not committed yet): 503, as a
		// resolve asking for it gets, not a stale 200.
		return nil, geo.Errorf(geo.EUNAVAILABLE, "min_version",
			"the tiles' database has not reached data version %d yet (it is at %d); retry shortly", min, head)
	}
	return v, err
}

// keyBuffers recycles the buffers cache keys are built in: a hit needs no
// key string, the map is looked up with the bytes.
var keyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 128); return &b }}

// renderAndKeep draws the tile for one flight of identical requests. It
// runs detached from the first requester, who may hang up while others wait.
func (s *Service) renderAndKeep(ctx context.Context, key string, r Request) (*Tile, error) {
	if t, ok := s.cache.get(key); ok { // drawn by the flight that just ended
		return t, nil
	}
	t, err := s.renderInSlot(context.WithoutCancel(ctx), r, func() {})
	if err != nil {
		return nil, err
	}
	s.cache.put(t)
	return t, nil
}

// cacheable reports whether every layer drawn at the zoom has a data
// version: a tile drawing an untracked layer is never cached.
func (r Request) cacheable() bool {
	for _, l := range r.Layers {
		if l.drawnAt(r.Coord.Z) && l.drawnFresh() {
			return false
		}
	}
	return true
}

// renderInSlot draws a tile once it holds one of the render slots, all
// within RenderTimeout of ctx: for a flight of cacheable tiles, or under the
// context of a round of uncacheable ones. It calls begin once it holds the
// slot, before it reads anything.
func (s *Service) renderInSlot(ctx context.Context, r Request, begin func()) (*Tile, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.RenderTimeout)
	defer cancel()
	select {
	case s.renders <- struct{}{}:
		defer func() { <-s.renders }()
	case <-ctx.Done():
		return nil, pgerr.Classify(ctx.Err()) // RenderTimeout without a slot: unavailable
	}
	begin()
	start := time.Now()
	t, err := s.render(ctx, r)
	if err == nil {
		s.m.renderSeconds.WithLabelValues(zoomLabel(r.Coord.Z)).Observe(time.Since(start).Seconds())
	}
	return t, err
}

// cacheKey names a tile: its layers, coordinates and filter, and the
// versions of the data each layer drawn at this zoom depends on. Layers
// not drawn at the zoom contribute no version: an edit of grids leaves
// the low-zoom tiles of "district,grid" cached.
func cacheKey(r Request, v Versions) string { return string(appendCacheKey(nil, r, v)) }

// appendCacheKey appends r's cache key: the request and the versions of the
// layers it draws.
func appendCacheKey(b []byte, r Request, v Versions) []byte {
	for i, l := range r.Layers {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, l.Name...)
	}
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(r.Coord.Z), 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(r.Coord.X), 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(r.Coord.Y), 10)
	b = append(b, '?')
	if r.Filter.IsZero() {
		// What a caller may see is part of the key even with no filter: an
		// anonymous caller must never be served a signed-in caller's tile.
		b = r.Filter.Privacy.appendKey(b)
	} else {
		b = append(b, r.Filter.Key()...)
	}
	b = append(b, '#')
	for _, l := range r.Layers {
		if !l.drawnAt(r.Coord.Z) {
			continue
		}
		for _, d := range l.Versions {
			b = append(b, d...)
			b = append(b, '=')
			b = strconv.AppendInt(b, v[d], 10)
			b = append(b, ';')
		}
	}
	return b
}
