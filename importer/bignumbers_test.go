package importer

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
)

// bigProps are property numbers a float64 cannot hold — an 18-digit ID
// beyond 2^53, an integer beyond int64 — beside an ordinary fraction.
const bigProps = `{"owner_id":120104199001011234,"big":12345678901234567890,"f":1.5}`

// TestRoundTripKeepsBigNumbers: an export of a grid whose properties hold
// numbers beyond a double's 53 bits, imported again with --dry-run,
// changes nothing in any format; the GeoJSON spells them as stored. A
// tester saw `gridmap export` write 120104199001011230 and the dry run
// report "change 1".
func TestRoundTripKeepsBigNumbers(t *testing.T) {
	db := demotest.Open(t)
	props, err := geo.DecodeProperties([]byte(bigProps))
	if err != nil {
		t.Fatal(err)
	}
	code := oddGrid(t, db, props)
	for _, name := range []string{"big.geojson", "big.shp", "big gbk.shp", "big.gpkg"} {
		t.Run(name, func(t *testing.T) {
			o := ExportOptions{Level: geo.Grid, Under: testStreet}
			if strings.Contains(name, "gbk") {
				o.Encoding = "gbk"
			}
			path := exportFile(t, db, o, name)
			if strings.HasSuffix(name, ".geojson") {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				for _, lit := range []string{`"owner_id":120104199001011234`, `"big":12345678901234567890`, `"f":1.5`} {
					if !strings.Contains(string(b), lit) {
						t.Errorf("the export lacks %s", lit)
					}
				}
			}
			dry := opts()
			dry.DryRun = true
			rep := mustImport(t, db, dry, path)
			if c := rep.Counts; c.Changed != 0 || c.Created != 0 || rep.Errors != 0 {
				t.Errorf("re-import of %s (with %s's big numbers): %+v, %d errors; first issues %v", name, code, c, rep.Errors, first(rep.Issues, 5))
			}
		})
	}
}

// TestTableFormatsSpellNumbersExactly: a .dbf numeric cell is the
// number's own digits, and a GeoPackage column takes a number as an
// INTEGER or REAL only when that keeps it, else as JSON text.
func TestTableFormatsSpellNumbersExactly(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    any
		dec  int
		want string
	}{
		{"beyond 2^53", json.Number("120104199001011234"), 0, "120104199001011234"},
		{"beyond int64", json.Number("12345678901234567890"), 0, "12345678901234567890"},
		{"padded fraction", json.Number("1.5"), 3, "1.500"},
		{"an integer in a column with decimals", json.Number("-7"), 2, "-7.00"},
		{"an exponent", json.Number("1e3"), 1, "1000.0"},
		{"a double", 0.1, 3, "0.100"},
		{"more decimals than the column", json.Number("1.25"), 1, "1.2"},
	} {
		t.Run("dbf "+tc.name, func(t *testing.T) {
			if got := numberCell(tc.v, tc.dec); got != tc.want {
				t.Errorf("numberCell(%v, %d) = %q, want %q", tc.v, tc.dec, got, tc.want)
			}
		})
	}
	t.Run("dbf column of big integers", func(t *testing.T) {
		typ, width, dec := columnType([]any{json.Number("12345678901234567890"), json.Number("1"), nil}, utf8Charset)
		if typ != 'N' || width < 20 || dec != 0 {
			t.Errorf("column %c(%d,%d), want N(≥20,0)", typ, width, dec)
		}
	})
	for _, tc := range []struct {
		name     string
		vals     []any
		typ      string
		wantJSON bool
	}{
		{"integers beyond 2^53", []any{json.Number("120104199001011234"), json.Number("3")}, "INTEGER", false},
		{"fractions", []any{json.Number("1.5"), json.Number("2")}, "REAL", false},
		{"beyond int64", []any{json.Number("12345678901234567890")}, "REAL", true},
		{"too many digits for a double", []any{json.Number("0.1234567890123456789")}, "REAL", true},
		{"a big integer beside a fraction", []any{json.Number("120104199001011234"), json.Number("0.5")}, "REAL", true},
	} {
		t.Run("gpkg "+tc.name, func(t *testing.T) {
			if got := sqliteType(tc.vals); got != tc.typ {
				t.Errorf("sqliteType = %s, want %s", got, tc.typ)
			}
			if got := needsJSON(tc.vals); got != tc.wantJSON {
				t.Errorf("needsJSON = %v, want %v", got, tc.wantJSON)
			}
		})
	}
	if got := sqliteArg(json.Number("120104199001011234")); got != int64(120104199001011234) {
		t.Errorf("sqliteArg of an int64 = %#v", got)
	}
}

// TestHugeNumbersAreRefused: a number PostgreSQL would write back in full
// (1e131071: 8 bytes in the file, 131,072 digits on every read and export)
// counts at its written length against the properties' 64 KiB, as an edit's
// does; an attribute within it is kept.
func TestHugeNumbersAreRefused(t *testing.T) {
	db := demotest.Open(t)
	for _, tc := range []struct {
		name, extra string
		refused     bool
	}{
		{"a double's largest", `1.7976931348623157e308`, false},
		{"a huge exponent", `1e131071`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := writeFeatures(t, t.TempDir(), map[string]any{"code": "120110003021099", "name": "新网格", "x": json.RawMessage(tc.extra)})
			o := opts()
			o.DryRun = true
			rep := mustImport(t, db, o, file)
			found := issuesOf(rep, geo.IssueUnreadable)["120110003021099"]
			if refused := len(found) == 1 && strings.Contains(found[0].Message, "written out in full"); refused != tc.refused {
				t.Errorf("refused %v, want %v: %d errors, %.3v", refused, tc.refused, rep.Errors, rep.Issues)
			}
		})
	}
}
