package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/gridmap-dev/gridmap/geo"
)

// ExportOptions choose what Export writes.
type ExportOptions struct {
	Level    geo.Level // "" for every level
	Under    string    // only codes starting with this ("" for all)
	At       time.Time // versions valid then; zero for now
	Format   string    // "geojson", "shapefile" or "gpkg"; "" for the one the file's extension names
	SRID     int       // output CRS; 0 or 4326 for WGS-84 (4490 labels the same coordinates CGCS2000)
	Encoding string    // shapefile attribute encoding: "utf-8" (default) or "gbk"
	// Warn, when set, is told what the file could not hold as it was
	// (each once); nil says nothing.
	Warn func(string)
}

// warn tells o.Warn, if set.
func (o ExportOptions) warn(format string, args ...any) {
	if o.Warn != nil {
		o.Warn(fmt.Sprintf(format, args...))
	}
}

// ExportFormats lists the formats Export writes.
var ExportFormats = []string{"geojson", "shapefile", "gpkg"}

// exportDB is what an export reads: a transaction, so that every query of
// one export sees the same versions.
type exportDB interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// exportUnit is one unit (or enclave) version as written out.
type exportUnit struct {
	Fixed []string // the values of its kind's fixed columns, the code first
	Props map[string]any
	Geom  orb.MultiPolygon
}

// code is the unit's code.
func (u *exportUnit) code() string { return u.Fixed[0] }

// exportKind is what an export writes of one table: its fixed columns (the
// code first; Key is their name in GeoJSON and GeoPackage) and its queries.
type exportKind struct {
	fields            []dbfOutField
	rowsSQL, propsSQL string
	layer             string // the GeoPackage layer when no level names one
}

var (
	unitKind    = exportKind{fields: unitFields, rowsSQL: exportSQL, propsSQL: exportPropsSQL, layer: "units"}
	enclaveKind = exportKind{fields: enclaveFields, rowsSQL: exportEnclavesSQL, propsSQL: exportEnclavePropsSQL, layer: "enclave"}
)

// kindOf is the kind an export writes: enclaves for LevelEnclave, else units.
func kindOf(o ExportOptions) *exportKind {
	if o.Level == geo.LevelEnclave {
		return &enclaveKind
	}
	return &unitKind
}

// validAtSQL is "valid at $1 (NULL: now)" as geo/postgres says it, so
// that an export of the current units reads them by index (a street's by
// its codes' prefix, migration 027).
const validAtSQL = `($1::timestamptz IS NULL AND (valid_to IS NULL OR valid_to > now()) AND valid_from <= now()
  OR $1 IS NOT NULL AND valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1))`

// exportSQL selects the units, their fixed columns in unitFields' order.
const exportSQL = `
SELECT code, name, level, coalesce(parent_code, ''), properties,
       ST_AsBinary(CASE WHEN $4::int IN (4326, 4490) THEN geom ELSE ST_Transform(geom, $4::int) END)
FROM unit
WHERE ` + validAtSQL + `
  AND ($2 = '' OR level = $2) AND starts_with(code, $3)
ORDER BY code`

const exportPropsSQL = `
SELECT properties FROM unit
WHERE ` + validAtSQL + `
  AND ($2 = '' OR level = $2) AND starts_with(code, $3)`

// exportEnclavesSQL selects enclaves as exportSQL does units (in
// enclaveFields' order); the level ($2)
// is "enclave" and the prefix ($3) is the managing unit's: an enclave
// belongs to the unit that manages it.
const exportEnclavesSQL = `
SELECT code, name, managing_code, status, reason, properties,
       ST_AsBinary(CASE WHEN $4::int IN (4326, 4490) THEN geom ELSE ST_Transform(geom, $4::int) END)
FROM enclave
WHERE ` + validAtSQL + `
  AND $2 = 'enclave' AND starts_with(managing_code, $3)
ORDER BY code`

const exportEnclavePropsSQL = `
SELECT properties FROM enclave
WHERE ` + validAtSQL + `
  AND $2 = 'enclave' AND starts_with(managing_code, $3)`

// Export writes the unit versions valid at opts.At to path (for a
// shapefile, path is the .shp; the .shx, .dbf, .prj and .cpg go beside
// it). It returns how many units it wrote. Geometry leaves PostGIS as WKB
// at full precision.
func Export(ctx context.Context, pool *pgxpool.Pool, opts ExportOptions, path string) (int, error) {
	if opts.SRID == 0 {
		opts.SRID = 4326
	}
	if opts.Level != "" && !opts.Level.Valid() && opts.Level != geo.LevelEnclave {
		return 0, geo.Invalid("level", "unknown level %q", opts.Level)
	}
	format, err := ExportFormatFor(path, opts.Format)
	if err != nil {
		return 0, err
	}
	srtext, err := srsText(ctx, pool, opts.SRID)
	if err != nil {
		return 0, err
	}
	parts := exportParts(format, path)
	existed := make([]bool, len(parts))
	for i, p := range parts {
		_, err := os.Lstat(p)
		existed[i] = err == nil
	}
	// One snapshot: the property keys (the columns) read first are those
	// of the units written after.
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var n int
	switch format {
	case "shapefile":
		n, err = exportShapefile(ctx, tx, opts, path, srtext)
	case "gpkg":
		n, err = exportGeoPackage(ctx, tx, opts, path, srtext)
	default:
		n, err = exportGeoJSON(ctx, tx, opts, path)
	}
	if err != nil { // leave no part of a file behind
		for i, p := range parts {
			if !existed[i] {
				os.Remove(p)
			}
		}
	}
	return n, err
}

// exportParts are the files an export to path in format writes (a
// GeoPackage's: those SQLite may leave beside it too).
func exportParts(format, path string) []string {
	switch format {
	case "shapefile":
		base := strings.TrimSuffix(path, filepath.Ext(path))
		return []string{base + ".shp", base + ".shx", base + ".dbf", base + ".prj", base + ".cpg", base + sidecarSuffix}
	case "gpkg":
		return []string{path, path + "-journal", path + "-wal", path + "-shm"}
	}
	return []string{path}
}

// formatAliases maps the names a format goes by to its name in ExportFormats.
var formatAliases = map[string]string{
	"geojson": "geojson", "json": "geojson", "shapefile": "shapefile", "shp": "shapefile",
	"gpkg": "gpkg", "geopackage": "gpkg",
}

// formatOfExt maps the file extensions of the formats to them.
var formatOfExt = map[string]string{".geojson": "geojson", ".json": "geojson", ".shp": "shapefile", ".gpkg": "gpkg"}

// ExportFormatFor is the format to write path in: the one named (any case,
// aliases shp and geopackage), which must agree with the extension of path
// when that names a format; or, with none named, the extension's.
func ExportFormatFor(path, format string) (string, error) {
	fromExt, known := formatOfExt[strings.ToLower(filepath.Ext(path))]
	if format == "" {
		if !known {
			return "", geo.Invalid("format", "cannot tell the format of %s from its extension; name the file .geojson, .shp or .gpkg, or give the format (%s)",
				path, strings.Join(ExportFormats, ", "))
		}
		return fromExt, nil
	}
	named, ok := formatAliases[strings.ToLower(format)]
	if !ok {
		return "", geo.Invalid("format", "unknown format %q; want %s", format, strings.Join(ExportFormats, ", "))
	}
	if known && named != fromExt {
		return "", geo.Invalid("format", "the format is %s but %s names a %s file; make them agree", named, path, fromExt)
	}
	return named, nil
}

func srsText(ctx context.Context, pool *pgxpool.Pool, srid int) (string, error) {
	var s string
	err := pool.QueryRow(ctx, `SELECT srtext FROM spatial_ref_sys WHERE srid = $1`, srid).Scan(&s)
	if err == pgx.ErrNoRows {
		return "", geo.Invalid("srs", "EPSG:%d is not a coordinate system PostGIS knows", srid)
	}
	return s, err
}

func exportArgs(o ExportOptions) []any {
	var at *time.Time
	if !o.At.IsZero() {
		at = &o.At
	}
	return []any{at, string(o.Level), o.Under, o.SRID}
}

// eachUnit streams the selected units (or enclaves) to fn.
func eachUnit(ctx context.Context, db exportDB, o ExportOptions, fn func(*exportUnit) error) (int, error) {
	k := kindOf(o)
	rows, _ := db.Query(ctx, k.rowsSQL, exportArgs(o)...)
	u := exportUnit{Fixed: make([]string, len(k.fields))}
	var g []byte
	scans := make([]any, 0, len(k.fields)+2)
	for i := range u.Fixed {
		scans = append(scans, &u.Fixed[i])
	}
	scans = append(scans, (*geo.PropertiesColumn)(&u.Props), &g)
	n := 0
	_, err := pgx.ForEachRow(rows, scans, func() error {
		geom, err := wkb.Unmarshal(g)
		if err != nil {
			return fmt.Errorf("unit %s: %w", u.code(), err)
		}
		switch t := geom.(type) {
		case orb.MultiPolygon:
			u.Geom = t
		case orb.Polygon:
			u.Geom = orb.MultiPolygon{t}
		default:
			return fmt.Errorf("unit %s: geometry is a %s", u.code(), geom.GeoJSONType())
		}
		n++
		return fn(&u)
	})
	return n, err
}

// propertyKeys lists every property key of the selected units, sorted, so
// that table formats get one column per key.
func propertyKeys(ctx context.Context, db exportDB, o ExportOptions) (map[string][]any, []string, error) {
	rows, _ := db.Query(ctx, kindOf(o).propsSQL, exportArgs(o)[:3]...)
	values := map[string][]any{}
	var props map[string]any
	_, err := pgx.ForEachRow(rows, []any{(*geo.PropertiesColumn)(&props)}, func() error {
		for k, v := range props {
			if len(values[k]) < 100000 {
				values[k] = append(values[k], v)
			}
		}
		return nil
	})
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return values, keys, err
}

// createFile makes a new file, refusing to overwrite one.
func createFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if os.IsExist(err) {
		return nil, geo.Invalid("output", "%s exists; choose another name or remove it", path)
	}
	return f, err
}

// jsonText renders a nested property value for a text column.
func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
