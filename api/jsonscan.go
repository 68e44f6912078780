package api

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strconv"
	"unsafe"

	"github.com/gridmap-dev/gridmap/geo"
)

// jsonScanner reads JSON a value at a time from a stream, holding only the
// value at hand: a batch of 100,000 points is decoded point by point, in
// constant memory, and a body past a limit is refused when the limit is
// reached, not after it has all been read. It knows the grammar well enough
// to reject what encoding/json rejects; errors name the byte offset.
type jsonScanner struct {
	r      *bufio.Reader
	off    int64
	num    []byte // the number (or skipped string) being read
	keybuf []byte // the member name being read
}

func newJSONScanner(r io.Reader) *jsonScanner {
	return &jsonScanner{r: bufio.NewReaderSize(r, 32<<10)}
}

// Limits on what one scanned value may hold.
const (
	maxScanString = 1 << 20  // a string member (crs, at, a property value)
	maxScanRaw    = 16 << 20 // a value captured whole (a feature's properties)
	maxScanDepth  = 64       // nesting of captured or skipped values
)

// syntaxError is the problem for malformed JSON.
func (s *jsonScanner) syntaxError(what string) error {
	return geo.Invalid("body", "malformed JSON at byte %d: %s", s.off, what)
}

// readErr turns a read failure into the request's problem.
func (s *jsonScanner) readErr(err error) error {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return geo.Errorf(geo.ETOOLARGE, "body", "request body exceeds %d bytes", tooBig.Limit)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return s.syntaxError("unexpected end of input")
	}
	return geo.Invalid("body", "cannot read the body: %v", err)
}

// peek returns the next byte that is not white space, without taking it.
func (s *jsonScanner) peek() (byte, error) {
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			s.off++
			continue
		}
		return c, s.r.UnreadByte()
	}
}

// next takes the next byte that is not white space.
func (s *jsonScanner) next() (byte, error) {
	c, err := s.peek()
	if err != nil {
		return 0, s.readErr(err)
	}
	s.r.ReadByte()
	s.off++
	return c, nil
}

// expect takes the next byte, which must be want.
func (s *jsonScanner) expect(want byte) error {
	c, err := s.next()
	if err != nil {
		return err
	}
	if c != want {
		return s.syntaxError(strconv.Quote(string(want)) + " expected")
	}
	return nil
}

// atEnd reports whether only white space is left.
func (s *jsonScanner) atEnd() bool {
	_, err := s.peek()
	return errors.Is(err, io.EOF)
}

// more reads the separator after a member or element: true for ',', false
// for the closing byte.
func (s *jsonScanner) more(closing byte) (bool, error) {
	c, err := s.next()
	switch {
	case err != nil:
		return false, err
	case c == ',':
		return true, nil
	case c == closing:
		return false, nil
	}
	return false, s.syntaxError("',' or " + strconv.Quote(string(closing)) + " expected")
}

// enter takes the opening byte of an object or array and reports whether
// it is empty (the closing byte follows at once, and is taken too).
func (s *jsonScanner) enter(open, closing byte) (empty bool, err error) {
	if err := s.expect(open); err != nil {
		return false, err
	}
	c, err := s.peek()
	if err != nil {
		return false, s.readErr(err)
	}
	if c == closing {
		s.r.ReadByte()
		s.off++
		return true, nil
	}
	return false, nil
}

// key reads an object member's name and the colon after it. The name is a
// view of a buffer the next key overwrites: compare or copy it at once.
func (s *jsonScanner) key() (string, error) {
	k, err := s.str(s.keybuf[:0])
	if err != nil {
		return "", err
	}
	s.keybuf = k
	return unsafe.String(unsafe.SliceData(k), len(k)), s.expect(':')
}

// value reads any value; when keep is set it appends the value to dst (to
// echo it back), else it only skips it.
func (s *jsonScanner) value(dst []byte, keep bool, depth int) ([]byte, error) {
	if depth > maxScanDepth {
		return nil, geo.Invalid("body", "values nested deeper than %d at byte %d", maxScanDepth, s.off)
	}
	c, err := s.peek()
	if err != nil {
		return nil, s.readErr(err)
	}
	switch {
	case c == '{' || c == '[':
		return s.composite(dst, keep, c, depth)
	case c == '"':
		if !keep {
			_, err := s.str(s.num[:0])
			return dst, err
		}
		start := len(dst)
		raw, err := s.str(dst)
		if err != nil {
			return nil, err
		}
		return appendString(raw[:start], string(raw[start:])), nil
	case c == '-' || (c >= '0' && c <= '9'):
		if _, err := s.number(); err != nil {
			return nil, err
		}
		if keep {
			dst = append(dst, s.num...)
		}
		return dst, nil
	}
	return s.literal(dst, keep)
}

// composite reads an object or array.
func (s *jsonScanner) composite(dst []byte, keep bool, open byte, depth int) ([]byte, error) {
	closing := byte(']')
	if open == '{' {
		closing = '}'
	}
	empty, err := s.enter(open, closing)
	if err != nil {
		return nil, err
	}
	if keep {
		dst = append(dst, open)
	}
	for more := !empty; more; {
		if open == '{' {
			k, err := s.key()
			if err != nil {
				return nil, err
			}
			if keep {
				dst = append(appendString(dst, k), ':')
			}
		}
		if dst, err = s.value(dst, keep, depth+1); err != nil {
			return nil, err
		}
		if more, err = s.more(closing); err != nil {
			return nil, err
		}
		if more && keep {
			dst = append(dst, ',')
		}
		if len(dst) > maxScanRaw {
			return nil, geo.Errorf(geo.ETOOLARGE, "body", "a value at byte %d is larger than %d bytes", s.off, maxScanRaw)
		}
	}
	if keep {
		dst = append(dst, closing)
	}
	return dst, nil
}
