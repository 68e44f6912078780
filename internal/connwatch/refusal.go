package connwatch

import (
	"bytes"
	"context"
	"net"
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
// Only a write made while no handler answers on the connection can be a
// refusal: the server's handler is wrapped (Handler) to mark its
// connection answering from the moment it runs until the connection waits
// for its next request (ConnState's StateIdle). Without that mark a
// handler's body could be taken for one: a photo whose bytes after a 4 KiB
// buffer's edge read as a refusal crashed the process and cut the answer
// short (an attacker's review of the first version, which judged by the
// bytes alone). The bytes must still match exactly: a status line,
// net/http's refusal headers and nothing else, a short body. They follow
// net/http's server.go (Go 1.26): should its shape change, the refusal goes
// out as net/http wrote it, and TestRefusalsAreProblems fails. The fast
// lane's answers never pass through a handler: each is written whole,
// beginning with its own head and its Date, which a refusal lacks.

// refusalHeaders is what net/http writes after the status line of a refusal.
const refusalHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// maxRefusal is longer than any refusal net/http writes.
const maxRefusal = 512

// RefusalBody makes the body of the answer to a request net/http refused:
// status and, when net/http gave one, its reason ("missing required Host
// header"), or "".
type RefusalBody func(status int, reason string) (contentType string, body []byte)

// AnswerRefusals makes the Listener's connections answer net/http's
// refusals with body's answers. Call it before serving, and serve with
// Handler, ConnContext and ConnState: a connection without them (its
// handler unmarked, or its context not kept) has no write taken for a
// refusal.
func (l *Listener) AnswerRefusals(body RefusalBody) { l.refusals = body }

// connKey is the context key of a request's connection (ConnContext).
type connKey struct{}

// ConnContext is the hook for http.Server.ConnContext that Handler needs:
// it keeps the Listener's connection (under the connections wrapping it
// that return it from a NetConn method) in the connection's context.
func (l *Listener) ConnContext(ctx context.Context, nc net.Conn) context.Context {
	if c := watched(nc); c != nil {
		c.tracked.Store(true)
		return context.WithValue(ctx, connKey{}, c)
	}
	return ctx
}

// Handler wraps h to mark the request's connection answering while h and
// net/http write its answer, so that no write of it is taken for one of
// net/http's refusals.
func (l *Listener) Handler(h http.Handler) http.Handler {
	l.marked = true
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := r.Context().Value(connKey{}).(*conn); ok {
			c.answering.Store(true)
		}
		h.ServeHTTP(w, r)
	})
}

// mayRefuse reports whether a write to c may be one of net/http's
// refusals: refusals are answered, c's handlers mark it (Handler and
// ConnContext are in place), and no handler answers on it.
func (c *conn) mayRefuse() bool {
	return c.l.refusals != nil && c.l.marked && c.tracked.Load() && !c.answering.Load()
}

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
	if len(line) < 4 || line[3] != ' ' {
		return 0, "", false
	}
	status, err := strconv.Atoi(line[:3])
	if err != nil || status < 400 || status > 599 {
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
