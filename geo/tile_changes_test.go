package geo

import (
	"testing"

	"github.com/paulmach/orb"
)

// TestChangeBoxesHoldBothShapes: the boxes of a change are those of the
// geometry the index held and the one the change brings, by data layer —
// a moved grid reaches where it was and where it is, a retired code where
// it was, a renamed one where it is — and a layer redrawn whole has none.
func TestChangeBoxesHoldBothShapes(t *testing.T) {
	units, enclaves := fixture()
	ix, err := NewIndex(units, enclaves, 1)
	if err != nil {
		t.Fatal(err)
	}
	moved := units[6] // 120104001001001, rectL(0, 0, 3, 2)
	moved.Geom = mpoly(rectL(20, 20, 23, 22))
	renamed := units[1] // a street
	renamed.Name = "renamed"
	enc := enclaves[0]
	enc.Geom = mpoly(rectL(7, 5, 10, 7))
	box := func(x0, y0, x1, y1 float64) orb.Bound { return orb.Bound{Min: L(x0, y0), Max: L(x1, y1)} }
	cases := []struct {
		name string
		cs   ChangeSet
		want map[string][]orb.Bound
	}{
		{"a grid moved", ChangeSet{Units: []Unit{moved}},
			map[string][]orb.Bound{"grid": {box(0, 0, 3, 2), box(20, 20, 23, 22)}}},
		{"a street renamed", ChangeSet{Units: []Unit{renamed}},
			map[string][]orb.Bound{"street": {box(0, 0, 6, 8), box(0, 0, 6, 8)}}},
		{"a grid retired", ChangeSet{RetiredUnits: []string{"120104002001002"}},
			map[string][]orb.Bound{"grid": {box(8, 0, 12, 4)}}},
		{"an enclave redrawn and one retired", ChangeSet{Enclaves: []Enclave{enc}, RetiredEnc: []string{"E3"}},
			map[string][]orb.Bound{"enclave": {box(7, 5, 11, 7.5), box(7, 5, 10, 7), box(1, 0.5, 2, 1.5)}}},
		{"a code never held", ChangeSet{RetiredUnits: []string{"999"}}, map[string][]orb.Bound{}},
		{"grids redrawn whole", ChangeSet{Units: []Unit{moved, renamed}, Redrawn: []string{"grid"}},
			map[string][]orb.Bound{"street": {box(0, 0, 6, 8), box(0, 0, 6, 8)}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ix.changeBoxes(tc.cs)
			if len(got) != len(tc.want) {
				t.Fatalf("boxes of layers %v, want %v", got, tc.want)
			}
			for layer, want := range tc.want {
				if len(got[layer]) != len(want) {
					t.Fatalf("%s: %d boxes %v, want %v", layer, len(got[layer]), got[layer], want)
				}
				for i, w := range want {
					if !holdsWithin(got[layer][i], w, 1e-5) {
						t.Errorf("%s box %d = %v, want %v (or just outside it)", layer, i, got[layer][i], w)
					}
				}
			}
		})
	}
}

// holdsWithin reports whether got covers want and exceeds it by at most tol
// on each side: the index's boxes are float32s rounded outward.
func holdsWithin(got, want orb.Bound, tol float64) bool {
	return got.Min[0] <= want.Min[0] && got.Min[1] <= want.Min[1] && got.Max[0] >= want.Max[0] && got.Max[1] >= want.Max[1] &&
		want.Min[0]-got.Min[0] < tol && want.Min[1]-got.Min[1] < tol && got.Max[0]-want.Max[0] < tol && got.Max[1]-want.Max[1] < tol
}

// TestTileChangeLogKeepsRecentChanges: the log answers the changes after a
// version it reaches back to, oldest first; before its start, after its
// end, or once it has forgotten that far back it answers false.
func TestTileChangeLogKeepsRecentChanges(t *testing.T) {
	var l tileChangeLog
	l.restart(10)
	for v := int64(11); v <= 13; v++ {
		l.add(TileChange{From: v - 1, Version: v, Boxes: map[string][]orb.Bound{"grid": {{}}}})
	}
	cases := []struct {
		since int64
		want  []int64
		ok    bool
	}{
		{10, []int64{11, 12, 13}, true},
		{12, []int64{13}, true},
		{13, nil, true},
		{9, nil, false},
		{14, nil, false},
	}
	for _, tc := range cases {
		got, ok := l.since(tc.since)
		var versions []int64
		for _, c := range got {
			versions = append(versions, c.Version)
		}
		if ok != tc.ok || len(versions) != len(tc.want) || (ok && len(versions) > 0 && versions[0] != tc.want[0]) {
			t.Errorf("since(%d) = %v, %v; want %v, %v", tc.since, versions, ok, tc.want, tc.ok)
		}
	}

	t.Run("it forgets the oldest past its bounds", func(t *testing.T) {
		for v := int64(14); v < 14+tileLogChanges; v++ {
			l.add(TileChange{From: v - 1, Version: v})
		}
		if _, ok := l.since(10); ok {
			t.Error("still answers from version 10 after more changes than it keeps")
		}
		if got, ok := l.since(14 + tileLogChanges - 2); !ok || len(got) != 1 {
			t.Errorf("the latest change: %d, %v", len(got), ok)
		}
	})
	t.Run("a change of too many boxes changes its layers whole", func(t *testing.T) {
		last := l.lastLocked()
		l.add(TileChange{From: last, Version: last + 1, Boxes: map[string][]orb.Bound{"grid": make([]orb.Bound, tileLogBoxes/4+1)}})
		got, ok := l.since(last)
		if !ok || len(got) != 1 || got[0].Boxes != nil {
			t.Errorf("got %v, %v; want one change without boxes", got, ok)
		}
	})
	t.Run("a rebuilt index starts it again", func(t *testing.T) {
		l.restart(1000)
		if _, ok := l.since(999); ok {
			t.Error("answers from before the rebuild")
		}
		if got, ok := l.since(1000); !ok || len(got) != 0 {
			t.Errorf("since the rebuild: %v, %v", got, ok)
		}
	})
}
