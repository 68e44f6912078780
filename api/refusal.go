package api

import (
	"net/http"
	"strings"

	"github.com/gridmap-dev/gridmap/geo"
)

// RefusalProblem is the answer to a request net/http refused before any
// handler ran — headers too large, a malformed request line or Host, an
// unknown transfer coding — as every other refusal is: a problem naming
// what is wrong. reason is net/http's ("missing required Host header"),
// or "". internal/connwatch recognises the refusals and sends this
// instead (connwatch.Listener.AnswerRefusals).
func RefusalProblem(status int, reason string) (contentType string, body []byte) {
	code, field, detail := geo.EINVALID, "request", reason
	switch {
	case status == http.StatusRequestHeaderFieldsTooLarge:
		code, field, detail = geo.ETOOLARGE, "headers", "the request's headers are larger than this server takes"
	case status == http.StatusNotImplemented:
		field, detail = "Transfer-Encoding", "the request's Transfer-Encoding is not one this server reads: send chunked, or a Content-Length"
	case status == http.StatusHTTPVersionNotSupported:
		field, detail = "protocol", reason+": send HTTP/1.1"
	case strings.Contains(reason, "Host"):
		field = "Host"
	case reason == "":
		detail = "the request is not well-formed HTTP/1.1: its request line or a header cannot be read"
	}
	return "application/problem+json", problemBytes(Problem{Type: "https://gridmap.dev/problems/" + string(code),
		Title: http.StatusText(status), Status: status, Detail: detail, Field: field, Code: string(code)})
}
