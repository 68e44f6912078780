package geo

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// Feature services (OGC API – Features for QGIS and GDAL) read unit and
// enclave versions with filters a GIS client expects: a time or a time
// interval, a box, equality on a few properties, numbered pages.

// VersionQuery selects versions of units (of one level) or of enclaves.
type VersionQuery struct {
	Level Level // units only; "" for every level
	// Start and End select the versions valid at some moment of
	// [Start, End]. Both zero: the current versions. Equal: the versions
	// valid at that instant. A zero Start or End leaves that side open.
	Start, End time.Time
	Interval   bool // true when Start/End come from an interval (a code may then have several versions)
	BBox       *orb.Bound
	Equals     map[string]string // queryable property → value
	After      VersionCursor     // the last item of the previous page; zero for the first page
	Limit      int
	// SRID is the EPSG code of the coordinate system the geometry comes
	// back in (0 or 4326: as stored); a store that implements Reprojector
	// honours it, in easting/longitude-first order.
	SRID int
	// CoarsePoints rounds report points and HideText leaves their
	// descriptions out: what anonymous readers are not shown (see
	// access.Exposure).
	CoarsePoints, HideText bool
}

// Reprojector is implemented by stores whose VersionQuery honours SRID
// (OGC API – Features Part 2). TransformBBox returns the WGS 84 envelope of
// a box given in the EPSG system srid (easting/longitude first).
type Reprojector interface {
	TransformBBox(ctx context.Context, b orb.Bound, srid int) (orb.Bound, error)
}

// UnitQueryables are the unit properties a VersionQuery may filter on by
// equality. The *_code ones are the ancestors implied by the code prefix, so
// "every grid of 南开区" is district_code=120104.
var UnitQueryables = []string{"code", "name", "parent_code", "district_code", "street_code", "community_code", "created_by"}

// EnclaveQueryables are the enclave properties a VersionQuery may filter on.
var EnclaveQueryables = []string{"code", "name", "managing_code", "status", "created_by"}

// VersionCursor is the position after which the next page starts. Pages are
// ordered by code, then version.
type VersionCursor struct {
	Code    string
	Version int
}

// IsZero reports whether the cursor is the start.
func (c VersionCursor) IsZero() bool { return c.Code == "" && c.Version == 0 }

// String encodes the cursor for a link: "version:code".
func (c VersionCursor) String() string {
	if c.IsZero() {
		return ""
	}
	return strconv.Itoa(c.Version) + ":" + c.Code
}

// ParseVersionCursor decodes a cursor made by String.
func ParseVersionCursor(s string) (VersionCursor, error) {
	if s == "" {
		return VersionCursor{}, nil
	}
	v, code, ok := strings.Cut(s, ":")
	n, err := strconv.Atoi(v)
	if !ok || err != nil || n < 0 || code == "" {
		return VersionCursor{}, Invalid("cursor", "malformed cursor; follow the next link as given")
	}
	return VersionCursor{Code: code, Version: n}, nil
}

// VersionPage is one page of a VersionQuery: the items, how many match in
// all (numberMatched), and the cursor of the next page (zero at the end).
type VersionPage[T any] struct {
	Items   []T
	Matched int
	Next    VersionCursor
}

// Extent is the space and time a collection covers.
type Extent struct {
	BBox      orb.Bound
	Empty     bool      // no current items: BBox is meaningless
	FirstFrom time.Time // the earliest valid_from of any version
}

// Feature is an item of a collection that has no versions: an unmanaged
// gap of the coverage audit, a report. Props are flat, ready for GeoJSON.
type Feature struct {
	ID    string
	Geom  orb.Geometry
	Props map[string]any
}

// GapQueryables are the gap properties a query may filter on.
var GapQueryables = []string{"id", "parent_code", "level", "district_code"}

// ReportQueryables are the report properties a query may filter on.
var ReportQueryables = []string{"id", "kind", "category", "severity", "state", "status", "unit_code", "district_code"}

// VersionStore answers VersionQuery for feature services. Gaps exist for
// the current boundaries only (the query's time is ignored); reports are
// selected by observation time, and scope ("" for all) keeps only those of
// a unit and its descendants. Errors: EINVALID for an unknown queryable;
// EUNAVAILABLE when storage is down.
type VersionStore interface {
	QueryUnits(ctx context.Context, q VersionQuery) (VersionPage[Unit], error)
	QueryEnclaves(ctx context.Context, q VersionQuery) (VersionPage[Enclave], error)
	QueryGaps(ctx context.Context, q VersionQuery) (VersionPage[Feature], error)
	QueryReports(ctx context.Context, q VersionQuery, scope string) (VersionPage[Feature], error)
	UnitExtent(ctx context.Context, level Level) (Extent, error)
	EnclaveExtent(ctx context.Context) (Extent, error)
	GapExtent(ctx context.Context) (Extent, error)
	ReportExtent(ctx context.Context, scope string) (Extent, error)
}
