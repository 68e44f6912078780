package api

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gridmap-dev/gridmap/geo"
)

// CSV answers of POST /v1/resolve: one row per point, in request order,
// with the columns index (the point's slot), id (a feature's id, for a
// FeatureCollection), then one column per chosen field — the full answer's
// members flattened ("grid.code", "grid.name", "lng", "lat", the geographic
// chain's codes, conflicts' codes joined by ';') — and error ("code: detail"
// for a point that could not be resolved). The micro-grid columns
// (microgrid.code, microgrid.name, geographic.microgrid.code) are there by
// default too, where the hierarchy puts them, empty where a point lies in
// no micro-grid: a header is the same for every row, and a row whose
// responsible.level is microgrid must not lose the micro-grid the full
// answer names. Text is quoted as RFC 4180 asks, and text a spreadsheet
// would take for a formula is defused (appendText).

// csvColumn is one column: its header and how its value is written.
type csvColumn struct {
	name  string
	value func(b []byte, r *geo.Resolution) []byte
}

// csvColumns lists the columns of the chosen fields.
func csvColumns(f resultFields) []csvColumn {
	var cols []csvColumn
	add := func(name string, v func(b []byte, r *geo.Resolution) []byte) {
		cols = append(cols, csvColumn{name, v})
	}
	for i := 0; i < numResultFields; i++ {
		if f.picked && !f.member[i] {
			continue
		}
		parts := f.parts[i]
		want := func(bit uint8) bool { return parts == 0 || parts&bit != 0 }
		switch i {
		case fStatus:
			add("status", func(b []byte, r *geo.Resolution) []byte { return append(b, r.Status...) })
		case fPoint:
			add("lng", func(b []byte, r *geo.Resolution) []byte { return appendFloat(b, r.Point[0]) })
			add("lat", func(b []byte, r *geo.Resolution) []byte { return appendFloat(b, r.Point[1]) })
		case fResponsible:
			ref := func(r *geo.Resolution) *geo.LevelRef { return r.Responsible }
			if want(partLevel) {
				add("responsible.level", func(b []byte, r *geo.Resolution) []byte {
					if x := ref(r); x != nil {
						b = append(b, x.Level...)
					}
					return b
				})
			}
			cols = append(cols, refColumns("responsible", want, func(r *geo.Resolution) (string, string, bool) {
				x := ref(r)
				return refText(x != nil, func() (string, string) { return x.Code, x.Name })
			})...)
		case fEnclave:
			cols = append(cols, refColumns("enclave", want, func(r *geo.Resolution) (string, string, bool) {
				return refText(r.Enclave != nil, func() (string, string) { return r.Enclave.Code, r.Enclave.Name })
			})...)
			if want(partLevel) {
				add("enclave.status", func(b []byte, r *geo.Resolution) []byte {
					if r.Enclave != nil {
						b = append(b, r.Enclave.Status...)
					}
					return b
				})
			}
		case fGeographic:
			for s := 0; s < numGeoSlots; s++ {
				slot := fMicroGrid + s
				wantSlot := func(bit uint8) bool { return f.geoParts[s] == 0 || f.geoParts[s]&bit != 0 }
				switch {
				case parts == 0: // the whole chain: its codes
					wantSlot = func(bit uint8) bool { return bit == partCode }
				case parts&(1<<s) == 0:
					continue
				}
				cols = append(cols, refColumns("geographic."+fieldNames[slot], wantSlot, func(r *geo.Resolution) (string, string, bool) {
					x := chainSlot(&r.Geographic, slot)
					return refText(x != nil, func() (string, string) { return x.Code, x.Name })
				})...)
			}
		case fConflicts:
			add("conflicts", func(b []byte, r *geo.Resolution) []byte {
				for j, c := range r.Conflicts {
					if j > 0 {
						b = append(b, ';')
					}
					b = appendText(b, c.Code)
				}
				return b
			})
		case fIndexVersion:
			add("index_version", func(b []byte, r *geo.Resolution) []byte { return strconv.AppendInt(b, r.IndexVersion, 10) })
		default: // a slot of the responsible chain
			slot := i
			cols = append(cols, refColumns(fieldNames[i], want, func(r *geo.Resolution) (string, string, bool) {
				x := chainSlot(&r.Chain, slot)
				return refText(x != nil, func() (string, string) { return x.Code, x.Name })
			})...)
		}
	}
	return cols
}

// refText returns a reference's code and name, when it is there.
func refText(ok bool, get func() (string, string)) (string, string, bool) {
	if !ok {
		return "", "", false
	}
	code, name := get()
	return code, name, true
}

// refColumns are the code and name columns of a reference member.
func refColumns(member string, want func(uint8) bool, ref func(r *geo.Resolution) (string, string, bool)) []csvColumn {
	var cols []csvColumn
	if want(partCode) {
		cols = append(cols, csvColumn{member + ".code", func(b []byte, r *geo.Resolution) []byte {
			code, _, _ := ref(r)
			return appendText(b, code)
		}})
	}
	if want(partName) {
		cols = append(cols, csvColumn{member + ".name", func(b []byte, r *geo.Resolution) []byte {
			_, name, _ := ref(r)
			return appendText(b, name)
		}})
	}
	return cols
}

// csvHeader is the header line.
func (bw *batchWriter) csvHeader() []byte {
	names := []string{"index"}
	if bw.req.isFeatures() {
		names = append(names, "id")
	}
	for _, c := range bw.cols {
		names = append(names, c.name)
	}
	names = append(names, "error")
	return []byte(strings.Join(names, ",") + "\r\n")
}

// csvRow appends the row of point i.
func (bw *batchWriter) csvRow(b []byte, i int, r *geo.Resolution, err error) []byte {
	b = strconv.AppendInt(b, int64(i), 10)
	if bw.req.isFeatures() {
		id, _ := bw.echoOf(i)
		b = append(b, ',')
		if s, ok := csvID(id); ok {
			b = appendCSV(b, s)
		} else {
			start := len(b)
			b = quoteCSVTail(append(b, id...), start) // a number (-1 is no formula), as sent
		}
	}
	for _, c := range bw.cols {
		b = append(b, ',')
		if err == nil {
			start := len(b)
			b = c.value(b, r)
			b = quoteCSVTail(b, start)
		}
	}
	b = append(b, ',')
	if err != nil {
		p := problemOf(err, "")
		b = appendCSV(b, p.Code+": "+p.Detail)
	}
	return append(b, '\r', '\n')
}

// csvID is a feature's id that is a JSON string, unquoted; ok is false for
// any other id (a number).
func csvID(raw []byte) (s string, ok bool) {
	ok = len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil
	return s, ok
}

// appendCSV appends a text field, quoted when it must be.
func appendCSV(b []byte, s string) []byte {
	start := len(b)
	b = appendText(b, s)
	return quoteCSVTail(b, start)
}

// appendText appends text a spreadsheet must not run: a name, a code or an
// id that begins with =, +, -, @, a tab or a carriage return (a unit named
// =HYPERLINK(…), say, opened in Excel by a command centre) gets a leading
// ', as OWASP advises for CSV injection; spreadsheets show the text.
func appendText(b []byte, s string) []byte {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		b = append(b, '\'')
	}
	return append(b, s...)
}

// quoteCSVTail quotes b[start:] in place when it holds a comma, a quote, a
// line break or leading or trailing space.
func quoteCSVTail(b []byte, start int) []byte {
	field := b[start:]
	if len(field) == 0 || (!bytes.ContainsAny(field, ",\"\r\n") && field[0] != ' ' && field[len(field)-1] != ' ') {
		return b
	}
	quoted := make([]byte, 0, len(field)+8)
	quoted = append(quoted, '"')
	for _, c := range field {
		if c == '"' {
			quoted = append(quoted, '"')
		}
		quoted = append(quoted, c)
	}
	quoted = append(quoted, '"')
	return append(b[:start], quoted...)
}
