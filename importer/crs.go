package importer

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// declaredCRS is what a file says about its coordinate system.
type declaredCRS struct {
	SRID int    // EPSG code; 0 when none is known
	WKT  string // the definition, when the file gives one
	Name string // as the file names it
	From string // where it was found: ".prj", "GeoPackage", "GeoJSON crs member"; "" when nowhere
}

// sourceCRS is the coordinate system the import reads coordinates in.
type sourceCRS struct {
	SRID       int     // PostGIS SRID; 4326 for WGS-84, CGCS2000, GCJ-02 and BD-09
	Proj       string  // a definition for PROJ, when SRID is 0
	Offset     geo.CRS // GCJ02 or BD09: converted to WGS-84 in Go before staging
	Geographic bool    // coordinates are degrees
	Label      string  // for the report, e.g. "EPSG:4547 (from .prj)"
}

// querier is the part of pgx used to look up spatial_ref_sys.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// resolveCRS decides the coordinate system: the override (the --srs flag)
// if given, else what the file declares, else WGS-84 (RFC 7946's default,
// checked by the range test). notes are file-level warnings, each of its
// own kind (a console says each in its words).
func resolveCRS(ctx context.Context, q querier, override string, d declaredCRS) (c sourceCRS, notes []geo.ImportIssue, err error) {
	if override != "" {
		if c, err = parseSRS(override); err != nil {
			return c, nil, err
		}
		c.Label += " (from the srs option)"
		if d.From != "" {
			notes = append(notes, fileWarning(geo.IssueSRSOverridden, "the file declares %s (%s); the srs option overrides it", declaredLabel(d), d.From))
		}
	} else {
		c = fromDeclared(d)
	}
	if c.SRID == 0 {
		return c, notes, checkProj(ctx, q, c)
	}
	if c.Offset != "" || c.SRID == 4326 {
		c.Geographic = true
		return c, notes, nil
	}
	var srtext string
	if err := q.QueryRow(ctx, `SELECT srtext FROM spatial_ref_sys WHERE srid = $1`, c.SRID).Scan(&srtext); err == pgx.ErrNoRows {
		return c, notes, geo.Invalid("srs", "EPSG:%d is not a coordinate system PostGIS knows", c.SRID)
	} else if err != nil {
		return c, notes, fmt.Errorf("look up EPSG:%d: %w", c.SRID, err)
	}
	c.Geographic = strings.HasPrefix(srtext, "GEOGCS")
	if strings.Contains(srtext, "Xian 1980") || strings.Contains(srtext, "Beijing 1954") {
		notes = append(notes, fileWarning(geo.IssueDatumShift, "Xian 1980 and Beijing 1954 have no published datum shift in PostGIS: positions may be off by tens of metres; re-export in CGCS2000 if you can"))
	}
	return c, notes, nil
}

// fileWarning is a warning about the whole file.
func fileWarning(kind geo.IssueKind, format string, args ...any) geo.ImportIssue {
	return geo.ImportIssue{Index: -1, Severity: geo.SeverityWarning, Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// parseSRS reads an srs option: a name geo.ParseCRS knows, EPSG:n or n.
func parseSRS(s string) (sourceCRS, error) {
	if crs, err := geo.ParseCRS(s); err == nil {
		c := sourceCRS{SRID: 4326, Geographic: true, Label: strings.ToUpper(string(crs))}
		if crs == geo.GCJ02 || crs == geo.BD09 {
			c.Offset = crs
		}
		if crs == geo.CGCS2000 {
			c.Label = "EPSG:4490 CGCS2000"
		}
		return c, nil
	}
	n := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "EPSG:")
	code, err := strconv.Atoi(n)
	if err != nil || code <= 0 || code > 999999 {
		return sourceCRS{}, geo.Invalid("srs", "%q is not a coordinate system; use EPSG:4547, 4490, wgs84, cgcs2000, gcj02 or bd09", clipText(s, 40))
	}
	return sridCRS(code), nil
}

// sridCRS is an EPSG code as a source; CGCS2000 counts as WGS-84 (they
// differ by centimetres, docs/design.md "Data model").
func sridCRS(code int) sourceCRS {
	switch code {
	case 4326:
		return sourceCRS{SRID: 4326, Geographic: true, Label: "EPSG:4326 WGS-84"}
	case 4490:
		return sourceCRS{SRID: 4326, Geographic: true, Label: "EPSG:4490 CGCS2000"}
	}
	return sourceCRS{SRID: code, Label: fmt.Sprintf("EPSG:%d", code)}
}

func fromDeclared(d declaredCRS) sourceCRS {
	if d.From == "" {
		c := sridCRS(4326)
		c.Label += " (the file declares none; assumed)"
		return c
	}
	srid, name := d.SRID, d.Name
	if srid == 0 && d.WKT != "" {
		srid, name, _, _ = identifyWKT(d.WKT)
	}
	if srid > 0 {
		c := sridCRS(srid)
		if name != "" && !strings.Contains(c.Label, name) && srid != 4326 {
			c.Label += " " + name
		}
		c.Label += " (from " + d.From + ")"
		return c
	}
	c := sourceCRS{Proj: d.WKT, Label: fmt.Sprintf("%q (from %s; no EPSG code recognised, reprojected by PROJ from its definition)", clipText(name, 60), d.From)}
	_, _, c.Geographic, _ = identifyWKT(d.WKT)
	return c
}

func declaredLabel(d declaredCRS) string {
	if d.SRID > 0 {
		return fmt.Sprintf("EPSG:%d", d.SRID)
	}
	if d.Name != "" {
		return strconv.Quote(clipText(d.Name, 60))
	}
	return "a coordinate system"
}

// checkProj refuses a definition PROJ cannot use (a wrong or garbled .prj).
func checkProj(ctx context.Context, q querier, c sourceCRS) error {
	if strings.TrimSpace(c.Proj) == "" {
		return geo.Invalid("srs", "the file's coordinate system has no definition; pass the srs option (e.g. EPSG:4547)")
	}
	var ok bool
	if err := q.QueryRow(ctx, `SELECT gridmap_proj_ok($1)`, c.Proj).Scan(&ok); err != nil {
		return fmt.Errorf("check the coordinate system: %w", err)
	}
	if !ok {
		return geo.Invalid("srs", "the file's coordinate system %s is not one PROJ understands; fix the .prj or pass the srs option (e.g. EPSG:4547)", c.Label)
	}
	return nil
}

// swappedDegrees reports whether a box that is not longitude/latitude would
// be one the other way round: latitudes beyond ±90 that are longitudes.
func swappedDegrees(b orb.Bound) bool {
	return b.Min[0] >= -90 && b.Max[0] <= 90 && b.Min[1] >= -180 && b.Max[1] <= 180
}

// checkRange catches coordinates impossible in the CRS: the classic mistake
// of projected metres labelled as degrees, degrees labelled as a
// projection, or Gauss-Krüger eastings from another zone.
func checkRange(b orb.Bound, c sourceCRS) *featureError {
	for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return featErr(geo.IssueOutOfRange, "coordinates are not finite numbers")
		}
	}
	degrees := b.Min[0] >= -180 && b.Max[0] <= 180 && b.Min[1] >= -90 && b.Max[1] <= 90
	if c.Geographic {
		if !degrees {
			x, y := farthest(b)
			if swappedDegrees(b) {
				return featErr(geo.IssueOutOfRange, "coordinate (%.3f, %.3f) has its latitude first: the axes are swapped; write each position longitude first, as GeoJSON and WKT do", x, y)
			}
			return featErr(geo.IssueOutOfRange, "coordinate (%.3f, %.3f) is not a longitude/latitude, but the CRS is %s: %s; pass the srs option", x, y, c.Label, guessProjected(x, y))
		}
		return nil
	}
	if degrees {
		return featErr(geo.IssueOutOfRange, "coordinates such as (%.6f, %.6f) look like degrees, but the CRS is the projected %s; pass the srs option (e.g. cgcs2000)", b.Min[0], b.Min[1], c.Label)
	}
	return checkZone(b, c)
}

// checkZone compares Gauss-Krüger eastings with the zone the CRS implies.
func checkZone(b orb.Bound, c sourceCRS) *featureError {
	z, ok := gkZoneOf(c.SRID)
	if !ok {
		return nil
	}
	lo, hi := int(math.Floor(b.Min[0]/1e6)), int(math.Floor(b.Max[0]/1e6))
	if z.Prefixed && (lo != z.Zone || hi != z.Zone) {
		return featErr(geo.IssueOutOfRange, "eastings such as %.0f do not start with zone %d of %s: %s", b.Min[0], z.Zone, c.Label, guessProjected(b.Min[0], b.Min[1]))
	}
	if !z.Prefixed && (b.Min[0] <= 0 || b.Max[0] >= 1e6) {
		return featErr(geo.IssueOutOfRange, "eastings such as %.0f are outside 0–1,000,000 m, the range of %s (central meridian %dE): %s", b.Max[0], c.Label, z.CM, guessProjected(b.Max[0], b.Max[1]))
	}
	return nil
}

// farthest returns the bound's corner farthest from the degree range.
func farthest(b orb.Bound) (float64, float64) {
	x, y := b.Max[0], b.Max[1]
	if math.Abs(b.Min[0]) > math.Abs(x) {
		x = b.Min[0]
	}
	if math.Abs(b.Min[1]) > math.Abs(y) {
		y = b.Min[1]
	}
	return x, y
}

// clipText shortens text echoed into messages.
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// sridFromURN reads "urn:ogc:def:crs:EPSG::4547", "urn:ogc:def:crs:EPSG:6.6:4547",
// "EPSG:4547" and the CRS84 names; 0 for anything else.
func sridFromURN(s string) int {
	u := strings.ToUpper(strings.TrimSpace(s))
	if strings.HasSuffix(u, "CRS84") || strings.HasSuffix(u, "CRS:84") {
		return 4326
	}
	i := strings.LastIndex(u, "EPSG:")
	if i < 0 {
		return 0
	}
	rest := u[i+5:]
	if j := strings.LastIndexByte(rest, ':'); j >= 0 {
		rest = rest[j+1:]
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n <= 0 || n > 999999 {
		return 0
	}
	return n
}
