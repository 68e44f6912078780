package importer

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// Local codes. Many offices number grids 1, 2, 3... within their community
// and keep no parent code in the file; with the level given, such a
// feature's parent is the unit of the level above that covers most of it
// (among the file's features and the stored units the file does not
// replace), and its code is that parent's code followed by the number.
// Where the file names the parent (所属社区: 新华路社区), only units of that
// name are candidates, committee suffixes aside: two communities drawn
// overlapping cannot take each other's grids.

// localParentsSQL finds the parent of each local-code feature of level $1
// among the units of level $2. Features of coarser levels are placed first
// (placeLocalCodes goes level by level), so a file may number both its
// communities and their grids.
var localParentsSQL = `
WITH cand AS (
  SELECT s.idx, p.code, ST_Area(ST_Intersection(s.fixed, p.g)) AS a
  FROM import_stage s
  CROSS JOIN LATERAL (
    SELECT x.code, x.name, x.fixed AS g FROM import_stage x
    WHERE x.ok AND x.seq IS NULL AND x.level = $2 AND x.fixed && s.fixed
    UNION ALL
    SELECT u.code, u.name, u.geom FROM unit u
    WHERE u.valid_to IS NULL AND u.level = $2 AND u.geom && s.fixed
      AND NOT EXISTS (SELECT 1 FROM import_stage y WHERE y.code = u.code)
  ) p
  WHERE s.ok AND s.seq IS NOT NULL AND s.level = $1
    AND (s.parent_name IS NULL OR ` + bare("s.parent_name") + ` = ` + bare("p.name") + `)
), best AS (
  SELECT DISTINCT ON (idx) idx, code, a FROM cand WHERE a > 0 ORDER BY idx, a DESC, code
)
SELECT s.idx, s.seq, coalesce(s.parent_name, ''), coalesce(b.code, ''), coalesce(b.a / nullif(ST_Area(s.fixed), 0), 0),
       ST_X(ST_PointOnSurface(s.fixed)), ST_Y(ST_PointOnSurface(s.fixed))
FROM import_stage s LEFT JOIN best b USING (idx)
WHERE s.ok AND s.seq IS NOT NULL AND s.level = $1
ORDER BY s.idx`

// placeSQL gives placed features their parent and full code.
const placeSQL = `
UPDATE import_stage s SET code = p.code, parent_code = p.parent, seq = NULL
FROM unnest($1::int[], $2::text[], $3::text[]) AS p(idx, code, parent) WHERE s.idx = p.idx`

// placeLocalCodes places the local-code features, coarse levels first.
func (r *run) placeLocalCodes(ctx context.Context) error {
	for _, l := range geo.Levels[1:] {
		up, _ := l.Parent()
		if err := r.placeLevel(ctx, l, up); err != nil {
			return fmt.Errorf("place local codes of %s: %w", l, err)
		}
	}
	return nil
}

func (r *run) placeLevel(ctx context.Context, l, up geo.Level) error {
	rows, _ := r.tx.Query(ctx, localParentsSQL, string(l), string(up))
	var idx int
	var seq, named, parent string
	var share, x, y float64
	var idxs []int32
	var codes, parents []string
	_, err := pgx.ForEachRow(rows, []any{&idx, &seq, &named, &parent, &share, &x, &y}, func() error {
		loc := &orb.Point{x, y}
		code := parent + seq
		switch first, dup := r.read.m.seen[code]; {
		case parent == "" && named != "":
			r.add(idx, seq, geo.SeverityError, geo.IssueUnknownParent, loc, "local code %s: the file names its parent %s, but no %s of that name, in the file or stored, covers the feature; check the name, or give the parent code",
				seq, clipText(named, 40), up)
		case parent == "":
			r.add(idx, seq, geo.SeverityError, geo.IssueUnknownParent, loc, "local code %s: the feature lies in no %s, in the file or stored; give the parent code", seq, up)
		case dup:
			r.add(idx, code, geo.SeverityError, geo.IssueDuplicateCode, loc, "local code %s in %s gives code %s, which feature #%d has too", seq, parent, code, first)
		case r.opts.Within != "" && !strings.HasPrefix(code, r.opts.Within):
			r.add(idx, code, geo.SeverityError, geo.IssueBadCode, loc, "code %s is outside %s, the scope this import may change", code, r.opts.Within)
		default:
			r.read.m.seen[code] = idx
			idxs, codes, parents = append(idxs, int32(idx)), append(codes, code), append(parents, parent)
			if share < 0.5 {
				r.add(idx, code, geo.SeverityWarning, geo.IssueParentMismatch, loc, "local code %s placed in %s, which covers only %.0f%% of it", seq, parent, 100*share)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(idxs) > 0 {
		if _, err := r.tx.Exec(ctx, placeSQL, idxs, codes, parents); err != nil {
			return err
		}
	}
	return r.flushBad(ctx)
}
