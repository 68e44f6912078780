package importer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// A shapefile cannot hold what properties are: dBase cuts column names to
// 10 bytes, text to 254, has no lists, objects or "no value" distinct from
// an empty one, and GBK cannot spell every character. So gridmap's
// shapefile export writes a sidecar, <name>.gridmap.json, beside the .shp:
//
//	{"gridmap": "shapefile attributes", "version": 1,
//	 "columns": {"grid_worke": "grid_worker", "p_code": "code", ...},  // .dbf column → property
//	 "unwritten": ["..."],   // properties no column holds (a .dbf's limits), if any
//	 "units": {"120104001001001": {"grid_worker": "张三", ...}, ...}}
//
// On import, a cell still exactly as the export wrote it (same bytes) takes
// the property back as it was, under its full name; a cell edited since
// (in QGIS, ArcGIS) gives the edited value, under the full name too. The
// properties are kept apart from the unit's own columns (code, name, ...),
// whatever their names (propcolumns.go). A shapefile without the sidecar is
// read as any other.

// sidecarSuffix is what the sidecar's name adds to the shapefile's base name.
const sidecarSuffix = ".gridmap.json"

// shpSidecar is the decoded sidecar.
type shpSidecar struct {
	Columns   map[string]string         `json:"columns"`
	Unwritten []string                  `json:"unwritten"`
	Units     map[string]map[string]any `json:"units"`
}

// sidecarWriter streams the sidecar as units are written.
type sidecarWriter struct {
	f     *os.File
	w     *bufio.Writer
	first bool
}

// newSidecarWriter starts the sidecar of the shapefile shp, whose property
// columns are fields.
func newSidecarWriter(base string, shp string, fields []dbfOutField, unwritten []string) (*sidecarWriter, error) {
	f, err := createFile(base + sidecarSuffix)
	if err != nil {
		return nil, err
	}
	cols := map[string]string{}
	for _, fl := range fields {
		cols[fl.Name] = fl.Key
	}
	meta := map[string]any{"gridmap": "attributes of " + shp, "version": 1, "columns": cols}
	if len(unwritten) > 0 {
		meta["unwritten"] = unwritten
	}
	head, _ := json.Marshal(meta)
	s := &sidecarWriter{f: f, w: bufio.NewWriterSize(f, 1<<20), first: true}
	s.w.Write(head[:len(head)-1])
	s.w.WriteString(`,"units":{`)
	return s, nil
}

func (s *sidecarWriter) write(u *exportUnit) error {
	code, _ := json.Marshal(u.code())
	props, err := json.Marshal(u.Props)
	if err != nil {
		return fmt.Errorf("unit %s: %w", u.code(), err)
	}
	if !s.first {
		s.w.WriteByte(',')
	}
	s.first = false
	s.w.Write(code)
	s.w.WriteByte(':')
	_, err = s.w.Write(props)
	return err
}

func (s *sidecarWriter) close() error {
	s.w.WriteString("}}\n")
	err := s.w.Flush()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// readShpSidecar reads the sidecar of the shapefile at path, nil if it has none.
func readShpSidecar(path string) (*shpSidecar, error) {
	dir, base := filepath.Dir(path), strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil
	}
	for _, e := range entries {
		if e.IsDir() || !strings.EqualFold(e.Name(), base+sidecarSuffix) {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fileError("cannot open %s: %v", e.Name(), pathless(err))
		}
		defer f.Close()
		var s shpSidecar
		dec := json.NewDecoder(io.LimitReader(f, MaxFileBytes))
		dec.UseNumber() // the exact values: 120104199001011234 is no double
		if err := dec.Decode(&s); err != nil {
			return nil, fileError("%s is not a gridmap attribute sidecar: %v", e.Name(), err)
		}
		return &s, nil
	}
	return nil, nil
}

// restore takes the property columns of one record out of attrs and
// returns the properties they hold, under their names, with the exact
// values of the cells nobody edited (and of the properties no column
// holds); d is the table, positioned on the record.
func (s *shpSidecar) restore(attrs map[string]any, d *dbfReader) map[string]any {
	props := map[string]any{}
	code, _ := scalar(attrs[unitFields[0].Name])
	orig, known := s.Units[code]
	w := &dbfWriter{cs: d.cs}
	for _, f := range d.fields {
		key, ok := s.Columns[f.Name]
		if !ok {
			continue
		}
		read, had := attrs[f.Name]
		delete(attrs, f.Name)
		if known && bytes.Equal(d.rec[1+f.off:1+f.off+f.Len], w.cell(f, orig[key])) {
			if v, present := orig[key]; present {
				props[key] = v
			}
			continue
		}
		if had {
			props[key] = read
		}
	}
	for _, key := range s.Unwritten {
		if v, present := orig[key]; known && present {
			props[key] = v
		}
	}
	return props
}

// cell is what the exporter writes for v in a column like f.
func (d *dbfWriter) cell(f dbfField, v any) []byte {
	b := bytes.Repeat([]byte{' '}, f.Len)
	d.put(b, dbfOutField{Type: f.Type, Len: f.Len, Dec: f.Dec}, v)
	return b
}
