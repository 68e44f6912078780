package api

import (
	"testing"
	"unsafe"

	"github.com/gridmap-dev/gridmap/geo"
)

// TestCachedChainEqualsEncoding: the table answers exactly what encoding
// answers, for repeats, for chains that share refs, after a rename (new
// refs, same codes) and for chains whose slots collide.
func TestCachedChainEqualsEncoding(t *testing.T) {
	district := &geo.Ref{Code: "120104", Name: "南开区"}
	street := &geo.Ref{Code: "120104001", Name: "长虹街道"}
	community := &geo.Ref{Code: "120104001001", Name: "长虹社区"}
	grid := &geo.Ref{Code: "120104001001001", Name: "第1网格"}
	renamed := &geo.Ref{Code: "120104001001001", Name: "第1网格（新）"}
	a := geo.Chain{Grid: grid, Community: community, Street: street, District: district}
	b := geo.Chain{Grid: renamed, Community: community, Street: street, District: district}
	noGrid := geo.Chain{Community: community, Street: street, District: district}
	micro := geo.Chain{MicroGrid: &geo.Ref{Code: "m1", Name: `quote " and <tag>`}, Grid: grid, Community: community, Street: street, District: district}
	var empty geo.Chain
	// Chains whose finest refs hash to one slot, each evicting the other.
	var colliding []geo.Chain
	for len(colliding) < 2 {
		c := geo.Chain{Grid: &geo.Ref{Code: "x", Name: "碰撞"}, District: district}
		if len(colliding) == 0 || encodedSlot(unsafe.Pointer(finestRef(&c))) == encodedSlot(unsafe.Pointer(finestRef(&colliding[0]))) {
			colliding = append(colliding, c)
		}
	}
	for _, tc := range []struct {
		name  string
		order []geo.Chain
	}{
		{"repeat", []geo.Chain{a, a, a}},
		{"rename", []geo.Chain{a, b, a, b}},
		{"no grid", []geo.Chain{noGrid, a, noGrid}},
		{"microgrid and escapes", []geo.Chain{micro, micro}},
		{"empty", []geo.Chain{empty, empty}},
		{"collision", []geo.Chain{colliding[0], colliding[1], colliding[0], colliding[1]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i := range tc.order {
				c := &tc.order[i]
				want := string(appendChainFields([]byte("x"), c))
				if got := string(appendCachedChain([]byte("x"), c)); got != want {
					t.Fatalf("chain %d: cached %s, encoded %s", i, got, want)
				}
			}
		})
	}
}

// TestCachedLevelRefEqualsEncoding: the same for the responsible unit.
func TestCachedLevelRefEqualsEncoding(t *testing.T) {
	a := &geo.LevelRef{Level: geo.Grid, Code: "120104001001001", Name: "第1网格"}
	renamed := &geo.LevelRef{Level: geo.Grid, Code: "120104001001001", Name: "第1网格 & <新>"}
	for i, r := range []*geo.LevelRef{a, a, renamed, a, renamed} {
		want := string(appendLevelRef([]byte("x"), r))
		if got := string(appendCachedLevelRef([]byte("x"), r)); got != want {
			t.Fatalf("ref %d: cached %s, encoded %s", i, got, want)
		}
	}
}
