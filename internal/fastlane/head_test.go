package fastlane

import (
	"bufio"
	"bytes"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// FuzzRequestHead: a head the lane takes, net/http reads without an error
// and as the same request: method, path, query, host, headers, no body,
// whether the connection closes. (Heads the lane leaves to net/http are
// net/http's affair.)
func FuzzRequestHead(f *testing.F) {
	for _, seed := range []string{
		"GET /v1/resolve?lng=117.15&lat=39.11 HTTP/1.1\r\nHost: gridmap.test\r\n\r\n",
		"GET /echo? HTTP/1.1\r\nhost: a:80\r\naccept-encoding: gzip\r\nConnection: keep-alive, close\r\n\r\n",
		"GET /a,b/1:2 HTTP/1.1\r\nHost: [::1]:8080\r\nOrigin: https://x\r\nX-Empty:\r\nX-Tab:\t1\t\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nX-A : 1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nx-a: 1\r\n 2\r\n\r\n",
		"GET /%2e HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET //x?#y HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /x?a%zz&&=;b HTTP/1.1\r\nHost: h\r\nCONNECTION: CLOSE\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		end := bytes.Index(head, crlf2)
		if end < 0 || bareLF(head[:end+len(crlf2)], 0) {
			return // readHead never gives such a head
		}
		head = head[:end+len(crlf2)]
		var q request
		q.bind("192.0.2.1:1234")
		if !q.parse(head) {
			return
		}
		want, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(head)))
		if err != nil {
			t.Fatalf("the lane took %q, net/http refuses it: %v", head, err)
		}
		got := &q.http
		switch {
		case got.Method != want.Method || got.RequestURI != want.RequestURI || got.Host != want.Host:
			t.Errorf("%q: method, target, host %q %q %q, net/http %q %q %q", head, got.Method, got.RequestURI, got.Host,
				want.Method, want.RequestURI, want.Host)
		case *got.URL != *want.URL:
			t.Errorf("%q: URL %#v, net/http %#v", head, *got.URL, *want.URL)
		case !maps.EqualFunc(got.Header, want.Header, slices.Equal):
			t.Errorf("%q: header %v, net/http %v", head, got.Header, want.Header)
		case got.Close != want.Close || want.ContentLength != 0 || len(want.TransferEncoding) > 0:
			t.Errorf("%q: close %v, net/http close %v, length %d, encoding %v", head, got.Close, want.Close,
				want.ContentLength, want.TransferEncoding)
		case got.Proto != want.Proto || got.ProtoMajor != want.ProtoMajor || got.ProtoMinor != want.ProtoMinor:
			t.Errorf("%q: %s, net/http %s", head, got.Proto, want.Proto)
		}
	})
}

// TestCanonicalKey: the lane's keys are net/http's.
func TestCanonicalKey(t *testing.T) {
	for _, k := range []string{"Host", "host", "ACCEPT-ENCODING", "x-odd_name", "X-A-B", "a", "-x", "x--y", "Sec-Fetch-Dest",
		"origin", strings.Repeat("k", 40), "if-none-MATCH", "1x-2y"} {
		t.Run(k, func(t *testing.T) {
			if got, want := canonicalKey(k), http.CanonicalHeaderKey(k); got != want {
				t.Errorf("canonicalKey(%q) = %q, want %q", k, got, want)
			}
		})
	}
}

// TestParseAllocates: a resolve's head costs one allocation (its copy as a
// string), the headers' map and the request reused.
func TestParseAllocates(t *testing.T) {
	head := []byte("GET /v1/resolve?lng=117.15&lat=39.11 HTTP/1.1\r\nHost: gridmap.test\r\nuser-agent: phone\r\n" +
		"Accept: */*\r\nAccept-Encoding: gzip\r\n\r\n")
	var q request
	q.bind("192.0.2.1:1234")
	q.parse(head)
	if n := testing.AllocsPerRun(100, func() { q.parse(head) }); n > 1 {
		t.Errorf("parse allocates %v times, want 1", n)
	}
}
