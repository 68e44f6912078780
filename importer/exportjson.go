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
	k := kindOf(o)
	n, err = eachUnit(ctx, pool, o, func(u *exportUnit) error {
		feat := geojson.NewFeature(u.Geom)
		feat.ID = u.code()
		feat.Properties = geojson.Properties{}
		for i, f := range k.fields {
			if u.Fixed[i] != "" {
				feat.Properties[f.Key] = u.Fixed[i]
			}
		}
		for p, v := range u.Props {
			feat.Properties[k.column(p)] = v
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
