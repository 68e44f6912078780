package api

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
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

// str reads a string value, appending its unescaped bytes to dst.
func (s *jsonScanner) str(dst []byte) ([]byte, error) {
	if err := s.expect('"'); err != nil {
		return nil, err
	}
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return nil, s.readErr(err)
		}
		s.off++
		switch {
		case c == '"':
			return dst, nil
		case c == '\\':
			if dst, err = s.escape(dst); err != nil {
				return nil, err
			}
		case c < 0x20:
			return nil, s.syntaxError("control character in a string")
		default:
			dst = append(dst, c)
		}
		if len(dst) > maxScanString {
			return nil, geo.Errorf(geo.ETOOLARGE, "body", "a string at byte %d is longer than %d bytes", s.off, maxScanString)
		}
	}
}

// escape reads the rest of an escape sequence.
func (s *jsonScanner) escape(dst []byte) ([]byte, error) {
	c, err := s.r.ReadByte()
	if err != nil {
		return nil, s.readErr(err)
	}
	s.off++
	switch c {
	case '"', '\\', '/':
		return append(dst, c), nil
	case 'b':
		return append(dst, '\b'), nil
	case 'f':
		return append(dst, '\f'), nil
	case 'n':
		return append(dst, '\n'), nil
	case 'r':
		return append(dst, '\r'), nil
	case 't':
		return append(dst, '\t'), nil
	case 'u':
		r, err := s.hex4()
		if err != nil {
			return nil, err
		}
		if utf16.IsSurrogate(r) {
			if low, ok := s.lowSurrogate(); ok {
				r = utf16.DecodeRune(r, low)
			} else {
				r = utf8.RuneError
			}
		}
		return utf8.AppendRune(dst, r), nil
	}
	return nil, s.syntaxError("invalid escape")
}

// hex4 reads the four hex digits of \u.
func (s *jsonScanner) hex4() (rune, error) {
	var r rune
	for i := 0; i < 4; i++ {
		c, err := s.r.ReadByte()
		if err != nil {
			return 0, s.readErr(err)
		}
		s.off++
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, s.syntaxError("invalid \\u escape")
		}
	}
	return r, nil
}

// lowSurrogate reads a \uDC00-\uDFFF that completes a surrogate pair, if
// one follows.
func (s *jsonScanner) lowSurrogate() (rune, bool) {
	if b, err := s.r.Peek(6); err != nil || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	s.r.Discard(2)
	s.off += 2
	r, err := s.hex4()
	return r, err == nil && r >= 0xDC00 && r <= 0xDFFF
}

// number reads a number, checked against JSON's grammar.
func (s *jsonScanner) number() (float64, error) {
	s.num = s.num[:0]
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return 0, s.readErr(err)
		}
		if (c < '0' || c > '9') && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E' {
			s.r.UnreadByte()
			break
		}
		s.off++
		s.num = append(s.num, c)
		if len(s.num) > 64 {
			return 0, s.syntaxError("number too long")
		}
	}
	if !validJSONNumber(s.num) {
		return 0, s.syntaxError("invalid number")
	}
	f, err := parseFloat(unsafe.String(unsafe.SliceData(s.num), len(s.num)))
	if err != nil {
		return 0, geo.Invalid("body", "number at byte %d is out of range", s.off)
	}
	return f, nil
}

// validJSONNumber checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func validJSONNumber(b []byte) bool {
	i := 0
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i, n = i+1, n+1
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(b)
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

// literal reads true, false or null.
func (s *jsonScanner) literal(dst []byte, keep bool) ([]byte, error) {
	for _, lit := range [3]string{"true", "false", "null"} {
		b, err := s.r.Peek(len(lit))
		if err == nil && string(b) == lit {
			s.r.Discard(len(lit))
			s.off += int64(len(lit))
			if keep {
				dst = append(dst, lit...)
			}
			return dst, nil
		}
	}
	return nil, s.syntaxError("a value expected")
}
