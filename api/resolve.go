package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// MaxBatchPoints bounds one POST /v1/resolve.
const MaxBatchPoints = 100_000

// resolveOne answers GET /v1/resolve?lng=&lat=&crs=&at=&min_version=&fields=.
// It is the hottest route: parameters are read from the raw query, the
// answer is encoded into a pooled buffer and the headers are shared slices,
// so that a request allocates next to nothing.
func (h *handlers) resolveOne(c *gin.Context) {
	q, fields, err := resolveQuery(c.Request.URL.RawQuery, c.GetHeader(MinVersionHeader))
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
	*buf = fields.appendResult(*buf, &r)
	hd := c.Writer.Header()
	hd["Content-Type"] = jsonContentType
	hd[IndexVersionHeader] = versionHeaderValue(r.IndexVersion)
	c.Writer.WriteHeader(http.StatusOK)
	_, _ = c.Writer.Write(*buf)
	putBuffer(buf)
}

// pointParams are the raw parameters of a single-point resolve.
type pointParams struct {
	lng, lat, crs, at, minVersion, fields string
	hasLng, hasLat                        bool
}

// readPointParams reads them from a raw query string in one pass (the
// first value of each wins, as with url.Values.Get).
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
			continue
		}
		if seen&bit == 0 {
			*dst, seen = unescapeQuery(val), seen|bit
		}
	}
	return p
}

// resolveQuery reads a single point's parameters from a raw query string
// (and the Gridmap-Min-Version header).
func resolveQuery(raw, minHeader string) (geo.ResolveQuery, resultFields, error) {
	var q geo.ResolveQuery
	p := readPointParams(raw)
	for i, v := range [2]string{p.lng, p.lat} {
		name := [2]string{"lng", "lat"}[i]
		if v == "" {
			return q, resultFields{}, geo.Invalid(name, "%s is required (WGS84 degrees unless crs says otherwise)", name)
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return q, resultFields{}, geo.Invalid(name, "%q is not a number", clip(v))
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

// batchRequest is either {"points":[[lng,lat],...],"crs":..,"at":..} or a
// GeoJSON FeatureCollection of points (crs and at may then be members too).
type batchRequest struct {
	Type     string            `json:"type"`
	Points   []json.RawMessage `json:"points"`
	Features []batchFeature    `json:"features"`
	CRS      string            `json:"crs"`
	At       string            `json:"at"`
}

type batchFeature struct {
	ID         json.RawMessage `json:"id"`
	Properties json.RawMessage `json:"properties"`
	Geometry   *struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
}

// resolveMany answers POST /v1/resolve: every point gets a slot in the
// results, with its own error if it is invalid.
func (h *handlers) resolveMany(c *gin.Context) {
	var req batchRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	qs, slotErrs, err := req.queries()
	if err == nil {
		err = withMinVersion(c, qs)
	}
	if err != nil {
		fail(c, err)
		return
	}
	res, errs := h.deps.Resolver.ResolveMany(c.Request.Context(), qs)
	if err := c.Request.Context().Err(); err != nil {
		fail(c, err)
		return
	}
	for i := range res {
		if errs[i] == nil && slotErrs[i] == nil {
			setIndexVersion(c, res[i].IndexVersion)
			break
		}
	}
	b := make([]byte, 0, 600*len(qs)+64)
	b = append(b, `{"count":`...)
	b = strconv.AppendInt(b, int64(len(qs)), 10)
	b = append(b, `,"results":[`...)
	for i := range qs {
		if i > 0 {
			b = append(b, ',')
		}
		e := slotErrs[i]
		if e == nil {
			e = errs[i]
		}
		b = req.appendSlot(b, i, &res[i], e)
	}
	b = append(b, "]}"...)
	c.Data(http.StatusOK, "application/json", b)
}

// withMinVersion applies the request's minimum data version to every query.
func withMinVersion(c *gin.Context, qs []geo.ResolveQuery) error {
	v, err := minVersion(c)
	for i := range qs {
		qs[i].MinVersion = v
	}
	return err
}

func (req *batchRequest) queries() ([]geo.ResolveQuery, []error, error) {
	n := len(req.Points)
	isFC := req.Type == "FeatureCollection"
	if isFC {
		n = len(req.Features)
	}
	switch {
	case !isFC && req.Points == nil:
		return nil, nil, geo.Invalid("points", `send {"points":[[lng,lat],...]} or a GeoJSON FeatureCollection of points`)
	case n > MaxBatchPoints:
		return nil, nil, geo.Errorf(geo.ETOOLARGE, "points", "%d points exceed the limit of %d per request", n, MaxBatchPoints)
	}
	crs, err := geo.ParseCRS(req.CRS)
	if err != nil {
		return nil, nil, err
	}
	at, err := parseAt("at", req.At)
	if err != nil {
		return nil, nil, err
	}
	qs := make([]geo.ResolveQuery, n)
	slotErrs := make([]error, n)
	for i := range qs {
		qs[i] = geo.ResolveQuery{CRS: crs, At: at}
		if isFC {
			qs[i].Point, slotErrs[i] = featurePoint(i, &req.Features[i])
		} else {
			qs[i].Point, slotErrs[i] = rawPoint("points["+strconv.Itoa(i)+"]", req.Points[i])
		}
		if slotErrs[i] != nil {
			qs[i].Point = orb.Point{} // still valid for the resolver; the slot error wins
		}
	}
	return qs, slotErrs, nil
}

func rawPoint(field string, raw json.RawMessage) (orb.Point, error) {
	var xy []float64
	if err := json.Unmarshal(raw, &xy); err != nil || len(xy) < 2 || len(xy) > 3 {
		return orb.Point{}, geo.Invalid(field, "want [longitude, latitude] as two numbers")
	}
	return orb.Point{xy[0], xy[1]}, nil
}

func featurePoint(i int, f *batchFeature) (orb.Point, error) {
	field := "features[" + strconv.Itoa(i) + "].geometry"
	if f.Geometry == nil || f.Geometry.Type != "Point" {
		return orb.Point{}, geo.Invalid(field, "want a Point geometry")
	}
	return rawPoint(field+".coordinates", f.Geometry.Coordinates)
}

// appendSlot writes one result: the resolution, or an error object, with the
// feature's id and properties carried back.
func (req *batchRequest) appendSlot(b []byte, i int, r *geo.Resolution, err error) []byte {
	var extra []byte
	if req.Type == "FeatureCollection" {
		f := &req.Features[i]
		if len(f.ID) > 0 {
			extra = append(append(extra, `,"id":`...), f.ID...)
		}
		if len(f.Properties) > 0 {
			extra = append(append(extra, `,"properties":`...), f.Properties...)
		}
	}
	if err != nil {
		p := problemOf(err, "")
		b = append(b, `{"error":{"code":`...)
		b = appendString(b, p.Code)
		b = append(b, `,"field":`...)
		b = appendString(b, p.Field)
		b = append(b, `,"detail":`...)
		b = appendString(b, p.Detail)
		b = append(b, '}')
		b = append(b, extra...)
		return append(b, '}')
	}
	b = appendResolution(b, r)
	if len(extra) > 0 {
		b = append(b[:len(b)-1], extra...)
		b = append(b, '}')
	}
	return b
}

// decodeJSON decodes a request body, mapping syntax, type and size errors to
// clear problems.
func decodeJSON(c *gin.Context, v any) error {
	dec := json.NewDecoder(c.Request.Body)
	err := dec.Decode(v)
	var tooBig *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooBig):
		return geo.Errorf(geo.ETOOLARGE, "body", "request body exceeds %d bytes", tooBig.Limit)
	case errors.As(err, &syntax):
		return geo.Invalid("body", "malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		return geo.Invalid(typ.Field, "wrong JSON type: got %s, want %s", typ.Value, typ.Type)
	default:
		return geo.Invalid("body", "cannot read JSON body: %v", err)
	}
}
