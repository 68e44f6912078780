package api

import (
	"maps"
	"slices"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/tiles"
)

// Personal data — grid workers' phone numbers, reporters' names, report
// descriptions and exact report points — is sent to a caller signed in with
// a scope covering the unit, and to anonymous readers only as far as the
// server's setting (Deps.PublicFields, serve --public-fields) allows. It is
// taken out here, in the API, so no client can ask past it.

// exposure is what the caller may see of a thing placed at codes.
func (h *handlers) exposure(c *gin.Context, codes ...string) access.Exposure {
	p, ok := callerOf(c)
	return h.deps.PublicFields.For(p, ok, codes...)
}

// unitView is a unit as the caller may see it.
func (h *handlers) unitView(c *gin.Context, u *geo.Unit) *geojson.Feature {
	return redactVersion(unitFeature(u), h.exposure(c, u.Code), "properties", u.Properties, u.CreatedBy)
}

// enclaveView is an enclave as the caller may see it: it belongs to its
// managing unit.
func (h *handlers) enclaveView(c *gin.Context, e *geo.Enclave) *geojson.Feature {
	return redactVersion(enclaveFeature(e), h.exposure(c, e.ManagingCode), "properties", e.Properties, e.CreatedBy)
}

// redactVersion sets what a unit's or enclave's version f shows of the
// personal data e hides: the phone numbers among its properties (under
// key), and who saved it, a person's name (null where names are hidden).
func redactVersion(f *geojson.Feature, e access.Exposure, key string, props map[string]any, savedBy string) *geojson.Feature {
	f.Properties[key] = e.Properties(props)
	f.Properties["created_by"] = savedBy
	if !e.Shows(access.FieldReporter) {
		f.Properties["created_by"] = nil
	}
	return f
}

// nameFilter refuses a filter by who saved a version (created_by) to a
// caller who may not see every such name: the answer would tell them. A
// token unscoped (or --public-fields reporter) may.
func (h *handlers) nameFilter(c *gin.Context, field string) error {
	if h.exposure(c).Shows(access.FieldReporter) {
		return nil
	}
	if _, ok := callerOf(c); !ok {
		return geo.Errorf(geo.EUNAUTHORIZED, field, "editors' names are not public on this server: filtering by %s needs a bearer token", field)
	}
	return geo.Errorf(geo.EFORBIDDEN, field, "filtering by %s needs a token whose scope is the whole city: the names of other areas' editors are not this token's to see", field)
}

// reportExposure is what the caller may see of a report.
func (h *handlers) reportExposure(c *gin.Context, r *casework.Report) access.Exposure {
	p, ok := callerOf(c)
	if ok && r.Reporter == p.Name {
		return access.ExposeAll // a worker's own report
	}
	return h.deps.PublicFields.For(p, ok, r.UnitCode, r.AssignedCode)
}

// redactReport returns a copy of r without what e hides.
func redactReport(r casework.Report, e access.Exposure) casework.Report {
	if e.ShowsAll() {
		return r
	}
	if !e.Shows(access.FieldReporter) {
		r.Reporter = ""
		r.History = slices.Clone(r.History)
		for i := range r.History {
			r.History[i].Actor, r.History[i].RecordedBy, r.History[i].Assignee = "", "", ""
		}
		r.Assignee = ""
	}
	if !e.Shows(access.FieldDescription) {
		r.Description = ""
	}
	if !e.Shows(access.FieldPoint) {
		// One rounding, in WGS-84, for every copy of the point: rounded
		// apart in two systems whose grids do not line up (GCJ-02's offset
		// is no multiple of the step), two copies would place it closer
		// than either does.
		r.WGS84 = coarse(r.WGS84)
		r.Point = geo.FromWGS84(r.WGS84, r.CRS)
		r.Resolution.Point = r.WGS84
		r.AccuracyM = nil
	}
	if !e.Shows(access.FieldDescription) || !e.Shows(access.FieldPoint) {
		r.History = redactSteps(r.History, e)
	}
	return r
}

// redactSteps returns a copy of a history without what e hides: notes are
// free text written about the case (a phone number, a name), like the
// description; a re-resolve's previous answer holds the exact point.
func redactSteps(steps []casework.Transition, e access.Exposure) []casework.Transition {
	out := slices.Clone(steps)
	for i := range out {
		if !e.Shows(access.FieldDescription) {
			out[i].Note = ""
		}
		if _, ok := out[i].Detail["previous"]; ok && !e.Shows(access.FieldPoint) {
			out[i].Detail = maps.Clone(out[i].Detail)
			delete(out[i].Detail, "previous")
		}
	}
	return out
}

func coarse(p orb.Point) orb.Point {
	return orb.Point{access.Coarse(p[0]), access.Coarse(p[1])}
}

// reportFor is viewOf for the caller: the report without what it may not see.
func (h *handlers) reportFor(c *gin.Context, r *casework.Report) reportView {
	red := h.reportRedacted(c, r)
	return viewOf(&red)
}

// reportRedacted is a copy of r without what the caller may not see: the
// fields its exposure hides, and the photos' checksums unless it may read
// the photos (they are never public; a checksum is what a photo is read,
// and attached, by).
func (h *handlers) reportRedacted(c *gin.Context, r *casework.Report) casework.Report {
	red := redactReport(*r, h.reportExposure(c, r))
	if p, ok := callerOf(c); !seesPhotosOf(p, ok, r) {
		red.Attachments = hidePhotos(red.Attachments)
		red.History = slices.Clone(red.History)
		for i := range red.History {
			red.History[i].Attachments = hidePhotos(red.History[i].Attachments)
		}
	}
	return red
}

// hidePhotos returns an empty entry for each attachment: how many photos
// there are, and nothing of them. Not the checksum, which reads them, nor
// the name, nor the byte and pixel sizes: whoever holds a picture knows
// those, and would learn that it is on file, and with which case.
func hidePhotos(as []casework.Attachment) []casework.Attachment {
	if len(as) == 0 {
		return as
	}
	return make([]casework.Attachment, len(as))
}

// tilePrivacy tells the tile renderer what the caller may not see on the
// report and patrol layers. Tiles hold many reports, so scope decides per
// feature: a scoped caller sees its own units' exactly. ok false is an
// anonymous caller.
func (h *handlers) tilePrivacy(p access.Principal, ok bool) tiles.Privacy {
	public := h.deps.PublicFields
	if ok && p.Scope == "" {
		return tiles.Privacy{}
	}
	priv := tiles.Privacy{CoarsePoints: !public.Shows(access.FieldPoint), HideNames: !public.Shows(access.FieldReporter)}
	if ok {
		priv.ExceptWithin = p.Scope
	}
	return priv
}
