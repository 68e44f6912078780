package api

import (
	"fmt"
	"strings"
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
	colliding := collidingChains(t, district)
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

// collidingChains returns two chains whose finest refs hash to one slot,
// each evicting the other. The refs live side by side in one array, so
// their addresses are distinct: with more refs than slots two must share
// one (refs allocated one by one and dropped may be given the same few
// addresses again, and the search never end).
func collidingChains(t *testing.T, district *geo.Ref) []geo.Chain {
	refs := make([]geo.Ref, encodedSlots+1)
	first := map[uint32]int{}
	for i := range refs {
		refs[i] = geo.Ref{Code: "x", Name: "碰撞"}
		slot := encodedSlot(unsafe.Pointer(&refs[i]), nil)
		if j, ok := first[slot]; ok {
			return []geo.Chain{{Grid: &refs[j], District: district}, {Grid: &refs[i], District: district}}
		}
		first[slot] = i
	}
	t.Fatal("no two of more refs than slots share a slot")
	return nil
}

// TestCachedMiddleEqualsEncoding: the same for an answer's middle (the
// responsible unit and the chain): repeats, a rename of either, an enclave's
// (another responsible unit over a chain), none, and one too long to be
// held inline.
func TestCachedMiddleEqualsEncoding(t *testing.T) {
	district := &geo.Ref{Code: "120104", Name: "南开区"}
	community := &geo.Ref{Code: "120104001001", Name: "长虹社区"}
	grid := &geo.Ref{Code: "120104001001001", Name: "第1网格"}
	chain := geo.Chain{Grid: grid, Community: community, District: district}
	a := &geo.LevelRef{Level: geo.Grid, Code: grid.Code, Name: grid.Name}
	renamed := &geo.LevelRef{Level: geo.Grid, Code: grid.Code, Name: "第1网格 & <新>"}
	managing := &geo.LevelRef{Level: geo.Community, Code: community.Code, Name: community.Name}
	long := geo.Chain{Grid: &geo.Ref{Code: "x", Name: strings.Repeat("长", 200)}, District: district}
	for _, tc := range []struct {
		name  string
		order []geo.Resolution
	}{
		{"repeat", []geo.Resolution{{Responsible: a, Chain: chain}, {Responsible: a, Chain: chain}}},
		{"rename", []geo.Resolution{{Responsible: a, Chain: chain}, {Responsible: renamed, Chain: chain}, {Responsible: a, Chain: chain}}},
		{"enclave", []geo.Resolution{{Responsible: managing, Chain: chain}, {Responsible: a, Chain: chain}}},
		{"none", []geo.Resolution{{}, {}}},
		{"long", []geo.Resolution{{Responsible: a, Chain: long}, {Responsible: a, Chain: long}}},
	} {
		// Once kept in the table, once in a memo the answers share (which
		// a memo beside one answer never is: the key check must hold).
		for _, memo := range []*geo.Memo{nil, new(geo.Memo)} {
			t.Run(fmt.Sprintf("%s/memo=%v", tc.name, memo != nil), func(t *testing.T) {
				for i := range tc.order {
					r := &tc.order[i]
					want := "xnull,"
					if r.Responsible != nil {
						want = "x" + string(appendLevelRef(nil, r.Responsible)) + ","
					}
					wantAt := len(want)
					want = string(appendChainFields([]byte(want), &r.Chain))
					got, at := appendCachedMiddle([]byte("x"), r, memo)
					if string(got) != want || at != wantAt {
						t.Fatalf("answer %d: cached %s (chain at %d), encoded %s (chain at %d)", i, got, at, want, wantAt)
					}
				}
			})
		}
	}
}
