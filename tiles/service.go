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
	// Renders bounds the cacheable tiles drawn at once, so a dashboard
	// zooming out cannot take every database connection (default 2 per
	// CPU); the uncached ones (reports, density, patrols) have half as many
	// slots of their own beside them (fair.go).
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
// a bounded wait for a newer one, and where the changes it applied lie
// (reach.go). geo.Service is one.
type Follower interface {
	LayerVersions() (map[string]int64, int64)
	WaitVersion(ctx context.Context, v int64, d time.Duration) bool
	TileChangesSince(v int64) ([]geo.TileChange, bool)
	TileEpoch() uint64
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
	reach     *reach             // with a Follower: the tiles its changes reached
	flight    singleflight.Group // drawings of cacheable tiles, by key and versions
	uncached  rounds             // drawings of the others, by key
	renders   chan struct{}      // slots of the cacheable tiles' drawings
	fresh     chan struct{}      // of the others' (fair.go)
	clients   *clientTurns       // turns of each client at the others' drawings
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
	// Client names who asks (an address), so that one client's uncached
	// tiles wait behind each other, not behind everyone's (fair.go).
	Client string
}

// Tile is a drawn tile: the MVT bytes, their gzip, and a strong validator.
type Tile struct {
	Raw     []byte
	Gzip    []byte
	ETag    string   // quoted strong entity tag of Raw
	key     string   // the cache key: request and the versions drawn at
	drawn   Versions // the versions of the layers drawn
	keyed   Versions // the versions in the key (with a Follower, the latest changes that reached it)
	coord   Coord
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
	pcfg.MaxConns = int32(cfg.Renders+freshSlots(cfg.Renders)) + 2 // the version reads need one
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
		renders: make(chan struct{}, cfg.Renders), fresh: make(chan struct{}, freshSlots(cfg.Renders)),
		clients: newClientTurns(freshPerClient(freshSlots(cfg.Renders))), sweeps: make(chan struct{}, 1)}
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
	if cfg.Follower != nil {
		s.reach = newReach(cfg.Follower, s.available)
	}
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
