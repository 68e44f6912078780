package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twpayne/go-geom"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pglock"
)

var _ geo.TopologyEditor = (*DB)(nil)

// Topology-keeping edits (geo.TopologyEditor): a move, a split or a merge
// collects everything it changes into a topoEdit — new versions of units
// and enclaves, new codes, retired codes — checks the caller's scope for
// every one of them, and only then writes them all at one instant of its
// transaction. Each takes the topology lock first, so two of them never
// interleave, and the same per-code locks as single edits (edits.go), so a
// single edit of a touched code waits for it and then sees its result.
// Single edits, retirements and imports take the topology lock shared
// (package pglock says why): a topology edit waits for those under way, and
// they for it.
// An edit with a client id is recorded in its own transaction, after the
// topology lock, so that its retry finds it (topology_retry.go).

// topoEdit is one topology edit being planned, then written.
type topoEdit struct {
	ctx      context.Context
	tx       pgx.Tx
	allow    geo.Allow
	units    map[string]*geo.Unit    // new versions and new codes to write, by code
	enclaves map[string]*geo.Enclave // new versions to write, by code
	retired  map[string]*geo.Unit    // units to close without a successor, by code
	locked   map[string]bool         // "unit/…", "enclave/…" locks held
	allowed  map[string]bool         // codes the caller may change, checked
	at       time.Time               // when the versions were written (zero: nothing written)
	res      geo.TopologyResult
}

// beginTopology takes the topology lock and starts an edit.
func beginTopology(ctx context.Context, tx pgx.Tx, allow geo.Allow) (*topoEdit, error) {
	if err := pglock.TakeTopology(ctx, tx); err != nil {
		return nil, err
	}
	return &topoEdit{ctx: ctx, tx: tx, allow: allow, units: map[string]*geo.Unit{}, enclaves: map[string]*geo.Enclave{},
		retired: map[string]*geo.Unit{}, locked: map[string]bool{}, allowed: map[string]bool{}}, nil
}

// topology runs one topology edit in a transaction: plan collects what it
// changes into the edit, which is then checked and written; a plan that
// changes nothing (a retried move) answers what it found. A request whose
// client id (key) is recorded is answered from the record without
// planning (replay); one with a new client id is recorded with its answer.
func (db *DB) topology(ctx context.Context, actor string, allow geo.Allow, key geo.RetryKey, what string, plan func(*topoEdit) error) (geo.TopologyResult, error) {
	var res geo.TopologyResult
	err := db.inTx(ctx, actor, func(tx pgx.Tx) error {
		e, err := beginTopology(ctx, tx, allow)
		if err != nil {
			return err
		}
		if replayed, err := e.replay(key, actor); err != nil || replayed {
			res = e.res
			return err
		}
		if err := plan(e); err != nil {
			return err
		}
		if len(e.units)+len(e.enclaves)+len(e.retired) > 0 {
			if err := e.commit(); err != nil {
				return err
			}
		}
		res = e.res
		return e.record(key, actor)
	})
	if err != nil {
		return res, fmt.Errorf("%s: %w", what, err)
	}
	return res, nil
}

// lock takes the per-code locks of single edits, in a fixed order.
func (e *topoEdit) lock(kind string, codes ...string) error {
	sorted := append([]string(nil), codes...)
	sort.Strings(sorted)
	for _, c := range sorted {
		if e.locked[kind+"/"+c] {
			continue
		}
		if err := lockCode(e.ctx, e.tx, kind, c); err != nil {
			return err
		}
		e.locked[kind+"/"+c] = true
	}
	return nil
}

// check asks the caller's permission for a unit code, once.
func (e *topoEdit) check(code string) error {
	if code == "" || e.allowed[code] {
		return nil
	}
	if err := e.allow.Check(code); err != nil {
		return err
	}
	e.allowed[code] = true
	return nil
}

// change plans u as the next version of its code (or the first of a new code).
func (e *topoEdit) change(u geo.Unit) { e.units[u.Code] = &u }

// changeEnclave plans x as the next version of its code.
func (e *topoEdit) changeEnclave(x geo.Enclave) { e.enclaves[x.Code] = &x }

// retire plans the closing of u's current version without a successor.
func (e *topoEdit) retire(u geo.Unit) { e.retired[u.Code] = &u }

// permit checks the caller's scope for everything planned: every unit
// written or retired, and every enclave's managing unit before and after.
func (e *topoEdit) permit() error {
	for _, codes := range [][]string{keys(e.units), keys(e.retired)} {
		for _, c := range codes {
			if err := e.check(c); err != nil {
				return err
			}
		}
	}
	for _, c := range keys(e.enclaves) {
		cur, err := e.currentEnclave(c)
		if err != nil {
			return err
		}
		for _, m := range []string{cur.ManagingCode, e.enclaves[c].ManagingCode} {
			if err := e.check(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// commit checks the plan, writes it at one instant and reads back what it
// wrote into e.res as it commits (settle), with the warnings of single edits.
func (e *topoEdit) commit() error {
	if err := e.permit(); err != nil {
		return err
	}
	now, err := txNow(e.ctx, e.tx)
	if err != nil {
		return err
	}
	e.at = now
	if err := e.closeRetired(now); err != nil {
		return err
	}
	if err := writePlanned(e, "unit", &unitTable, e.units, now); err != nil {
		return err
	}
	if err := writePlanned(e, "enclave", &enclaveTable, e.enclaves, now); err != nil {
		return err
	}
	if err := e.warn(); err != nil {
		return err
	}
	if err := settle(e.ctx, e.tx); err != nil {
		return err
	}
	return e.readBack()
}

// closeRetired closes the retired codes' current versions at now.
func (e *topoEdit) closeRetired(now time.Time) error {
	for _, c := range keys(e.retired) {
		var v int
		var end time.Time
		if err := e.tx.QueryRow(e.ctx, unitTable.sql.close, c, now, 0).Scan(&v, &end); err != nil {
			return fmt.Errorf("retire unit %s: %w", c, err)
		}
		e.res.Retired = append(e.res.Retired, geo.VersionRef{Kind: "unit", Code: c, Version: v})
	}
	return nil
}

// writePlanned writes the planned versions of one kind of boundary at now,
// each checked valid, and within a scoped caller's area, first. Each
// boundary is converted for the database once, for all three.
func writePlanned[T any](e *topoEdit, kind string, t *boundaryTable[T], planned map[string]*T, now time.Time) error {
	for _, c := range keys(planned) {
		v := planned[c]
		what := kind + " " + c
		g, err := toGeom(t.geom(v))
		if err != nil {
			return geo.Invalid("geometry", "%s: %v", what, err)
		}
		if err := e.valid(what, g); err != nil {
			return err
		}
		if err := inEditScope(e, t, v, g); err != nil {
			return err
		}
		if err := t.validate(v); err != nil {
			return fmt.Errorf("write %s: %w", what, err)
		}
		if _, err := insertNextAt(e.ctx, e.tx, t, v, g, now, 0); err != nil {
			return fmt.Errorf("write %s: %w", what, err)
		}
	}
	return nil
}

// inEditScope holds a boundary a scoped token reshapes to the same
// geometry rule as a single edit's (edits_scope.go): the code check of
// permit says whose boundaries it may touch, this one where they may go.
// Parents sort before their children, so a parent moved in the same edit
// is already written when its children are measured against it.
func inEditScope[T any](e *topoEdit, t *boundaryTable[T], v *T, g *geom.MultiPolygon) error {
	if scope := geo.EditScopeOf(e.ctx); scope != "" {
		return t.withinScope(e.ctx, e.tx, v, g, scope)
	}
	return nil
}

// valid refuses a boundary the edit would make invalid, naming it and the spot.
func (e *topoEdit) valid(what string, g *geom.MultiPolygon) error {
	err := checkValid(e.ctx, e.tx, g)
	var ge *geo.Error
	if errors.As(err, &ge) {
		return geo.Invalid("geometry", "the edit would make %s invalid: %s", what, strings.TrimPrefix(ge.Message, "invalid boundary: "))
	}
	return err
}
