package api

import (
	"errors"
	"io"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/gridmap-dev/gridmap/geo"
)

// The scalar values of a scanned JSON stream (jsonscan.go): strings with
// their escapes, numbers checked against JSON's grammar, and the literals
// true, false and null.

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
