package geo

import (
	"testing"

	"github.com/paulmach/orb"
)

// TestDirtyJobsFollowChunks checks the jobs a change makes: every tile
// meeting a changed box is remade, no other chunk is touched, and a chunk
// the box covers whole is one job without a list of its tiles. Listing
// every tile of a box (a district drawn 20° × 10° by a slip of the mouse:
// 200 million tiles) took minutes and gigabytes while every node stalled.
func TestDirtyJobsFollowChunks(t *testing.T) {
	q, ok := newQuickGrid(0, 0, 64<<quickChunkCell, 48<<quickChunkCell, quickTile{})
	if !ok {
		t.Fatal("no grid")
	}
	cellBound := func(cx0, cy0, cx1, cy1 float64) orb.Bound { // cells to degrees, inside the margins quickCellBox adds
		return orb.Bound{Min: orb.Point{(cx0 + quickMarginCells + 1) / quickScale, (cy0 + quickMarginCells + 1) / quickScale},
			Max: orb.Point{(cx1 - quickMarginCells - 2) / quickScale, (cy1 - quickMarginCells - 2) / quickScale}}
	}
	for _, tc := range []struct {
		name  string
		boxes []orb.Bound
	}{
		{"inside one tile", []orb.Bound{cellBound(1000, 1000, 1004, 1004)}},
		{"across chunk sides", []orb.Bound{cellBound(200, 200, 700, 330)}},
		{"many chunks", []orb.Bound{cellBound(100, 100, 20<<quickChunkCell, 12<<quickChunkCell)}},
		{"overlapping boxes", []orb.Bound{cellBound(100, 100, 3000, 2000), cellBound(2000, 1500, 5000, 2600), cellBound(120, 130, 140, 150)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := map[[2]int]bool{} // every tile meeting a box, as (chunk, tile)
			for _, b := range tc.boxes {
				x0, y0, x1, y1 := quickCellBox(b)
				for ty := y0 >> quickTileBits; ty <= (y1-1)>>quickTileBits; ty++ {
					for tx := x0 >> quickTileBits; tx <= (x1-1)>>quickTileBits; tx++ {
						c := ty>>quickChunkBits*q.ncx + tx>>quickChunkBits
						want[[2]int{c, (ty&quickChunkMask)<<quickChunkBits | tx&quickChunkMask}] = true
					}
				}
			}
			got, listed, chunks := map[[2]int]bool{}, 0, map[int]bool{}
			for _, j := range q.dirtyJobs(tc.boxes) {
				if chunks[j.c] {
					t.Fatalf("chunk %d has two jobs", j.c)
				}
				chunks[j.c] = true
				listed += len(j.wanted)
				for ty := j.ty0; ty < j.ty1; ty++ {
					for tx := j.tx0; tx < j.tx1; tx++ {
						if tile := ty<<quickChunkBits | tx; j.wanted == nil || contains(j.wanted, tile) {
							got[[2]int{j.c, tile}] = true
						}
					}
				}
			}
			for k := range want {
				if !got[k] {
					t.Fatalf("tile %d of chunk %d meets a box and is not remade", k[1], k[0])
				}
			}
			for k := range got {
				if !want[k] && !wholeChunkWanted(want, k[0]) {
					t.Fatalf("tile %d of chunk %d is remade and meets no box", k[1], k[0])
				}
			}
			// Tiles are listed only in chunks a box does not cover whole: at most
			// a chunk's worth for each chunk along a box's sides.
			if limit := quickChunkSize * 2 * (q.ncx + q.ncy) * len(tc.boxes); listed > limit || listed >= len(want) && len(want) > 4*quickChunkSize {
				t.Errorf("%d tiles listed for %d tiles meeting the boxes", listed, len(want))
			}
		})
	}
	// The work inside a box is a job a chunk, not a tile: allocations (a
	// count, not a time) stay about one a chunk. Listing each tile on the way
	// grew a chunk's list ten times over.
	big := []orb.Bound{cellBound(100, 100, 60<<quickChunkCell, 40<<quickChunkCell)}
	if perChunk := testing.AllocsPerRun(3, func() { q.dirtyJobs(big) }) / (60 * 40); perChunk > 3 {
		t.Errorf("%.1f allocations a chunk", perChunk)
	}
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// wholeChunkWanted reports whether every tile of chunk c meets a box (a job
// for the whole chunk remakes exactly those).
func wholeChunkWanted(want map[[2]int]bool, c int) bool {
	for tile := 0; tile < quickChunkSize; tile++ {
		if !want[[2]int{c, tile}] {
			return false
		}
	}
	return true
}
