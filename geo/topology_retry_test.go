package geo

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// TestRetryKeys: requests that ask for the same edit have one fingerprint
// (the merge's codes in any order, its default target spelled out, a
// client id in capitals after Validate); any other field, at full
// precision, makes another one.
func TestRetryKeys(t *testing.T) {
	const id = "0b7c6a3e-5f1d-4a51-9b7e-6d2f1c3a9e01"
	line := orb.LineString{{117.1, 39.1}, {117.2, 39.1}}
	split := func(f func(*UnitSplit)) RetryKey {
		s := UnitSplit{Code: "120104001001001", Line: append(orb.LineString(nil), line...), ClientID: id}
		f(&s)
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		return s.Key()
	}
	merge := func(f func(*UnitMerge)) RetryKey {
		m := UnitMerge{Codes: []string{"120104001001001", "120104001001002"}, ClientID: id}
		f(&m)
		if err := m.Validate(); err != nil {
			t.Fatal(err)
		}
		return m.Key()
	}
	move := func(f func(*VertexMove)) RetryKey {
		m := VertexMove{From: orb.Point{117.1, 39.1}, To: orb.Point{117.2, 39.1}, ClientID: id}
		f(&m)
		if err := m.Validate(); err != nil {
			t.Fatal(err)
		}
		return m.Key()
	}
	same := func(*UnitSplit) {}
	cases := []struct {
		name       string
		a, b       RetryKey
		sameEdit   bool
		sameClient bool
	}{
		{"split, the id in capitals", split(same), split(func(s *UnitSplit) { s.ClientID = "0B7C6A3E-5F1D-4A51-9B7E-6D2F1C3A9E01" }), true, true},
		{"split, the line a ulp off", split(same), split(func(s *UnitSplit) { s.Line[1][0] = math.Nextafter(s.Line[1][0], 200) }), false, true},
		{"split, the line reversed", split(same), split(func(s *UnitSplit) { s.Line[0], s.Line[1] = s.Line[1], s.Line[0] }), false, true},
		{"split, names", split(same), split(func(s *UnitSplit) { s.Names = [2]string{"北", "南"} }), false, true},
		{"split, a name moved to the other part", split(func(s *UnitSplit) { s.Names = [2]string{"a b", ""} }),
			split(func(s *UnitSplit) { s.Names = [2]string{"a", "b"} }), false, true},
		{"split, codes", split(same), split(func(s *UnitSplit) { s.Codes = [2]string{"120104001001901", "120104001001902"} }), false, true},
		{"split, another unit", split(same), split(func(s *UnitSplit) { s.Code = "120104001001002" }), false, true},
		{"merge, the codes in another order", merge(func(*UnitMerge) {}), merge(func(m *UnitMerge) { m.Codes[0], m.Codes[1] = m.Codes[1], m.Codes[0] }), true, true},
		{"merge, the default target given", merge(func(*UnitMerge) {}), merge(func(m *UnitMerge) { m.Code = "120104001001001" }), true, true},
		{"merge, another target", merge(func(*UnitMerge) {}), merge(func(m *UnitMerge) { m.Code = "120104001001002" }), false, true},
		{"merge, a name", merge(func(*UnitMerge) {}), merge(func(m *UnitMerge) { m.Name = "合并" }), false, true},
		{"move, another destination", move(func(*VertexMove) {}), move(func(m *VertexMove) { m.To[1] = math.Nextafter(m.To[1], 0) }), false, true},
		{"move, another client", move(func(*VertexMove) {}), move(func(m *VertexMove) { m.ClientID = "" }), true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.a.Kind == c.b.Kind && c.a.Fingerprint == c.b.Fingerprint; got != c.sameEdit {
				t.Errorf("same edit: %v, want %v (%+v, %+v)", got, c.sameEdit, c.a, c.b)
			}
			if got := c.a.ClientID == c.b.ClientID; got != c.sameClient {
				t.Errorf("same client id: %v, want %v (%q, %q)", got, c.sameClient, c.a.ClientID, c.b.ClientID)
			}
		})
	}
	if split(same).Fingerprint == merge(func(*UnitMerge) {}).Fingerprint || split(same).Kind != EditSplit {
		t.Error("a split and a merge share a fingerprint, or the split's kind is wrong")
	}
}

// TestClientIDValidation: a client id is optional, and when given must be
// a UUID in its 36-character form; the problem names client_id.
func TestClientIDValidation(t *testing.T) {
	cases := []struct {
		name, id string
		ok       bool
	}{
		{"none", "", true},
		{"a UUID", "0b7c6a3e-5f1d-4a51-9b7e-6d2f1c3a9e01", true},
		{"no hyphens", "0b7c6a3e5f1d4a519b7e6d2f1c3a9e01", false},
		{"braces", "{0b7c6a3e-5f1d-4a51-9b7e-6d2f1c3a9e01}", false},
		{"a word", "retry-1", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reqs := map[string]func() error{
				"move": func() error {
					m := VertexMove{From: orb.Point{1, 2}, To: orb.Point{3, 4}, ClientID: c.id}
					return m.Validate()
				},
				"split": func() error {
					s := UnitSplit{Code: "120104001001001", Line: orb.LineString{{1, 2}, {3, 4}}, ClientID: c.id}
					return s.Validate()
				},
				"merge": func() error {
					m := UnitMerge{Codes: []string{"120104001001001", "120104001001002"}, ClientID: c.id}
					return m.Validate()
				},
			}
			for kind, validate := range reqs {
				err := validate()
				var e *Error
				if c.ok != (err == nil) || (err != nil && (!errors.As(err, &e) || e.Field != "client_id" || e.Code != EINVALID)) {
					t.Errorf("%s: %v; want ok %v, else EINVALID naming client_id", kind, err, c.ok)
				}
			}
		})
	}
}
