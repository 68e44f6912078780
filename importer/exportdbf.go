package importer

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridmap-dev/gridmap/geo"
)

// dbfOutField is one column the exporter writes.
type dbfOutField struct {
	Key  string // property key, or a unit field
	Name string // the ≤10-byte dBase name
	Type byte   // 'C', 'N' or 'L'
	Len  int
	Dec  int
}

// The unit fields every export of units has.
var unitFields = []dbfOutField{
	{Key: "code", Name: "code", Type: 'C', Len: 18},
	{Key: "name", Name: "name", Type: 'C', Len: 254},
	{Key: "level", Name: "level", Type: 'C', Len: 10},
	{Key: "parent_code", Name: "parent", Type: 'C', Len: 18},
}

// The enclave fields every export of enclaves has; "managing" is among the
// names the enclave importer guesses.
var enclaveFields = []dbfOutField{
	{Key: "code", Name: "code", Type: 'C', Len: 64},
	{Key: "name", Name: "name", Type: 'C', Len: 254},
	{Key: "managing_code", Name: "managing", Type: 'C', Len: 18},
	{Key: "status", Name: "status", Type: 'C', Len: 12},
	{Key: "reason", Name: "reason", Type: 'C', Len: 254},
}

// dbfSchema chooses a column per property key from the values it takes:
// integers and decimals become N with the width and decimals they need,
// booleans L, everything else C (nested values as JSON text). Names follow
// the rule of propcolumns.go: escaped, cut to the 10 bytes dBase allows and
// made unique. Columns a .dbf cannot hold (its header and records count
// their bytes in 16 bits) are left out: unwritten lists their properties,
// whose values only the sidecar carries.
func dbfSchema(k *exportKind, values map[string][]any, keys []string, cs charset) (fields []dbfOutField, unwritten []string) {
	fields = append([]dbfOutField(nil), k.fields...)
	own := make([]string, len(k.fields))
	recLen := 1
	for i, f := range k.fields {
		own[i] = f.Name
		recLen += f.Len
	}
	names := k.columnsOf(keys, newColumnNamer(dbfFits(cs), dbfColumnName, own...))
	for i, p := range keys {
		f := dbfOutField{Key: p, Name: names[i]}
		f.Type, f.Len, f.Dec = columnType(values[p], cs)
		if len(fields) >= dbfMaxFields || recLen+f.Len > dbfMaxRecord {
			unwritten = append(unwritten, p)
			continue
		}
		recLen += f.Len
		fields = append(fields, f)
	}
	return fields, unwritten
}

// A .dbf header gives its length and its records' in 16 bits.
const (
	dbfMaxFields = (0xffff - 33) / 32
	dbfMaxRecord = 0xffff
)

func columnType(vals []any, cs charset) (byte, int, int) {
	isNum, isBool, width, dec := true, true, 1, 0
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
		case bool:
			isNum = false
		case float64, json.Number:
			isBool = false
			s, ok := numberText(x)
			if !ok { // a number no column can spell: written as text
				isNum = false
				s = textOf(x)
			}
			width = max(width, len(s))
			if i := strings.IndexByte(s, '.'); i >= 0 {
				dec = max(dec, len(s)-i-1)
			}
		default:
			isNum, isBool = false, false
			b, _ := cs.encode(textOf(v))
			width = max(width, len(b))
		}
	}
	switch {
	case isBool && !isNum:
		return 'L', 1, 0
	case isNum && width <= 20 && dec <= 15:
		return 'N', min(width+dec+2, 32), dec
	}
	return 'C', min(max(width, 1), 254), 0
}

// numberText is a number as a numeric (N) column spells it, in plain
// decimal notation: a json.Number as its literal when it has no exponent
// (jsonb writes every number so), exact however many digits it has; else
// the shortest plain form of its double. ok is false for what is no
// number, or one beyond a double's range.
func numberText(v any) (s string, ok bool) {
	switch x := v.(type) {
	case json.Number:
		if !strings.ContainsAny(string(x), "eE") {
			_, err := x.Float64() // checks that the literal is a number
			return string(x), err == nil
		}
		f, err := x.Float64()
		return strconv.FormatFloat(f, 'f', -1, 64), err == nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// numberCell is a number written in a numeric column with dec decimals:
// numberText with the fraction padded with zeros, so that the digits are
// the number's own. A number with more decimals than the column (a cell a
// desktop tool retyped, compared by the sidecar) is rounded as a double.
func numberCell(v any, dec int) string {
	s, ok := numberText(v)
	if !ok {
		return ""
	}
	_, frac, point := strings.Cut(s, ".")
	switch {
	case len(frac) > dec:
		f, _ := strconv.ParseFloat(s, 64)
		return strconv.FormatFloat(f, 'f', dec, 64)
	case dec > 0 && !point:
		s += "."
	}
	return s + strings.Repeat("0", dec-len(frac))
}

func textOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	return jsonText(v)
}

// dbfWriter writes a dBase III table.
type dbfWriter struct {
	f      *os.File
	w      *bufio.Writer
	cs     charset
	fields []dbfOutField
	recLen int
	rec    []byte
}

func newDBFWriter(f *os.File, cs charset, fields []dbfOutField) *dbfWriter {
	d := &dbfWriter{f: f, w: bufio.NewWriterSize(f, 1<<20), cs: cs, fields: fields, recLen: 1}
	for _, fl := range fields {
		d.recLen += fl.Len
	}
	d.rec = make([]byte, d.recLen)
	return d
}

// header writes the header for n records (rewritten by finish).
func (d *dbfWriter) header(n int) error {
	h := make([]byte, 32+32*len(d.fields)+1)
	h[0] = 0x03
	h[1], h[2], h[3] = dbfDate(time.Now())
	binary.LittleEndian.PutUint32(h[4:], uint32(n))
	binary.LittleEndian.PutUint16(h[8:], uint16(len(h)))
	binary.LittleEndian.PutUint16(h[10:], uint16(d.recLen))
	if d.cs.Name != "UTF-8" {
		h[29] = 0x4d // language driver: code page 936
	}
	for i, fl := range d.fields {
		fd := h[32+32*i:]
		name, _ := d.cs.encode(fl.Name)
		copy(fd[:10], name)
		fd[11], fd[16], fd[17] = fl.Type, byte(fl.Len), byte(fl.Dec)
	}
	h[len(h)-1] = 0x0d
	_, err := d.w.Write(h)
	return err
}

// dbfDate is the date of last update a .dbf header carries (YY since 1900,
// MM, DD): the China day of t, as the people opening the file read dates,
// not the day in the server's zone (UTC in a container, a day behind from
// 00:00 to 08:00).
func dbfDate(t time.Time) (yy, mm, dd byte) {
	y, m, d := t.In(geo.ChinaTime).Date()
	return byte(y - 1900), byte(m), byte(d)
}

func (d *dbfWriter) record(u *exportUnit) error {
	for i := range d.rec {
		d.rec[i] = ' '
	}
	off := 1
	for i, fl := range d.fields {
		var v any
		if i < len(u.Fixed) {
			v = u.Fixed[i]
		} else {
			v = u.Props[fl.Key]
		}
		d.put(d.rec[off:off+fl.Len], fl, v)
		off += fl.Len
	}
	_, err := d.w.Write(d.rec)
	return err
}

// put writes one value: text left-aligned (cut at a character boundary),
// numbers right-aligned.
func (d *dbfWriter) put(dst []byte, fl dbfOutField, v any) {
	if v == nil {
		return
	}
	switch fl.Type {
	case 'L':
		if b, _ := v.(bool); b {
			dst[0] = 'T'
		} else {
			dst[0] = 'F'
		}
	case 'N':
		s := numberCell(v, fl.Dec)
		if len(s) <= len(dst) {
			copy(dst[len(dst)-len(s):], s)
		}
	default:
		s := textOf(v)
		b, _ := d.cs.encode(s)
		for len(b) > len(dst) {
			_, size := utf8.DecodeLastRuneInString(s)
			s = s[:len(s)-size]
			b, _ = d.cs.encode(s)
		}
		copy(dst, b)
	}
}

// finish writes the end mark and the final record count.
func (d *dbfWriter) finish(n int) error {
	if err := d.w.WriteByte(0x1a); err != nil {
		return err
	}
	if err := d.w.Flush(); err != nil {
		return err
	}
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(n))
	if _, err := d.f.Seek(4, io.SeekStart); err != nil {
		return fmt.Errorf("patch .dbf header: %w", err)
	}
	_, err := d.f.Write(b[:])
	return err
}
