package importer

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"

	"github.com/paulmach/orb/geojson"
)

// exportGeoJSON streams a FeatureCollection. Coordinates are written in
// Go's shortest form that parses back to the same float64, so nothing is
// lost; a projected export carries the old "crs" member, as GDAL writes it.
// Properties are named by the rule of propcolumns.go, and the "gridmap"
// member (before the features, where a streaming reader meets it first)
// maps their members back to them.
func exportGeoJSON(ctx context.Context, db exportDB, o ExportOptions, path string) (n int, err error) {
	_, keys, err := propertyKeys(ctx, db, o)
	if err != nil {
		return 0, err
	}
	k := kindOf(o)
	cols := make(map[string]string, len(keys)) // property → member of "properties"
	side := make(map[string]string, len(keys)) // the reverse, written for the importer
	for _, p := range keys {
		cols[p] = k.column(p)
		side[cols[p]] = p
	}
	f, err := createFile(path)
	if err != nil {
		return 0, err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprint(w, `{"type":"FeatureCollection",`)
	marker, err := json.Marshal(map[string]any{"version": 1, "columns": side})
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(w, `"gridmap":%s,`, marker)
	if o.SRID != 4326 {
		fmt.Fprintf(w, `"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::%d"}},`, o.SRID)
	}
	fmt.Fprint(w, `"features":[`)
	first := true
	n, err = eachUnit(ctx, db, o, func(u *exportUnit) error {
		feat := geojson.NewFeature(u.Geom)
		feat.ID = u.code()
		feat.Properties = geojson.Properties{}
		for i, f := range k.fields {
			if u.Fixed[i] != "" {
				feat.Properties[f.Key] = u.Fixed[i]
			}
		}
		for p, v := range u.Props {
			feat.Properties[cols[p]] = v // every key is listed: one snapshot (Export)
		}
		b, err := json.Marshal(feat)
		if err != nil {
			return err
		}
		if !first {
			w.WriteByte(',')
		}
		first = false
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		return n, err
	}
	fmt.Fprint(w, "]}\n")
	return n, w.Flush()
}
