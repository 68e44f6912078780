package fastlane

import (
	"bufio"
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// errNotLane means the connection goes to net/http at this request.
var errNotLane = errors.New("not a request for the lane")

var crlf2 = []byte("\r\n\r\n")

// readHead waits for a request's whole head (up to and with the blank
// line) and returns it, still buffered in br. It returns errNotLane when
// the head is longer than br's buffer or has a line ending in a bare LF
// (which net/http reads too), and br's error when the connection ends
// first.
func readHead(br *bufio.Reader) ([]byte, error) {
	from, checked := 0, 0 // where the search for the end goes on; bytes checked for a bare LF
	for {
		buf, _ := br.Peek(br.Buffered())
		if i := bytes.Index(buf[from:], crlf2); i >= 0 {
			return buf[:from+i+len(crlf2)], nil
		}
		if bareLF(buf, checked) {
			return nil, errNotLane
		}
		from, checked = max(0, len(buf)-len(crlf2)+1), len(buf)
		if _, err := br.Peek(len(buf) + 1); err != nil {
			if err == bufio.ErrBufferFull {
				return nil, errNotLane
			}
			return nil, err
		}
	}
}

// bareLF reports whether buf has, from index from on, an LF without a CR
// before it.
func bareLF(buf []byte, from int) bool {
	for i := from; i < len(buf); i++ {
		if buf[i] == '\n' && (i == 0 || buf[i-1] != '\r') {
			return true
		}
	}
	return false
}

// request is a parsed head, and the http.Request it makes.
type request struct {
	http       http.Request // its context is context.Background, as a Request without one has
	url        url.URL
	header     http.Header
	values     []string // the headers' first values
	remoteAddr string
	keepAlive  bool
}

// bind readies q for a connection's requests from remoteAddr.
func (q *request) bind(remoteAddr string) {
	q.remoteAddr = remoteAddr
	if q.header == nil {
		q.header = http.Header{}
	}
}

// reset forgets the connection's requests, keeping the memory.
func (q *request) reset() {
	q.forget()
	q.http = http.Request{}
}

// forget forgets the last request's URL and headers, keeping the memory
// of a common number of headers (a map cleared keeps its size).
func (q *request) forget() {
	if len(q.values) > maxKeptHeaders {
		q.header, q.values = http.Header{}, nil
	}
	clear(q.header)
	clear(q.values)
	q.values = q.values[:0]
	q.url = url.URL{}
	q.http.URL, q.http.Header, q.http.Host, q.http.RequestURI = nil, nil, "", ""
}

// maxKeptHeaders is the most headers whose room a connection keeps between
// requests; browsers send about twenty.
const maxKeptHeaders = 64

// parse reads head into q. It returns false for a request that is not the
// lane's (see the package's documentation): anything net/http might read
// another way or answer with an error. The head is copied once; every
// string of the request is a piece of the copy.
func (q *request) parse(head []byte) bool {
	q.forget()
	text := string(head[:len(head)-2]) // every line with its CRLF
	line, rest, _ := strings.Cut(text, "\r\n")
	target, ok := requestTarget(line)
	if !ok {
		return false
	}
	q.url.Path, q.url.RawQuery, q.url.ForceQuery = splitTarget(target)
	host, ok := q.readHeaders(rest)
	if !ok {
		return false
	}
	q.http = http.Request{}
	q.http.Method, q.http.URL, q.http.Header, q.http.Body = http.MethodGet, &q.url, q.header, http.NoBody
	q.http.Proto, q.http.ProtoMajor, q.http.ProtoMinor = "HTTP/1.1", 1, 1
	q.http.Host, q.http.RequestURI, q.http.Close, q.http.RemoteAddr = host, target, !q.keepAlive, q.remoteAddr
	return true
}

// requestTarget returns the target of "GET <target> HTTP/1.1", a target
// in origin form whose path net/url keeps as it is (no escapes, nothing
// it would escape).
func requestTarget(line string) (string, bool) {
	target, ok := strings.CutPrefix(line, "GET ")
	if !ok {
		return "", false
	}
	if target, ok = strings.CutSuffix(target, " HTTP/1.1"); !ok || len(target) == 0 || target[0] != '/' {
		return "", false
	}
	inQuery := false
	for i := 0; i < len(target); i++ {
		switch c := target[i]; {
		case c <= ' ' || c >= 0x7f || c == '#':
			return "", false
		case c == '?':
			inQuery = true
		case !inQuery && !plainPathByte(c):
			return "", false
		}
	}
	return target, true
}

// plainPathByte reports whether net/url leaves c in a path as it is.
func plainPathByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~/,:", c) >= 0
}

// splitTarget splits a target as url.ParseRequestURI does.
func splitTarget(target string) (path, rawQuery string, forceQuery bool) {
	path, rawQuery, hasQuery := strings.Cut(target, "?")
	return path, rawQuery, hasQuery && rawQuery == ""
}

// readHeaders reads the header lines (each ending in CRLF) into q.header
// and returns the Host. ok is false for a header the lane leaves to
// net/http.
func (q *request) readHeaders(lines string) (host string, ok bool) {
	hosts := 0
	q.keepAlive = true
	for lines != "" {
		var line string
		line, lines, _ = strings.Cut(lines, "\r\n")
		colon := strings.IndexByte(line, ':')
		if colon <= 0 || !isToken(line[:colon]) {
			return "", false // no name, a space before the colon, a folded line
		}
		value := strings.Trim(line[colon+1:], " \t")
		if !plainValue(value) {
			return "", false
		}
		switch key := canonicalKey(line[:colon]); key {
		case "Host":
			host, hosts = value, hosts+1
		case "Content-Length", "Transfer-Encoding", "Expect", "Upgrade", "Http2-Settings":
			return "", false
		case "Connection":
			if q.keepAlive, ok = connectionOption(value, q.keepAlive); !ok {
				return "", false
			}
			q.add(key, value)
		default:
			q.add(key, value)
		}
	}
	return host, hosts == 1 && validHost(host)
}

// add adds a header's value. A name's first value is a piece of q.values,
// whose memory is reused from request to request; a repeated name's
// slice outgrows its piece and is allocated.
func (q *request) add(key, value string) {
	if vs, ok := q.header[key]; ok {
		q.header[key] = append(vs, value)
		return
	}
	q.values = append(q.values, value)
	n := len(q.values)
	q.header[key] = q.values[n-1 : n : n]
}

// connectionOption reads a Connection header: close, keep-alive or both;
// ok is false for any other option (an upgrade, hop-by-hop headers).
func connectionOption(value string, keepAlive bool) (bool, bool) {
	for opt := range strings.SplitSeq(value, ",") {
		switch strings.ToLower(strings.Trim(opt, " \t")) {
		case "close":
			keepAlive = false
		case "keep-alive":
		default:
			return false, false
		}
	}
	return keepAlive, true
}

// isToken reports whether s is an HTTP token (a header name).
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !tokenByte[s[i]] {
			return false
		}
	}
	return s != ""
}

// tokenByte holds the bytes of HTTP tokens (RFC 9110's tchar).
var tokenByte = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", byte(c)) >= 0
	}
	return t
}()

// plainValue reports whether a header value is printable ASCII (and tabs):
// what net/http takes as it is. Anything else goes to net/http.
func plainValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}

// validHost reports whether a Host is a plain name or address with an
// optional port.
func validHost(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._:[]", c) >= 0) {
			return false
		}
	}
	return h != ""
}

// commonKeys are header names in canonical form, so that the usual ones,
// sent in any case, cost no allocation.
var commonKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{"Accept", "Accept-Encoding", "Accept-Language", "Authorization", "Cache-Control",
		"Connection", "Content-Length", "Content-Type", "Cookie", "Host", "If-Modified-Since", "If-None-Match",
		"Origin", "Pragma", "Referer", "Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site", "Transfer-Encoding",
		"Upgrade", "User-Agent", "X-Forwarded-For", "X-Requested-With"} {
		m[strings.ToLower(k)] = k
	}
	return m
}()

// canonicalKey is http.CanonicalHeaderKey(k) for a token k, without an
// allocation when k is already canonical or a common name.
func canonicalKey(k string) string {
	if isCanonical(k) {
		return k
	}
	var lower [32]byte
	if len(k) <= len(lower) {
		for i := 0; i < len(k); i++ {
			c := k[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			lower[i] = c
		}
		if c, ok := commonKeys[string(lower[:len(k)])]; ok {
			return c
		}
	}
	return http.CanonicalHeaderKey(k)
}

// isCanonical reports whether a token is in canonical form: a capital
// first letter and after each hyphen, the other letters small.
func isCanonical(k string) bool {
	upper := true
	for i := 0; i < len(k); i++ {
		c := k[i]
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			return false
		}
		upper = c == '-'
	}
	return true
}
