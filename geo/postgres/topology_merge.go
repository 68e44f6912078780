package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"

	"github.com/gridmap-dev/gridmap/geo"
)

// Merging touching siblings. The union (ST_UnaryUnion) drops the edges
// the siblings shared and keeps their outer vertices exactly, so the edges
// shared with the other neighbours stay shared. The unit that keeps its
// code gets the union as its next version; the others are retired, and
// their children and enclaves move to it.

// unionSQL unites the current versions of the units $1 and counts the
// separate areas the union has.
const unionSQL = `
SELECT ST_Multi(g), ST_NumGeometries(g)
FROM (SELECT ST_UnaryUnion(ST_Collect(geom)) AS g FROM unit WHERE code = ANY($1) AND valid_to IS NULL) x`

// MergeUnits merges touching siblings into one unit, in one transaction.
func (db *DB) MergeUnits(ctx context.Context, actor string, m geo.UnitMerge) (geo.TopologyResult, error) {
	if err := m.Validate(); err != nil {
		return geo.TopologyResult{}, err
	}
	target := m.Target()
	return db.topology(ctx, actor, m.Allow, m.Key(), "merge units "+strings.Join(m.Codes, ", "), func(e *topoEdit) error {
		if err := e.lock("unit", append([]string{target}, m.Codes...)...); err != nil {
			return err
		}
		units, err := e.siblings(m.Codes)
		if err != nil {
			return err
		}
		return e.planMerge(units, target, m.Name)
	})
}

// siblings reads the units to merge: all current, of one level and parent.
func (e *topoEdit) siblings(codes []string) ([]geo.Unit, error) {
	units, err := e.currentUnits(codes)
	if err != nil {
		return nil, err
	}
	found := map[string]bool{}
	for _, u := range units {
		found[u.Code] = true
	}
	for i, c := range codes {
		if !found[c] {
			return nil, geo.Errorf(geo.ENOTFOUND, fmt.Sprintf("codes[%d]", i), "no current unit has code %s", c)
		}
	}
	for _, u := range units[1:] {
		if u.Level != units[0].Level || u.ParentCode != units[0].ParentCode {
			return nil, geo.Invalid("codes", "%s and %s are not siblings (%s under %s, %s under %s): only units of one level and parent merge",
				units[0].Code, u.Code, units[0].Level, orNone(units[0].ParentCode), u.Level, orNone(u.ParentCode))
		}
	}
	return units, nil
}

func orNone(code string) string {
	if code == "" {
		return "no parent"
	}
	return code
}

// planMerge plans the merged unit under target and the retirement of the
// others, whose children and enclaves go to it.
func (e *topoEdit) planMerge(units []geo.Unit, target, name string) error {
	kept := units[0]
	if i := slices.IndexFunc(units, func(u geo.Unit) bool { return u.Code == target }); i >= 0 {
		kept = units[i]
	} else if err := e.checkFreeCode("code", target, kept); err != nil {
		return err
	}
	union, err := e.union(unitCodes(units))
	if err != nil {
		return err
	}
	if name == "" {
		name = kept.Name
	}
	all := make([]map[string]any, len(units))
	for i, u := range units {
		all[i] = u.Properties
	}
	e.change(geo.Unit{Code: target, Level: kept.Level, Name: name, ParentCode: kept.ParentCode,
		Properties: geo.MergedProperties(kept.Properties, all), Geom: union})
	for _, u := range units {
		if u.Code == target {
			continue
		}
		e.retire(u)
		children, err := e.childrenOf(u.Code)
		if err != nil {
			return err
		}
		if err := e.moveChildren(children, target); err != nil {
			return err
		}
		if err := e.handEnclaves([]string{u.Code}, target); err != nil {
			return err
		}
	}
	return nil
}

// union is the units' union; units that do not touch are refused.
func (e *topoEdit) union(codes []string) (orb.MultiPolygon, error) {
	var g geom.MultiPolygon
	var n int
	if err := e.tx.QueryRow(e.ctx, unionSQL, codes).Scan(&g, &n); err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, geo.Invalid("codes", "%s do not touch: merged they would be %d separate areas; merge units that share a boundary",
			strings.Join(codes, ", "), n)
	}
	return toOrb(&g), nil
}
