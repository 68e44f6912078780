package geo

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestFindingIssue(t *testing.T) {
	at := &orb.Point{117.1, 39.1}
	ours := func(code string) bool { return code == "120104001001002" || code == "120110003021004" }
	cases := []struct {
		name        string
		f           Finding
		ok          bool
		kind        IssueKind
		code, other string
		says        string
		liesIn      string
	}{
		{"gap", Finding{Kind: FindingGap, ParentCode: "120104001001", Level: Grid, AreaM2: 1200, Location: at},
			true, IssueGap, "120104001001", "", "1200 m² of it is covered by none of its grid units", ""},
		{"overlap from our side", Finding{Kind: FindingOverlap, Codes: []string{"120104001001001", "120104001001002"}, AreaM2: 35},
			true, IssueOverlap, "120104001001002", "120104001001001", "overlaps its sibling 120104001001001 by 35 m²", ""},
		{"outside", Finding{Kind: FindingOutside, ParentCode: "120104001001", Codes: []string{"120104001001002"}, AreaM2: 2.5},
			true, IssueOutsideParent, "120104001001002", "120104001001", "sticks out of its parent 120104001001 by 2.50 m²", ""},
		{"overlap across parents", Finding{Kind: FindingOverlap, Codes: []string{"120104001001002", "120110003021004"}, AreaM2: 5200},
			true, IssueOverlap, "120104001001002", "120110003021004", "overlaps grid 120110003021004 of another parent, 120110003021, by 5200 m²", ""},
		{"overlap across parents, from the other side", Finding{Kind: FindingOverlap, Codes: []string{"120104001001001", "120110003021004"}, AreaM2: 5200},
			true, IssueOverlap, "120110003021004", "120104001001001", "overlaps grid 120104001001001 of another parent, 120104001001, by 5200 m²", ""},
		{"outside, into another community", Finding{Kind: FindingOutside, ParentCode: "120104001001",
			Codes: []string{"120104001001002", "120110003021"}, AreaM2: 5200},
			true, IssueOutsideParent, "120104001001002", "120104001001",
			"sticks out of its parent 120104001001 by 5200 m², mostly into community 120110003021", "120110003021"},
		{"orphan", Finding{Kind: FindingOrphanUnit, Codes: []string{"120104001001002"}}, false, "", "", "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is, ok := c.f.Issue(ours)
			if ok != c.ok {
				t.Fatalf("ok %v, want %v", ok, c.ok)
			}
			if !ok {
				return
			}
			if is.Kind != c.kind || is.Code != c.code || is.Other != c.other || !strings.Contains(is.Message, c.says) || is.LiesIn != c.liesIn ||
				is.Index != -1 || is.Severity != SeverityWarning || is.AreaM2 != c.f.AreaM2 {
				t.Errorf("issue %+v", is)
			}
		})
	}
}

func TestFindingInvolves(t *testing.T) {
	const me = "120104001001"
	cases := []struct {
		name string
		f    Finding
		want bool
	}{
		{"I stick out", Finding{Kind: FindingOutside, ParentCode: "120104001", Codes: []string{me}}, true},
		{"my child sticks out", Finding{Kind: FindingOutside, ParentCode: me, Codes: []string{me + "001"}}, true},
		{"a sibling sticks out", Finding{Kind: FindingOutside, ParentCode: "120104001", Codes: []string{"120104001002"}}, false},
		{"I overlap", Finding{Kind: FindingOverlap, Codes: []string{"120104001000", me}}, true},
		{"I overlap a unit of another parent", Finding{Kind: FindingOverlap, Codes: []string{me, "120110003021"}}, true},
		{"I stick out into another community", Finding{Kind: FindingOutside, ParentCode: "120104001", Codes: []string{me, "120110003021"}}, true},
		{"another's child sticks out into me", Finding{Kind: FindingOutside, ParentCode: "120110003", Codes: []string{"120110003020", me}}, false},
		{"my children overlap", Finding{Kind: FindingOverlap, ParentCode: me, Codes: []string{me + "001", me + "002"}}, false},
		{"a gap under me", Finding{Kind: FindingGap, ParentCode: me}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.f.Involves(me); got != c.want {
				t.Errorf("Involves = %v, want %v", got, c.want)
			}
		})
	}
}

func TestOverlapIssue(t *testing.T) {
	if is := OverlapIssue("district", "120104", "120103", 1.3e6, 4, nil); is.Kind != IssueOverlap || is.AreaM2 != 1.3e6 ||
		is.Message != "overlaps district 120103 by 1.300 km²" {
		t.Errorf("real overlap: %+v", is)
	}
	if is := OverlapIssue("enclave", "E1", "E2", 0, 4, nil); is.Kind != IssueSliver || is.AreaM2 != 4 ||
		is.Message != "hairline overlap with enclave E2 (4.00 m² in slivers)" {
		t.Errorf("slivers only: %+v", is)
	}
}

func TestFindingExplain(t *testing.T) {
	cases := []struct {
		name string
		f    Finding
		want string
	}{
		{"siblings need no words", Finding{Kind: FindingOverlap, Codes: []string{"120104001001001", "120104001001002"}, AreaM2: 35}, ""},
		{"across parents", Finding{Kind: FindingOverlap, Codes: []string{"120104001001002", "120110003021004"}, AreaM2: 5200},
			"grid 120104001001002 (under 120104001001) and grid 120110003021004 (under 120110003021) overlap by 5200 m² across parents"},
		{"outside, lying nowhere", Finding{Kind: FindingOutside, ParentCode: "120104001001", Codes: []string{"120104001001002"}, AreaM2: 20}, ""},
		{"outside, lying in another community", Finding{Kind: FindingOutside, ParentCode: "120104001001",
			Codes: []string{"120104001001002", "120110003021"}, AreaM2: 5200},
			"grid 120104001001002 sticks out of its parent 120104001001 by 5200 m², mostly into community 120110003021"},
		{"a gap", Finding{Kind: FindingGap, ParentCode: "120104001001", AreaM2: 5200}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.f.Explain(); got != c.want {
				t.Errorf("Explain = %q, want %q", got, c.want)
			}
		})
	}
}

func TestCount(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 slivers"}, {1, "1 sliver"}, {2, "2 slivers"}} {
		if got := Count(c.n, "sliver"); got != c.want {
			t.Errorf("Count(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
