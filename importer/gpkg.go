package importer

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"modernc.org/sqlite"

	"github.com/gridmap-dev/gridmap/geo"
)

// gpkgReader reads one feature table of a GeoPackage. The file is opened
// read-only, immutable and in SQLite's defensive mode with untrusted schema,
// only real tables are read (never views a hostile file could define) and
// no value may exceed MaxFeatureBytes.
type gpkgReader struct {
	ctx     context.Context
	db      *sql.DB
	conn    *sql.Conn
	rows    *sql.Rows
	info    Info
	cols    []string
	geomCol int
	json    map[string]bool   // columns declared application/json (gpkgjson.go)
	props   map[string]string // property columns of gridmap's export → their properties; nil for other files
	bools   map[string]bool   // columns declared BOOLEAN: 0 and 1 are false and true
	total   int64
	i       int
}

const sqliteLimitLength = 0 // SQLITE_LIMIT_LENGTH

func openGeoPackage(ctx context.Context, path string, opts OpenOptions) (r Reader, err error) {
	dsn, err := sqliteURI(path, "mode=ro&immutable=1&_defensive=1&_query_only=1&_pragma=trusted_schema(0)")
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open GeoPackage: %w", err)
	}
	g := &gpkgReader{ctx: ctx, db: db, info: Info{Format: "GeoPackage", Name: filepath.Base(path), Encoding: "UTF-8"}}
	defer func() {
		if err != nil {
			g.Close()
		}
	}()
	if g.conn, err = db.Conn(ctx); err != nil {
		return nil, g.corrupt(err)
	}
	if _, err := sqlite.Limit(g.conn, sqliteLimitLength, MaxFeatureBytes); err != nil {
		return nil, fmt.Errorf("limit GeoPackage values: %w", err)
	}
	layer, err := g.layer(opts.Layer)
	if err != nil {
		return nil, err
	}
	if err := g.start(layer); err != nil {
		return nil, err
	}
	return g, nil
}

// corrupt reports a SQLite failure as a problem with the file.
func (g *gpkgReader) corrupt(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fileError("%s is not a readable GeoPackage: %v", g.info.Name, err)
}

type gpkgLayer struct {
	table, column string
	srsID         int64
}

// layer picks the feature table: the only one, or the one named.
func (g *gpkgReader) layer(want string) (gpkgLayer, error) {
	if err := g.requireTables("gpkg_geometry_columns", "gpkg_spatial_ref_sys"); err != nil {
		return gpkgLayer{}, err
	}
	rows, err := g.conn.QueryContext(g.ctx, `SELECT table_name, column_name, srs_id FROM gpkg_geometry_columns ORDER BY table_name`)
	if err != nil {
		return gpkgLayer{}, g.corrupt(err)
	}
	defer rows.Close()
	var layers []gpkgLayer
	var names []string
	for rows.Next() && len(layers) < 1000 {
		var l gpkgLayer
		if err := rows.Scan(&l.table, &l.column, &l.srsID); err != nil {
			return gpkgLayer{}, g.corrupt(err)
		}
		layers, names = append(layers, l), append(names, l.table)
	}
	if err := rows.Err(); err != nil {
		return gpkgLayer{}, g.corrupt(err)
	}
	for _, l := range layers {
		if want == "" && len(layers) == 1 || strings.EqualFold(l.table, want) {
			return l, g.requireTables(l.table)
		}
	}
	if len(layers) == 0 {
		return gpkgLayer{}, fileError("the GeoPackage has no feature layer")
	}
	if want != "" {
		return gpkgLayer{}, fileError("the GeoPackage has no layer %q; it has %s", clipText(want, 40), strings.Join(names, ", "))
	}
	return gpkgLayer{}, fileError("the GeoPackage has %d layers (%s); choose one with the layer option", len(layers), strings.Join(names, ", "))
}

// requireTables checks that the names are ordinary tables, not views.
func (g *gpkgReader) requireTables(names ...string) error {
	for _, n := range names {
		var typ string
		err := g.conn.QueryRowContext(g.ctx, `SELECT type FROM sqlite_master WHERE name = ?`, n).Scan(&typ)
		if errors.Is(err, sql.ErrNoRows) {
			return fileError("%s is not a GeoPackage: it has no table %s", g.info.Name, clipText(n, 40))
		} else if err != nil {
			return g.corrupt(err)
		}
		if typ != "table" {
			return fileError("%s in the GeoPackage is a %s, not a table; only tables are read", clipText(n, 40), typ)
		}
	}
	return nil
}

// start reads the layer's CRS and columns and starts the row query.
func (g *gpkgReader) start(l gpkgLayer) error {
	g.info.Layer = l.table
	if err := g.readSRS(l.srsID); err != nil {
		return err
	}
	table := sqliteIdent(l.table)
	cols, err := g.columns(l.table)
	if err != nil {
		return err
	}
	if err := g.conn.QueryRowContext(g.ctx, `SELECT count(*) FROM `+table).Scan(&g.total); err != nil {
		return g.corrupt(err)
	}
	if g.total > MaxFeatures {
		return tooLarge("the GeoPackage layer has %d features; at most %d are accepted", g.total, MaxFeatures)
	}
	g.geomCol = -1
	list := make([]string, len(cols))
	for i, c := range cols {
		list[i] = sqliteIdent(c)
		if strings.EqualFold(c, l.column) {
			g.geomCol = i
		}
	}
	if g.geomCol < 0 {
		return fileError("the GeoPackage layer %s has no column %s", clipText(l.table, 40), clipText(l.column, 40))
	}
	g.cols = cols
	if g.json, err = g.jsonColumns(l.table); err != nil {
		return err
	}
	if g.props, err = g.propertyColumns(l.table); err != nil {
		return err
	}
	g.rows, err = g.conn.QueryContext(g.ctx, `SELECT `+strings.Join(list, ", ")+` FROM `+table)
	if err != nil {
		return g.corrupt(err)
	}
	return nil
}

// columns lists the ordinary columns (generated columns could run a
// hostile expression per row, so they are left out, and so is the integer
// primary key, the feature id).
func (g *gpkgReader) columns(table string) ([]string, error) {
	rows, err := g.conn.QueryContext(g.ctx, `SELECT name, hidden, pk = 1 AND upper(type) = 'INTEGER', upper(type) = 'BOOLEAN'
		FROM pragma_table_xinfo(?)`, table)
	if err != nil {
		return nil, g.corrupt(err)
	}
	defer rows.Close()
	var cols []string
	g.bools = map[string]bool{}
	for rows.Next() {
		var name string
		var hidden int
		var fid, boolean bool
		if err := rows.Scan(&name, &hidden, &fid, &boolean); err != nil {
			return nil, g.corrupt(err)
		}
		g.bools[name] = boolean
		if hidden == 0 && !fid && len(cols) < 2000 { // the fid is the row number, not an attribute
			cols = append(cols, name)
		}
	}
	return cols, rows.Err()
}

func (g *gpkgReader) readSRS(id int64) error {
	var org, def, name sql.NullString
	var code sql.NullInt64
	err := g.conn.QueryRowContext(g.ctx, `SELECT organization, organization_coordsys_id, definition, srs_name
		FROM gpkg_spatial_ref_sys WHERE srs_id = ?`, id).Scan(&org, &code, &def, &name)
	switch {
	case errors.Is(err, sql.ErrNoRows) || id <= 0:
		return nil // undefined (-1, 0): the range check decides
	case err != nil:
		return g.corrupt(err)
	}
	g.info.CRS = declaredCRS{Name: name.String, From: "GeoPackage srs " + strconv.FormatInt(id, 10)}
	if strings.EqualFold(org.String, "EPSG") && code.Int64 > 0 && code.Int64 < 1e6 {
		g.info.CRS.SRID = int(code.Int64)
	} else if utf8.ValidString(def.String) && def.String != "undefined" {
		g.info.CRS.WKT = def.String
	}
	return nil
}

// sqliteIdent quotes a SQLite identifier read from the file.
func sqliteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Info implements Reader.
func (g *gpkgReader) Info() Info { return g.info }

// Progress implements Reader, in features.
func (g *gpkgReader) Progress() (int64, int64) { return int64(g.i), g.total }

// Next implements Reader.
func (g *gpkgReader) Next() (Feature, error) {
	if !g.rows.Next() {
		if err := g.rows.Err(); err != nil {
			return Feature{}, g.corrupt(err)
		}
		return Feature{}, io.EOF
	}
	if g.i >= MaxFeatures {
		return Feature{}, tooLarge("the GeoPackage layer has more than %d features", MaxFeatures)
	}
	vals := make([]any, len(g.cols))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := g.rows.Scan(ptrs...); err != nil {
		return Feature{}, g.corrupt(err)
	}
	f := Feature{Index: g.i, Attrs: make(map[string]any, len(vals))}
	g.i++
	for i, v := range vals {
		if i == g.geomCol {
			continue
		}
		val, ferr := sqliteValue(g.cols[i], v)
		if ferr != nil && f.Err == nil {
			f.Err = ferr
		}
		if val == nil {
			continue // NULL: no value, no property
		}
		if g.json[g.cols[i]] {
			val = jsonValue(val)
		} else if n, ok := val.(json.Number); ok && g.bools[g.cols[i]] && (n == "0" || n == "1") {
			val = n == "1"
		}
		f.Attrs[g.cols[i]] = val
	}
	g.geometry(&f, vals[g.geomCol])
	if g.props != nil {
		splitExported(&f, g.props)
	}
	return f, nil
}

func (g *gpkgReader) geometry(f *Feature, v any) {
	blob, _ := v.([]byte)
	if len(blob) == 0 {
		f.Err = firstErr(f.Err, featErr(geo.IssueEmptyGeometry, "the feature has no geometry"))
		return
	}
	h, wkb, ferr := parseGPBlob(blob)
	if ferr == nil && h.Empty {
		ferr = featErr(geo.IssueEmptyGeometry, "the geometry is empty")
	}
	if ferr != nil {
		f.Err = firstErr(f.Err, ferr)
		return
	}
	mp, b, ferr := parseWKB(wkb)
	if ferr == nil {
		if mp = tidy(mp, f); len(mp) == 0 {
			ferr = featErr(geo.IssueEmptyGeometry, "the geometry has no polygon with at least 4 points")
		}
	}
	if ferr != nil {
		f.Err = firstErr(f.Err, ferr)
		return
	}
	f.Geom, f.Bound = mp, b
}

// sqliteValue converts a SQLite value to an attribute value.
func sqliteValue(col string, v any) (any, *featureError) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), nil
	case float64:
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64)), nil
	case bool:
		return x, nil
	case string:
		if !utf8.ValidString(x) {
			return nil, featErr(geo.IssueUnreadable, "attribute %s is not valid UTF-8, as GeoPackage text must be", clipText(col, 30))
		}
		return x, nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	}
	return nil, nil // blobs other than the geometry carry no importable value
}

func firstErr(a, b *featureError) *featureError {
	if a != nil {
		return a
	}
	return b
}

// Close implements Reader.
func (g *gpkgReader) Close() error {
	if g.rows != nil {
		g.rows.Close()
	}
	if g.conn != nil {
		g.conn.Close()
	}
	return g.db.Close()
}

// sqliteURI is the file: URI SQLite opens path with. The path is made
// absolute first: a relative one would land in the URI's authority
// ("file://网格.gpkg"), which SQLite refuses; characters such as ?, # and %
// are escaped.
func sqliteURI(path, query string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("GeoPackage path %s: %w", path, err)
	}
	abs = filepath.ToSlash(abs)
	if !strings.HasPrefix(abs, "/") {
		abs = "/" + abs // a Windows drive: file:///C:/…
	}
	return (&url.URL{Scheme: "file", Path: abs, RawQuery: query}).String(), nil
}
