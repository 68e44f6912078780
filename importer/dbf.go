package importer

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
)

// dbfField is one column of a .dbf table.
type dbfField struct {
	Name string
	Type byte
	Len  int
	Dec  int
	off  int // offset within a record, after the deletion flag
}

// dbfReader reads the records of a dBase III/IV (or FoxPro) table in order.
type dbfReader struct {
	r      *bufio.Reader
	src    io.ReadSeeker
	fields []dbfField
	count  int // records
	hdrLen int
	recLen int
	ldid   byte
	cs     charset
	from   declaration // where cs was declared; zero when detected
	i      int
	rec    []byte
	notes  []string
	// recNotes are the current record's values read as no value, with
	// why (a date that is no date); the reader reports them as warnings.
	recNotes []*featureError
}

// openDBF reads and checks the header; size is the file's real length.
func openDBF(src io.ReadSeeker, size int64) (*dbfReader, error) {
	var h [32]byte
	if _, err := io.ReadFull(src, h[:]); err != nil {
		return nil, fileError("the .dbf is too short to be a dBase table (%d bytes)", size)
	}
	d := &dbfReader{src: src, count: int(binary.LittleEndian.Uint32(h[4:8])),
		hdrLen: int(binary.LittleEndian.Uint16(h[8:10])), recLen: int(binary.LittleEndian.Uint16(h[10:12])), ldid: h[29]}
	if d.hdrLen < 33 || d.recLen < 1 || int64(d.hdrLen) > size {
		return nil, fileError("the .dbf header is corrupt (header %d bytes, records %d bytes, file %d bytes)", d.hdrLen, d.recLen, size)
	}
	if d.count > MaxFeatures {
		return nil, tooLarge("the .dbf claims %d records; at most %d are accepted", d.count, MaxFeatures)
	}
	if avail := (size - int64(d.hdrLen)) / int64(d.recLen); int64(d.count) > avail {
		return nil, fileError("the .dbf is truncated: its header promises %d records of %d bytes, but the file holds only %d", d.count, d.recLen, avail)
	}
	desc := make([]byte, d.hdrLen-32)
	if _, err := io.ReadFull(src, desc); err != nil {
		return nil, fileError("the .dbf field list is truncated")
	}
	if err := d.parseFields(desc); err != nil {
		return nil, err
	}
	d.rec = make([]byte, d.recLen)
	return d, nil
}

// parseFields reads the 32-byte field descriptors up to the 0x0D mark.
func (d *dbfReader) parseFields(desc []byte) error {
	off := 0
	for len(desc) >= 32 && desc[0] != 0x0d {
		raw := desc[:32]
		desc = desc[32:]
		name := raw[:11]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		f := dbfField{Name: string(bytes.TrimSpace(name)), Type: raw[11], Len: int(raw[16]), Dec: int(raw[17]), off: off}
		off += f.Len
		d.fields = append(d.fields, f)
	}
	if len(desc) == 0 || desc[0] != 0x0d {
		return fileError("the .dbf field list has no terminator: the header is corrupt")
	}
	if off+1 > d.recLen {
		return fileError("the .dbf fields add up to %d bytes, more than its %d-byte records", off+1, d.recLen)
	}
	return nil
}

// chooseCharset decides how text is decoded: the override, then the .cpg,
// then the language driver id — each checked against the text
// (dbfcharset.go; codes are the names a code field may have) —, then
// detection from the data itself.
func (d *dbfReader) chooseCharset(override, cpg string, codes []string) (string, error) {
	if override != "" {
		cs, ok := lookupCharset(override)
		if !ok {
			return "", geo.Invalid("encoding", "unknown encoding %q; use utf-8, gbk or gb18030", clipText(override, 30))
		}
		return d.declared(cs, byOption, codes)
	}
	if cpg != "" {
		if cs, ok := lookupCharset(cpg); ok {
			return d.declared(cs, byCPG, codes)
		}
		d.notes = append(d.notes, fmt.Sprintf("the .cpg names an unknown encoding %q; detecting it instead", clipText(cpg, 30)))
	}
	if cs, ok := ldidCharset(d.ldid); ok {
		return d.declared(cs, byLDID, codes)
	}
	samples, err := d.sampleText(d.count)
	if err != nil {
		return "", err
	}
	cs, ok := detectCharset(samples.all())
	if !ok {
		return "", geo.Invalid("encoding", "the .dbf text is neither UTF-8 nor GBK/GB18030; pass --encoding (e.g. big5)")
	}
	d.cs = cs
	return cs.Name + " (detected)", d.decodeNames()
}

// declared decodes with cs, declared by from, once the text agrees.
func (d *dbfReader) declared(cs charset, from declaration, codes []string) (string, error) {
	if err := d.checkDeclared(cs, from, codes); err != nil {
		return "", err
	}
	d.cs, d.from = cs, from
	return cs.Name + " (" + from.label + ")", d.decodeNames()
}

// decodeNames decodes the field names and makes them unique.
func (d *dbfReader) decodeNames() error {
	seen := map[string]int{}
	for i := range d.fields {
		name, ok := d.cs.decode([]byte(d.fields[i].Name))
		if !ok && d.cs.enc == nil { // a UTF-8 name cut to 10 bytes inside a character
			name, ok = d.cs.decode(utf8Cut([]byte(d.fields[i].Name)))
		}
		if !ok || name == "" {
			name = fmt.Sprintf("FIELD%d", i+1)
		}
		if n := seen[name]; n > 0 {
			seen[name]++
			name = fmt.Sprintf("%s_%d", name, n+1)
		} else {
			seen[name] = 1
		}
		d.fields[i].Name = name
	}
	if _, err := d.src.Seek(int64(d.hdrLen), io.SeekStart); err != nil {
		return fmt.Errorf("rewind .dbf: %w", err)
	}
	d.r = bufio.NewReaderSize(d.src, 1<<16)
	return nil
}

// next reads the next record. deleted reports the dBase deletion mark; a
// bad value comes back as a featureError with the record still usable.
func (d *dbfReader) next() (attrs map[string]any, deleted bool, ferr *featureError, err error) {
	if d.i >= d.count {
		return nil, false, nil, io.EOF
	}
	if _, err := io.ReadFull(d.r, d.rec); err != nil {
		return nil, false, nil, fileError("the .dbf is truncated at record %d", d.i)
	}
	d.i++
	d.recNotes = nil
	attrs = make(map[string]any, len(d.fields))
	for _, f := range d.fields {
		v, e := d.value(f, d.rec[1+f.off:1+f.off+f.Len])
		if e != nil && ferr == nil {
			ferr = e
		}
		attrs[f.Name] = v
	}
	return attrs, d.rec[0] == '*', ferr, nil
}

func (d *dbfReader) value(f dbfField, raw []byte) (any, *featureError) {
	switch f.Type {
	case 'C':
		v := trimField(raw)
		s, ok := d.cs.decode(v)
		if !ok {
			e := featErr(geo.IssueUnreadable, "attribute %s is not valid %s text (%s); fix the value, or pass --encoding gbk or utf-8",
				f.Name, d.cs.label(), d.from.source())
			e.Attr = f.Name
			return nil, e
		}
		return s, nil
	case 'N', 'F':
		v, e := dbfNumber(string(bytes.TrimSpace(trimField(raw))))
		if e != nil {
			e.Msg, e.Attr = "attribute "+f.Name+" "+e.Msg, f.Name
		}
		return v, e
	case 'L':
		switch strings.ToUpper(string(bytes.TrimSpace(raw))) {
		case "T", "Y":
			return true, nil
		case "F", "N":
			return false, nil
		}
		return nil, nil
	case 'D':
		s := string(bytes.TrimSpace(trimField(raw)))
		if day, ok := dbfDay(s); ok {
			return day, nil
		}
		d.recNotes = append(d.recNotes, featErr(geo.IssueUnreadable, "attribute %s holds %q, which is not a date (YYYYMMDD): it is imported as no value",
			f.Name, clipText(s, 20)))
		return nil, nil
	case 'I':
		if len(raw) == 4 {
			return json.Number(strconv.Itoa(int(int32(binary.LittleEndian.Uint32(raw))))), nil
		}
	case 'O':
		if len(raw) == 8 {
			if f := math.Float64frombits(binary.LittleEndian.Uint64(raw)); !math.IsNaN(f) && !math.IsInf(f, 0) {
				return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
			}
		}
	}
	return nil, nil // memo, binary and unknown types carry no importable value
}

// dbfDay reads a dBase date (YYYYMMDD) as an ISO date. A blank cell, and
// 00000000 (what shapelib and GDAL write for a null date), are no value;
// ok is false for a cell that is no date at all (99999999, month 13,
// 30 February, letters), which must not become a string such as
// "9999-99-99".
func dbfDay(s string) (day any, ok bool) {
	if s == "" || s == "00000000" {
		return nil, true
	}
	if len(s) != 8 || !isDigits(s) {
		return nil, false
	}
	if t, err := time.Parse("20060102", s); err != nil || t.Format("20060102") != s {
		return nil, false
	}
	return s[:4] + "-" + s[4:6] + "-" + s[6:], true
}

// decimalLiteral is what a dBase numeric cell may hold: a decimal number,
// with an exponent for F and wide N fields. Go's ParseFloat also takes
// "0x1p-2", "Inf" and "1_000", which no dBase writer writes.
var decimalLiteral = regexp.MustCompile(`^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$`)

// dbfNumber keeps a numeric field exact: as a JSON number in canonical
// form (no leading zeros or plus sign), never through float64 for integers,
// so an 18-digit code survives, nor for a number beyond a double's range
// (1e-400 read as 0, 1e400 as infinity), which keeps its digits
// (exactNumber). The error's message follows the attribute's name.
func dbfNumber(s string) (any, *featureError) {
	s = strings.TrimPrefix(s, "+")
	if s == "" || strings.Trim(s, "*") == "" { // dBase writes *** for overflow
		return nil, nil
	}
	if isDigits(strings.TrimPrefix(s, "-")) {
		n, ok := new(big.Int).SetString(s, 10)
		if ok {
			return json.Number(n.String()), nil
		}
	}
	if !decimalLiteral.MatchString(s) {
		return nil, featErr(geo.IssueUnreadable, "holds %q, which is not a number", clipText(s, 30))
	}
	f, err := strconv.ParseFloat(s, 64)
	if err == nil && !math.IsInf(f, 0) && (f != 0 || !nonZero(s)) {
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
	}
	return exactNumber(s)
}

// nonZero reports whether a decimal literal has a digit other than 0
// before its exponent.
func nonZero(s string) bool {
	mant, _, _ := strings.Cut(strings.ToLower(s), "e")
	return strings.ContainsAny(mant, "123456789")
}

// exactNumber writes a decimal literal beyond a double's range as the JSON
// number it is (geo.NumericLiteral: 1e-400, -1.5e+400). One PostgreSQL
// cannot hold is an error.
func exactNumber(s string) (any, *featureError) {
	if n, ok := geo.NumericLiteral(s); ok {
		return n, nil
	}
	return nil, featErr(geo.IssueUnreadable, "holds %q, a number beyond what can be stored (at most %d digits before the decimal point and %d after it)",
		clipText(s, 30), geo.MaxNumericWhole, geo.MaxNumericFraction)
}

func trimField(b []byte) []byte {
	b = bytes.TrimRight(b, " \x00")
	return bytes.TrimLeft(b, " ")
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
