package importer

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
)

// The staging table lives in the import's transaction and disappears with
// it (ON COMMIT DROP also applies to a rollback): a killed import leaves
// nothing behind. Geometry arrives as WKB in the file's coordinates and is
// reprojected and repaired in place.
const createStageSQL = `CREATE TEMP TABLE import_stage (
  idx         int PRIMARY KEY,
  code        text NOT NULL,
  name        text NOT NULL,
  level       text NOT NULL,
  parent_code text,
  props       jsonb NOT NULL,
  wkb         bytea,
  ok          boolean NOT NULL,
  geom        geometry,
  fixed       geometry(MultiPolygon, 4326),
  reason      text,
  loc         geometry,
  action      text,
  moved       boolean, -- its geometry is new: created, or changed beyond 0.1 mm
  seq         text, -- a local code waiting for its parent; code is then a placeholder
  parent_name text, -- the parent as the file names it, when it gives a name
  managing    text, -- an enclave's managing unit as the file gives it (a code or a name)
  managing_code text, -- and as found among the current units
  status      text, -- an enclave's status
  note        text  -- an enclave's reason
) ON COMMIT DROP`

var stageColumns = []string{"idx", "code", "name", "level", "parent_code", "props", "wkb", "ok", "seq", "parent_name",
	"managing", "status", "note"}

// staged remembers, per staged feature with a geometry, what the range
// check needs once the file's CRS is known.
type staged struct {
	idx   int
	code  string
	bound orb.Bound
}

// reading is the state of the copy from a reader into the staging table.
type reading struct {
	r        Reader
	m        *mapper
	progress Progress
	rows     []staged
	count    int
	err      error // the reader's error, kept apart from COPY's
}

// next feeds pgx's COPY: the next stageable feature, mapped and checked.
func (s *reading) next() ([]any, error) {
	for {
		f, err := s.r.Next()
		if errors.Is(err, io.EOF) {
			return nil, nil // pgx's end of rows
		}
		if err != nil {
			s.err = err
			return nil, err
		}
		s.count++
		if s.count%512 == 0 {
			s.progress.Set(s.r.Progress())
		}
		if err := s.m.checkNamed(f.Attrs); err != nil {
			s.err = err
			return nil, err
		}
		r, ok := s.m.feature(f)
		if !ok {
			continue
		}
		if r.wkb != nil {
			s.rows = append(s.rows, staged{idx: r.idx, code: r.code, bound: r.bound})
		}
		code, parent, seq := r.code, nullable(r.parent), nullable(r.seq)
		if r.seq != "" {
			code = fmt.Sprintf("#%d", r.idx) // unique until placeLocalCodes gives the real code
		}
		return []any{int32(r.idx), code, r.name, string(r.level), parent, r.props, r.wkb, r.wkb != nil, seq,
			nullable(r.parentName), nullable(r.managing), nullable(r.status), r.note}, nil
	}
}

// stage creates the staging table and copies every feature into it.
func stage(ctx context.Context, tx pgx.Tx, s *reading) error {
	if _, err := tx.Exec(ctx, createStageSQL); err != nil {
		return fmt.Errorf("create staging table: %w", err)
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"import_stage"}, stageColumns, pgx.CopyFromFunc(s.next))
	if s.err != nil {
		return s.err // the file's fault, reported as it is
	}
	if err != nil {
		return fmt.Errorf("copy into staging: %w", err)
	}
	// Codes are unique among staged features (the mapper refuses
	// duplicates); the checks look features up by code.
	for _, q := range []string{`CREATE UNIQUE INDEX ON import_stage (code)`, `CREATE INDEX ON import_stage (parent_code)`, `ANALYZE import_stage`} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("index staging: %w", err)
		}
	}
	s.progress.Set(s.r.Progress())
	return nil
}
