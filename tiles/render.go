package tiles

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/gridmap-dev/gridmap/geo/postgres/pgerr"
	"github.com/jackc/pgx/v5"
)

// drawnLayer is one layer's part of a tile.
type drawnLayer struct {
	versions []int64
	pending  *float64 // seconds until a future-dated version begins, if any
	mvt      []byte
}

// render draws every layer of r: the stored layers in one batch (one round
// trip; each statement reports the versions of the snapshot it drew from),
// the computed ones after it. MVT layers concatenate into one tile.
func (s *Service) render(ctx context.Context, r Request) (*Tile, error) {
	start := time.Now() // before the database's now(): expiries err on the early side
	parts := make([]drawnLayer, len(r.Layers))
	batch := &pgx.Batch{}
	for i, l := range r.Layers {
		if !l.drawnAt(r.Coord.Z) || l.sql == "" {
			continue
		}
		args := append([]any{r.Coord.Z, r.Coord.X, r.Coord.Y, l.Versions}, r.Filter.args(l)...)
		batch.Queue(l.sql, args...).QueryRow(func(row pgx.Row) error {
			return row.Scan(&parts[i].versions, &parts[i].pending, &parts[i].mvt)
		})
	}
	if batch.Len() > 0 {
		if err := s.pool.SendBatch(ctx, batch).Close(); err != nil {
			return nil, pgerr.Classify(fmt.Errorf("draw tile %s: %w", r.Coord, err))
		}
	}
	for i, l := range r.Layers {
		if !l.drawnAt(r.Coord.Z) || l.render == nil {
			continue
		}
		v, mvt, err := l.render(ctx, s.pool, l, r.Coord, r.Filter)
		if err != nil {
			return nil, pgerr.Classify(fmt.Errorf("draw layer %s of tile %s: %w", l.Name, r.Coord, err))
		}
		parts[i] = drawnLayer{versions: v, mvt: mvt}
	}
	return assemble(r, parts, start)
}

// assemble concatenates the layers, compresses them once and names the
// result: the cache key from the versions actually drawn (newer than the
// ones the request read, if an edit landed in between), the ETag, and the
// moment a pending version begins, after which the tile must not be served.
func assemble(r Request, parts []drawnLayer, start time.Time) (*Tile, error) {
	drawn := Versions{}
	var expires time.Time
	var raw []byte
	for i, l := range r.Layers {
		p := parts[i]
		if !l.drawnAt(r.Coord.Z) {
			continue
		}
		if len(p.versions) != len(l.Versions) {
			return nil, fmt.Errorf("layer %s reported %d versions, want %d", l.Name, len(p.versions), len(l.Versions))
		}
		for j, d := range l.Versions {
			drawn[d] = max(drawn[d], p.versions[j])
		}
		if p.pending != nil {
			if at := start.Add(time.Duration(*p.pending * float64(time.Second))); expires.IsZero() || at.Before(expires) {
				expires = at
			}
		}
		raw = append(raw, p.mvt...)
	}
	gz, err := gzipped(raw)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	t := &Tile{Raw: raw, Gzip: gz, drawn: drawn, expires: expires,
		ETag: `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`}
	t.key = cacheKey(r, drawn)
	return t.finish(), nil
}

func gzipped(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b)/2 + 64)
	w, err := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
