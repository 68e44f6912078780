package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func TestMoveVertex(t *testing.T) {
	// Coordinates as stored: full doubles, never rounded.
	a, b, c := orb.Point{117.12345678901234, 39.1}, orb.Point{117.2, 39.10000000000001}, orb.Point{117.2, 39.2}
	near := orb.Point{math.Nextafter(a[0], 200), a[1]}
	square := orb.MultiPolygon{{{a, b, c, orb.Point{117.1, 39.2}, a}}}
	to := orb.Point{117.11, 39.09}
	cases := []struct {
		name  string
		from  orb.Point
		moved int
	}{
		{"the first vertex moves with the ring's closing one", a, 2},
		{"an inner vertex", c, 1},
		{"a point one ulp beside a vertex is not it", near, 0},
		{"a point on an edge is no vertex", orb.Point{117.15, 39.2}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, n := MoveVertex(square, tc.from, to)
			if n != tc.moved {
				t.Fatalf("moved %d, want %d", n, tc.moved)
			}
			if HasVertex(got, tc.from) || n > 0 && !HasVertex(got, to) {
				t.Errorf("after the move: %v", got)
			}
			if square[0][0][0] != a {
				t.Error("the input was changed")
			}
			if r := got[0][0]; r[0] != r[len(r)-1] {
				t.Error("the ring is no longer closed")
			}
		})
	}
}

func TestSideOfLine(t *testing.T) {
	line := orb.LineString{{0, 0}, {10, 0}, {10, 10}}
	cases := []struct {
		name string
		p    orb.Point
		want int
	}{
		{"left of the first segment", orb.Point{5, 1}, 1},
		{"right of the first segment", orb.Point{5, -1}, -1},
		{"left of the second segment", orb.Point{9, 5}, 1},
		{"right of the second segment", orb.Point{11, 5}, -1},
		{"on the line", orb.Point{5, 0}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := SideOfLine(line, tc.p); got != tc.want {
				t.Errorf("side %d, want %d", got, tc.want)
			}
		})
	}
}

func TestNextFreeCode(t *testing.T) {
	used := func(seqs ...int) map[int]bool {
		m := map[int]bool{}
		for _, s := range seqs {
			m[s] = true
		}
		return m
	}
	cases := []struct {
		name, parent, like string
		used               map[int]bool
		want               string
		code               ErrorCode
	}{
		{"a grid after the highest ever used", "120104001001", "120104001001003", used(1, 2, 3, 7), "120104001001008", ""},
		{"a retired grid's code is not reused", "120104001001", "120104001001001", used(1, 2, 9), "120104001001010", ""},
		{"a full range reuses the lowest never used", "120104001001", "120104001001999", used(1, 999), "120104001001002", ""},
		{"a residents' committee stays in 001–199", "120104001", "120104001012", used(12, 15, 201), "120104001016", ""},
		{"a villagers' committee stays in 200–399", "120104001", "120104001201", used(12, 201, 203), "120104001204", ""},
		{"a town stays in 100–199", "120110", "120110101", used(1, 2, 101), "120110102", ""},
		{"a street stays in 001–099", "120110", "120110002", used(1, 2, 101), "120110003", ""},
		{"districts are never made up", "", "120104", used(), "", EINVALID},
		{"a full range", "120104001", "120104001001", usedRange(1, 199), "", ECONFLICT},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NextFreeCode(tc.parent, tc.like, tc.used)
			if got != tc.want || ErrorCodeOf(err) != tc.code && !(err == nil && tc.code == "") {
				t.Errorf("got %q %v, want %q %s", got, err, tc.want, tc.code)
			}
		})
	}
}

func usedRange(lo, hi int) map[int]bool {
	m := map[int]bool{}
	for s := lo; s <= hi; s++ {
		m[s] = true
	}
	return m
}

func TestTopologyRequestsValidate(t *testing.T) {
	line := orb.LineString{{117.1, 39.1}, {117.2, 39.2}}
	cases := []struct {
		name  string
		check func() error
		field string
	}{
		{"a move", (&VertexMove{From: orb.Point{117.1, 39.1}, To: orb.Point{117.2, 39.1}}).Validate, ""},
		{"a move nowhere", (&VertexMove{From: orb.Point{117.1, 39.1}, To: orb.Point{117.1, 39.1}}).Validate, "to"},
		{"a move from lat,lng", (&VertexMove{From: orb.Point{39.1, 117.1}, To: orb.Point{117.1, 39.1}}).Validate, "from"},
		{"a move to NaN", (&VertexMove{From: orb.Point{117.1, 39.1}, To: orb.Point{math.NaN(), 39.1}}).Validate, "to"},
		{"a split", (&UnitSplit{Code: "120104001001001", Line: line}).Validate, ""},
		{"a split of no code", (&UnitSplit{Code: "x", Line: line}).Validate, "code"},
		{"a split by a point", (&UnitSplit{Code: "120104001001001", Line: line[:1]}).Validate, "line"},
		{"a split with one code", (&UnitSplit{Code: "120104001001001", Line: line, Codes: [2]string{"120104001001001", ""}}).Validate, "codes"},
		{"a split into equal codes", (&UnitSplit{Code: "120104001001001", Line: line, Codes: [2]string{"120104001001009", "120104001001009"}}).Validate, "codes"},
		{"a split line off the map", (&UnitSplit{Code: "120104001001001", Line: orb.LineString{{117, 39}, {200, 39}}}).Validate, "line.coordinates[1]"},
		{"a merge", (&UnitMerge{Codes: []string{"120104001001001", "120104001001002"}}).Validate, ""},
		{"a merge of one", (&UnitMerge{Codes: []string{"120104001001001"}}).Validate, "codes"},
		{"a merge naming one twice", (&UnitMerge{Codes: []string{"120104001001001", "120104001001001"}}).Validate, "codes[1]"},
		{"a merge into no code", (&UnitMerge{Codes: []string{"120104001001001", "120104001001002"}, Code: "abc"}).Validate, "code"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.check()
			var e *Error
			switch {
			case tc.field == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.field != "" && (!asError(err, &e) || e.Field != tc.field):
				t.Errorf("got %v, want an error about %s", err, tc.field)
			}
		})
	}
}

func asError(err error, e **Error) bool {
	x, ok := err.(*Error)
	*e = x
	return ok
}
