package importer

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
)

// TestParentsByName: offices write the community a grid belongs to by
// name (所属社区: 新华路社区) more often than by code. A grid numbered
// within its community is placed in the community of that name that
// covers it; a full code whose file names another parent is warned of
// (the code decides); the name stays a property, as before names were
// read.
func TestParentsByName(t *testing.T) {
	db := demotest.Open(t)
	names := map[string]string{} // the current communities of testStreet, by code
	for code, u := range unitAreas(t, db) {
		if l, _ := geo.LevelOfCode(code); l == geo.Community && strings.HasPrefix(code, testStreet) {
			names[code] = u.name
		}
	}
	grids := readCollection(t, exportFile(t, db, ExportOptions{Level: geo.Grid, Under: testStreet, Format: "geojson"}, "g.geojson"))
	if len(grids.Features) < 3 || len(names) < 2 {
		t.Fatalf("%d grids, %d communities under %s", len(grids.Features), len(names), testStreet)
	}
	parents := make([]string, len(grids.Features))
	for i, f := range grids.Features {
		parents[i] = props(f)["parent_code"].(string)
	}
	other := func(i int) string { // a community of the street grid i is not in
		for code, name := range names {
			if code != parents[i] {
				return name
			}
		}
		return ""
	}
	named := func(local bool, mod func(fc *testCollection)) string {
		var fc testCollection
		b, _ := json.Marshal(grids)
		json.Unmarshal(b, &fc)
		for i, f := range fc.Features {
			p := props(f)
			p["所属社区"] = names[parents[i]]
			if local {
				p["code"] = strings.TrimLeft(p["code"].(string)[12:], "0")
			}
			delete(p, "parent_code")
			delete(p, "level")
		}
		mod(&fc)
		return fc.write(t, "named.geojson")
	}
	o := opts()
	o.Level, o.DryRun = geo.Grid, true
	cases := []struct {
		name    string
		local   bool
		mod     func(fc *testCollection)
		unknown int // IssueUnknownParent errors
		warned  int // IssueParentMismatch warnings
	}{
		{"local codes placed by name", true, func(*testCollection) {}, 0, 0},
		{"a name without the committee's suffix", true, func(fc *testCollection) { props(fc.Features[0])["所属社区"] = bareCommittee(names[parents[0]]) }, 0, 0},
		{"a local code named into a community that does not cover it", true, func(fc *testCollection) { props(fc.Features[0])["所属社区"] = other(0) }, 1, 0},
		{"a local code named into no community", true, func(fc *testCollection) { props(fc.Features[1])["所属社区"] = "不存在社区" }, 1, 0},
		{"full codes whose names agree", false, func(*testCollection) {}, 0, 0},
		{"a full code whose name disagrees", false, func(fc *testCollection) { props(fc.Features[2])["所属社区"] = other(2) }, 0, 1},
		// A review: the street's code beside the community's name was taken
		// for the grid's parent, and refused as not its prefix.
		{"the street's code beside the community's name", false, func(fc *testCollection) {
			for _, f := range fc.Features {
				props(f)["所属街道编码"] = testStreet
			}
		}, 0, 0},
		{"local codes beside the street's code", true, func(fc *testCollection) {
			for _, f := range fc.Features {
				props(f)["所属街道编码"] = testStreet
			}
		}, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := mustImport(t, db, o, named(c.local, c.mod))
			unknown, warned := len(issuesOf(rep, geo.IssueUnknownParent)), 0
			for _, is := range rep.Issues {
				if is.Kind == geo.IssueParentMismatch && is.Severity == geo.SeverityWarning {
					warned++
				}
			}
			if unknown != c.unknown || warned != c.warned || rep.Errors != c.unknown {
				t.Fatalf("%d unknown parents, %d name warnings, %d errors; want %d, %d, %d: %v",
					unknown, warned, rep.Errors, c.unknown, c.warned, c.unknown, rep.Issues)
			}
			// Every grid placed where it is stored: none would be created
			// (each keeps its code), each gains the name as a property.
			if want := len(grids.Features); c.unknown == 0 && (rep.Counts.Created != 0 || rep.Counts.Changed != want) {
				t.Errorf("counts %+v, want %d changed (the new property) and none created", rep.Counts, want)
			}
		})
	}
	t.Run("a community's street by the office's name", func(t *testing.T) {
		communities := readCollection(t, exportFile(t, db, ExportOptions{Level: geo.Community, Under: testStreet, Format: "geojson"}, "c.geojson"))
		street := unitAreas(t, db)[testStreet].name
		for _, f := range communities.Features {
			p := props(f)
			p["code"] = strings.TrimLeft(p["code"].(string)[9:], "0")
			p["所属街道"] = street + "办事处"
			delete(p, "parent_code")
			delete(p, "level")
		}
		o := opts()
		o.Level, o.DryRun = geo.Community, true
		rep := mustImport(t, db, o, communities.write(t, "communities.geojson"))
		if rep.Errors != 0 || rep.Counts.Created != 0 || rep.Counts.Changed != len(communities.Features) {
			t.Errorf("counts %+v, %d errors, want every community placed in %s: %v", rep.Counts, rep.Errors, street, rep.Issues)
		}
	})
	t.Run("a parent code with a stray letter is a code", func(t *testing.T) {
		var fc testCollection
		b, _ := json.Marshal(grids)
		json.Unmarshal(b, &fc)
		props(fc.Features[0])["parent_code"] = parents[0][:11] + "l"
		o := opts()
		o.Level, o.DryRun = geo.Grid, true
		rep := mustImport(t, db, o, fc.write(t, "stray.geojson"))
		if rep.Errors != 1 || len(issuesOf(rep, geo.IssueParentMismatch)) != 1 {
			t.Errorf("%d errors, want the parent refused: %v", rep.Errors, rep.Issues)
		}
	})
	t.Run("a district's city is no parent", func(t *testing.T) {
		districts := readCollection(t, exportFile(t, db, ExportOptions{Level: geo.District, Format: "geojson"}, "d.geojson"))
		for _, f := range districts.Features {
			delete(props(f), "parent_code")
			props(f)["上级名称"] = "天津市"
		}
		o := opts()
		o.DryRun = true
		rep := mustImport(t, db, o, districts.write(t, "districts.geojson"))
		if rep.Errors != 0 || rep.Counts.Changed != len(districts.Features) {
			t.Errorf("counts %+v, %d errors, want every district changed by the kept column: %v", rep.Counts, rep.Errors, rep.Issues)
		}
	})
}

// bareCommittee is a community's name as lists write it, without the
// committee (光明路社区 for 光明路社区居委会).
func bareCommittee(name string) string {
	for _, suffix := range []string{"居民委员会", "居委会"} {
		if n, ok := strings.CutSuffix(name, suffix); ok {
			return n
		}
	}
	return name
}
