package geo

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"

	"github.com/paulmach/orb"
)

// liveCity is the truth a changing index is compared with: the current
// units and enclaves, changed by random edits.
type liveCity struct {
	rng      *rand.Rand
	units    map[string]Unit
	enclaves map[string]Enclave
	version  int64
	lo, hi   orb.Point
	next     int // for new codes
}

func newLiveCity(o cityOpts, seed uint64) *liveCity {
	units, enclaves := syntheticCity(o)
	c := &liveCity{rng: rand.New(rand.NewPCG(seed, 99)), units: map[string]Unit{}, enclaves: map[string]Enclave{}, version: 1}
	for _, u := range units {
		u.Version = 1
		c.units[u.Code] = u
	}
	for _, e := range enclaves {
		e.Version = 1
		c.enclaves[e.Code] = e
	}
	c.lo, c.hi = cityExtent(o)
	return c
}

func (c *liveCity) current() ([]Unit, []Enclave) {
	return slices.Collect(maps.Values(c.units)), slices.Collect(maps.Values(c.enclaves))
}

// pick returns a random current unit code of the level ("" for any level).
func (c *liveCity) pick(l Level) string {
	codes := slices.Sorted(maps.Keys(c.units))
	var cand []string
	for _, code := range codes {
		if l == "" || c.units[code].Level == l {
			cand = append(cand, code)
		}
	}
	if len(cand) == 0 {
		return ""
	}
	return cand[c.rng.IntN(len(cand))]
}

func (c *liveCity) pickEnclave() string {
	codes := slices.Sorted(maps.Keys(c.enclaves))
	if len(codes) == 0 {
		return ""
	}
	return codes[c.rng.IntN(len(codes))]
}

// randomPoly is a small star-shaped polygon somewhere over the city.
func (c *liveCity) randomPoly() orb.MultiPolygon {
	ctr := orb.Point{c.lo[0] + (c.hi[0]-c.lo[0])*c.rng.Float64(), c.lo[1] + (c.hi[1]-c.lo[1])*c.rng.Float64()}
	return orb.MultiPolygon{{randomRing(c.rng, ctr, 0.0004+0.003*c.rng.Float64(), 3+c.rng.IntN(12))}}
}

// cloneGeom deep-copies a geometry (the index keeps its own copies, but the
// city's must not alias between versions either).
func cloneGeom(mp orb.MultiPolygon) orb.MultiPolygon {
	out := make(orb.MultiPolygon, len(mp))
	for i, p := range mp {
		out[i] = make(orb.Polygon, len(p))
		for j, r := range p {
			out[i][j] = slices.Clone(r)
		}
	}
	return out
}

// edit makes one random change and records it in cs.
func (c *liveCity) edit(cs *changeRecorder) {
	switch op := c.rng.IntN(20); {
	case op < 5: // move one vertex of a grid (or a coarser unit, now and then)
		lvl := Grid
		if op == 0 {
			lvl = Levels[c.rng.IntN(3)]
		}
		if code := c.pick(lvl); code != "" {
			u := c.units[code]
			u.Geom = cloneGeom(u.Geom)
			ring := u.Geom[0][0]
			i := c.rng.IntN(len(ring) - 1)
			ring[i] = orb.Point{ring[i][0] + 0.0006*(c.rng.Float64()-0.5), ring[i][1] + 0.0006*(c.rng.Float64()-0.5)}
			if i == 0 {
				ring[len(ring)-1] = ring[0]
			}
			c.putUnit(cs, u)
		}
	case op < 7: // move a vertex shared by every unit that has it
		if code := c.pick(Grid); code != "" {
			ring := c.units[code].Geom[0][0]
			v := ring[c.rng.IntN(len(ring)-1)]
			to := orb.Point{v[0] + 0.0004*(c.rng.Float64()-0.5), v[1] + 0.0004*(c.rng.Float64()-0.5)}
			for _, other := range slices.Sorted(maps.Keys(c.units)) {
				u := c.units[other]
				if moved, ok := moveVertex(u.Geom, v, to); ok {
					u.Geom = moved
					c.putUnit(cs, u)
				}
			}
		}
	case op < 10: // a new grid, anywhere
		if comm := c.pick(Community); comm != "" {
			c.next++
			c.putUnit(cs, Unit{Code: fmt.Sprintf("%s%03d", comm, 500+c.next%500), Level: Grid, ParentCode: comm,
				Name: fmt.Sprintf("new %d", c.next), Geom: c.randomPoly()})
		}
	case op < 12: // retire a grid
		if code := c.pick(Grid); code != "" {
			c.retireUnit(cs, code)
		}
	case op < 14: // a new enclave, managed by a unit that may not exist
		c.next++
		managing := c.pick("")
		if c.rng.IntN(5) == 0 {
			managing = "120999001"
		}
		mp := c.randomPoly()
		c.putEnclave(cs, Enclave{Code: fmt.Sprintf("N%05d", c.next), Name: fmt.Sprintf("new enclave %d", c.next),
			ManagingCode: managing, Status: EnclaveCustodial, Geom: mp, AreaM2: approxAreaM2(mp)})
	case op < 16: // move or resize an enclave (its area, and so its rank, changes)
		if code := c.pickEnclave(); code != "" {
			e := c.enclaves[code]
			e.Geom = c.randomPoly()
			e.AreaM2 = approxAreaM2(e.Geom)
			if c.rng.IntN(4) == 0 {
				e.ManagingCode = c.pick("")
			}
			c.putEnclave(cs, e)
		}
	case op < 17: // retire an enclave
		if code := c.pickEnclave(); code != "" {
			delete(c.enclaves, code)
			cs.retiredEnc[code] = true
		}
	case op < 18: // rename a coarser unit: every chain below changes
		if code := c.pick(Levels[c.rng.IntN(3)]); code != "" {
			u := c.units[code]
			u.Name += "'"
			c.putUnit(cs, u)
		}
	case op < 19: // move a grid to another community (its chain changes)
		if code, comm := c.pick(Grid), c.pick(Community); code != "" && comm != "" {
			u := c.units[code]
			u.ParentCode = comm
			c.putUnit(cs, u)
		}
	default: // retire a community and bring it back later: chains below break, then mend
		if code := c.pick(Community); code != "" {
			u := c.units[code]
			c.retireUnit(cs, code)
			cs.revive = append(cs.revive, u)
		}
	}
}

// moveVertex moves every occurrence of v in mp to to.
func moveVertex(mp orb.MultiPolygon, v, to orb.Point) (orb.MultiPolygon, bool) {
	found := false
	out := cloneGeom(mp)
	for _, p := range out {
		for _, r := range p {
			for i := range r {
				if r[i] == v {
					r[i], found = to, true
				}
			}
		}
	}
	return out, found
}

func (c *liveCity) putUnit(cs *changeRecorder, u Unit) {
	u.Version = c.units[u.Code].Version + 1
	c.units[u.Code] = u
	cs.units[u.Code] = true
}

func (c *liveCity) retireUnit(cs *changeRecorder, code string) {
	delete(c.units, code)
	cs.units[code] = true
}

func (c *liveCity) putEnclave(cs *changeRecorder, e Enclave) {
	e.Version = c.enclaves[e.Code].Version + 1
	c.enclaves[e.Code] = e
	delete(cs.retiredEnc, e.Code)
	cs.enclaves[e.Code] = true
}

// changeRecorder collects the codes a batch of edits touched.
type changeRecorder struct {
	units, enclaves, retiredEnc map[string]bool
	revive                      []Unit
}

func newChangeRecorder() *changeRecorder {
	return &changeRecorder{units: map[string]bool{}, enclaves: map[string]bool{}, retiredEnc: map[string]bool{}}
}

// changeSet turns the touched codes into the state-based change a node
// would read: current versions, and codes without one.
func (c *liveCity) changeSet(r *changeRecorder) ChangeSet {
	c.version++
	cs := ChangeSet{From: c.version - 1, Version: c.version}
	for _, code := range slices.Sorted(maps.Keys(r.units)) {
		if u, ok := c.units[code]; ok {
			cs.Units = append(cs.Units, u)
		} else {
			cs.RetiredUnits = append(cs.RetiredUnits, code)
		}
	}
	for _, code := range slices.Sorted(maps.Keys(r.enclaves)) {
		if e, ok := c.enclaves[code]; ok {
			cs.Enclaves = append(cs.Enclaves, e)
		}
	}
	for _, code := range slices.Sorted(maps.Keys(r.retiredEnc)) {
		if _, ok := c.enclaves[code]; !ok {
			cs.RetiredEnc = append(cs.RetiredEnc, code)
		}
	}
	return cs
}
