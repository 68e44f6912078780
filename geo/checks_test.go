package geo

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestFindingIssue(t *testing.T) {
	at := &orb.Point{117.1, 39.1}
	ours := func(code string) bool { return code == "120104001001002" }
	cases := []struct {
		name        string
		f           Finding
		ok          bool
		kind        IssueKind
		code, other string
		says        string
	}{
		{"gap", Finding{Kind: FindingGap, ParentCode: "120104001001", Level: Grid, AreaM2: 1200, Location: at},
			true, IssueGap, "120104001001", "", "1200 m² of it is covered by none of its grid units"},
		{"overlap from our side", Finding{Kind: FindingOverlap, Codes: []string{"120104001001001", "120104001001002"}, AreaM2: 35},
			true, IssueOverlap, "120104001001002", "120104001001001", "overlaps its sibling 120104001001001 by 35 m²"},
		{"outside", Finding{Kind: FindingOutside, ParentCode: "120104001001", Codes: []string{"120104001001002"}, AreaM2: 2.5},
			true, IssueOutsideParent, "120104001001002", "120104001001", "sticks out of its parent 120104001001 by 2.50 m²"},
		{"orphan", Finding{Kind: FindingOrphanUnit, Codes: []string{"120104001001002"}}, false, "", "", "", ""},
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
			if is.Kind != c.kind || is.Code != c.code || is.Other != c.other || !strings.Contains(is.Message, c.says) ||
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
