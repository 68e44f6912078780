// Package demo builds the demo city: the 15 real Tianjin districts and,
// inside them, synthetic streets, communities and grids with the real codes
// and names, one enclave, two unmanaged gaps and one overlap. The build is
// deterministic: the same binary and PostGIS give the same codes and
// geometry every time.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// Scale chooses how much of Tianjin is subdivided.
type Scale string

// The scales.
const (
	// ScaleDemo subdivides 南开区 fully (12 streets, 171 communities, ~1,464
	// grids) and 东丽区 万新街道 (its communities and grids).
	ScaleDemo Scale = "demo"
	// ScaleCity subdivides every district with its real streets and
	// communities, about 50,000 grids.
	ScaleCity Scale = "city"
	// ScaleProvince subdivides like ScaleCity but gives every community 56
	// to 75 grids, about 300,000 in all: the size of a province's grid map,
	// for benchmarks (boundaries only: no demo week of reports).
	ScaleProvince Scale = "province"
)

// ParseScale returns the scale named s.
func ParseScale(s string) (Scale, error) {
	switch sc := Scale(s); sc {
	case ScaleDemo, ScaleCity, ScaleProvince:
		return sc, nil
	}
	return "", geo.Invalid("scale", "unknown scale %q; want demo, city or province", s)
}

// The planted features, fixed so tests and docs can name them.
const (
	NankaiCode        = "120104"
	DongliCode        = "120110"
	HedongCode        = "120102"
	WanxinCode        = "120110003"
	BaihechuntianCode = "120110003021"
	EnclaveCode       = "E120110001"
	EnclaveName       = "沙柳北路64排"
	EnclaveReason     = "former enterprise housing, unmanaged"
	NankaiGrids       = 1464
	// The streets where the defects are planted (see builder.plant).
	GapDroppedStreet = "120104003" // 兴南街道
	GapCarvedStreet  = "120104009" // 王顶堤街道
	OverlapStreet    = "120104007" // 向阳路街道
)

// validFrom is the start of every demo version: fixed, so that builds are
// identical and "at" queries before it find nothing.
var validFrom = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Summary tells what a build made.
type Summary struct {
	Scale    Scale
	Counts   map[geo.Level]int
	Enclaves int
	Repaired []string // district codes repaired with ST_MakeValid, with the reason
	Planted  Planted
	Duration time.Duration
}

// Build replaces all boundaries in db with the demo city, in one
// transaction. progress, if not nil, is told each step as it starts.
func Build(ctx context.Context, db *postgres.DB, scale Scale, progress func(step string)) (Summary, error) {
	sum, _, err := build(ctx, db, scale, progress, false)
	return sum, err
}

// BuildIfEmpty builds the demo city only if db holds no unit at all. Service
// replicas starting together take turns on an advisory lock, so only the
// first builds.
func BuildIfEmpty(ctx context.Context, db *postgres.DB, scale Scale, progress func(step string)) (Summary, bool, error) {
	return build(ctx, db, scale, progress, true)
}

// demoLock is the advisory lock key serialising demo builds ("gridmap demo").
const demoLock = 0x67726964_64656d6f

func build(ctx context.Context, db *postgres.DB, scale Scale, progress func(string), onlyIfEmpty bool) (Summary, bool, error) {
	if progress == nil {
		progress = func(string) {}
	}
	start := time.Now()
	sum := Summary{Scale: scale, Counts: map[geo.Level]int{}}
	codes, err := loadCodes()
	if err != nil {
		return sum, false, err
	}
	built := false
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(demoLock)); err != nil {
			return err
		}
		if onlyIfEmpty {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM unit)`).Scan(&exists); err != nil || exists {
				return err
			}
		}
		built = true
		b := &builder{ctx: ctx, tx: tx, codes: codes, scale: scale, progress: progress, sum: &sum}
		return b.run()
	})
	if err != nil {
		return sum, false, fmt.Errorf("build demo city: %w", err)
	}
	sum.Duration = time.Since(start)
	return sum, built, nil
}

// Planted names the grids involved in the planted defects.
type Planted struct {
	DroppedGrid  string    // left out: its land is an unmanaged gap
	CarvedGrid   string    // has a 60 m hole: an unmanaged gap inside its community
	OverlapGrids [2]string // the first grows 40 m into the second
}

type builder struct {
	ctx      context.Context
	tx       pgx.Tx
	codes    *codeBook
	scale    Scale
	progress func(string)
	sum      *Summary
}

func (b *builder) run() error {
	steps := []struct {
		name string
		fn   func() error
	}{
		{"reset boundaries", b.reset},
		{"load 15 real districts (repairing invalid ones)", b.districts},
		{"synthesise streets", b.streets},
		{"synthesise communities", b.communities},
		{"synthesise grids", b.grids},
		{"plant two gaps and one overlap", b.plant},
		{"place the enclave " + EnclaveName, b.enclave},
		{"replace all reports with a demo week of reports and patrols", b.reports},
		{"count", b.count},
	}
	for _, s := range steps {
		b.progress(s.name)
		if err := s.fn(); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

func (b *builder) exec(sql string, args ...any) error {
	_, err := b.tx.Exec(b.ctx, sql, args...)
	return err
}

func (b *builder) reset() error {
	if err := b.exec(`SELECT set_config('gridmap.actor', 'demo', true)`); err != nil {
		return err
	}
	if err := b.exec(resetSQL); err != nil {
		return err
	}
	return b.exec(`SELECT gridmap_bump(ARRAY['district','street','community','grid','microgrid','enclave'])`)
}

func (b *builder) count() error {
	rows, err := b.tx.Query(b.ctx, countsSQL)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var level string
		var n int
		if err := rows.Scan(&level, &n); err != nil {
			return err
		}
		b.sum.Counts[geo.Level(level)] = n
	}
	b.sum.Enclaves = 1
	return rows.Err()
}
