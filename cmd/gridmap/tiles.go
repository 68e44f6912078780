package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridmap-dev/gridmap/tiles"
)

// tileConfig is serve's vector tile settings.
type tileConfig struct {
	cacheMB     int
	maxAge      time.Duration
	databaseURL string
}

// tileFlags adds serve's tile flags.
func tileFlags(fs *flag.FlagSet, t *tileConfig) {
	fs.IntVar(&t.cacheMB, "tile-cache-mb", 256,
		"memory for cached tiles, in MiB; 0 disables the cache (env GRIDMAP_TILE_CACHE_MB)")
	fs.DurationVar(&t.maxAge, "tile-max-age", 0,
		"Cache-Control max-age of tiles; 0 sends no-cache, so browsers revalidate and see every edit at once (env GRIDMAP_TILE_MAX_AGE)")
	fs.StringVar(&t.databaseURL, "tile-database-url", "",
		"read tiles from this database, e.g. a read replica (edits show once it has replayed them); default: --database-url (env GRIDMAP_TILE_DATABASE_URL)")
}

// openTiles checks the flags and opens the tile service on pool. When tiles
// are drawn from the database the node follows, its applied data versions
// key the cache (no query per tile); from a --tile-database-url replica,
// the versions are read from that replica.
func openTiles(ctx context.Context, t tileConfig, pool *pgxpool.Pool, follower tiles.Follower) (*tiles.Service, error) {
	if t.cacheMB < 0 || t.maxAge < 0 {
		return nil, fmt.Errorf("--tile-cache-mb and --tile-max-age must not be negative")
	}
	cfg := tiles.Config{CacheBytes: int64(t.cacheMB) << 20, DatabaseURL: t.databaseURL}
	if t.databaseURL == "" {
		cfg.Follower = follower
	}
	if t.cacheMB == 0 {
		cfg.CacheBytes = -1 // disabled
	}
	svc, err := tiles.New(ctx, pool, cfg)
	if err != nil {
		return nil, fmt.Errorf("open tile service: %w", err)
	}
	return svc, nil
}
