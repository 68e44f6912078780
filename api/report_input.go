package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

// Request bodies of the report and patrol endpoints are read whole (bounded)
// before decoding: encoding/json silently turns invalid UTF-8 into U+FFFD,
// and a report must never be stored with text other than what was sent.

// reportJSON is the wire form of a report. Pointers tell a missing member
// from a zero one.
type reportJSON struct {
	ID          string            `json:"id"`
	Kind        string            `json:"kind"`
	Category    string            `json:"category"`
	Severity    *int              `json:"severity"`
	Description string            `json:"description"`
	Point       []float64         `json:"point"`
	CRS         string            `json:"crs"`
	AccuracyM   *float64          `json:"accuracy_m"`
	ObservedAt  string            `json:"observed_at"`
	Reporter    string            `json:"reporter"`
	Attachments []json.RawMessage `json:"attachments"` // checksums of stored photos
}

// decodeReport turns one JSON object into a report input. prefix names
// the object in errors ("" for a single report, "reports[3]." in a batch).
func decodeReport(raw []byte, prefix string) (casework.ReportInput, error) {
	if !utf8.Valid(raw) {
		return casework.ReportInput{}, geo.Invalid(prefix+invalidUTF8Member(raw), "not valid UTF-8; send text as UTF-8")
	}
	var w reportJSON
	if err := strictJSON(raw, &w); err != nil {
		return casework.ReportInput{}, prefixed(prefix, err)
	}
	in := casework.ReportInput{ID: w.ID, Kind: casework.ReportKind(w.Kind), Category: w.Category, Description: w.Description,
		CRS: geo.CRS(w.CRS), AccuracyM: w.AccuracyM, Reporter: w.Reporter}
	switch {
	case w.ID == "":
		return in, geo.Invalid(prefix+"id", "id is required: a UUID the client chooses, so that a retry is recognised")
	case w.Severity == nil && in.Kind != casework.KindPatrolLog:
		return in, geo.Invalid(prefix+"severity", "severity is required: 1 (简易), 2 (一般), 3 (突出) or 4 (重大)")
	case len(w.Point) != 2:
		return in, geo.Invalid(prefix+"point", "point is required as [longitude, latitude]")
	}
	if w.Severity != nil {
		in.Severity = *w.Severity
	}
	in.Point = orb.Point{w.Point[0], w.Point[1]}
	var err error
	if in.Attachments, err = decodeAttachmentRefs(w.Attachments, prefix+"attachments"); err != nil {
		return in, err
	}
	if w.ObservedAt != "" {
		t, err := time.Parse(time.RFC3339Nano, w.ObservedAt)
		if err != nil {
			return in, geo.Invalid(prefix+"observed_at", "%q is not an RFC 3339 time such as 2026-03-01T08:00:00+08:00", clip(w.ObservedAt))
		}
		in.ObservedAt = t
	}
	return in, nil
}

// strictJSON decodes one JSON value, mapping syntax and type errors to
// problems naming the member. Unknown members are ignored: an older server
// must not refuse (and so lose) reports from a newer app.
func strictJSON(raw []byte, v any) error {
	if err := checkEscapes(raw); err != nil {
		return err
	}
	return strictDecode(json.NewDecoder(bytes.NewReader(raw)), v)
}

// exactJSON is strictJSON keeping each number decoded into an any (a
// boundary's free-form properties) as its literal, a json.Number: as a
// float64 an integer beyond 2^53 would be stored rounded.
func exactJSON(raw []byte, v any) error {
	if err := checkEscapes(raw); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return strictDecode(dec, v)
}

// strictDecode decodes one JSON value from dec as strictJSON does.
func strictDecode(dec *json.Decoder, v any) error {
	err := dec.Decode(v)
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		if dec.More() {
			return geo.Invalid("body", "unexpected data after the JSON value")
		}
		return nil
	case errors.As(err, &syntax):
		return geo.Invalid("body", "malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return geo.Invalid(field, "wrong JSON type: got %s, want %s", typ.Value, typ.Type)
	case errors.Is(err, io.EOF):
		return geo.Invalid("body", "the request body is empty")
	default:
		return geo.Invalid("body", "cannot read JSON: %v", err)
	}
}

// prefixed puts a batch position in front of an error's field.
func prefixed(prefix string, err error) error {
	var ge *geo.Error
	if prefix == "" || !errors.As(err, &ge) {
		return err
	}
	out := *ge
	if out.Field == "" || out.Field == "body" {
		out.Field = prefix[:len(prefix)-1]
	} else {
		out.Field = prefix + out.Field
	}
	return &out
}

// decodeBatch splits a batch body, {"reports":[{...},...]}, into its
// reports without copying them: each is a slice of body, kept byte for
// byte (invalid UTF-8 is then reported per report). The count is checked as
// the reports are found: the 1,001st is a 413 before the rest is looked at.
func decodeBatch(body []byte) ([]json.RawMessage, error) {
	s := newJSONScanner(bytes.NewReader(body))
	var reports []json.RawMessage
	err := readObject(s, func(key string) error {
		if key != "reports" {
			_, err := s.value(nil, false, 0)
			return err
		}
		if c, err := s.peek(); err != nil || c != '[' {
			return errBatchShape
		}
		reports = []json.RawMessage{}
		return readArray(s, "reports", func(i int) error {
			if i >= MaxReportBatch {
				return geo.Errorf(geo.ETOOLARGE, "reports", "more than %d reports in one batch; send them in several", MaxReportBatch)
			}
			if _, err := s.peek(); err != nil {
				return s.readErr(err)
			}
			start := s.off
			if _, err := s.value(nil, false, 0); err != nil {
				return err
			}
			reports = append(reports, body[start:s.off])
			return nil
		})
	})
	switch {
	case err != nil:
		return nil, err
	case !s.atEnd():
		return nil, geo.Invalid("body", "unexpected data after the JSON value")
	case reports == nil:
		return nil, errBatchShape
	case len(reports) == 0:
		return nil, geo.Invalid("reports", "the batch is empty")
	}
	return reports, nil
}

var errBatchShape = geo.Invalid("reports", `send {"reports":[{...}, ...]} with 1 to %d reports`, MaxReportBatch)

func itemPrefix(i int) string { return "reports[" + strconv.Itoa(i) + "]." }
