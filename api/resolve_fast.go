package api

import (
	"net/http"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
)

// nowResolver answers from memory without waiting (geo.Service does).
type nowResolver interface {
	ResolveNow(geo.ResolveQuery) (geo.Resolution, *geo.Memo, bool)
}

// resolve is the fast path of GET /v1/resolve: a query that parses, which
// the index answers at once (loaded, at the asked version, not about the
// past), with an answer too small to be worth compressing.
func (f *fastPath) resolve(w http.ResponseWriter, r *http.Request) bool {
	start := time.Now()
	q, fields, err := resolveQuery(r.URL.RawQuery, r.Header[MinVersionHeader])
	if err != nil {
		return false
	}
	res, memo, ok := f.resolver.ResolveNow(q)
	if !ok {
		return false
	}
	buf := getBuffer()
	defer putBuffer(buf)
	*buf = fields.appendResult(*buf, &res, memo)
	if len(*buf) >= minGzipBytes && acceptsGzip(firstValue(r.Header, "Accept-Encoding")) {
		return false // worth compressing: the router's compressor does it
	}
	f.grantOrigin(w, r)
	hd := w.Header()
	hd["Date"] = dateHeader(start)
	addVary(hd, varyAcceptEncoding) // what the router's compressor adds
	writeResolution(w, *buf, res.IndexVersion)
	f.resolveOK.observe(start)
	return true
}
