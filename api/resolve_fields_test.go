package api

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/geo"
)

// microgridAnswer is a point a micro-grid answers for: every slot of both
// chains is filled.
func microgridAnswer() geo.Resolution {
	chain := geo.Chain{
		MicroGrid: &geo.Ref{Code: "120104001001001001", Name: "一号楼"},
		Grid:      &geo.Ref{Code: "120104001001001", Name: "第一网格"},
		Community: &geo.Ref{Code: "120104001001", Name: "社区"},
		Street:    &geo.Ref{Code: "120104001", Name: "街道"},
		District:  &geo.Ref{Code: "120104", Name: "南开区"},
	}
	return geo.Resolution{
		Status:       geo.StatusManaged,
		Point:        [2]float64{117.15, 39.11},
		Responsible:  &geo.LevelRef{Level: geo.MicroGrid, Code: chain.MicroGrid.Code, Name: chain.MicroGrid.Name},
		Chain:        chain,
		Geographic:   chain,
		IndexVersion: 7,
	}
}

// TestFieldsGeographicParts (a tester's finding): the geographic chain's
// slots and their parts, which the CSV header names
// (geographic.grid.code), are fields= parts like grid.name, with the full
// answer's values.
func TestFieldsGeographicParts(t *testing.T) {
	r := microgridAnswer()
	noMicro := r
	noMicro.Geographic.MicroGrid = nil
	const community = `"community":{"code":"120104001001","name":"社区"}`
	cases := []struct {
		name, fields string
		r            geo.Resolution
		want         string
	}{
		{"a slot", "geographic.community", r, `{"geographic":{` + community + `}}`},
		{"parts of slots", "geographic.street.name,geographic.grid.code", r,
			`{"geographic":{"grid":{"code":"120104001001001"},"street":{"name":"街道"}}}`},
		{"a part, then its slot whole", "geographic.community.code,geographic.community", r, `{"geographic":{` + community + `}}`},
		{"a slot whole, then a part", "geographic.community,geographic.community.name", r, `{"geographic":{` + community + `}}`},
		{"the whole chain wins", "geographic.community,geographic", r, `{"geographic":` + mustMarshal(t, r.Geographic) + `}`},
		{"a part of the whole chain", "geographic,geographic.community.code", r, `{"geographic":` + mustMarshal(t, r.Geographic) + `}`},
		{"the micro-grid", "geographic.microgrid.code", r, `{"geographic":{"microgrid":{"code":"120104001001001001"}}}`},
		{"an empty slot asked for", "geographic.microgrid", noMicro, `{"geographic":{"microgrid":null}}`},
		{"among members", "geographic.district.code,status", r, `{"status":"managed","geographic":{"district":{"code":"120104"}}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := parseFields(c.fields)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(f.appendResult(nil, &c.r, nil)); got != c.want {
				t.Errorf("fields=%s:\ngot  %s\nwant %s", c.fields, got, c.want)
			}
		})
	}
	for _, bad := range []string{"geographic.colour", "geographic.grid.level", "geographic.grid.code.x", "geographic.", "geographic.responsible"} {
		t.Run("refused "+bad, func(t *testing.T) {
			if _, err := parseFields(bad); geo.ErrorCodeOf(err) != geo.EINVALID {
				t.Errorf("fields=%s: %v, want invalid", bad, err)
			}
		})
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCSVDefaultColumns: the default CSV carries the full answer, micro-grid
// included (a tester's finding: a row answered by a micro-grid lost it),
// in the full answer's order; and every column but lng and lat (the point's)
// can be asked for by its own name, giving that column alone.
func TestCSVDefaultColumns(t *testing.T) {
	want := []string{"status", "lng", "lat", "responsible.level", "responsible.code", "responsible.name",
		"microgrid.code", "microgrid.name", "grid.code", "grid.name", "community.code", "community.name",
		"street.code", "street.name", "district.code", "district.name", "enclave.code", "enclave.name", "enclave.status",
		"geographic.microgrid.code", "geographic.grid.code", "geographic.community.code", "geographic.street.code",
		"geographic.district.code", "conflicts", "index_version"}
	cols := csvColumns(resultFields{})
	var names []string
	for _, c := range cols {
		names = append(names, c.name)
	}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("default columns:\ngot  %v\nwant %v", names, want)
	}
	r := microgridAnswer()
	values := map[string]string{}
	for _, c := range cols {
		values[c.name] = string(c.value(nil, &r))
	}
	for name, v := range map[string]string{"responsible.level": "microgrid", "microgrid.code": r.MicroGrid.Code,
		"microgrid.name": r.MicroGrid.Name, "geographic.microgrid.code": r.Geographic.MicroGrid.Code, "grid.code": r.Grid.Code} {
		if values[name] != v {
			t.Errorf("%s = %q, want %q", name, values[name], v)
		}
	}
	for _, name := range want {
		if name == "lng" || name == "lat" {
			continue
		}
		t.Run("fields="+name, func(t *testing.T) {
			f, err := parseFields(name)
			if err != nil {
				t.Fatal(err)
			}
			got := csvColumns(f)
			if len(got) != 1 || got[0].name != name {
				t.Fatalf("columns %v, want %s alone", columnNames(got), name)
			}
			if v := string(got[0].value(nil, &r)); v != values[name] {
				t.Errorf("value %q, want %q as in the default CSV", v, values[name])
			}
		})
	}
	t.Run("a geographic slot", func(t *testing.T) {
		f, err := parseFields("geographic.community")
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(columnNames(csvColumns(f)), ","); got != "geographic.community.code,geographic.community.name" {
			t.Errorf("columns %s", got)
		}
	})
}

func columnNames(cols []csvColumn) []string {
	var out []string
	for _, c := range cols {
		out = append(out, c.name)
	}
	return out
}
