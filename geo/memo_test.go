package geo

import (
	"testing"

	"github.com/paulmach/orb"
)

// TestMemoFollowsTheAnswer checks the Memo's promise: one beside each
// unit's own answer, none for an enclave's answer or outside, and an
// empty one once a change gives the unit a new answer, while the older
// snapshot keeps its own.
func TestMemoFollowsTheAnswer(t *testing.T) {
	sq := func(x0, y0, x1, y1 float64) orb.MultiPolygon { return mpoly(rectL(x0, y0, x1, y1)) }
	units := []Unit{
		{Code: "120104", Level: District, Name: "区", Geom: sq(0, 0, 10, 10), Version: 1},
		{Code: "120104001", Level: Street, Name: "街道", ParentCode: "120104", Geom: sq(0, 0, 10, 10), Version: 1},
		{Code: "120104001001", Level: Community, Name: "社区", ParentCode: "120104001", Geom: sq(0, 0, 10, 10), Version: 1},
		{Code: "120104001001001", Level: Grid, Name: "第1网格", ParentCode: "120104001001", Geom: sq(0, 0, 5, 5), Version: 1},
	}
	enclaves := []Enclave{{Code: "E1", Name: "飞地", ManagingCode: "120104", Status: EnclaveCustodial, Geom: sq(6, 6, 8, 8), AreaM2: 1}}
	ix, err := NewIndex(units, enclaves, 1)
	if err != nil {
		t.Fatal(err)
	}
	old := ix.Snapshot()
	inGrid := L(2, 2)
	for _, tc := range []struct {
		name string
		p    orb.Point
		want bool
	}{
		{"a grid's answer", inGrid, true},
		{"a community's answer", L(7, 2), true},
		{"an enclave's answer", L(7, 7), false},
		{"outside", L(20, 20), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, memo := old.resolve(tc.p)
			if (memo != nil) != tc.want {
				t.Fatalf("memo %p, want one: %v", memo, tc.want)
			}
			if _, again := old.resolve(tc.p); again != memo {
				t.Errorf("the same answer gave memos %p and %p", memo, again)
			}
		})
	}

	_, memo := old.resolve(inGrid)
	memo.Store("第1网格")
	renamed := units[3]
	renamed.Name, renamed.Version = "第一网格", 2
	if _, err := ix.Apply(ChangeSet{From: 1, Version: 2, Units: []Unit{renamed}}); err != nil {
		t.Fatal(err)
	}
	r, now := ix.Snapshot().resolve(inGrid)
	if r.Responsible.Name != "第一网格" || now == nil || now == memo {
		t.Fatalf("after the rename: %q with memo %p (the old one %p)", r.Responsible.Name, now, memo)
	}
	if v := now.Load(); v != nil {
		t.Errorf("the renamed grid's memo holds %v, want it empty", v)
	}
	if v := memo.Load(); v != "第1网格" {
		t.Errorf("the older snapshot's memo holds %v, want what it was given", v)
	}
}

// TestMemoStoresDuringChanges runs memo stores on one snapshot while
// changes copy the table's block they sit in (run with -race): a change
// must not read the memos it does not keep.
func TestMemoStoresDuringChanges(t *testing.T) {
	sq := func(x0, y0, x1, y1 float64) orb.MultiPolygon { return mpoly(rectL(x0, y0, x1, y1)) }
	units := []Unit{
		{Code: "120104", Level: District, Name: "区", Geom: sq(0, 0, 10, 10), Version: 1},
		{Code: "120104001", Level: Street, Name: "街道", ParentCode: "120104", Geom: sq(0, 0, 10, 10), Version: 1},
	}
	ix, err := NewIndex(units, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	s := ix.Snapshot()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 2000 {
			if _, memo := s.resolve(L(2, 2)); memo != nil {
				memo.Store(i)
			}
		}
	}()
	for v := int64(2); v < 50; v++ {
		u := units[0]
		u.Version = int(v)
		if _, err := ix.Apply(ChangeSet{From: v - 1, Version: v, Units: []Unit{u}}); err != nil {
			t.Fatal(err)
		}
	}
	<-done
}
