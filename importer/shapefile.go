package importer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// shapefileReader reads a .shp and its .dbf in step: record i of one is
// record i of the other.
type shapefileReader struct {
	info  Info
	files []*os.File
	shp   *shpReader
	dbf   *dbfReader  // nil without a .dbf
	side  *shpSidecar // gridmap's attribute sidecar, nil without one
	i     int
	total int64 // records, from the .dbf or the .shx; 0 if unknown
}

// openShapefile opens path (a .shp) and the sidecars beside it, matched
// case-insensitively: .dbf (attributes), .prj (CRS), .cpg (encoding), .shx
// (only for the record count).
func openShapefile(path string, opts OpenOptions) (r Reader, err error) {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	s := &shapefileReader{info: Info{Format: "Shapefile", Name: filepath.Base(path), Layer: base}}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	side := sidecars(path)
	f, size, err := s.open(path)
	if err != nil {
		return nil, err
	}
	var notes []string
	if s.shp, notes, err = openSHP(f, size); err != nil {
		return nil, err
	}
	s.info.Notes = append(s.info.Notes, notes...)
	if err := s.openDBF(side[".dbf"], side[".cpg"], opts); err != nil {
		return nil, err
	}
	if err := s.readPRJ(side[".prj"]); err != nil {
		return nil, err
	}
	if s.dbf != nil {
		if s.side, err = readShpSidecar(path); err != nil {
			return nil, err
		}
	}
	if s.total == 0 && side[".shx"] != "" {
		if st, err := os.Stat(side[".shx"]); err == nil && st.Size() >= shpHeaderLen {
			s.total = (st.Size() - shpHeaderLen) / 8
		}
	}
	return s, nil
}

// sidecars finds the files next to a .shp that share its base name.
func sidecars(path string) map[string]string {
	out := map[string]string{}
	dir, base := filepath.Dir(path), strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return out
	}
	for _, e := range entries {
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if strings.EqualFold(strings.TrimSuffix(name, filepath.Ext(name)), base) && !e.IsDir() {
			out[ext] = filepath.Join(dir, name)
		}
	}
	return out
}

func (s *shapefileReader) open(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fileError("cannot open %s: %v", filepath.Base(path), pathless(err))
	}
	s.files = append(s.files, f)
	st, err := f.Stat()
	if err != nil {
		return nil, 0, fmt.Errorf("stat %s: %w", filepath.Base(path), err)
	}
	if st.Size() > MaxFileBytes {
		return nil, 0, tooLarge("%s has %d bytes; at most %d are accepted", filepath.Base(path), st.Size(), int64(MaxFileBytes))
	}
	return f, st.Size(), nil
}

func (s *shapefileReader) openDBF(path, cpgPath string, opts OpenOptions) error {
	if path == "" {
		s.info.Notes = append(s.info.Notes, "the shapefile has no .dbf: features have no attributes")
		return nil
	}
	f, size, err := s.open(path)
	if err != nil {
		return err
	}
	if s.dbf, err = openDBF(f, size); err != nil {
		return err
	}
	cpg, err := readSidecar(cpgPath)
	if err != nil {
		return err
	}
	if s.info.Encoding, err = s.dbf.chooseCharset(opts.Encoding, strings.TrimSpace(cpg), codeFields(opts.CodeField)); err != nil {
		return err
	}
	s.info.Notes = append(s.info.Notes, s.dbf.notes...)
	s.total = int64(s.dbf.count)
	return nil
}

func (s *shapefileReader) readPRJ(path string) error {
	text, err := readSidecar(path)
	if err != nil || path == "" {
		return err
	}
	if !utf8.ValidString(text) {
		return fileError("the .prj is not text; fix it or pass the srs option")
	}
	s.info.CRS = declaredCRS{WKT: text, From: ".prj"}
	if _, name, _, ok := identifyWKT(text); ok {
		s.info.CRS.Name = name
	} else {
		s.info.CRS.Name = clipText(strings.TrimSpace(text), 60)
	}
	return nil
}

// readSidecar reads a small text file; "" if path is "".
func readSidecar(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fileError("cannot open %s: %v", filepath.Base(path), pathless(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxSidecarBytes+1))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	if len(b) > MaxSidecarBytes {
		return "", fileError("%s is larger than %d bytes; it cannot be a .prj or .cpg", filepath.Base(path), MaxSidecarBytes)
	}
	return strings.TrimPrefix(string(b), "\ufeff"), nil
}

// Info implements Reader.
func (s *shapefileReader) Info() Info { return s.info }

// Progress implements Reader, in records.
func (s *shapefileReader) Progress() (int64, int64) { return int64(s.i), s.total }

// Next implements Reader.
func (s *shapefileReader) Next() (Feature, error) {
	for {
		content, err := s.shp.next()
		if errors.Is(err, io.EOF) {
			return Feature{}, s.checkEnd()
		}
		if err != nil {
			return Feature{}, err
		}
		if s.i >= MaxFeatures {
			return Feature{}, tooLarge("the shapefile has more than %d records", MaxFeatures)
		}
		f := Feature{Index: s.i}
		s.i++
		deleted, err := s.attrs(&f)
		if err != nil {
			return Feature{}, err
		}
		if deleted {
			continue // dBase marks deleted rows; desktop tools hide them too
		}
		rings, bound, ferr := parseShape(content)
		if ferr != nil && f.Err == nil {
			f.Err = ferr
		}
		if ferr == nil {
			f.Geom, f.Bound = assemble(rings, &f), bound
		}
		return f, nil
	}
}

// attrs reads the matching .dbf record into f.
func (s *shapefileReader) attrs(f *Feature) (bool, error) {
	if s.dbf == nil {
		return false, nil
	}
	attrs, deleted, ferr, err := s.dbf.next()
	if errors.Is(err, io.EOF) {
		return false, fileError("the .dbf has fewer records (%d) than the .shp: the two files do not belong together or one is truncated", s.dbf.count)
	}
	if err != nil {
		return false, err
	}
	f.Attrs, f.Err = attrs, ferr
	f.Notes = append(f.Notes, s.dbf.recNotes...) // values read as no value (a date that is no date)
	if s.side != nil {
		f.nested, f.exact = s.side.restore(attrs, s.dbf), true
	}
	return deleted, nil
}

// checkEnd makes sure the .dbf has no records left over.
func (s *shapefileReader) checkEnd() error {
	if s.dbf != nil && s.dbf.i < s.dbf.count {
		return fileError("the .dbf has more records (%d) than the .shp (%d): the two files do not belong together or the .shp is truncated", s.dbf.count, s.i)
	}
	return io.EOF
}

// Close implements Reader.
func (s *shapefileReader) Close() error {
	for _, f := range s.files {
		f.Close()
	}
	s.files = nil
	return nil
}
