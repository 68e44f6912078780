package importer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// The fuzz targets feed arbitrary bytes to every reader written here. They
// must never panic, and never allocate more than the bytes present allow;
// `make fuzz` runs each for a while. The seeds are small valid files.

var seedSquare = orb.MultiPolygon{
	{{{0, 0}, {0, 10}, {10, 10}, {10, 0}, {0, 0}}, {{2, 2}, {8, 2}, {8, 8}, {2, 8}, {2, 2}}},
	{{{20, 0}, {20, 5}, {25, 5}, {20, 0}}},
}

// seedSHP is a valid one-record .shp.
func seedSHP() []byte {
	rec := polygonRecord(seedSquare)
	b := make([]byte, 100+8+len(rec))
	binary.BigEndian.PutUint32(b[0:], 9994)
	binary.BigEndian.PutUint32(b[24:], uint32(len(b)/2))
	binary.LittleEndian.PutUint32(b[28:], 1000)
	binary.LittleEndian.PutUint32(b[32:], shapePolygon)
	binary.BigEndian.PutUint32(b[100:], 1)
	binary.BigEndian.PutUint32(b[104:], uint32(len(rec)/2))
	copy(b[108:], rec)
	return b
}

func FuzzSHP(f *testing.F) {
	f.Add(seedSHP())
	f.Add(seedSHP()[:150])
	f.Fuzz(func(t *testing.T, b []byte) {
		s, _, err := openSHP(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		for range 1000 {
			content, err := s.next()
			if err != nil {
				return
			}
			rings, _, ferr := parseShape(content)
			if ferr == nil {
				assemble(rings, &Feature{})
			}
		}
	})
}

// seedDBF is a valid .dbf written by the exporter, in the given encoding.
func seedDBF(tb testing.TB, encoding string) []byte {
	cs, _ := lookupCharset(encoding)
	p := filepath.Join(tb.TempDir(), "seed.dbf")
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	vals := map[string][]any{"households": {float64(300)}, "网格员": {"王伟"}, "ok": {true}}
	fields, _ := dbfSchema(&unitKind, vals, []string{"households", "ok", "网格员"}, cs)
	d := newDBFWriter(f, cs, fields)
	d.header(0)
	d.record(&exportUnit{Fixed: []string{"120104001001001", "华苑第1网格", "grid", "120104001001"},
		Props: map[string]any{"households": float64(300), "网格员": "王伟", "ok": true}})
	d.finish(1)
	f.Close()
	b, _ := os.ReadFile(p)
	return b
}

func FuzzDBF(f *testing.F) {
	f.Add(seedDBF(f, "utf-8"))
	f.Add(seedDBF(f, "gbk"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := openDBF(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		if _, err := d.chooseCharset("", "", codeFields("")); err != nil {
			return
		}
		for {
			if _, _, _, err := d.next(); err != nil {
				return
			}
		}
	})
}

func FuzzGeoJSON(f *testing.F) {
	for _, s := range []string{
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"120101","name":"和平区"},"geometry":{"type":"Polygon","coordinates":[[[117.1,39.1],[117.2,39.1],[117.2,39.2],[117.1,39.1]]]}}],"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4490"}}}`,
		`{"type":"Feature","properties":null,"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}}`,
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}`,
		`{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]}]}`,
		"\xef\xbb\xbf{\"features\":[],\"type\":\"FeatureCollection\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := newGeoJSONReader(bytes.NewReader(b), int64(len(b)), "fuzz.geojson", "")
		if err != nil {
			return
		}
		for range 10000 {
			if _, err := r.Next(); err != nil {
				if !errors.Is(err, io.EOF) && errMessage(err) == "" {
					t.Fatalf("error without a message: %v", err)
				}
				return
			}
		}
	})
}

func FuzzGeoPackageGeometry(f *testing.F) {
	w, _ := wkb.Marshal(seedSquare)
	f.Add(gpBlob(4326, w))
	w, _ = wkb.Marshal(seedSquare[0], binary.BigEndian)
	f.Add(gpBlob(4547, w))
	f.Add([]byte("GP\x00\x03\x00\x00\x00\x00" + "0123456789abcdef0123456789abcdef"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, w, ferr := parseGPBlob(b)
		if ferr != nil {
			return
		}
		if mp, _, ferr := parseWKB(w); ferr == nil {
			tidy(mp, &Feature{})
		}
	})
}

func FuzzWKT(f *testing.F) {
	for _, s := range []string{
		`PROJCS["CGCS2000_3_Degree_GK_CM_114E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",114.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`,
		`GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]]],AUTHORITY["EPSG","4326"]]`,
		`PROJCRS["CGCS2000 / 3-degree Gauss-Kruger zone 39",BASEGEOGCRS["China Geodetic Coordinate System 2000"],ID["EPSG",4527]]`,
		`PROJCS["x",AXIS["X",NORTH],PARAMETER["a""b",1e3]]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		identifyWKT(s)
	})
}
