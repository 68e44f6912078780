package connwatch

import (
	"bytes"
	"net/http"
	"strconv"
)

// net/http refuses a request it cannot read (headers too large, a
// malformed request line or Host, an unknown transfer coding) before any
// handler runs, writing a text/plain answer straight to the connection.
// An API whose every other refusal is application/problem+json should not
// answer these in another shape (an attacker's review), and only the
// connection sees them: a Listener given AnswerRefusals recognises such a
// write and sends the problem instead.
//
// The recognition is exact: a status line, net/http's refusal headers and
// nothing else (no Date, which every handler's answer carries), a short
// body. It follows net/http's server.go (Go 1.26): should its shape
// change, the refusal goes out as net/http wrote it, and
// TestRefusalsAreProblems fails.

// refusalHeaders is what net/http writes after the status line of a refusal.
const refusalHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// maxRefusal is longer than any refusal net/http writes.
const maxRefusal = 512

// RefusalBody makes the body of the answer to a request net/http refused:
// status and, when net/http gave one, its reason ("missing required Host
// header"), or "".
type RefusalBody func(status int, reason string) (contentType string, body []byte)

// AnswerRefusals makes the Listener's connections answer net/http's
// refusals with body's answers. Call it before serving.
func (l *Listener) AnswerRefusals(body RefusalBody) { l.refusals = body }

// refusal recognises a refusal written by net/http: its status and the
// reason after the status text, if any.
func refusal(b []byte) (status int, reason string, ok bool) {
	const proto = "HTTP/1.1 "
	if len(b) > maxRefusal || len(b) < len(proto)+4 || !bytes.HasPrefix(b, []byte(proto)) || b[len(proto)] < '4' {
		return 0, "", false
	}
	end := bytes.IndexByte(b, '\r')
	if end < 0 || !bytes.HasPrefix(b[end:], []byte(refusalHeaders)) || bytes.IndexByte(b[end+len(refusalHeaders):], '\n') >= 0 {
		return 0, "", false
	}
	line := string(b[len(proto):end])
	status, err := strconv.Atoi(line[:3])
	if err != nil || status < 400 || status > 599 || len(line) < 4 || line[3] != ' ' {
		return 0, "", false
	}
	text := http.StatusText(status)
	rest := line[4:]
	switch {
	case rest == text:
		return status, "", true
	case len(rest) > len(text)+2 && rest[:len(text)] == text && rest[len(text):len(text)+2] == ": ":
		return status, rest[len(text)+2:], true
	}
	return 0, "", false
}

// refusalAnswer is the whole answer that replaces a refusal.
func refusalAnswer(status int, contentType string, body []byte) []byte {
	a := make([]byte, 0, 160+len(body))
	a = append(a, "HTTP/1.1 "...)
	a = strconv.AppendInt(a, int64(status), 10)
	a = append(a, ' ')
	a = append(a, http.StatusText(status)...)
	a = append(a, "\r\nContent-Type: "...)
	a = append(a, contentType...)
	a = append(a, "\r\nContent-Length: "...)
	a = strconv.AppendInt(a, int64(len(body)), 10)
	a = append(a, "\r\nConnection: close\r\n\r\n"...)
	return append(a, body...)
}
