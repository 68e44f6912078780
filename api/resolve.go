package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/geo"
)

// MaxBatchPoints bounds one POST /v1/resolve.
const MaxBatchPoints = 100_000

// resolveOne answers GET /v1/resolve?lng=&lat=&crs=&at=&min_version=&fields=.
// It is the hottest route: parameters are read from the raw query, the
// answer is encoded into a pooled buffer and the headers are shared slices,
// so that a request allocates next to nothing.
func (h *handlers) resolveOne(c *gin.Context) {
	q, fields, err := resolveQuery(c.Request.URL.RawQuery, c.Request.Header[MinVersionHeader])
	if err != nil {
		fail(c, err)
		return
	}
	r, err := h.deps.Resolver.Resolve(c.Request.Context(), q)
	if err != nil {
		fail(c, err)
		return
	}
	buf := getBuffer()
	*buf = fields.appendResult(*buf, &r, nil)
	writeResolution(c.Writer, *buf, r.IndexVersion)
	putBuffer(buf)
}

// writeResolution answers with one encoded resolution at an index version.
func writeResolution(w http.ResponseWriter, body []byte, version int64) {
	hd := w.Header()
	hd["Content-Type"] = jsonContentType
	hd[IndexVersionHeader] = versionHeaderValue(version)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// pointParams are the raw parameters of a single-point resolve.
type pointParams struct {
	lng, lat, crs, at, minVersion, fields string
	hasLng, hasLat                        bool
	twice                                 string // a parameter given more than once ("": none)
	alias                                 string // the first of coordAliases given ("": none)
}

// coordAliases are the names other services give the coordinates, which
// a newcomer sends: resolve's are lng and lat.
var coordAliases = map[string]string{"lon": "lng", "long": "lng", "longitude": "lng", "x": "lng", "latitude": "lat", "y": "lat"}

// readPointParams reads them from a raw query string in one pass. A
// parameter given twice is noted (lng=117.15&lng=0: which one?), for
// resolveQuery to refuse.
func readPointParams(raw string) pointParams {
	var p pointParams
	seen := 0
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		key, val, _ := strings.Cut(part, "=")
		var dst *string
		var bit int
		switch unescapeQuery(key) {
		case "lng":
			dst, bit, p.hasLng = &p.lng, 1, true
		case "lat":
			dst, bit, p.hasLat = &p.lat, 2, true
		case "crs":
			dst, bit = &p.crs, 4
		case "at":
			dst, bit = &p.at, 8
		case minVersionParam:
			dst, bit = &p.minVersion, 16
		case "fields":
			dst, bit = &p.fields, 32
		default:
			if k := unescapeQuery(key); p.alias == "" && coordAliases[k] != "" {
				p.alias = k
			}
			continue
		}
		if seen&bit == 0 {
			*dst, seen = unescapeQuery(val), seen|bit
		} else if p.twice == "" {
			p.twice = unescapeQuery(key)
		}
	}
	return p
}

// resolveQuery reads a single point's parameters from a raw query string
// (and the Gridmap-Min-Version header).
func resolveQuery(raw string, minHeader []string) (geo.ResolveQuery, resultFields, error) {
	var q geo.ResolveQuery
	p := readPointParams(raw)
	if p.twice != "" {
		return q, resultFields{}, geo.Invalid(p.twice, "%s is given twice; give it once", p.twice)
	}
	for i, v := range [2]string{p.lng, p.lat} {
		name := [2]string{"lng", "lat"}[i]
		if v == "" && p.alias != "" {
			return q, resultFields{}, geo.Invalid(name, "%s is required; %s was given: the parameters are lng and lat (WGS84 degrees unless crs says otherwise)",
				name, p.alias)
		}
		if v == "" {
			return q, resultFields{}, geo.Invalid(name, "%s is required (WGS84 degrees unless crs says otherwise)", name)
		}
		f, err := parseFloat(v)
		if err != nil || !decimalSyntax(v) {
			return q, resultFields{}, geo.Invalid(name, "%q is not a decimal number", clip(v))
		}
		q.Point[i] = f
	}
	var err error
	if q.CRS, err = geo.ParseCRS(p.crs); err != nil {
		return q, resultFields{}, err
	}
	if q.At, err = parseAt("at", p.at); err != nil {
		return q, resultFields{}, err
	}
	if q.MinVersion, err = parseMinVersion(p.minVersion, minHeader); err != nil {
		return q, resultFields{}, err
	}
	fields, err := parseFields(p.fields)
	if err != nil {
		return q, fields, err
	}
	return q, fields, geo.ValidatePoint("lng,lat", q.Point)
}

// resolveMany answers POST /v1/resolve: up to MaxBatchPoints points, each
// with a slot in the answer and its own error if it is invalid. The body is
// read point by point and the answer written as the points are resolved
// (batch_read.go, batch_write.go), so a batch costs memory for its points,
// not for its JSON.
func (h *handlers) resolveMany(c *gin.Context) {
	format, err := batchFormat(c)
	var fields resultFields
	if err == nil {
		fields, err = parseFields(c.Query("fields"))
	}
	var min int64
	if err == nil {
		min, err = minVersion(c)
	}
	var req *batch
	if err == nil {
		req, err = readBatchBody(c)
	}
	var q geo.ResolveQuery
	if err == nil {
		q, err = req.query(c, min)
	}
	if err != nil {
		fail(c, err)
		return
	}
	bw := newBatchWriter(c, format, fields, req)
	err = h.deps.Resolver.ResolveEach(c.Request.Context(), len(req.points),
		func(i int) geo.ResolveQuery { q.Point = req.points[i]; return q },
		func(i int, r *geo.Resolution, err error) error {
			if e := req.slotErr(i); e != nil {
				err = e
			}
			return bw.slot(i, r, err)
		})
	if err == nil {
		err = bw.finish()
	}
	if err != nil && !bw.started {
		fail(c, err)
	} // once the answer has started, a failure (the client hung up) can only end it
}

// query is what every point of the batch shares: its coordinate system,
// time and minimum data version, from the body or the query string.
func (b *batch) query(c *gin.Context, min int64) (geo.ResolveQuery, error) {
	if !b.isFeatures() && !b.hasPts {
		return geo.ResolveQuery{}, geo.Invalid("points", `send {"points":[[lng,lat],...]} or a GeoJSON FeatureCollection of points`)
	}
	if b.features && b.hasPts {
		return geo.ResolveQuery{}, geo.Invalid("points", "send points or features, not both")
	}
	crs, at := b.crs, b.at
	if crs == "" {
		crs = c.Query("crs")
	}
	if at == "" {
		at = c.Query("at")
	}
	q := geo.ResolveQuery{MinVersion: min}
	var err error
	if q.CRS, err = geo.ParseCRS(crs); err != nil {
		return q, err
	}
	q.At, err = parseAt("at", at)
	return q, err
}
