package importer

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb/geojson"
)

// exportGeoJSON streams a FeatureCollection. Coordinates are written in
// Go's shortest form that parses back to the same float64, so nothing is
// lost; a projected export carries the old "crs" member, as GDAL writes it.
func exportGeoJSON(ctx context.Context, pool *pgxpool.Pool, o ExportOptions, path string) (n int, err error) {
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
	if o.SRID != 4326 {
		fmt.Fprintf(w, `"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::%d"}},`, o.SRID)
	}
	fmt.Fprint(w, `"features":[`)
	first := true
	n, err = eachUnit(ctx, pool, o, func(u *exportUnit) error {
		feat := geojson.NewFeature(u.Geom)
		feat.ID = u.Code
		feat.Properties = geojson.Properties{"code": u.Code, "name": u.Name, "level": u.Level}
		if u.Parent != "" {
			feat.Properties["parent_code"] = u.Parent
		}
		for k, v := range u.Props {
			feat.Properties[propColumn(k)] = v
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
