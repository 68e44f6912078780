package importer

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// sliver is one hairline gap or overlap the audit found among the children
// of an affected parent.
type sliver struct {
	parent string
	codes  []string // the units it lies between: two for an overlap, one sticking out, none for a gap
	area   float64
	loc    orb.Point
}

// sliverSum gathers the slivers under one parent into one issue.
type sliverSum struct {
	n    int
	area float64
	max  float64
	loc  orb.Point
}

func (s *sliverSum) add(sl sliver) {
	s.n++
	s.area += sl.area
	if sl.area > s.max {
		s.max, s.loc = sl.area, sl.loc
	}
}

// ourSliversSQL picks, among the slivers ($1 parents, $2 codes joined by
// commas, $3 and $4 a point of each; numbered from 1), those the import
// made: it drew anew the sliver's parent or a unit the sliver names,
// retired a child of its parent ($6), or — for a gap, which names no unit
// — drew anew a child of its parent within $5 metres of the sliver. Only
// new geometry makes slivers: a renamed unit makes none. Each test is its
// own EXISTS so that it can use an index.
const ourSliversSQL = `
SELECT coalesce(array_agg(s.i), '{}') FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[])
  WITH ORDINALITY AS s(parent, codes, x, y, i)
WHERE EXISTS (SELECT 1 FROM import_stage t WHERE t.code = s.parent AND t.ok AND t.moved)
   OR EXISTS (SELECT 1 FROM import_stage t
              WHERE t.code = ANY(string_to_array(s.codes, ',')) AND t.ok AND t.moved)
   OR EXISTS (SELECT 1 FROM unit u WHERE u.code = ANY($6::text[]) AND u.parent_code = s.parent)
   OR s.codes = '' AND EXISTS (
        SELECT 1 FROM import_stage t
        WHERE t.parent_code = s.parent AND t.ok AND t.moved
          AND ST_DWithin(t.fixed::geography, ST_SetSRID(ST_MakePoint(s.x, s.y), 4326)::geography, $5))`

// reportSlivers adds one warning a parent for the slivers the import made
// among its children, and one note for those that were there before it:
// an import under a parent used to repeat all its old slivers as its own
// warnings (a newcomer's walkthrough), and a strict import failed on them.
func (r *run) reportSlivers(ctx context.Context, slivers []sliver) error {
	if len(slivers) == 0 {
		return nil
	}
	ours, err := r.oursAmong(ctx, slivers)
	if err != nil {
		return err
	}
	made, before := map[string]*sliverSum{}, map[string]*sliverSum{}
	var order []string
	for i, sl := range slivers {
		if made[sl.parent] == nil {
			made[sl.parent], before[sl.parent] = &sliverSum{}, &sliverSum{}
			order = append(order, sl.parent)
		}
		if ours[i] {
			made[sl.parent].add(sl)
		} else {
			before[sl.parent].add(sl)
		}
	}
	what := fmt.Sprintf("(hairline gaps or overlaps under %s or %g m wide)", geo.FormatArea(r.opts.Tolerance.AreaM2), r.opts.Tolerance.WidthM)
	for _, p := range order {
		if s := made[p]; s.n > 0 {
			r.addSlivers(p, geo.SeverityWarning, s, fmt.Sprintf("%s %s among its children, %s in all", geo.Count(s.n, "sliver"), what, geo.FormatArea(s.area)))
		}
		if s := before[p]; s.n > 0 {
			r.addSlivers(p, geo.SeverityNote, s, fmt.Sprintf("%s %s among its children that this file did not touch, %s in all: "+
				"there before it (see the audit)", geo.Count(s.n, "sliver"), what, geo.FormatArea(s.area)))
		}
	}
	return nil
}

func (r *run) addSlivers(parent string, sev geo.Severity, s *sliverSum, msg string) {
	loc := s.loc
	r.report.Add(geo.ImportIssue{Index: r.indexOf(parent), Code: parent, Severity: sev, Kind: geo.IssueSliver,
		Location: &loc, AreaM2: s.area, Message: msg})
}

// oursAmong says which slivers the import made (ourSliversSQL). A gap
// sliver's point lies within its width of the units on either side, or
// within the radius of its area when it is small rather than thin; twice
// the larger of the two tolerances reaches them.
func (r *run) oursAmong(ctx context.Context, slivers []sliver) ([]bool, error) {
	n := len(slivers)
	parents, codes, xs, ys := make([]string, n), make([]string, n), make([]float64, n), make([]float64, n)
	for i, sl := range slivers {
		parents[i], codes[i], xs[i], ys[i] = sl.parent, strings.Join(sl.codes, ","), sl.loc[0], sl.loc[1]
	}
	reach := 2 * max(r.opts.Tolerance.WidthM, math.Sqrt(r.opts.Tolerance.AreaM2))
	var picked []int64
	if err := r.tx.QueryRow(ctx, ourSliversSQL, parents, codes, xs, ys, reach, r.retired).Scan(&picked); err != nil {
		return nil, fmt.Errorf("tell the import's slivers from older ones: %w", err)
	}
	ours := make([]bool, n)
	for _, i := range picked {
		ours[i-1] = true
	}
	return ours, nil
}
