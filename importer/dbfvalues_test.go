package importer

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/geo"
)

// Shapefiles written byte by byte, and what the import makes of DBF
// values that are no value of their type.

// testField is a column of a test .dbf.
type testField struct {
	name     string
	typ      byte
	len, dec int
}

// testShapefile writes a UTF-8 shapefile (.shp, .shx, .dbf, .cpg) of one
// small square per record, the record's cells written as given (padded
// with spaces), as a tool that writes raw dBase would: the bytes reach the
// reader as they are.
func testShapefile(t *testing.T, fields []testField, records ...[]string) string {
	t.Helper()
	base := filepath.Join(t.TempDir(), "网格")
	var shp, shx []byte
	bound := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	off := 50 // 16-bit words
	for i := range records {
		x := 117 + 0.1*float64(i)
		ring := [][2]float64{{x, 39}, {x, 39.05}, {x + 0.05, 39.05}, {x + 0.05, 39}, {x, 39}} // clockwise
		bound = [4]float64{min(bound[0], x), min(bound[1], 39), max(bound[2], x+0.05), max(bound[3], 39.05)}
		c := binary.LittleEndian.AppendUint32(nil, 5)
		for _, v := range []float64{x, 39, x + 0.05, 39.05} {
			c = binary.LittleEndian.AppendUint64(c, math.Float64bits(v))
		}
		c = binary.LittleEndian.AppendUint32(c, 1)
		c = binary.LittleEndian.AppendUint32(c, uint32(len(ring)))
		c = binary.LittleEndian.AppendUint32(c, 0)
		for _, p := range ring {
			c = binary.LittleEndian.AppendUint64(c, math.Float64bits(p[0]))
			c = binary.LittleEndian.AppendUint64(c, math.Float64bits(p[1]))
		}
		shx = binary.BigEndian.AppendUint32(shx, uint32(off))
		shx = binary.BigEndian.AppendUint32(shx, uint32(len(c)/2))
		shp = binary.BigEndian.AppendUint32(shp, uint32(i+1))
		shp = binary.BigEndian.AppendUint32(shp, uint32(len(c)/2))
		shp = append(shp, c...)
		off += 4 + len(c)/2
	}
	header := func(body int) []byte {
		h := make([]byte, 100)
		binary.BigEndian.PutUint32(h[0:], 9994)
		binary.BigEndian.PutUint32(h[24:], uint32((100+body)/2))
		binary.LittleEndian.PutUint32(h[28:], 1000)
		binary.LittleEndian.PutUint32(h[32:], 5)
		for i, v := range bound {
			binary.LittleEndian.PutUint64(h[36+8*i:], math.Float64bits(v))
		}
		return h
	}
	recLen := 1
	for _, f := range fields {
		recLen += f.len
	}
	dbf := make([]byte, 32)
	dbf[0], dbf[1], dbf[2], dbf[3] = 3, 126, 1, 1
	binary.LittleEndian.PutUint32(dbf[4:], uint32(len(records)))
	binary.LittleEndian.PutUint16(dbf[8:], uint16(32+32*len(fields)+1))
	binary.LittleEndian.PutUint16(dbf[10:], uint16(recLen))
	for _, f := range fields {
		d := make([]byte, 32)
		copy(d, f.name)
		d[11], d[16], d[17] = f.typ, byte(f.len), byte(f.dec)
		dbf = append(dbf, d...)
	}
	dbf = append(dbf, '\r')
	for _, rec := range records {
		dbf = append(dbf, ' ')
		for i, f := range fields {
			cell := []byte(rec[i])
			if len(cell) > f.len {
				t.Fatalf("%q does not fit %s", rec[i], f.name)
			}
			dbf = append(dbf, cell...)
			dbf = append(dbf, strings.Repeat(" ", f.len-len(cell))...)
		}
	}
	dbf = append(dbf, 0x1a)
	for ext, b := range map[string][]byte{".shp": append(header(len(shp)), shp...), ".shx": append(header(len(shx)), shx...),
		".dbf": dbf, ".cpg": []byte("UTF-8")} {
		if err := os.WriteFile(base+ext, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return base + ".shp"
}

// TestDBFValuesAreNotChangedSilently: a numeric cell beyond a double's
// range is kept as the number written (1e-400 was stored as 0), one that is
// no decimal number is an error naming the column, and a date cell that is
// no date (99999999, month 13, 30 February) is imported as no value with a
// warning naming the column, where it was stored as the string
// "9999-99-99". A blank date, and 00000000 (how shapelib and GDAL write a
// null date), are no value without a word.
func TestDBFValuesAreNotChangedSilently(t *testing.T) {
	cases := []struct {
		name  string
		field testField
		cell  string
		want  any           // the property
		kind  geo.IssueKind // of the one issue; "" : none
		sev   geo.Severity
		msg   []string
	}{
		{"an underflowing number", testField{"HH", 'N', 30, 0}, "1e-400", json.Number("1e-400"), "", "", nil},
		{"a negative underflowing number", testField{"HH", 'N', 30, 0}, "-1.5E-400", json.Number("-1.5e-400"), "", "", nil},
		{"an overflowing number", testField{"HH", 'N', 30, 0}, "+1e400", json.Number("1e+400"), "", "", nil},
		{"a decimal", testField{"X", 'N', 20, 5}, "12.50000", json.Number("12.5"), "", "", nil},
		{"a big integer", testField{"HH", 'N', 30, 0}, "120104199001011234", json.Number("120104199001011234"), "", "", nil},
		{"too small for the database", testField{"HH", 'N', 30, 0}, "1e-20000", nil, geo.IssueUnreadable, geo.SeverityError, []string{"attribute HH", "1e-20000"}},
		{"a hexadecimal float", testField{"X", 'N', 20, 5}, "0x1p-2", nil, geo.IssueUnreadable, geo.SeverityError, []string{"attribute X", "0x1p-2", "not a number"}},
		{"a date", testField{"D1", 'D', 8, 0}, "20260301", "2026-03-01", "", "", nil},
		{"29 February of a leap year", testField{"D1", 'D', 8, 0}, "20240229", "2024-02-29", "", "", nil},
		{"a blank date", testField{"D1", 'D', 8, 0}, "", nil, "", "", nil},
		{"the null date", testField{"D1", 'D', 8, 0}, "00000000", nil, "", "", nil},
		{"all nines", testField{"D2", 'D', 8, 0}, "99999999", nil, geo.IssueUnreadable, geo.SeverityWarning, []string{"attribute D2", "99999999", "not a date"}},
		{"month 13", testField{"D2", 'D', 8, 0}, "20261301", nil, geo.IssueUnreadable, geo.SeverityWarning, []string{"attribute D2", "20261301"}},
		{"30 February", testField{"D2", 'D', 8, 0}, "20260230", nil, geo.IssueUnreadable, geo.SeverityWarning, []string{"attribute D2", "20260230"}},
		{"29 February of another year", testField{"D2", 'D', 8, 0}, "20250229", nil, geo.IssueUnreadable, geo.SeverityWarning, []string{"attribute D2"}},
		{"seven digits", testField{"D2", 'D', 8, 0}, "2026031", nil, geo.IssueUnreadable, geo.SeverityWarning, []string{"attribute D2", "2026031"}},
		{"letters", testField{"D2", 'D', 8, 0}, "abcdefgh", nil, geo.IssueUnreadable, geo.SeverityWarning, []string{"attribute D2", "abcdefgh"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			shp := testShapefile(t, []testField{{"CODE", 'C', 20, 0}, {"NAME", 'C', 60, 0}, c.field},
				[]string{"120104001001003", "光明路社区第3网格", c.cell})
			out, rep := mapFile(t, shp, opts())
			if c.kind == "" {
				if len(rep.Issues) != 0 {
					t.Errorf("issues %v", rep.Issues)
				}
				if got, ok := out["120104001001003"][c.field.name]; !ok || got != c.want {
					t.Errorf("%s = %#v (present %v), want %#v", c.field.name, got, ok, c.want)
				}
				return
			}
			if len(rep.Issues) != 1 {
				t.Fatalf("issues %v, want one %s", rep.Issues, c.kind)
			}
			is := rep.Issues[0]
			if is.Index != 0 || is.Code != "120104001001003" || is.Kind != c.kind || is.Severity != c.sev {
				t.Errorf("issue %+v, want a %s %s of #0", is, c.sev, c.kind)
			}
			for _, w := range c.msg {
				if !strings.Contains(is.Message, w) {
					t.Errorf("message %q lacks %q", is.Message, w)
				}
			}
			if c.sev == geo.SeverityWarning {
				if got, ok := out["120104001001003"][c.field.name]; !ok || got != nil {
					t.Errorf("%s = %#v (present %v), want no value", c.field.name, got, ok)
				}
			}
		})
	}
}
