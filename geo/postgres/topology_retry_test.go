package postgres_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// stored is what a write would change: the data version, the number of
// unit and enclave versions, and the recorded topology edits.
type stored struct{ head, units, enclaves, requests int64 }

func storedNow(t *testing.T, db *postgres.DB) stored {
	t.Helper()
	var s stored
	err := db.Pool.QueryRow(context.Background(), `SELECT (SELECT version FROM data_head), (SELECT count(*) FROM unit),
		(SELECT count(*) FROM enclave), (SELECT count(*) FROM topology_request)`).Scan(&s.head, &s.units, &s.enclaves, &s.requests)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sameAnswer checks that a replay answers exactly what the first attempt
// did (an empty list and none alike), marked replayed.
func sameAnswer(t *testing.T, first, again geo.TopologyResult) {
	t.Helper()
	if !again.Replayed || first.Replayed {
		t.Errorf("replayed: first %v, again %v; want false, true", first.Replayed, again.Replayed)
	}
	a, b := first, again
	for _, r := range []*geo.TopologyResult{&a, &b} {
		r.Replayed = false
		if len(r.Units) == 0 {
			r.Units = nil
		}
		if len(r.Enclaves) == 0 {
			r.Enclaves = nil
		}
		if len(r.Retired) == 0 {
			r.Retired = nil
		}
		if len(r.Unchanged) == 0 {
			r.Unchanged = nil
		}
		if len(r.Warnings) == 0 {
			r.Warnings = nil
		}
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("the replay answers\n%+v\nthe first attempt\n%+v", b, a)
	}
}

// retryCase is a request made after the first, with what it must get: a
// replay, or an error naming a field (nothing written either way).
type retryCase struct {
	name   string
	run    func() (geo.TopologyResult, error)
	code   geo.ErrorCode // "": a replay of the first answer
	field  string
	reason string // a word the message must have
}

// checkRetries runs each case after first, checking that it writes
// nothing: no version, no record, no data version.
func checkRetries(t *testing.T, db *postgres.DB, first geo.TopologyResult, cases []retryCase) {
	t.Helper()
	before := storedNow(t, db)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := c.run()
			switch {
			case c.code == "" && err != nil:
				t.Fatalf("want a replay, got %v", err)
			case c.code == "":
				sameAnswer(t, first, res)
			default:
				var e *geo.Error
				if geo.ErrorCodeOf(err) != c.code || !errors.As(err, &e) || e.Field != c.field || !strings.Contains(e.Message, c.reason) {
					t.Errorf("err %v; want %s naming %s, saying %q", err, c.code, c.field, c.reason)
				}
			}
			if after := storedNow(t, db); after != before {
				t.Errorf("stored %+v before, %+v after: the request wrote", before, after)
			}
		})
	}
}

// TestSplitRetries splits a grid with a client id: the same request again,
// by the same actor, is answered as the first was, replayed, and writes
// nothing (without the id it would be refused: the line no longer cuts the
// grid in two); the id with another line, other names, by another actor or
// for a merge is a conflict naming client_id.
func TestSplitRetries(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	g, line := cutLine(t, db, "120104001", geo.Grid)
	id := uuid.NewString()
	split := geo.UnitSplit{Code: g.Code, Line: line, ClientID: id}
	first, err := db.SplitUnit(ctx, "tester", split)
	if err != nil || first.Replayed || len(first.Units) != 2 {
		t.Fatalf("first split: %+v %v", first, err)
	}
	other := split
	other.Line = orb.LineString{line[0], {line[1][0], line[1][1] + 1e-9}}
	named := split
	named.Names = [2]string{"北片", "南片"}
	anonymous := split
	anonymous.ClientID = ""
	checkRetries(t, db, first, []retryCase{
		{"same request", func() (geo.TopologyResult, error) { return db.SplitUnit(ctx, "tester", split) }, "", "", ""},
		{"same id in capitals", func() (geo.TopologyResult, error) {
			s := split
			s.ClientID = strings.ToUpper(id)
			return db.SplitUnit(ctx, "tester", s)
		}, "", "", ""},
		{"another line", func() (geo.TopologyResult, error) { return db.SplitUnit(ctx, "tester", other) }, geo.ECONFLICT, "client_id", "different edit"},
		{"other names", func() (geo.TopologyResult, error) { return db.SplitUnit(ctx, "tester", named) }, geo.ECONFLICT, "client_id", "different edit"},
		{"another actor", func() (geo.TopologyResult, error) { return db.SplitUnit(ctx, "someone else", split) }, geo.ECONFLICT, "client_id", "different edit"},
		{"a merge", func() (geo.TopologyResult, error) {
			return db.MergeUnits(ctx, "tester", geo.UnitMerge{Codes: unitCodesOf(first.Units), ClientID: id})
		}, geo.ECONFLICT, "client_id", "different edit"},
		{"no client id", func() (geo.TopologyResult, error) { return db.SplitUnit(ctx, "tester", anonymous) }, geo.EINVALID, "line", "1 piece"},
	})
}

// TestSplitWithoutClientID: a split without a client id is answered and
// stored as before, and records nothing.
func TestSplitWithoutClientID(t *testing.T) {
	db := demotest.Open(t)
	g, line := cutLine(t, db, "120104001", geo.Grid)
	before := storedNow(t, db)
	res, err := db.SplitUnit(context.Background(), "tester", geo.UnitSplit{Code: g.Code, Line: line})
	if err != nil || res.Replayed || len(res.Units) != 2 {
		t.Fatalf("split: %+v %v", res, err)
	}
	after := storedNow(t, db)
	if after.requests != before.requests || after.units != before.units+2 || after.head <= before.head {
		t.Errorf("stored %+v before, %+v after; want two versions, a new data version, no record", before, after)
	}
}

// TestMergeRetries merges two grids with a client id: the same request
// again — the codes in another order too — is a replay that writes
// nothing (without the id it would be 404: a merged code is retired); the
// id with another name, another target, by another actor or for a split is
// a conflict naming client_id.
func TestMergeRetries(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	a, b := touchingGrids(t, db, "120104001")
	id := uuid.NewString()
	merge := geo.UnitMerge{Codes: []string{a, b}, Name: "合并网格", ClientID: id}
	first, err := db.MergeUnits(ctx, "tester", merge)
	if err != nil || first.Replayed || len(first.Units) != 1 || len(first.Retired) != 1 {
		t.Fatalf("first merge: %+v %v", first, err)
	}
	with := func(f func(*geo.UnitMerge)) geo.UnitMerge {
		m := merge
		m.Codes = []string{a, b}
		f(&m)
		return m
	}
	_, line := cutLine(t, db, a, geo.Grid)
	checkRetries(t, db, first, []retryCase{
		{"same request", func() (geo.TopologyResult, error) { return db.MergeUnits(ctx, "tester", merge) }, "", "", ""},
		{"codes in another order, the target spelled out", func() (geo.TopologyResult, error) {
			return db.MergeUnits(ctx, "tester", with(func(m *geo.UnitMerge) { m.Codes, m.Code = []string{b, a}, a }))
		}, "", "", ""},
		{"another name", func() (geo.TopologyResult, error) {
			return db.MergeUnits(ctx, "tester", with(func(m *geo.UnitMerge) { m.Name = "别的名字" }))
		}, geo.ECONFLICT, "client_id", "different edit"},
		{"another target", func() (geo.TopologyResult, error) {
			return db.MergeUnits(ctx, "tester", with(func(m *geo.UnitMerge) { m.Code = b }))
		}, geo.ECONFLICT, "client_id", "different edit"},
		{"another actor", func() (geo.TopologyResult, error) { return db.MergeUnits(ctx, "someone else", merge) }, geo.ECONFLICT, "client_id", "different edit"},
		{"a merged code out of scope since", func() (geo.TopologyResult, error) {
			return db.MergeUnits(ctx, "tester", with(func(m *geo.UnitMerge) { m.Allow = refuse(first.Retired[0].Code) }))
		}, geo.EFORBIDDEN, "code", "out of scope"},
		{"a split", func() (geo.TopologyResult, error) {
			return db.SplitUnit(ctx, "tester", geo.UnitSplit{Code: a, Line: line, ClientID: id})
		}, geo.ECONFLICT, "client_id", "different edit"},
		{"no client id", func() (geo.TopologyResult, error) {
			return db.MergeUnits(ctx, "tester", with(func(m *geo.UnitMerge) { m.ClientID = "" }))
		}, geo.ENOTFOUND, "codes[1]", b},
	})
}

// TestMoveRetries: a move takes a client id too. Its retry is replayed
// from the record (without the id a retried move is recognised by
// content, and answers the same versions as unchanged); the id with
// another destination is a conflict.
func TestMoveRetries(t *testing.T) {
	db := demotest.Open(t)
	ctx := context.Background()
	v := demotest.SharedVertex(t, db, "120104001", 3)
	move := geo.VertexMove{From: v.At, To: orb.Point{v.At[0] + v.Room*0.1, v.At[1] - v.Room*0.07}, ClientID: uuid.NewString()}
	first, err := db.MoveVertex(ctx, "tester", move)
	if err != nil || first.Replayed || len(first.Units) != 3 || len(first.Unchanged) != 0 {
		t.Fatalf("first move: %+v %v", first, err)
	}
	further := move
	further.To[0] += v.Room * 0.01
	checkRetries(t, db, first, []retryCase{
		{"same request", func() (geo.TopologyResult, error) { return db.MoveVertex(ctx, "tester", move) }, "", "", ""},
		{"another destination", func() (geo.TopologyResult, error) { return db.MoveVertex(ctx, "tester", further) }, geo.ECONFLICT, "client_id", "different edit"},
		{"another actor", func() (geo.TopologyResult, error) { return db.MoveVertex(ctx, "someone else", move) }, geo.ECONFLICT, "client_id", "different edit"},
		{"scope narrowed since", func() (geo.TopologyResult, error) {
			m := move
			m.Allow = refuse(first.Units[len(first.Units)-1].Code)
			return db.MoveVertex(ctx, "tester", m)
		}, geo.EFORBIDDEN, "code", "out of scope"},
	})
}

// refuse is a scope that holds every unit but one code: the permission a
// caller keeps after losing that unit.
func refuse(code string) geo.Allow {
	return func(c string) error {
		if c == code {
			return geo.Errorf(geo.EFORBIDDEN, "code", "%s is out of scope", c)
		}
		return nil
	}
}

// TestSplitRetriedAtOnce sends the same split twice at the same time, as
// a client that retries before the first answer came: one writes, the
// other waits for the topology lock and replays it.
func TestSplitRetriedAtOnce(t *testing.T) {
	db := demotest.Open(t)
	g, line := cutLine(t, db, "120104001", geo.Grid)
	split := geo.UnitSplit{Code: g.Code, Line: line, ClientID: uuid.NewString()}
	before := storedNow(t, db)
	var wg sync.WaitGroup
	results := make([]geo.TopologyResult, 2)
	errs := make([]error, 2)
	for i := range results {
		wg.Go(func() { results[i], errs[i] = db.SplitUnit(context.Background(), "tester", split) })
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("errors %v", errs)
	}
	if results[0].Replayed == results[1].Replayed {
		t.Fatalf("replayed %v and %v; want exactly one replay", results[0].Replayed, results[1].Replayed)
	}
	if results[1].Replayed {
		sameAnswer(t, results[0], results[1])
	} else {
		sameAnswer(t, results[1], results[0])
	}
	if after := storedNow(t, db); after.units != before.units+2 || after.requests != before.requests+1 {
		t.Errorf("stored %+v before, %+v after; want two versions and one record", before, after)
	}
}
