package importer

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gridmap-dev/gridmap/geo"
)

// A .cpg (or the encoding option, or the .dbf's language driver) that
// names the wrong encoding is common: a GBK table from ArcGIS or SuperMap
// with a .cpg saying UTF-8 that another tool left. Read as declared, its
// Chinese field names came out as FIELD1, FIELD2… and the import said "no
// code attribute", which sent staff looking for the wrong mistake. So the
// declaration is checked against the table's text before it is used, and
// a contradiction stops the import with what was found and the fix.

// checkRecords bounds the records whose text the declaration is checked
// against (with MaxAttributeBytes): enough to see what a table is.
const checkRecords = 2000

// declaration says where an encoding was declared.
type declaration struct {
	what   string // as a message names it
	label  string // in the report's encoding, after the name
	fix    string // the second fix, %s the encoding's name; "" for none
	strict bool   // explicit: only bytes invalid in it contradict it
}

var (
	byOption = declaration{what: "the encoding option", label: "from the encoding option", strict: true}
	byCPG    = declaration{what: "the .cpg", label: "from .cpg", fix: "or correct the .cpg to say %s"}
	byLDID   = declaration{what: "the .dbf's language driver", label: "from the .dbf language driver", fix: "or add a .cpg saying %s"}
)

// source says where the encoding came from, for a message.
func (d declaration) source() string {
	if d.what == "" {
		return "the encoding detected"
	}
	return "the encoding " + d.what + " names"
}

// textSample is the non-ASCII text of a table: field names, and character
// values with the index of their field.
type textSample struct {
	names  [][]byte
	values [][]byte
	fields []int
}

func (s *textSample) all() [][]byte { return append(slices.Clone(s.names), s.values...) }

// uncut is the sample without an incomplete UTF-8 sequence at the end of
// each text: text cut to a dBase field's bytes (10 for a name, as GDAL cuts
// 区划代码 in UTF-8; 254 for a value) is UTF-8 all the same.
func (s *textSample) uncut() *textSample {
	u := &textSample{fields: s.fields}
	for _, b := range s.names {
		u.names = append(u.names, utf8Cut(b))
	}
	for _, b := range s.values {
		u.values = append(u.values, utf8Cut(b))
	}
	return u
}

// utf8Cut returns b without an incomplete UTF-8 sequence at its end, if
// the rest is valid UTF-8; otherwise b.
func utf8Cut(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax-1 && i <= len(b); i++ {
		if !utf8.RuneStart(b[len(b)-i]) {
			continue
		}
		if !utf8.FullRune(b[len(b)-i:]) && utf8.Valid(b[:len(b)-i]) {
			return b[:len(b)-i]
		}
		break
	}
	return b
}

// sampleText reads the non-ASCII field names and character values of the
// first records (all of them, to detect an undeclared encoding; the first
// checkRecords, to check a declared one), then rewinds to the first record.
func (d *dbfReader) sampleText(records int) (*textSample, error) {
	s := &textSample{}
	for _, f := range d.fields {
		if !isASCII([]byte(f.Name)) {
			s.names = append(s.names, []byte(f.Name))
		}
	}
	r := bufio.NewReaderSize(d.src, 1<<16)
	total := 0
	for i := 0; i < d.count && i < records && total < MaxAttributeBytes; i++ {
		if _, err := io.ReadFull(r, d.rec); err != nil {
			return nil, fileError("the .dbf is truncated at record %d", i)
		}
		for j, f := range d.fields {
			if v := trimField(d.rec[1+f.off : 1+f.off+f.Len]); f.Type == 'C' && !isASCII(v) {
				s.values = append(s.values, bytes.Clone(v))
				s.fields = append(s.fields, j)
				total += len(v)
			}
		}
	}
	_, err := d.src.Seek(int64(d.hdrLen), io.SeekStart)
	return s, err
}

// checkDeclared makes sure the table's text reads in cs, declared by from.
// It does not when a field name or most values are not valid cs text, or
// (unless the declaration is explicit) when the text is UTF-8 declared as
// something else, or when cs finds no code field (codes: the names tried)
// that the encoding the text reads in would find. The error says what was
// found and how to fix it.
func (d *dbfReader) checkDeclared(cs charset, from declaration, codes []string) error {
	s, err := d.sampleText(checkRecords)
	if err != nil {
		return err
	}
	u := s.uncut()
	alt, ok := detectCharset(u.all())
	if !ok || alt.Name == cs.Name || len(s.names)+len(s.values) == 0 {
		return nil // consistent, or nothing better to offer: bad values are reported per feature
	}
	if cs.enc == nil {
		s = u // UTF-8 cut inside a character is UTF-8
	}
	var why string
	if bad := undecodable(s.names, cs); len(bad) > 0 {
		why = fmt.Sprintf("the field names %s are not", readAs(bad, alt))
	} else if !from.strict && cs.enc != nil && alt.enc == nil && hanRunes(string(bytes.Join(u.all(), nil))) > 0 {
		why = "the text is UTF-8, not"
	} else if bad := undecodable(s.values, cs); 2*len(bad) > len(s.values) {
		why = fmt.Sprintf("%d of the %d non-ASCII text values in the first %d records are not", len(bad), len(s.values), min(d.count, checkRecords))
	} else if from.strict {
		return nil
	} else if names := fieldNames(s.names, cs); !hasField(names, codes) && hasField(fieldNames(s.names, alt), codes) {
		why = fmt.Sprintf("no field holds a code, while read as %s the fields are %s: the text is not", alt.label(), strings.Join(fieldNames(s.names, alt), ", "))
	} else {
		return nil
	}
	msg := fmt.Sprintf("%s says the attribute text is %s, but %s %s", from.what, cs.label(), why, cs.label())
	if len(s.values) > 0 {
		f := d.fields[s.fields[0]].Name
		if t, ok := alt.decode(s.values[0]); ok && isASCII([]byte(f)) {
			msg += fmt.Sprintf(" (%s of the first record reads as %s: %s)", f, alt.label(), clipText(t, 40))
		}
	}
	msg += fmt.Sprintf("; it reads as %s: pass --encoding %s (the encoding field of an upload)", alt.label(), strings.ToLower(alt.label()))
	if from.fix != "" {
		msg += ", " + fmt.Sprintf(from.fix, alt.label())
	}
	return geo.Invalid("encoding", "%s", msg)
}

// undecodable returns the samples that are not valid text in cs.
func undecodable(samples [][]byte, cs charset) [][]byte {
	var bad [][]byte
	for _, s := range samples {
		if _, ok := cs.decode(s); !ok {
			bad = append(bad, s)
		}
	}
	return bad
}

// readAs lists byte strings as alt reads them, for a message.
func readAs(samples [][]byte, alt charset) string {
	var out []string
	for _, s := range samples[:min(len(samples), 5)] {
		t, _ := alt.decode(s)
		out = append(out, t)
	}
	if len(samples) > 5 {
		out = append(out, "…")
	}
	return fmt.Sprintf("(%s as %s)", strings.Join(out, ", "), alt.label())
}

// fieldNames are the non-ASCII field names as cs reads them.
func fieldNames(names [][]byte, cs charset) []string {
	var out []string
	for _, n := range names {
		if t, ok := cs.decode(n); ok {
			out = append(out, t)
		}
	}
	return out
}

// hasField reports whether one of names is one of want, ignoring case.
func hasField(names, want []string) bool {
	for _, n := range names {
		for _, w := range want {
			if strings.EqualFold(n, w) {
				return true
			}
		}
	}
	return false
}

// label is the charset's name as staff know it: GBK for GB18030, which
// reads GBK the same.
func (c charset) label() string {
	if c.Name == "GB18030" {
		return "GBK"
	}
	return c.Name
}

// codeFields are the attribute names a code may be found under: the named
// one, else the guesses for units and enclaves.
func codeFields(named string) []string {
	if named != "" {
		return []string{named}
	}
	return append(slices.Clone(fieldGuesses["code"]), enclaveGuesses["code"]...)
}
