package geo

import "github.com/paulmach/orb"

// Resolving many points at once. At city scale a resolution costs a chain
// of cache misses (the cell's slot, its record, the record's entries and
// their rings), each waiting for the one before, so Resolve spends more
// time waiting for memory than computing. The misses of different points
// do not depend on one another: resolving a group of points stage by stage
// — every point's quick grid cell or H3 cell, then every point's slot, then
// every record, then every record's entries — lets the processor wait for
// a whole group's misses at once.

// resolveGroupSize is the number of points looked up together: enough
// misses in flight to keep the memory system busy, few enough that the
// group's data stays in the first-level cache.
const resolveGroupSize = 16

// ResolveMany resolves pts[i] into out[i] (out must be at least as long);
// every answer equals Resolve's. Its Ref pointers are shared as Resolve's
// are.
func (s *Snapshot) ResolveMany(pts []orb.Point, out []Resolution) {
	out = out[:len(pts)]
	for lo := 0; lo < len(pts); lo += resolveGroupSize {
		hi := min(lo+resolveGroupSize, len(pts))
		s.resolveGroup(pts[lo:hi], out[lo:hi])
	}
}

// groupLookup is where one point of a group stands while it is looked up.
type groupLookup struct {
	cell uint64
	ref  uint32
	pool []uint32
	one  [1]uint32
	ents []uint32
	sp   splitReader // the quick grid answered: its tile (ents is set)
	all  bool        // H3 refused the point: every polygon is tested
}

// resolveGroup resolves at most resolveGroupSize points, stage by stage.
func (s *Snapshot) resolveGroup(pts []orb.Point, out []Resolution) {
	var g [resolveGroupSize]groupLookup
	for i, p := range pts {
		if ref, tile, ok := s.quick.lookup(p); ok {
			g[i].ents, g[i].sp.descs = quickRecord(ref, tile, &g[i].one)
			g[i].sp.tile = tile
			continue
		}
		g[i].cell = s.fineCell(p)
		g[i].all = g[i].cell == 0
	}
	for i := range pts {
		if !g[i].all && g[i].sp.tile == nil {
			g[i].ref, g[i].pool = s.cellRecord(g[i].cell)
		}
	}
	for i := range pts {
		if !g[i].all && g[i].sp.tile == nil {
			g[i].ents = record(g[i].ref, g[i].pool, &g[i].one)
		}
	}
	acc := 0.0
	for i := range pts {
		acc += s.warm(g[i].ents, true)
	}
	keep(acc)
	for i, p := range pts {
		if g[i].all {
			out[i], _ = s.applyAll(p)
		} else {
			out[i], _ = s.apply(p, g[i].ents, g[i].sp)
		}
	}
}
