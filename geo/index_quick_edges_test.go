package geo

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestEdgeMapSortsMarks checks done's order (cell, polygon, edge) against
// a sort by comparison, both where the marks' numbers fit in a word and
// where they do not (the fallback), and that marked finds a cell's marks.
func TestEdgeMapSortsMarks(t *testing.T) {
	cases := []struct {
		name         string
		w, h, segs   int
		maxSlot      uint32
		wantPackable bool
	}{
		{"a city chunk", 256, 256, 3000, 60000, true},
		{"slot zero, one edge", 8, 8, 1, 0, true},
		{"province slots", 256, 256, 40000, 400000, true},
		{"numbers too wide for a word", 256, 256, 1 << 17, 1<<32 - 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.segs), 7))
			m := newEdgeMap(0, 0, tc.w, tc.h)
			m.segs = make([]segment, tc.segs)
			for range 5000 {
				cell := uint64(rng.IntN(tc.w * tc.h))
				slot := rng.Uint64N(uint64(tc.maxSlot) + 1)
				if rng.IntN(8) == 0 {
					slot = uint64(tc.maxSlot)
				}
				m.marks = append(m.marks, edgeMark{cell<<32 | slot, uint32(rng.IntN(tc.segs))})
			}
			want := slices.Clone(m.marks)
			slices.SortFunc(want, func(x, y edgeMark) int {
				return cmp.Or(cmp.Compare(x.key, y.key), cmp.Compare(x.seg, y.seg))
			})
			if packable := m.sortPacked(); packable != tc.wantPackable {
				t.Fatalf("sortPacked = %v, want %v", packable, tc.wantPackable)
			}
			m.done()
			if !slices.Equal(m.marks, want) {
				t.Error("the marks are not in (cell, polygon, edge) order")
			}
			for _, j := range []int{0, rng.IntN(tc.w * tc.h), int(want[len(want)/2].key >> 32), tc.w*tc.h - 1} {
				var cell []edgeMark
				for _, mk := range want {
					if mk.key>>32 == uint64(j) {
						cell = append(cell, mk)
					}
				}
				if got := m.marked(j); !slices.Equal(got, cell) {
					t.Errorf("cell %d: marked gives %d marks, want %d", j, len(got), len(cell))
				}
			}
		})
	}
}
