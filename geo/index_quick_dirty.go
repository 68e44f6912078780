package geo

import (
	"slices"

	"github.com/paulmach/orb"
)

// The tiles a change remakes (updateQuick): those meeting the boxes of the
// polygons it touched, before or after.

// dirtyJobs returns the jobs that remake every tile meeting a box. A box
// is taken chunk by chunk: a chunk it covers whole is one job for the whole
// chunk (made uniform when no edge comes near it), so a change's work over
// a large polygon's inside follows its chunks, not its tiles; only the
// chunks at the box's sides list their tiles.
func (q *quickGrid) dirtyJobs(boxes []orb.Bound) []quickJob {
	byChunk := map[int]*quickJob{}
	for _, d := range boxes {
		x0, y0, x1, y1 := quickCellBox(d)
		tx0, ty0 := (x0-int(q.x0))>>quickTileBits, (y0-int(q.y0))>>quickTileBits
		tx1, ty1 := (x1-1-int(q.x0))>>quickTileBits, (y1-1-int(q.y0))>>quickTileBits
		for ky := ty0 >> quickChunkBits; ky <= ty1>>quickChunkBits; ky++ {
			for kx := tx0 >> quickChunkBits; kx <= tx1>>quickChunkBits; kx++ {
				// The box's tiles in this chunk, in the chunk's own numbers.
				lx0, ly0 := max(tx0-kx<<quickChunkBits, 0), max(ty0-ky<<quickChunkBits, 0)
				lx1, ly1 := min(tx1-kx<<quickChunkBits, quickChunkMask)+1, min(ty1-ky<<quickChunkBits, quickChunkMask)+1
				addDirty(byChunk, ky*q.ncx+kx, lx0, ly0, lx1, ly1)
			}
		}
	}
	jobs := make([]quickJob, 0, len(byChunk))
	for _, j := range byChunk {
		if j.wanted != nil {
			slices.Sort(j.wanted)
			if j.wanted = slices.Compact(j.wanted); len(j.wanted) == quickChunkSize {
				j.wanted = nil
			}
		}
		jobs = append(jobs, *j)
	}
	return jobs
}

// addDirty adds the tiles [lx0, lx1) × [ly0, ly1) of chunk c to its job; a
// job for the whole chunk (wanted nil, its tiles [0, side)²) stays so.
func addDirty(byChunk map[int]*quickJob, c, lx0, ly0, lx1, ly1 int) {
	whole := lx0 == 0 && ly0 == 0 && lx1 == quickChunkSide && ly1 == quickChunkSide
	j := byChunk[c]
	switch {
	case j != nil && j.wanted == nil && j.tx1 > 0: // the whole chunk already
		return
	case whole:
		byChunk[c] = &quickJob{c: c, tx1: quickChunkSide, ty1: quickChunkSide}
		return
	case j == nil:
		j = &quickJob{c: c, tx0: quickChunkSide, ty0: quickChunkSide, wanted: []int{}}
		byChunk[c] = j
	}
	for y := ly0; y < ly1; y++ {
		for x := lx0; x < lx1; x++ {
			j.wanted = append(j.wanted, y<<quickChunkBits|x)
		}
	}
	j.tx0, j.ty0, j.tx1, j.ty1 = min(j.tx0, lx0), min(j.ty0, ly0), max(j.tx1, lx1), max(j.ty1, ly1)
}
