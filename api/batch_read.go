package api

import (
	"io"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// Reading a POST /v1/resolve body: {"points":[[lng,lat],...]} or a GeoJSON
// FeatureCollection of points, each with "crs" and "at" members that may
// come before or after the points. The body is read point by point into a
// compact list (16 bytes a point, plus a feature's id and properties, which
// are echoed back), and refused with 413 as soon as it holds more than
// MaxBatchPoints: nothing proportional to the body's size is built first.

// batch is a decoded request.
type batch struct {
	typ      string
	crs, at  string
	points   []orb.Point
	slotErrs map[int]slotProblem // points that could not be read, by slot
	echo     [][2][]byte         // a feature's raw id and properties, by slot (FeatureCollections)
	arena    []byte              // the bytes echo points into
	features bool                // "features" was given
	hasPts   bool                // "points" was given
}

// readBatchBody decodes the request's body, bounded at MaxBodyBytes.
func readBatchBody(c *gin.Context) (*batch, error) {
	r, err := boundedBody(c, MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	return readBatch(r)
}

// readBatch decodes a request body.
func readBatch(r io.Reader) (*batch, error) {
	s := newJSONScanner(r)
	b := &batch{slotErrs: map[int]slotProblem{}}
	empty, err := s.enter('{', '}')
	if err != nil {
		return nil, err
	}
	for more := !empty; more; {
		k, err := s.key()
		if err != nil {
			return nil, err
		}
		if err := b.member(s, k); err != nil {
			return nil, err
		}
		if more, err = s.more('}'); err != nil {
			return nil, err
		}
	}
	if !s.atEnd() {
		return nil, s.syntaxError("data after the request object")
	}
	return b, nil
}

// member reads one member of the request object.
func (b *batch) member(s *jsonScanner, key string) error {
	switch key {
	case "type", "crs", "at":
		v, err := s.str(nil)
		if err != nil {
			return geo.Invalid(key, "want a string")
		}
		switch key {
		case "type":
			b.typ = string(v)
		case "crs":
			b.crs = string(v)
		default:
			b.at = string(v)
		}
		return nil
	case "points":
		b.hasPts = true
		return b.list(s, "points", b.point)
	case "features":
		b.features = true
		return b.list(s, "features", b.feature)
	}
	_, err := s.value(nil, false, 0) // members the request does not use are skipped
	return err
}

// list reads an array whose elements read decodes, refusing more than
// MaxBatchPoints of them.
func (b *batch) list(s *jsonScanner, field string, read func(s *jsonScanner) error) error {
	if c, err := s.peek(); err != nil || c != '[' {
		return geo.Invalid(field, "want an array")
	}
	empty, err := s.enter('[', ']')
	if err != nil {
		return err
	}
	for more := !empty; more; {
		if len(b.points) >= MaxBatchPoints {
			return geo.Errorf(geo.ETOOLARGE, field, "more than %d points in one request; split the batch", MaxBatchPoints)
		}
		if err := read(s); err != nil {
			return err
		}
		if more, err = s.more(']'); err != nil {
			return err
		}
	}
	return nil
}

// point reads one [lng, lat] (a third number, a height, is allowed);
// anything else is an error of its slot only.
func (b *batch) point(s *jsonScanner) error {
	p, ok, err := readPosition(s)
	if err != nil {
		return err
	}
	if !ok {
		b.slotErrs[len(b.points)] = badPosition
	}
	b.points = append(b.points, p)
	return nil
}

// readPosition reads a value that should be a position; ok is false (and
// the value skipped) when it is not one.
func readPosition(s *jsonScanner) (p orb.Point, ok bool, err error) {
	if c, err := s.peek(); err != nil || c != '[' {
		if err != nil {
			return p, false, s.readErr(err)
		}
		_, err := s.value(nil, false, 0)
		return p, false, err
	}
	empty, err := s.enter('[', ']')
	if err != nil || empty {
		return p, false, err
	}
	n := 0
	ok = true
	for more := true; more; n++ {
		c, err := s.peek()
		if err != nil {
			return p, false, s.readErr(err)
		}
		if c == '-' || (c >= '0' && c <= '9') {
			v, err := s.number()
			if err != nil {
				return p, false, err
			}
			if n < 2 {
				p[n] = v
			}
		} else {
			ok = false
			if _, err := s.value(nil, false, 0); err != nil {
				return p, false, err
			}
		}
		if more, err = s.more(']'); err != nil {
			return p, false, err
		}
	}
	return p, ok && (n == 2 || n == 3), nil
}

// feature reads one GeoJSON Feature: its Point, and its id and properties
// to echo back.
func (b *batch) feature(s *jsonScanner) error {
	slot := len(b.points)
	b.points = append(b.points, orb.Point{})
	b.echo = append(b.echo, [2][]byte{})
	if c, err := s.peek(); err != nil || c != '{' {
		b.slotErrs[slot] = notFeature
		_, err := s.value(nil, false, 0)
		return err
	}
	empty, err := s.enter('{', '}')
	if err != nil {
		return err
	}
	geom := false
	for more := !empty; more; {
		k, err := s.key()
		if err != nil {
			return err
		}
		switch k {
		case "id", "properties":
			i := 0
			if k == "properties" {
				i = 1
			}
			start := len(b.arena)
			if b.arena, err = s.value(b.arena, true, 1); err != nil {
				return err
			}
			b.echo[slot][i] = b.arena[start:len(b.arena):len(b.arena)]
		case "geometry":
			geom = true
			if err := b.geometry(s, slot); err != nil {
				return err
			}
		default:
			if _, err := s.value(nil, false, 1); err != nil {
				return err
			}
		}
		if more, err = s.more('}'); err != nil {
			return err
		}
	}
	if !geom {
		b.slotErrs[slot] = notPoint
	}
	return nil
}

// geometry reads a feature's geometry, which must be a Point.
func (b *batch) geometry(s *jsonScanner, slot int) error {
	bad := func() { b.slotErrs[slot] = notPoint }
	if c, err := s.peek(); err != nil || c != '{' {
		bad()
		_, err := s.value(nil, false, 1)
		return err
	}
	empty, err := s.enter('{', '}')
	if err != nil {
		return err
	}
	isPoint, hasCoords := false, false
	for more := !empty; more; {
		k, err := s.key()
		if err != nil {
			return err
		}
		switch k {
		case "type":
			t, err := s.str(nil)
			if err != nil {
				return err
			}
			isPoint = string(t) == "Point"
		case "coordinates":
			p, ok, err := readPosition(s)
			if err != nil {
				return err
			}
			b.points[slot], hasCoords = p, ok
			if !ok {
				b.slotErrs[slot] = badCoordinates
			}
		default:
			if _, err := s.value(nil, false, 2); err != nil {
				return err
			}
		}
		if more, err = s.more('}'); err != nil {
			return err
		}
	}
	if !isPoint {
		bad()
	} else if _, known := b.slotErrs[slot]; !hasCoords && !known {
		b.slotErrs[slot] = badCoordinates
	}
	return nil
}

// slotProblem is what is wrong with one point of a batch; its error is made
// only when the answer is written (a body of 100,000 bad points must not
// make 100,000 messages before it is refused).
type slotProblem uint8

const (
	badPosition    slotProblem = iota + 1 // points[i] is not [lng, lat]
	notFeature                            // features[i] is not an object
	notPoint                              // features[i].geometry is not a Point
	badCoordinates                        // features[i].geometry.coordinates is not [lng, lat]
)

// slotErr returns the error of slot i, if it has one.
func (b *batch) slotErr(i int) error {
	p, ok := b.slotErrs[i]
	if !ok {
		return nil
	}
	at := "[" + strconv.Itoa(i) + "]"
	switch p {
	case badPosition:
		return geo.Invalid("points"+at, "want [longitude, latitude] as two numbers")
	case notFeature:
		return geo.Invalid("features"+at, "want a GeoJSON Feature")
	case notPoint:
		return geo.Invalid("features"+at+".geometry", "want a Point geometry")
	}
	return geo.Invalid("features"+at+".geometry.coordinates", "want [longitude, latitude] as two numbers")
}

// isFeatures reports whether the request is a FeatureCollection.
func (b *batch) isFeatures() bool { return b.typ == "FeatureCollection" || (b.features && !b.hasPts) }
