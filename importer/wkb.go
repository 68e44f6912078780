package importer

import (
	"encoding/binary"
	"math"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// A strict reader of the polygonal subset of WKB (OGC 06-103r4, ISO
// 13249-3 dimension codes and the EWKB flags PostGIS writes), for
// GeoPackage blobs. Every count is checked against the bytes left before
// anything is allocated; Z and M ordinates are read past and dropped.

type wkbReader struct {
	b     []byte
	order binary.ByteOrder
	bound orb.Bound
}

var errWKBShort = featErr(geo.IssueUnreadable, "the geometry blob is truncated or its counts are corrupt")

// parseWKB reads a Polygon, MultiPolygon or GeometryCollection of them.
func parseWKB(b []byte) (orb.MultiPolygon, orb.Bound, *featureError) {
	r := &wkbReader{b: b, bound: emptyBound()}
	mp, err := r.geometry(0)
	if err != nil {
		return nil, orb.Bound{}, err
	}
	return mp, r.bound, nil
}

func (r *wkbReader) header() (base uint32, dims int, err *featureError) {
	if len(r.b) < 5 {
		return 0, 0, errWKBShort
	}
	switch r.b[0] {
	case 0:
		r.order = binary.BigEndian
	case 1:
		r.order = binary.LittleEndian
	default:
		return 0, 0, featErr(geo.IssueUnreadable, "the geometry blob is not WKB (byte order %d)", r.b[0])
	}
	t := r.order.Uint32(r.b[1:5])
	r.b = r.b[5:]
	dims = 2
	if t&0x80000000 != 0 { // EWKB Z
		dims++
	}
	if t&0x40000000 != 0 { // EWKB M
		dims++
	}
	if t&0x20000000 != 0 { // EWKB SRID
		if len(r.b) < 4 {
			return 0, 0, errWKBShort
		}
		r.b = r.b[4:]
	}
	t &= 0x0fffffff
	switch t / 1000 {
	case 1, 2:
		dims++
	case 3:
		dims += 2
	}
	return t % 1000, dims, nil
}

func (r *wkbReader) geometry(depth int) (orb.MultiPolygon, *featureError) {
	base, dims, err := r.header()
	if err != nil {
		return nil, err
	}
	switch base {
	case 3:
		p, err := r.polygon(dims)
		return orb.MultiPolygon{p}, err
	case 6, 7:
		if depth > 1 {
			return nil, featErr(geo.IssueUnreadable, "geometry collections nest too deep")
		}
		return r.collection(depth, base == 6)
	case 1, 2, 4, 5:
		return nil, featErr(geo.IssueNotPolygonal, "the geometry is a point or a line, not an area")
	case 10, 12, 15, 16, 17:
		return nil, featErr(geo.IssueNotPolygonal, "curved polygons, surfaces and TINs are not accepted; convert to polygons")
	}
	return nil, featErr(geo.IssueUnreadable, "unknown WKB geometry type %d", base)
}

func (r *wkbReader) collection(depth int, polygonsOnly bool) (orb.MultiPolygon, *featureError) {
	n, err := r.count(5)
	if err != nil {
		return nil, err
	}
	var out orb.MultiPolygon
	for range n {
		if polygonsOnly && (len(r.b) < 5 || r.typeAhead() != 3) {
			return nil, featErr(geo.IssueUnreadable, "a MultiPolygon holds something other than polygons")
		}
		mp, err := r.geometry(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, mp...)
	}
	return out, nil
}

// typeAhead peeks at the base type of the next member.
func (r *wkbReader) typeAhead() uint32 {
	var o binary.ByteOrder = binary.LittleEndian
	if r.b[0] == 0 {
		o = binary.BigEndian
	}
	return o.Uint32(r.b[1:5]) & 0x0fffffff % 1000
}

// count reads a uint32 count of items of at least min bytes each.
func (r *wkbReader) count(min int) (int, *featureError) {
	if len(r.b) < 4 {
		return 0, errWKBShort
	}
	n := int64(r.order.Uint32(r.b))
	r.b = r.b[4:]
	if n*int64(min) > int64(len(r.b)) {
		return 0, errWKBShort
	}
	return int(n), nil
}

func (r *wkbReader) polygon(dims int) (orb.Polygon, *featureError) {
	nr, err := r.count(4)
	if err != nil {
		return nil, err
	}
	if nr > MaxRingsPerFeature {
		return nil, featErr(geo.IssueUnreadable, "the polygon has %d rings; at most %d are accepted", nr, MaxRingsPerFeature)
	}
	p := make(orb.Polygon, 0, nr)
	for range nr {
		np, err := r.count(8 * dims)
		if err != nil {
			return nil, err
		}
		ring := make(orb.Ring, np)
		for k := range ring {
			pt := orb.Point{
				math.Float64frombits(r.order.Uint64(r.b)),
				math.Float64frombits(r.order.Uint64(r.b[8:])),
			}
			r.b = r.b[8*dims:]
			if !finite(pt) {
				return nil, featErr(geo.IssueOutOfRange, "a coordinate is not a finite number")
			}
			ring[k] = pt
			r.bound = r.bound.Extend(pt)
		}
		p = append(p, ring)
	}
	return p, nil
}

// tidy closes open rings and drops rings too short to bound an area (and
// polygons whose outer ring is), noting each repair on f.
func tidy(mp orb.MultiPolygon, f *Feature) orb.MultiPolygon {
	out := mp[:0]
	for pi, poly := range mp {
		var kept orb.Polygon
		for ri, ring := range poly {
			if len(ring) > 0 && ring[0] != ring[len(ring)-1] {
				ring = append(ring, ring[0])
				f.note("ring %d of polygon %d was not closed; it was closed", ri, pi)
			}
			if len(ring) < 4 {
				if ri == 0 {
					f.note("polygon %d has an outer ring of %d points; the polygon was dropped", pi, len(ring))
					break
				}
				f.note("ring %d of polygon %d has only %d points and was dropped", ri, pi, len(ring))
				continue
			}
			kept = append(kept, ring)
		}
		if len(kept) > 0 {
			out = append(out, kept)
		}
	}
	return out
}
