package api

import (
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

// Reading a POST /v1/patrols body as it arrives: either
// {"fixes":[{"point":[lng,lat],"t":"…","accuracy_m":5},…]} or a GeoJSON
// LineString {"track":{"type":"LineString","coordinates":[…]},"times":[…]}.
// Fixes are counted as they are read and the body is refused with 413 at
// the first fix past casework.MaxFixes, so a huge body costs the server a
// few hundred kilobytes and a fraction of a second, not its size in memory.

// patrolReader holds the members read so far; they may come in any order.
type patrolReader struct {
	in        casework.PatrolInput
	fixes     []casework.Fix
	track     []orb.Point
	trackType string
	hasTrack  bool
	times     []string
}

// readPatrol decodes a patrol body from s.
func readPatrol(s *jsonScanner) (casework.PatrolInput, error) {
	var p patrolReader
	err := readObject(s, func(key string) error { return p.member(s, key) })
	if err != nil {
		return p.in, err
	}
	if !s.atEnd() {
		return p.in, s.syntaxError("data after the JSON value")
	}
	return p.finish()
}

// readObject reads an object, calling member for each name (which must read
// the member's value).
func readObject(s *jsonScanner, member func(key string) error) error {
	empty, err := s.enter('{', '}')
	if err != nil {
		return err
	}
	for more := !empty; more; {
		k, err := s.key()
		if err != nil {
			return err
		}
		if err := member(k); err != nil {
			return err
		}
		if more, err = s.more('}'); err != nil {
			return err
		}
	}
	return nil
}

// readArray reads an array, calling elem for each element with its index.
func readArray(s *jsonScanner, field string, elem func(i int) error) error {
	if c, err := s.peek(); err != nil || c != '[' {
		if err != nil {
			return s.readErr(err)
		}
		return geo.Invalid(field, "%s must be an array", field)
	}
	empty, err := s.enter('[', ']')
	if err != nil {
		return err
	}
	for i, more := 0, !empty; more; i++ {
		if err := elem(i); err != nil {
			return err
		}
		if more, err = s.more(']'); err != nil {
			return err
		}
	}
	return nil
}

// text reads a string member (null reads as "").
func text(s *jsonScanner, field string) (string, error) {
	c, err := s.peek()
	switch {
	case err != nil:
		return "", s.readErr(err)
	case c == 'n':
		_, err := s.literal(nil, false)
		return "", err
	case c != '"':
		return "", geo.Invalid(field, "%s must be a string", field)
	}
	b, err := s.str(nil)
	return string(b), err
}

func (p *patrolReader) member(s *jsonScanner, key string) error {
	var err error
	switch key {
	case "id":
		p.in.ID, err = text(s, "id")
	case "worker":
		p.in.Worker, err = text(s, "worker")
	case "grid":
		p.in.Grid, err = text(s, "grid")
	case "crs":
		var crs string
		crs, err = text(s, "crs")
		p.in.CRS = geo.CRS(crs)
	case "fixes":
		err = readArray(s, "fixes", func(i int) error { return p.fix(s, i) })
	case "track":
		p.hasTrack = true
		err = readObject(s, func(k string) error { return p.trackMember(s, k) })
	case "times":
		err = readArray(s, "times", func(i int) error {
			if err := countFixes("times", i); err != nil {
				return err
			}
			t, err := text(s, "times["+strconv.Itoa(i)+"]")
			p.times = append(p.times, t)
			return err
		})
	default:
		_, err = s.value(nil, false, 0) // unknown members are ignored, as for reports
	}
	return err
}

// countFixes refuses the fix at index i when it is one too many.
func countFixes(field string, i int) error {
	if i >= casework.MaxFixes {
		return geo.Errorf(geo.ETOOLARGE, field, "more than %d fixes in one track; split the track", casework.MaxFixes)
	}
	return nil
}

// fix reads one element of "fixes".
func (p *patrolReader) fix(s *jsonScanner, i int) error {
	if err := countFixes("fixes", i); err != nil {
		return err
	}
	field := "fixes[" + strconv.Itoa(i) + "]"
	var f casework.Fix
	var t string
	err := readObject(s, func(k string) error {
		var err error
		switch k {
		case "point":
			f.Point, err = position(s, field+".point")
		case "t":
			t, err = text(s, field+".t")
		case "accuracy_m":
			f.AccuracyM, err = optionalNumber(s, field+".accuracy_m")
		default:
			_, err = s.value(nil, false, 0)
		}
		return err
	})
	if err != nil {
		return err
	}
	if f.At, err = fixTime(field, t); err != nil {
		return err
	}
	p.fixes = append(p.fixes, f)
	return nil
}

func (p *patrolReader) trackMember(s *jsonScanner, key string) error {
	var err error
	switch key {
	case "type":
		p.trackType, err = text(s, "track.type")
	case "coordinates":
		err = readArray(s, "track.coordinates", func(i int) error {
			if err := countFixes("track.coordinates", i); err != nil {
				return err
			}
			pt, err := position(s, "track.coordinates["+strconv.Itoa(i)+"]")
			p.track = append(p.track, pt)
			return err
		})
	default:
		_, err = s.value(nil, false, 0)
	}
	return err
}

// position reads a [longitude, latitude] (a height may follow): exactly two
// or three numbers, nothing else.
func position(s *jsonScanner, field string) (orb.Point, error) {
	pt, ok, err := readPosition(s)
	if err == nil && !ok {
		err = geo.Invalid(field, "want [longitude, latitude]: two numbers (a third, the height, is allowed)")
	}
	return pt, err
}

// optionalNumber reads a number or null.
func optionalNumber(s *jsonScanner, field string) (*float64, error) {
	c, err := s.peek()
	switch {
	case err != nil:
		return nil, s.readErr(err)
	case c == 'n':
		_, err := s.literal(nil, false)
		return nil, err
	case c != '-' && (c < '0' || c > '9'):
		return nil, geo.Invalid(field, "%s must be a number", field)
	}
	v, err := s.number()
	return &v, err
}

func fixTime(field, t string) (time.Time, error) {
	at, err := time.Parse(time.RFC3339Nano, t)
	if err != nil {
		return at, geo.Invalid(field+".t", "%q is not an RFC 3339 time", clip(t))
	}
	return at, nil
}

// finish checks how the members fit together and builds the input.
func (p *patrolReader) finish() (casework.PatrolInput, error) {
	in := p.in
	switch {
	case in.ID == "":
		return in, geo.Invalid("id", "id is required: a UUID the client chooses, so that a retry is recognised")
	case p.hasTrack && len(p.fixes) > 0:
		return in, geo.Invalid("track", "send either fixes or track with times, not both")
	case !p.hasTrack:
		in.Fixes = p.fixes
		return in, nil
	case p.trackType != "LineString":
		return in, geo.Invalid("track", "track must be a GeoJSON LineString")
	case len(p.times) != len(p.track):
		return in, geo.Invalid("times", "times has %d entries for %d vertices; give one time per vertex", len(p.times), len(p.track))
	}
	in.Fixes = make([]casework.Fix, len(p.track))
	for i, pt := range p.track {
		at, err := fixTime("track.coordinates["+strconv.Itoa(i)+"]", p.times[i])
		if err != nil {
			return in, err
		}
		in.Fixes[i] = casework.Fix{Point: pt, At: at}
	}
	return in, nil
}
