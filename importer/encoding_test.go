package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// twoDistricts is a GeoJSON of two small districts whose code and name are
// under the attribute names given.
func twoDistricts(t *testing.T, codeKey, nameKey, noteKey string) string {
	t.Helper()
	return districtsNamed(t, codeKey, nameKey, noteKey, "和平区", "河东区", "网格化管理")
}

// districtsNamed is twoDistricts with the names and note given.
func districtsNamed(t *testing.T, codeKey, nameKey, noteKey, name1, name2, note string) string {
	t.Helper()
	var feats []map[string]any
	for i, d := range []struct{ code, name string }{{"120101", name1}, {"120102", name2}} {
		x := 117.0 + float64(i)*0.1
		feats = append(feats, map[string]any{"type": "Feature",
			"properties": map[string]any{codeKey: d.code, nameKey: d.name, noteKey: note},
			"geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{
				{{x, 39}, {x + 0.05, 39}, {x + 0.05, 39.05}, {x, 39.05}, {x, 39}}}}})
	}
	b, _ := json.Marshal(map[string]any{"type": "FeatureCollection", "features": feats})
	return write(t, "src.geojson", b)
}

// shapefileIn writes src as a shapefile whose attributes are in encoding
// (GDAL's name) and whose .cpg then says cpg ("" : no .cpg).
func shapefileIn(t *testing.T, src, encoding, cpg string) string {
	t.Helper()
	requireOGR(t)
	shp := filepath.Join(t.TempDir(), "区县.shp")
	ogr(t, "-f", "ESRI Shapefile", "-lco", "ENCODING="+encoding, shp, src)
	os.Remove(sibling(shp, ".cpg"))
	if cpg != "" {
		if err := os.WriteFile(sibling(shp, ".cpg"), []byte(cpg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return shp
}

// TestDeclaredEncodingContradicted: a GBK table whose .cpg says UTF-8 (as
// tools leave it) was read with its Chinese field names as FIELD1, FIELD2
// and rejected with "no code attribute (tried code, …)", which sent staff
// after the wrong mistake. Now the declaration is checked against the
// text: the error says the .cpg is wrong, what the text reads as, and the
// fix (--encoding gbk, or correct the .cpg).
func TestDeclaredEncodingContradicted(t *testing.T) {
	db := pgtest.Open(t)
	chinese := twoDistricts(t, "区划代码", "区划名称", "备注")
	ascii := twoDistricts(t, "CODE", "NAME", "NOTE")
	cases := []struct {
		name     string
		shp      string
		encoding string   // the option
		code     string   // the code field option
		msg      []string // in the error; nil: the import is clean
		read     string   // the report's encoding when clean
	}{
		{"GBK field names, the .cpg says UTF-8", shapefileIn(t, chinese, "GBK", "UTF-8"), "", "",
			[]string{"the .cpg says the attribute text is UTF-8", "field names (区划代码, 区划名称, 备注 as GBK) are not UTF-8",
				"--encoding gbk", "or correct the .cpg to say GBK"}, ""},
		{"GBK values under ASCII names, the .cpg says UTF-8", shapefileIn(t, ascii, "GBK", "UTF-8"), "", "",
			[]string{"the .cpg says the attribute text is UTF-8", "4 of the 4 non-ASCII text values", "NAME of the first record reads as GBK: 和平区",
				"--encoding gbk"}, ""},
		{"UTF-8 text, the .cpg says GBK", shapefileIn(t, chinese, "UTF-8", "GBK"), "", "",
			[]string{"the .cpg says the attribute text is GBK, but the text is UTF-8, not GBK", "--encoding utf-8"}, ""},
		{"GBK text, the option says UTF-8", shapefileIn(t, chinese, "GBK", ""), "utf-8", "",
			[]string{"the encoding option says the attribute text is UTF-8", "--encoding gbk"}, ""},
		// 萍 in GBK is C6 BC, valid UTF-8 (Ƽ): only the missing code field tells
		{"a GBK code field that reads as UTF-8", shapefileIn(t, districtsNamed(t, "萍", "NAME", "NOTE", "Heping", "Hedong", "grid"), "GBK", "UTF-8"), "", "萍",
			[]string{"no field holds a code, while read as GBK the fields are 萍: the text is not UTF-8", "--encoding gbk"}, ""},
		{"the .cpg put right by the option", shapefileIn(t, chinese, "GBK", "UTF-8"), "gbk", "", nil, "GB18030 (from the encoding option)"},
		{"GBK text, the .cpg says GBK", shapefileIn(t, chinese, "GBK", "GBK"), "", "", nil, "GB18030 (from .cpg)"},
		{"UTF-8 text, the .cpg says UTF-8", shapefileIn(t, ascii, "UTF-8", "UTF-8"), "", "", nil, "UTF-8 (from .cpg)"},
		// GDAL cuts 管理单位备注 to 10 bytes, inside 备: still UTF-8, no contradiction
		{"UTF-8 names cut inside a character", shapefileIn(t, twoDistricts(t, "CODE", "NAME", "管理单位备注"), "UTF-8", "UTF-8"), "", "", nil, "UTF-8 (from .cpg)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := opts()
			o.Encoding, o.Fields.Code, o.DryRun = c.encoding, c.code, true
			rep, err := Run(context.Background(), db.Pool, []string{c.shp}, o, 0, nil)
			if c.msg == nil {
				if err != nil || rep.Errors != 0 || rep.Counts.Created != 2 || rep.Encoding != c.read {
					t.Fatalf("%v: encoding %q, counts %+v, issues %v", err, rep.Encoding, rep.Counts, rep.Issues)
				}
				return
			}
			var ge *geo.Error
			if !errors.As(err, &ge) || ge.Code != geo.EINVALID || ge.Field != "encoding" {
				t.Fatalf("error %v, want an invalid encoding", err)
			}
			for _, m := range c.msg {
				if !strings.Contains(ge.Message, m) {
					t.Errorf("%q lacks %q", ge.Message, m)
				}
			}
		})
	}
}

// TestOneUnreadableValue: a UTF-8 table with one value in another encoding
// is no contradiction of its .cpg; that feature's error names the attribute
// and the encoding, and no "the name is empty" follows it.
func TestOneUnreadableValue(t *testing.T) {
	db := pgtest.Open(t)
	shp := shapefileIn(t, twoDistricts(t, "CODE", "NAME", "NOTE"), "UTF-8", "UTF-8")
	dbf, err := os.ReadFile(sibling(shp, ".dbf"))
	if err != nil {
		t.Fatal(err)
	}
	good := []byte("河东区") // 9 bytes; GBK takes 6
	bad := append(gbk("河东区"), "   "...)
	if !bytes.Contains(dbf, good) {
		t.Fatal("the .dbf does not hold 河东区 in UTF-8")
	}
	if err := os.WriteFile(sibling(shp, ".dbf"), bytes.Replace(dbf, good, bad, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), db.Pool, []string{shp}, opts(), 0, nil)
	if err != nil || rep.Committed {
		t.Fatalf("%v, committed %v", err, rep.Committed)
	}
	var got []string
	for _, is := range rep.Issues {
		if is.Severity == geo.SeverityError {
			got = append(got, fmt.Sprintf("%s %s: %s", is.Code, is.Kind, is.Message))
		}
	}
	want := "120102 unreadable: attribute NAME is not valid UTF-8 text (the encoding the .cpg names)"
	if len(got) != 1 || !strings.HasPrefix(got[0], want) {
		t.Errorf("errors %q, want one: %s…", got, want)
	}
}
