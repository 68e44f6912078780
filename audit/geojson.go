package audit

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridmap-dev/gridmap/geo"
)

// FeatureCollection renders an audit as GeoJSON: one feature per finding
// (the defect's polygon, or a point for orphans) with the summary as a
// foreign member. Coordinates keep full precision.
func FeatureCollection(res geo.AuditResult) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	for _, f := range res.Findings {
		var g orb.Geometry = f.Geom
		if len(f.Geom) == 0 && f.Location != nil {
			g = *f.Location
		}
		feat := geojson.NewFeature(g)
		if f.ID > 0 {
			feat.ID = f.ID
		}
		feat.Properties = geojson.Properties{
			"kind":        f.Kind,
			"parent_code": nullable(f.ParentCode),
			"level":       nullable(string(f.Level)),
			"codes":       f.Codes,
			"area_m2":     f.AreaM2,
		}
		if f.Location != nil {
			feat.Properties["location"] = []float64{f.Location[0], f.Location[1]}
		}
		if len(f.ParentCodes) > 0 {
			feat.Properties["parent_codes"] = f.ParentCodes
		}
		if f.Detail != "" {
			feat.Properties["detail"] = f.Detail
		}
		fc.Append(feat)
	}
	fc.ExtraMembers = geojson.Properties{"summary": res.Summary}
	return fc
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
