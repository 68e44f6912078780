package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"

	"github.com/gridmap-dev/gridmap/geo"
)

// Splitting a unit along a line. PostGIS cuts it (ST_Split): the two parts
// keep every vertex of the unit exactly, so the edges shared with the
// neighbours stay shared, and share the cut between them. The children go
// to the part that covers most of each; those that land in a part with a
// new code take new codes under it (topology_recode.go).

// splitSQL cuts unit $1 with line $2 and returns the pieces with their
// geodesic areas and a point inside each.
const splitSQL = `
SELECT ST_Multi(d.geom), ST_Area(d.geom::geography), ST_X(ST_PointOnSurface(d.geom)), ST_Y(ST_PointOnSurface(d.geom))
FROM unit u, LATERAL ST_Dump(ST_Split(u.geom, $2::geometry)) d
WHERE u.code = $1 AND u.valid_to IS NULL`

// childSharesSQL measures how much of each child of $1 lies in part $2 and in part $3.
const childSharesSQL = `
SELECT c.code, ST_Area(ST_Intersection(c.geom, $2::geometry)), ST_Area(ST_Intersection(c.geom, $3::geometry))
FROM unit c WHERE c.parent_code = $1 AND c.valid_to IS NULL ORDER BY c.code`

// splitPart is one side of a split.
type splitPart struct {
	geom orb.MultiPolygon
	area float64 // m²
	at   orb.Point
}

// SplitUnit splits a unit in two along a line, in one transaction.
func (db *DB) SplitUnit(ctx context.Context, actor string, s geo.UnitSplit) (geo.TopologyResult, error) {
	if err := s.Validate(); err != nil {
		return geo.TopologyResult{}, err
	}
	return db.topology(ctx, actor, s.Allow, s.Key(), "split unit "+s.Code, func(e *topoEdit) error {
		if err := e.lock("unit", s.Code); err != nil {
			return err
		}
		u, err := e.currentUnit(s.Code)
		if err != nil {
			return err
		}
		return e.planSplit(u, s)
	})
}

// currentUnit reads the current version of one unit, or ENOTFOUND.
func (e *topoEdit) currentUnit(code string) (geo.Unit, error) {
	units, err := e.currentUnits([]string{code})
	if err != nil {
		return geo.Unit{}, err
	}
	if len(units) == 0 {
		return geo.Unit{}, geo.Errorf(geo.ENOTFOUND, "code", "no current unit has code %s", code)
	}
	return units[0], nil
}

// planSplit plans the two parts (the counts, households and population,
// stay with the one that keeps the code, else the larger:
// geo.SplitProperties), the
// retirement of the code if neither part keeps it, and where the children
// and enclaves go.
func (e *topoEdit) planSplit(u geo.Unit, s geo.UnitSplit) error {
	parts, err := e.split(u, s.Line)
	if err != nil {
		return err
	}
	codes, err := e.splitCodes(u, s.Codes, parts)
	if err != nil {
		return err
	}
	keeper := slices.Index(codes[:], u.Code)
	if keeper < 0 {
		keeper = larger(parts)
	}
	props := geo.SplitProperties(u.Properties, keeper)
	for i, p := range parts {
		name := s.Names[i]
		if name == "" {
			name = u.Name
			if codes[i] != u.Code {
				name = geo.SplitPartName(u.Name, codes[i])
			}
		}
		e.change(geo.Unit{Code: codes[i], Level: u.Level, Name: name, ParentCode: u.ParentCode,
			Properties: props[i], Geom: p.geom})
	}
	if codes[0] != u.Code && codes[1] != u.Code {
		e.retire(u)
		if err := e.handEnclaves([]string{u.Code}, codes[larger(parts)]); err != nil {
			return err
		}
	}
	return e.splitChildren(u, codes, parts)
}

// split cuts u with the line into exactly two parts, left of it first.
func (e *topoEdit) split(u geo.Unit, line orb.LineString) ([2]splitPart, error) {
	var parts [2]splitPart
	l, err := lineToGeom(line)
	if err != nil {
		return parts, geo.Invalid("line", "%v", err)
	}
	rows, _ := e.tx.Query(e.ctx, splitSQL, u.Code, l)
	var pieces []splitPart
	var g geom.MultiPolygon
	var p splitPart
	_, err = pgx.ForEachRow(rows, []any{&g, &p.area, &p.at[0], &p.at[1]}, func() error {
		p.geom = toOrb(&g)
		pieces = append(pieces, p)
		return nil
	})
	if err != nil {
		return parts, err
	}
	if len(pieces) != 2 {
		return parts, geo.Invalid("line", "the line cuts unit %s into %d piece(s): draw it across the unit once, from outside to outside", u.Code, len(pieces))
	}
	a, b := geo.SideOfLine(line, pieces[0].at), geo.SideOfLine(line, pieces[1].at)
	switch {
	case a == 1 && b == -1:
		return [2]splitPart{pieces[0], pieces[1]}, nil
	case a == -1 && b == 1:
		return [2]splitPart{pieces[1], pieces[0]}, nil
	}
	return parts, geo.Invalid("line", "the two parts of %s do not lie on either side of the line; draw a simpler line", u.Code)
}

// larger is the index of the larger part.
func larger(parts [2]splitPart) int {
	if parts[1].area > parts[0].area {
		return 1
	}
	return 0
}

// splitCodes are the parts' codes: the ones given (checked), or the larger
// part keeps the unit's code and the other takes the next free one.
func (e *topoEdit) splitCodes(u geo.Unit, given [2]string, parts [2]splitPart) ([2]string, error) {
	if given[0] == "" {
		used, err := e.usedSequences(u.ParentCode)
		if err != nil {
			return given, err
		}
		next, err := geo.NextFreeCode(u.ParentCode, u.Code, used)
		if err != nil {
			return given, err
		}
		codes := [2]string{next, next}
		codes[larger(parts)] = u.Code
		return codes, e.lock("unit", next)
	}
	for i, c := range given {
		if c == u.Code {
			continue
		}
		if err := e.checkFreeCode(fmt.Sprintf("codes[%d]", i), c, u); err != nil {
			return given, err
		}
	}
	return given, nil
}

// checkFreeCode checks a code given for a new sibling of u: its shape, its
// parent, and that no current unit has it.
func (e *topoEdit) checkFreeCode(field, code string, u geo.Unit) error {
	if err := geo.CheckNewCode(field, code, u.Level, u.ParentCode); err != nil {
		return err
	}
	if err := e.lock("unit", code); err != nil {
		return err
	}
	taken, err := e.currentUnits([]string{code})
	if err != nil {
		return err
	}
	if len(taken) > 0 {
		return geo.Errorf(geo.ECONFLICT, field, "%s is a current unit (%s); choose a free code", code, taken[0].Name)
	}
	return nil
}

// splitChildren sends each child of u to the part that covers most of it;
// the children of a part with a new code take codes under it.
func (e *topoEdit) splitChildren(u geo.Unit, codes [2]string, parts [2]splitPart) error {
	children, err := e.childrenOf(u.Code)
	if err != nil || len(children) == 0 {
		return err
	}
	g0, err := toGeom(parts[0].geom)
	if err != nil {
		return err
	}
	g1, err := toGeom(parts[1].geom)
	if err != nil {
		return err
	}
	rows, _ := e.tx.Query(e.ctx, childSharesSQL, u.Code, g0, g1)
	side := map[string]int{}
	var code string
	var in0, in1 float64
	if _, err := pgx.ForEachRow(rows, []any{&code, &in0, &in1}, func() error {
		side[code] = 0
		if in1 > in0 || in1 == in0 && codes[1] == u.Code {
			side[code] = 1
		}
		return nil
	}); err != nil {
		return err
	}
	var moving [2][]geo.Unit
	for _, c := range children {
		if i := side[c.Code]; codes[i] != u.Code {
			moving[i] = append(moving[i], c)
		}
	}
	for i := range moving {
		if err := e.moveChildren(moving[i], codes[i]); err != nil {
			return err
		}
	}
	return nil
}
