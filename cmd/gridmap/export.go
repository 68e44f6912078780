package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/importer"
)

const exportUsage = `Usage: gridmap export [flags] -o FILE

Writes the unit (with --level enclave, the enclave) versions valid now (or
--at a time) as GeoJSON, a shapefile (FILE is the .shp; .shx, .dbf, .prj,
.cpg and .gridmap.json go beside it) or a GeoPackage, for desktop GIS; the
extension of FILE (.geojson, .shp, .gpkg) chooses the format unless --format
says it. Geometry leaves the database at full precision, and importing the
file again changes nothing.

Flags:
`

func runExport(ctx context.Context, args []string) error {
	var url, level, format, atText, srs, out string
	var o importer.ExportOptions
	fs := newFlags("export", &url)
	fs.Usage = func() { fmt.Fprint(fs.Output(), exportUsage); fs.PrintDefaults() }
	fs.StringVar(&level, "level", "", "only this level: district, street, community, grid, microgrid; enclave writes the enclaves (default: all units)")
	fs.StringVar(&o.Under, "under", "", "only units whose code starts with this code (enclaves: whose managing unit's does)")
	fs.StringVar(&format, "format", "", "geojson, shapefile or gpkg (default: from the extension of -o: .geojson/.json, .shp, .gpkg)")
	fs.StringVar(&atText, "at", "", "the versions valid at this time: RFC 3339, or a date meaning its midnight in China (default now)")
	fs.StringVar(&srs, "srs", "EPSG:4326", "output coordinate system, e.g. EPSG:4490 or the Gauss-Kruger zone EPSG:4527")
	fs.StringVar(&o.Encoding, "encoding", "utf-8", "shapefile attribute encoding: utf-8 or gbk (for old ArcGIS)")
	fs.StringVar(&out, "o", "", "output file (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case out == "":
		return usagef("-o FILE is required (see \"gridmap export -h\")")
	case fs.NArg() > 0:
		return usagef("unexpected argument %q; name the output with -o", fs.Arg(0))
	}
	o.Level, o.Format = geo.Level(level), format
	if _, err := importer.ExportFormatFor(out, format); err != nil {
		return usagef("%v", err)
	}
	var err error
	if atText != "" {
		if o.At, err = timeFlag(atText); err != nil {
			return err
		}
	}
	if o.SRID, err = parseSRID(srs); err != nil {
		return err
	}
	db, err := postgres.OpenAsIs(ctx, url, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	o.Warn = func(s string) { fmt.Fprintln(os.Stderr, "warning:", s) }
	n, err := importer.Export(ctx, db.Pool, o, out)
	if err != nil {
		return err
	}
	what := "units"
	if o.Level == geo.LevelEnclave {
		what = "enclaves"
	}
	fmt.Fprintf(os.Stderr, "wrote %d %s to %s\n", n, what, out)
	return nil
}

func parseSRID(s string) (int, error) {
	var n int
	if _, err := fmt.Sscanf(strings.TrimPrefix(strings.ToUpper(s), "EPSG:"), "%d", &n); err != nil || n <= 0 {
		return 0, geo.Invalid("srs", "%q is not an EPSG code such as EPSG:4547", s)
	}
	return n, nil
}
