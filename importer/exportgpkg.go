package importer

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb/encoding/wkb"

	"github.com/gridmap-dev/gridmap/geo"
)

// The GeoPackage 1.3 core tables (OGC 12-128r18, §1.1), as GDAL creates them.
var gpkgSchema = []string{
	`PRAGMA application_id = 1196444487`, // "GPKG"
	`PRAGMA user_version = 10300`,
	`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY,
	  organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)`,
	`INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
	  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system')`,
	`CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
	  description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
	  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
	  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))`,
	`CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
	  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
	  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
	  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
	  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))`,
}

// exportGeoPackage writes one layer named after the level (or "units"),
// with a column per property key (named by the rule of propcolumns.go and
// described in gpkg_data_columns), in one SQLite transaction.
func exportGeoPackage(ctx context.Context, db exportDB, o ExportOptions, path, srtext string) (n int, err error) {
	values, keys, err := propertyKeys(ctx, db, o)
	if err != nil {
		return 0, err
	}
	f, err := createFile(path) // never another's file: SQLite starts an empty one as a new database
	if err != nil {
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	dsn, err := sqliteURI(path, "mode=rw")
	if err != nil {
		return 0, err
	}
	lite, err := sql.Open("sqlite", dsn)
	if err != nil {
		return 0, err
	}
	defer lite.Close()
	tx, err := lite.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	k := kindOf(o)
	layer := k.layer
	if o.Level != "" {
		layer = string(o.Level)
	}
	insert, err := createLayer(ctx, tx, layer, k, keys, values, o.SRID, srtext)
	if err != nil {
		return 0, fmt.Errorf("create GeoPackage: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, insert)
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	nested := map[string]bool{}
	for _, p := range keys {
		nested[p] = needsJSON(values[p])
	}
	bound := emptyBound()
	n, err = eachUnit(ctx, db, o, func(u *exportUnit) error {
		g, err := wkb.Marshal(u.Geom)
		if err != nil {
			return err
		}
		bound = bound.Union(u.Geom.Bound())
		args := []any{gpBlob(int32(o.SRID), g)}
		for _, v := range u.Fixed {
			args = append(args, nullable(v))
		}
		for _, p := range keys {
			v, present := u.Props[p]
			if present && nested[p] {
				v = jsonText(v) // every value of a JSON column is JSON text, strings too
			}
			args = append(args, sqliteArg(v))
		}
		_, err = stmt.ExecContext(ctx, args...)
		return err
	})
	if err != nil {
		return n, err
	}
	if n > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?`,
			bound.Min[0], bound.Min[1], bound.Max[0], bound.Max[1]); err != nil {
			return n, err
		}
	}
	return n, tx.Commit()
}

// createLayer makes the core tables and the feature table; it returns the
// INSERT statement for a feature.
func createLayer(ctx context.Context, tx *sql.Tx, layer string, k *exportKind, keys []string, values map[string][]any, srid int, srtext string) (string, error) {
	for _, s := range gpkgSchema {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return "", err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, 'EPSG', ?, ?, NULL)`,
		"EPSG:"+strconv.Itoa(srid), srid, srid, srtext); err != nil {
		return "", err
	}
	cols := []string{"fid INTEGER PRIMARY KEY AUTOINCREMENT", "geom MULTIPOLYGON"}
	marks := []string{"?"}
	names := []string{"geom"}
	for i, f := range k.fields {
		typ := "TEXT"
		if i == 0 {
			typ = "TEXT NOT NULL UNIQUE" // the code
		}
		cols, names, marks = append(cols, f.Key+" "+typ), append(names, f.Key), append(marks, "?")
	}
	own := []string{"fid", "geom"}
	for _, f := range k.fields {
		own = append(own, f.Key)
	}
	columns := k.columnsOf(keys, newColumnNamer(nil, nil, own...)) // SQLite ignores case
	described := make([]dataColumn, len(keys))
	for i, p := range keys {
		typ := sqliteType(values[p])
		described[i] = dataColumn{column: columns[i], property: p}
		if needsJSON(values[p]) {
			typ, described[i].json = "TEXT", true
		}
		cols = append(cols, sqliteIdent(columns[i])+" "+typ)
		names = append(names, sqliteIdent(columns[i]))
		marks = append(marks, "?")
	}
	stmts := []struct {
		sql  string
		args []any
	}{
		{`CREATE TABLE ` + sqliteIdent(layer) + ` (` + strings.Join(cols, ", ") + `)`, nil},
		{`INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES (?, 'features', ?, ?)`, []any{layer, layer, srid}},
		{`INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'MULTIPOLYGON', ?, 0, 0)`, []any{layer, srid}},
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s.sql, s.args...); err != nil {
			return "", err
		}
	}
	if err := describeColumns(ctx, tx, layer, described); err != nil {
		return "", err
	}
	return `INSERT INTO ` + sqliteIdent(layer) + ` (` + strings.Join(names, ", ") + `) VALUES (` + strings.Join(marks, ", ") + `)`, nil
}

// sqliteType declares a property column by the values it holds, so that
// desktop tools see integers, reals and booleans, not text.
func sqliteType(vals []any) string {
	integer, real, boolean := true, true, true
	for _, v := range vals {
		if n, ok := v.(json.Number); ok {
			v, _ = gpkgNumber(n)
		}
		switch x := v.(type) {
		case nil:
		case int64:
			boolean = false
		case float64:
			boolean = false
			integer = integer && x == math.Trunc(x) && math.Abs(x) < 1<<53
		case bool:
			integer, real = false, false
		default:
			integer, real, boolean = false, false, false
		}
	}
	switch {
	case integer && !boolean:
		return "INTEGER"
	case real && !boolean:
		return "REAL"
	case boolean && !real:
		return "BOOLEAN"
	}
	return "TEXT"
}

// sqliteArg stores a property value in a SQLite column: scalars as they
// are, nested values as JSON text.
func sqliteArg(v any) any {
	if n, ok := v.(json.Number); ok {
		v, _ = gpkgNumber(n) // numbersNeedJSON sent those a double cannot hold to JSON text
	}
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x) // an integer property stays INTEGER, as desktop tools expect
		}
		return x
	case nil, string, bool:
		return x
	}
	return jsonText(v)
}

// gpkgNumber is a property's number as SQLite holds it: an int64 when it
// is an integer that fits one (exact, whatever its digits), else a
// float64. exact is false when that float64 is not the number (more digits
// than a double holds, as 0.1234567890123456789, or beyond its range).
func gpkgNumber(n json.Number) (v any, exact bool) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, true
	}
	f, err := n.Float64()
	if err != nil {
		return nil, false
	}
	return f, geo.SameNumber(n, json.Number(strconv.FormatFloat(f, 'g', -1, 64)))
}

// numbersNeedJSON reports whether a property's numbers would be changed
// by a numeric column, so that only a JSON column (JSON text, read back
// exactly) keeps them: one that a double cannot hold, or an integer beyond
// 2^53 in a column a fraction makes REAL, where SQLite stores it rounded.
// 12345678901234567890 is beyond both int64 and a double's 53 bits.
func numbersNeedJSON(vals []any) bool {
	var bigInt, real bool
	for _, v := range vals {
		n, ok := v.(json.Number)
		if !ok {
			continue
		}
		x, exact := gpkgNumber(n)
		if !exact {
			return true
		}
		switch x := x.(type) {
		case int64:
			bigInt = bigInt || x >= 1<<53 || x <= -(1<<53)
		case float64:
			real = real || x != math.Trunc(x) || math.Abs(x) >= 1<<53
		}
	}
	return bigInt && real
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
