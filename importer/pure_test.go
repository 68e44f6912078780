package importer

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/gridmap-dev/gridmap/geo"
)

func gbk(s string) []byte {
	b, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	return b
}

func TestDetectCharset(t *testing.T) {
	cases := []struct {
		name    string
		samples [][]byte
		want    string
		ok      bool
	}{
		{"UTF-8 Chinese", [][]byte{[]byte("南开区"), []byte("兴南街道")}, "UTF-8", true},
		{"GBK Chinese", [][]byte{gbk("南开区"), gbk("兴南街道")}, "GB18030", true},
		{"ASCII only", nil, "UTF-8", true},
		// "萍" in GBK is C6 BC, which is also valid UTF-8 ("Ƽ"): the Chinese reading wins.
		{"GBK that happens to be valid UTF-8", [][]byte{gbk("萍")}, "GB18030", true},
		{"neither", [][]byte{{0xff, 0xfe, 0x80}}, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cs, ok := detectCharset(c.samples)
			if ok != c.ok || cs.Name != c.want {
				t.Errorf("got %q %v, want %q %v", cs.Name, ok, c.want, c.ok)
			}
		})
	}
}

func TestLookupCharset(t *testing.T) {
	for name, want := range map[string]string{"936": "GB18030", "GBK": "GB18030", "cp936": "GB18030", "UTF-8\n": "UTF-8",
		"65001": "UTF-8", "gb2312": "GB18030", "big5": "Big5", "8859_1": "Windows-1252"} {
		if cs, ok := lookupCharset(name); !ok || cs.Name != want {
			t.Errorf("%q: %q %v, want %q", name, cs.Name, ok, want)
		}
	}
	if _, ok := lookupCharset("klingon"); ok {
		t.Error("an unknown charset was accepted")
	}
}

func TestIdentifyWKT(t *testing.T) {
	esri4547 := `PROJCS["CGCS2000_3_Degree_GK_CM_114E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",114.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`
	cases := []struct {
		name, wkt string
		srid      int
		geog, ok  bool
	}{
		{"ESRI CM name", esri4547, 4547, false, true},
		{"ESRI zone name", strings.Replace(esri4547, "CGCS2000_3_Degree_GK_CM_114E", "CGCS2000_3_Degree_GK_Zone_39", 1), 4527, false, true},
		{"EPSG name", `PROJCS["CGCS2000 / 3-degree Gauss-Kruger CM 117E",GEOGCS["China Geodetic Coordinate System 2000"]]`, 4548, false, true},
		{"unnamed, by parameters", strings.Replace(esri4547, "CGCS2000_3_Degree_GK_CM_114E", "my projection", 1), 4547, false, true},
		{"unnamed zone 39 by false easting", strings.NewReplacer("CGCS2000_3_Degree_GK_CM_114E", "x", "500000.0", "39500000.0", "114.0", "117.0").Replace(esri4547), 4527, false, true},
		{"MapInfo's zone 39 on WGS-84", `PROJCS["unnamed",GEOGCS["unnamed",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",117],PARAMETER["scale_factor",1],PARAMETER["false_easting",39500000],PARAMETER["false_northing",0],UNIT["metre",1]]`, 4527, false, true},
		{"WGS-84 UTM by parameters is no Gauss-Krüger", `PROJCS["unnamed",GEOGCS["unnamed",DATUM["WGS_1984"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",117],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0]]`, 0, false, true},
		{"authority", `GEOGCS["WGS 84",DATUM["WGS_1984"],AUTHORITY["EPSG","4326"]]`, 4326, true, true},
		{"ESRI CGCS2000 geographic", `GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000"]]`, 4490, true, true},
		{"UTM", `PROJCS["WGS_1984_UTM_Zone_50N",GEOGCS["GCS_WGS_1984"]]`, 32650, false, true},
		{"WKT2 id", `PROJCRS["CGCS2000 / 3-degree Gauss-Kruger zone 39",ID["EPSG",4527]]`, 4527, false, true},
		{"unknown system", `PROJCS["Local grid",GEOGCS["Beijing 1954 local"],PROJECTION["Transverse_Mercator"]]`, 0, false, true},
		{"not WKT", `hello`, 0, false, false},
		{"unbalanced", `PROJCS["x",GEOGCS["y"]`, 0, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srid, _, geog, ok := identifyWKT(c.wkt)
			if srid != c.srid || geog != c.geog || ok != c.ok {
				t.Errorf("got %d %v %v, want %d %v %v", srid, geog, ok, c.srid, c.geog, c.ok)
			}
		})
	}
}

func TestCheckRange(t *testing.T) {
	box := func(x0, y0, x1, y1 float64) orb.Bound {
		return orb.Bound{Min: orb.Point{x0, y0}, Max: orb.Point{x1, y1}}
	}
	cases := []struct {
		name string
		b    orb.Bound
		crs  sourceCRS
		want string // "" for no problem
	}{
		{"degrees as degrees", box(117.1, 39.0, 117.3, 39.2), sridCRS(4326), ""},
		{"zone-prefixed metres labelled 4326", box(39500000, 4330000, 39510000, 4340000), sridCRS(4326), "EPSG:4527"},
		{"plain metres labelled 4326", box(500000, 4330000, 510000, 4340000), sridCRS(4326), "without a zone prefix"},
		{"degrees labelled projected", box(117.1, 39.0, 117.3, 39.2), sridCRS(4547), "look like degrees"},
		{"latitude first", box(39.0, 117.1, 39.2, 117.3), sridCRS(4326), "axes are swapped"}, // was "not degrees; pass the srs option"
		{"zone 38 eastings in zone 39", box(38500000, 4330000, 38510000, 4340000), sridCRS(4527), "do not start with zone 39"},
		{"prefixed eastings in a CM system", box(39500000, 4330000, 39510000, 4340000), sridCRS(4548), "outside 0–1,000,000"},
		{"right zone", box(39500000, 4330000, 39510000, 4340000), sridCRS(4527), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.crs.Geographic = c.crs.SRID == 4326
			e := checkRange(c.b, c.crs)
			switch {
			case c.want == "" && e != nil:
				t.Errorf("unexpected %v", e)
			case c.want != "" && (e == nil || !strings.Contains(e.Msg, c.want)):
				t.Errorf("got %v, want a message with %q", e, c.want)
			}
		})
	}
}

func TestAssembleRings(t *testing.T) {
	cw := orb.Ring{{0, 0}, {0, 10}, {10, 10}, {10, 0}, {0, 0}}        // outer (clockwise)
	hole := orb.Ring{{2, 2}, {4, 2}, {4, 4}, {2, 4}, {2, 2}}          // counter-clockwise
	far := orb.Ring{{20, 20}, {20, 30}, {30, 30}, {30, 20}, {20, 20}} // another outer
	stray := orb.Ring{{50, 50}, {52, 50}, {52, 52}, {50, 50}}         // ccw, in no outer
	open := orb.Ring{{0, 0}, {0, 10}, {10, 10}, {10, 0}}
	cases := []struct {
		name  string
		rings []orb.Ring
		polys []int // rings per polygon
		notes int
	}{
		{"outer with hole", []orb.Ring{cw, hole}, []int{2}, 0},
		{"hole listed before its shell", []orb.Ring{hole, far, cw}, []int{1, 2}, 0},
		{"stray counter-clockwise ring", []orb.Ring{cw, stray}, []int{1, 1}, 1},
		{"all counter-clockwise", []orb.Ring{hole, stray}, []int{1, 1}, 1},
		{"unclosed ring", []orb.Ring{open}, []int{1}, 1},
		{"degenerate ring", []orb.Ring{{{0, 0}, {1, 1}, {0, 0}}, cw}, []int{1}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var f Feature
			mp := assemble(c.rings, &f)
			var got []int
			for _, p := range mp {
				got = append(got, len(p))
			}
			if len(got) != len(c.polys) || len(f.Notes) != c.notes {
				t.Fatalf("polygons %v (notes %v), want %v with %d notes", got, f.Notes, c.polys, c.notes)
			}
			for i := range got {
				if got[i] != c.polys[i] {
					t.Errorf("polygons %v, want %v", got, c.polys)
				}
			}
		})
	}
}

func TestDBFNumber(t *testing.T) {
	for in, want := range map[string]any{"120104001001001001": json.Number("120104001001001001"), "+007": json.Number("7"),
		"-3.50": json.Number("-3.5"), "": nil, "*****": nil, ".5": json.Number("0.5")} {
		got, err := dbfNumber(in)
		if err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	if _, err := dbfNumber("12abc"); err == nil {
		t.Error("12abc was accepted")
	}
}

func TestFieldMapping(t *testing.T) {
	cases := []struct {
		name  string
		attrs map[string]any
		o     geo.ImportOptions
		code  string
		level geo.Level
		kind  geo.IssueKind // "" when it maps
	}{
		{"guessed Chinese fields, numeric code", map[string]any{"网格编码": json.Number("120104001001001"), "网格名称": "第1网格"}, opts(), "120104001001001", geo.Grid, ""},
		{"code stored as 120104.0", map[string]any{"CODE": json.Number("120104.0"), "NAME": "南开区"}, opts(), "120104", geo.District, ""},
		{"level word", map[string]any{"bm": "120104001", "mc": "街", "jb": "街道"}, opts(), "120104001", geo.Street, ""},
		{"level contradicts code length", map[string]any{"code": "120104", "name": "x", "level": "网格"}, opts(), "", "", geo.IssueBadCode},
		{"province code", map[string]any{"code": "120000", "name": "天津市"}, opts(), "", "", geo.IssueBadCode},
		{"no code field", map[string]any{"id": 3, "name": "x"}, opts(), "", "", geo.IssueMissingField},
		{"parent contradicts prefix", map[string]any{"code": "120104001", "name": "x", "parent_code": "120105"}, opts(), "", "", geo.IssueParentMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := &geo.ImportReport{}
			m := newMapper(c.o, rep)
			r, ok := m.feature(Feature{Attrs: c.attrs, Geom: seedSquare, Bound: seedSquare.Bound()})
			if c.kind != "" {
				if ok || len(rep.Issues) == 0 || rep.Issues[0].Kind != c.kind {
					t.Errorf("mapped %+v with issues %v, want %s", r, rep.Issues, c.kind)
				}
				return
			}
			if !ok || r.code != c.code || r.level != c.level || rep.Errors != 0 {
				t.Errorf("got %s %s ok=%v issues %v", r.code, r.level, ok, rep.Issues)
			}
		})
	}
}

func TestSRIDFromURN(t *testing.T) {
	for in, want := range map[string]int{"urn:ogc:def:crs:EPSG::4547": 4547, "EPSG:4490": 4490, "urn:ogc:def:crs:OGC:1.3:CRS84": 4326,
		"urn:ogc:def:crs:EPSG:6.6:4326": 4326, "EPSG:abc": 0, "": 0} {
		if got := sridFromURN(in); got != want {
			t.Errorf("%q: %d, want %d", in, got, want)
		}
	}
}

// TestDBFDateIsTheChinaDay: a file exported at 00:30 in China (16:30 UTC
// the day before) is dated that China day, as the people opening it read
// dates, not by the server's zone (UTC in a container).
func TestDBFDateIsTheChinaDay(t *testing.T) {
	for _, c := range []struct {
		at         time.Time
		yy, mm, dd byte
	}{
		{time.Date(2026, 12, 4, 16, 30, 0, 0, time.UTC), 126, 12, 5},
		{time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC), 127, 1, 1},
		{time.Date(2026, 12, 4, 15, 59, 59, 0, time.UTC), 126, 12, 4},
	} {
		if yy, mm, dd := dbfDate(c.at); yy != c.yy || mm != c.mm || dd != c.dd {
			t.Errorf("exported at %s: dated %d-%d-%d, want %d-%d-%d", c.at.Format(time.RFC3339), yy, mm, dd, c.yy, c.mm, c.dd)
		}
	}
}
