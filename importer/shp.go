package importer

import (
	"bufio"
	"encoding/binary"
	"io"
	"math"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// A reader for the main file of a shapefile (ESRI white paper, 1998),
// streaming one record at a time. Every length in the file is checked
// against the bytes really left before anything is allocated, so a
// truncated or lying file gets a clear error, not a crash or a huge
// allocation. A record whose framing is sound but whose content is broken
// becomes a per-feature error and reading goes on.

const shpHeaderLen = 100

// Shape types (white paper table 1).
const (
	shapeNull     = 0
	shapePolygon  = 5
	shapePolygonZ = 15
	shapePolygonM = 25
)

type shpReader struct {
	r    *bufio.Reader
	end  int64 // bytes the records may occupy, from the header and the real size
	pos  int64
	last int // number of the last record read
}

// openSHP reads and checks the 100-byte header; size is the real length.
func openSHP(src io.Reader, size int64) (*shpReader, []string, error) {
	var h [shpHeaderLen]byte
	if _, err := io.ReadFull(src, h[:]); err != nil {
		return nil, nil, fileError("the .shp is too short to be a shapefile (%d bytes)", size)
	}
	if binary.BigEndian.Uint32(h[0:4]) != 9994 {
		return nil, nil, fileError("the .shp is not a shapefile (wrong file code)")
	}
	if v := binary.LittleEndian.Uint32(h[28:32]); v != 1000 {
		return nil, nil, fileError("the .shp has version %d; shapefiles are version 1000", v)
	}
	var notes []string
	claimed := 2 * int64(binary.BigEndian.Uint32(h[24:28]))
	switch {
	case claimed > size:
		return nil, nil, fileError("the .shp is truncated: its header says %d bytes, the file has %d", claimed, size)
	case claimed < shpHeaderLen:
		return nil, nil, fileError("the .shp header is corrupt (file length %d)", claimed)
	case claimed < size:
		notes = append(notes, "the .shp has bytes after the length its header gives; they were ignored")
	}
	return &shpReader{r: bufio.NewReaderSize(src, 1<<16), end: claimed, pos: shpHeaderLen}, notes, nil
}

// next reads one record: its content bytes (without the 8-byte header).
// io.EOF after the last.
func (s *shpReader) next() ([]byte, error) {
	left := s.end - s.pos
	if left == 0 {
		return nil, io.EOF
	}
	var h [8]byte
	if left < 8 {
		return nil, fileError("the .shp is truncated after record %d", s.last)
	}
	if _, err := io.ReadFull(s.r, h[:]); err != nil {
		return nil, fileError("the .shp is truncated after record %d", s.last)
	}
	num := int(binary.BigEndian.Uint32(h[0:4]))
	n := 2 * int64(binary.BigEndian.Uint32(h[4:8]))
	switch {
	case n > left-8:
		return nil, fileError("the .shp is truncated: record %d claims %d bytes, but only %d remain", num, n, left-8)
	case n > MaxFeatureBytes:
		return nil, tooLarge("record %d of the .shp has %d bytes; at most %d are accepted", num, n, MaxFeatureBytes)
	case n < 4:
		return nil, fileError("record %d of the .shp is corrupt (content of %d bytes)", num, n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(s.r, buf); err != nil {
		return nil, fileError("the .shp is truncated in record %d", num)
	}
	s.pos += 8 + n
	s.last = num
	return buf, nil
}

// parseShape turns a record's content into rings (not yet assembled into
// polygons) and their bound. Broken content is a featureError.
func parseShape(b []byte) ([]orb.Ring, orb.Bound, *featureError) {
	typ := binary.LittleEndian.Uint32(b[0:4])
	switch typ {
	case shapeNull:
		return nil, orb.Bound{}, featErr(geo.IssueEmptyGeometry, "the record has no shape (a null shape)")
	case shapePolygon, shapePolygonZ, shapePolygonM:
	case 1, 11, 21, 8, 18, 28:
		return nil, orb.Bound{}, featErr(geo.IssueNotPolygonal, "the shape is a point, not an area")
	case 3, 13, 23:
		return nil, orb.Bound{}, featErr(geo.IssueNotPolygonal, "the shape is a line, not an area (is this a polygon layer?)")
	case 31:
		return nil, orb.Bound{}, featErr(geo.IssueNotPolygonal, "the shape is a multipatch, not a polygon")
	default:
		return nil, orb.Bound{}, featErr(geo.IssueUnreadable, "unknown shape type %d", typ)
	}
	if len(b) < 44 {
		return nil, orb.Bound{}, featErr(geo.IssueUnreadable, "the polygon record is too short (%d bytes)", len(b))
	}
	np := int64(binary.LittleEndian.Uint32(b[36:40]))
	npts := int64(binary.LittleEndian.Uint32(b[40:44]))
	switch {
	case np == 0 || npts == 0:
		return nil, orb.Bound{}, featErr(geo.IssueEmptyGeometry, "the polygon has no points")
	case np > MaxRingsPerFeature:
		return nil, orb.Bound{}, featErr(geo.IssueUnreadable, "the polygon has %d parts; at most %d are accepted", np, MaxRingsPerFeature)
	case 44+4*np+16*npts > int64(len(b)):
		return nil, orb.Bound{}, featErr(geo.IssueUnreadable, "the polygon claims %d parts and %d points, more than its %d bytes hold", np, npts, len(b))
	}
	return readRings(b[44:], int(np), int(npts))
}

// readRings reads the part index and the points that follow it.
func readRings(b []byte, np, npts int) ([]orb.Ring, orb.Bound, *featureError) {
	starts := make([]int, np+1)
	for i := 0; i < np; i++ {
		starts[i] = int(binary.LittleEndian.Uint32(b[4*i:]))
		if i == 0 && starts[0] != 0 || i > 0 && starts[i] <= starts[i-1] || starts[i] >= npts {
			return nil, orb.Bound{}, featErr(geo.IssueUnreadable, "the polygon's part index is corrupt (part %d starts at point %d)", i, starts[i])
		}
	}
	starts[np] = npts
	pts := b[4*np:]
	bound := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	rings := make([]orb.Ring, np)
	for i := range rings {
		ring := make(orb.Ring, starts[i+1]-starts[i])
		for k := range ring {
			off := 16 * (starts[i] + k)
			p := orb.Point{
				math.Float64frombits(binary.LittleEndian.Uint64(pts[off:])),
				math.Float64frombits(binary.LittleEndian.Uint64(pts[off+8:])),
			}
			if !finite(p) {
				return nil, orb.Bound{}, featErr(geo.IssueOutOfRange, "point %d is not a finite number", starts[i]+k)
			}
			bound = bound.Extend(p)
			ring[k] = p
		}
		rings[i] = ring
	}
	return rings, bound, nil
}

func finite(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsInf(p[0], 0) && !math.IsNaN(p[1]) && !math.IsInf(p[1], 0)
}
