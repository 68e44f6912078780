package fastlane

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// responseWriter collects an answer, to be written whole once the
// Answerer has committed to it (it may still decline while writing
// nothing). It writes what net/http's server would for the same handler
// calls: the status line, the handler's headers in net/http's order
// (values made safe as net/http makes them), then what the server adds,
// in its order: Date, Content-Length, a sniffed Content-Type and
// Connection: close.
type responseWriter struct {
	header http.Header
	status int
	body   []byte
	shared []byte // the whole body, given by WriteShared and not copied (nil: body)
}

// SharedWriter is implemented by the ResponseWriter the lane gives an
// Answerer. WriteShared adds b to the answer as Write does but keeps b
// itself, uncopied, until the answer is written, after AnswerNow returns:
// b must not change until then (bytes a cache holds, say). A large answer
// to a client that reads slowly then holds no copy on its connection.
type SharedWriter interface {
	WriteShared(b []byte) (int, error)
}

// reset forgets the last answer, keeping the memory of a small body.
func (w *responseWriter) reset() {
	clear(w.header)
	w.status = 0
	w.body, w.shared = w.body[:0], nil
	if cap(w.body) > maxKeptBody {
		w.body = nil
	}
}

// maxKeptBody is the largest body whose room a connection keeps between
// answers: a resolve's, most tiles'. A larger answer's is allocated for it.
const maxKeptBody = 8 << 10

// Header is the answer's header map.
func (w *responseWriter) Header() http.Header { return w.header }

// WriteHeader sets the status, once; later calls are ignored, as net/http
// ignores (and logs) them. Informational statuses are not sent.
func (w *responseWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
}

// Write adds to the body; a status without one takes none
// (http.ErrBodyNotAllowed).
func (w *responseWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if w.shared != nil { // more after a shared body: copy it after all
		w.body, w.shared = append(w.body, w.shared...), nil
	}
	w.body = append(w.body, b...)
	return len(b), nil
}

// WriteShared implements SharedWriter: b is kept, not copied, when it is
// the body's first bytes.
func (w *responseWriter) WriteShared(b []byte) (int, error) {
	if len(b) == 0 || len(w.body) > 0 || w.shared != nil {
		return w.Write(b)
	}
	w.WriteHeader(http.StatusOK)
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.shared = b
	return len(b), nil
}

// bodyAllowed reports whether an answer with status may have a body.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// appendHead appends the answer's status line and header lines to b and
// returns them with the answer's body, and whether the connection may
// serve another request: keepAlive, unless the answer says Connection:
// close (keepAlive false adds it). The framing is the lane's: a handler's
// Transfer-Encoding, or a Content-Length that is not the body's, is
// replaced by the body's length, so that a wrong one cannot make a client
// read the next answer as this one's body. (net/http chunks a body over
// 2 KiB that has no length; the lane always sends the length.)
func (w *responseWriter) appendHead(b []byte, keepAlive bool) (head, body []byte, keep bool) {
	w.WriteHeader(http.StatusOK)
	h, body := w.header, w.body
	if w.shared != nil {
		body = w.shared
	}
	if cl, ok := h["Content-Length"]; ok && (len(cl) != 1 || cl[0] != strconv.Itoa(len(body)) || !bodyAllowed(w.status)) {
		delete(h, "Content-Length")
	}
	delete(h, "Transfer-Encoding")
	if !bodyAllowed(w.status) {
		delete(h, "Content-Type")
	}
	handlerCloses := saysClose(h["Connection"])
	closing := !keepAlive && !handlerCloses // Connection: close to add
	keepAlive = keepAlive && !handlerCloses
	b = appendStatusLine(b, w.status)
	b = appendHeader(b, h)
	// What net/http adds, in its order.
	if _, ok := h["Date"]; !ok {
		b = appendField(b, "Date", time.Now().UTC().Format(http.TimeFormat))
	}
	if _, ok := h["Content-Length"]; !ok && bodyAllowed(w.status) {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, "\r\n"...)
	}
	if _, ok := h["Content-Type"]; !ok && bodyAllowed(w.status) && h.Get("Content-Encoding") == "" && len(body) > 0 {
		b = appendField(b, "Content-Type", http.DetectContentType(body))
	}
	if closing {
		b = appendField(b, "Connection", "close")
	}
	return append(b, "\r\n"...), body, keepAlive
}

// appendHeader appends h's lines in net/http's order (by name), values
// made safe as net/http makes them; names that are not tokens are left
// out, as net/http leaves them.
func appendHeader(b []byte, h http.Header) []byte {
	var keysStore [16]string
	keys := keysStore[:0]
	for k := range h {
		if isToken(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			b = appendField(b, k, safeValue(v))
		}
	}
	return b
}

// saysClose reports whether Connection header values include close.
func saysClose(values []string) bool {
	for _, v := range values {
		for opt := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(opt), "close") {
				return true
			}
		}
	}
	return false
}

// appendStatusLine appends the status line as net/http writes it.
func appendStatusLine(b []byte, status int) []byte {
	switch status {
	case http.StatusOK:
		return append(b, "HTTP/1.1 200 OK\r\n"...)
	case http.StatusNotModified:
		return append(b, "HTTP/1.1 304 Not Modified\r\n"...)
	}
	text := http.StatusText(status)
	if text == "" {
		text = "status code " + strconv.Itoa(status)
	}
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	return append(append(append(b, ' '), text...), "\r\n"...)
}

// appendField appends one header line.
func appendField(b []byte, k, v string) []byte {
	b = append(b, k...)
	b = append(b, ": "...)
	b = append(b, v...)
	return append(b, "\r\n"...)
}

// safeValue is v as net/http writes a header value: line breaks become
// spaces, spaces at the ends are trimmed (textproto.TrimString).
func safeValue(v string) string {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '\r' || c == '\n' {
			v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
			break
		}
	}
	for len(v) > 0 && isSpace(v[0]) {
		v = v[1:]
	}
	for len(v) > 0 && isSpace(v[len(v)-1]) {
		v = v[:len(v)-1]
	}
	return v
}

// isSpace reports whether c is what textproto.TrimString trims.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
