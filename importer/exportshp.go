package importer

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// exportShapefile writes .shp, .shx, .dbf, .prj and .cpg. Outer rings are
// written clockwise and holes counter-clockwise, as the format requires.
// Attribute text is UTF-8 with a .cpg saying so, or GBK (with .cpg "GBK"
// and the dBase language driver 0x4D) for older ArcGIS versions.
func exportShapefile(ctx context.Context, db exportDB, o ExportOptions, path, srtext string) (int, error) {
	cs := utf8Charset
	if o.Encoding != "" {
		var ok bool
		if cs, ok = lookupCharset(o.Encoding); !ok {
			return 0, geo.Invalid("encoding", "unknown encoding %q", o.Encoding)
		}
	}
	values, keys, err := propertyKeys(ctx, db, o)
	if err != nil {
		return 0, err
	}
	base := strings.TrimSuffix(path, filepath.Ext(path))
	k := kindOf(o)
	fields, unwritten := dbfSchema(k, values, keys, cs)
	if len(unwritten) > 0 {
		o.warn("a .dbf holds at most %d columns and %d bytes a record: %d properties have no column in it (%s); %s keeps their values, and importing the shapefile with it takes them back",
			dbfMaxFields, dbfMaxRecord, len(unwritten), clipText(strings.Join(unwritten, ", "), 200), filepath.Base(base)+sidecarSuffix)
	}
	w, err := newShapeWriter(base, cs, fields)
	if err != nil {
		return 0, err
	}
	if w.side, err = newSidecarWriter(base, filepath.Base(base)+".shp", w.dbf.fields[len(k.fields):], unwritten); err != nil {
		w.close()
		return 0, err
	}
	n, err := eachUnit(ctx, db, o, w.write)
	if cerr := w.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, err
	}
	cpg := "UTF-8"
	if cs.Name != "UTF-8" {
		cpg = "GBK"
	}
	for ext, text := range map[string]string{".prj": srtext, ".cpg": cpg} {
		if err := os.WriteFile(base+ext, []byte(text), 0o644); err != nil {
			return n, err
		}
	}
	return n, nil
}

// shapeWriter writes the three binary files in one pass and patches the
// headers (lengths, bounds, record count) at the end.
type shapeWriter struct {
	files    [3]*os.File // shp, shx, dbf
	shp, shx *bufio.Writer
	dbf      *dbfWriter
	offset   int64 // of the next .shp record, in bytes
	bound    orb.Bound
	records  int
	side     *sidecarWriter // the exact properties (shpsidecar.go)
}

func newShapeWriter(base string, cs charset, fields []dbfOutField) (*shapeWriter, error) {
	w := &shapeWriter{offset: shpHeaderLen, bound: emptyBound()}
	for i, ext := range []string{".shp", ".shx", ".dbf"} {
		f, err := createFile(base + ext)
		if err != nil {
			w.close()
			return nil, err
		}
		w.files[i] = f
	}
	w.shp, w.shx = bufio.NewWriterSize(w.files[0], 1<<20), bufio.NewWriterSize(w.files[1], 1<<16)
	var blank [shpHeaderLen]byte // patched in close
	w.shp.Write(blank[:])
	w.shx.Write(blank[:])
	w.dbf = newDBFWriter(w.files[2], cs, fields)
	return w, w.dbf.header(0)
}

func (w *shapeWriter) write(u *exportUnit) error {
	rec := polygonRecord(u.Geom)
	w.bound = w.bound.Union(u.Geom.Bound())
	w.records++
	var h [8]byte
	binary.BigEndian.PutUint32(h[0:], uint32(w.records))
	binary.BigEndian.PutUint32(h[4:], uint32(len(rec)/2))
	w.shp.Write(h[:])
	w.shp.Write(rec)
	var x [8]byte
	binary.BigEndian.PutUint32(x[0:], uint32(w.offset/2))
	binary.BigEndian.PutUint32(x[4:], uint32(len(rec)/2))
	w.shx.Write(x[:])
	w.offset += 8 + int64(len(rec))
	if err := w.side.write(u); err != nil {
		return err
	}
	return w.dbf.record(u)
}

// polygonRecord encodes one multipolygon as a shapefile polygon record.
func polygonRecord(mp orb.MultiPolygon) []byte {
	var rings []orb.Ring
	for _, p := range mp {
		for i, r := range p {
			r = append(orb.Ring(nil), r...)
			if cw := signedArea(r) < 0; cw != (i == 0) {
				r.Reverse()
			}
			rings = append(rings, r)
		}
	}
	npts := 0
	for _, r := range rings {
		npts += len(r)
	}
	b := make([]byte, 44+4*len(rings)+16*npts)
	le := binary.LittleEndian
	le.PutUint32(b[0:], shapePolygon)
	bd := mp.Bound()
	for i, v := range []float64{bd.Min[0], bd.Min[1], bd.Max[0], bd.Max[1]} {
		le.PutUint64(b[4+8*i:], math.Float64bits(v))
	}
	le.PutUint32(b[36:], uint32(len(rings)))
	le.PutUint32(b[40:], uint32(npts))
	off, start := 44+4*len(rings), 0
	for i, r := range rings {
		le.PutUint32(b[44+4*i:], uint32(start))
		for _, p := range r {
			le.PutUint64(b[off:], math.Float64bits(p[0]))
			le.PutUint64(b[off+8:], math.Float64bits(p[1]))
			off += 16
		}
		start += len(r)
	}
	return b
}

// close flushes the files and writes their final headers.
func (w *shapeWriter) close() error {
	var first error
	keep := func(err error) {
		if first == nil && err != nil {
			first = err
		}
	}
	if w.shp != nil {
		keep(w.shp.Flush())
		keep(w.shx.Flush())
		keep(w.dbf.finish(w.records))
		keep(w.patch(w.files[0], w.offset))
		keep(w.patch(w.files[1], shpHeaderLen+8*int64(w.records)))
	}
	if w.side != nil {
		keep(w.side.close())
	}
	for _, f := range w.files {
		if f != nil {
			keep(f.Close())
		}
	}
	return first
}

// patch writes the 100-byte main header with the final length and bounds.
func (w *shapeWriter) patch(f *os.File, length int64) error {
	var h [shpHeaderLen]byte
	binary.BigEndian.PutUint32(h[0:], 9994)
	binary.BigEndian.PutUint32(h[24:], uint32(length/2))
	binary.LittleEndian.PutUint32(h[28:], 1000)
	binary.LittleEndian.PutUint32(h[32:], shapePolygon)
	b := w.bound
	if w.records == 0 {
		b = orb.Bound{}
	}
	for i, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
		binary.LittleEndian.PutUint64(h[36+8*i:], math.Float64bits(v))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := f.Write(h[:])
	return err
}
