package api

import (
	"bufio"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/geo"
)

// Writing a batch's answers as they are made, in one of three formats:
// JSON ({"count":n,"results":[...]}, as always), NDJSON (one result per
// line) or CSV (a header, then one row per point). Nothing but the result
// at hand is held: a 100,000-point answer streams out through a 64 KB
// buffer.

// Batch answer formats.
const (
	formatJSON   = "json"
	formatNDJSON = "ndjson"
	formatCSV    = "csv"
)

// batchFormat reads the format from the format parameter, else the Accept
// header.
func batchFormat(c *gin.Context) (string, error) {
	switch f := c.Query("format"); f {
	case formatJSON, formatNDJSON, formatCSV:
		return f, nil
	case "":
	default:
		return "", geo.Invalid("format", "unknown format %q; want json, ndjson or csv", clip(f))
	}
	accept := c.GetHeader("Accept")
	switch {
	case strings.Contains(accept, "application/x-ndjson"), strings.Contains(accept, "application/ndjson"):
		return formatNDJSON, nil
	case strings.Contains(accept, "text/csv"):
		return formatCSV, nil
	}
	return formatJSON, nil
}

// batchWriter streams one batch's answer.
type batchWriter struct {
	c       *gin.Context
	w       *bufio.Writer
	format  string
	fields  resultFields
	req     *batch
	n       int
	started bool
	buf     []byte
	cols    []csvColumn
}

func newBatchWriter(c *gin.Context, format string, fields resultFields, req *batch) *batchWriter {
	bw := &batchWriter{c: c, format: format, fields: fields, req: req, n: len(req.points), buf: make([]byte, 0, 2048)}
	if format == formatCSV {
		bw.cols = csvColumns(fields)
	}
	return bw
}

// start sends the headers (with the version the answers come from) and
// what precedes the first result.
func (bw *batchWriter) start(version int64) {
	bw.started = true
	hd := bw.c.Writer.Header()
	switch bw.format {
	case formatNDJSON:
		hd["Content-Type"] = ndjsonContentType
	case formatCSV:
		hd["Content-Type"] = csvContentType
	default:
		hd["Content-Type"] = jsonContentType
	}
	if version > 0 {
		hd[IndexVersionHeader] = versionHeaderValue(version)
	}
	bw.c.Writer.WriteHeader(200)
	bw.w = bufio.NewWriterSize(bw.c.Writer, 64<<10)
	switch bw.format {
	case formatJSON:
		bw.buf = append(bw.buf[:0], `{"count":`...)
		bw.buf = strconv.AppendInt(bw.buf, int64(bw.n), 10)
		bw.buf = append(bw.buf, `,"results":[`...)
		bw.w.Write(bw.buf)
	case formatCSV:
		bw.w.Write(bw.csvHeader())
	}
}

// slot writes the answer of point i.
func (bw *batchWriter) slot(i int, r *geo.Resolution, err error) error {
	if !bw.started {
		v := r.IndexVersion
		if err != nil {
			v = 0
		}
		bw.start(v)
	}
	b := bw.buf[:0]
	switch bw.format {
	case formatCSV:
		b = bw.csvRow(b, i, r, err)
	default:
		if i > 0 && bw.format == formatJSON {
			b = append(b, ',')
		}
		b = bw.jsonSlot(b, i, r, err)
		if bw.format == formatNDJSON {
			b = append(b, '\n')
		}
	}
	bw.buf = b
	_, werr := bw.w.Write(b)
	return werr
}

// finish writes what follows the last result.
func (bw *batchWriter) finish() error {
	if !bw.started {
		bw.start(0)
	}
	if bw.format == formatJSON {
		bw.w.WriteString("]}")
	}
	return bw.w.Flush()
}

// jsonSlot writes one result as a JSON object: the resolution (with the
// chosen fields) or an error, with a feature's id and properties echoed.
func (bw *batchWriter) jsonSlot(b []byte, i int, r *geo.Resolution, err error) []byte {
	start := len(b)
	if err != nil {
		b = appendSlotError(b, err)
	} else {
		b = bw.fields.appendResult(b, r, nil)
	}
	id, props := bw.echoOf(i)
	if len(id) == 0 && len(props) == 0 {
		return b
	}
	b = b[:len(b)-1] // reopen the object for the echoed members
	empty := len(b) == start+1
	for _, m := range [2]struct {
		key string
		raw []byte
	}{{`"id":`, id}, {`"properties":`, props}} {
		if len(m.raw) == 0 {
			continue
		}
		if !empty {
			b = append(b, ',')
		}
		b = append(append(b, m.key...), m.raw...)
		empty = false
	}
	return append(b, '}')
}

// echoOf returns the raw id and properties of feature i (none for points).
func (bw *batchWriter) echoOf(i int) (id, props []byte) {
	if bw.req.isFeatures() && i < len(bw.req.echo) {
		return bw.req.echo[i][0], bw.req.echo[i][1]
	}
	return nil, nil
}

// appendSlotError writes {"error":{"code":…,"field":…,"detail":…}}.
func appendSlotError(b []byte, err error) []byte {
	p := problemOf(err, "")
	b = append(b, `{"error":{"code":`...)
	b = appendString(b, p.Code)
	b = append(b, `,"field":`...)
	b = appendString(b, p.Field)
	b = append(b, `,"detail":`...)
	b = appendString(b, p.Detail)
	return append(b, "}}"...)
}
