package importer

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
)

// Properties whose values are objects or lists go into a GeoPackage as JSON
// text in a column declared application/json in gpkg_data_columns (the
// GeoPackage schema extension, as GDAL writes JSON fields), and come back
// as the values they were (so does a property that is null somewhere). A
// NULL attribute is no value: the property is left out, as a unit without
// that property was written.

// gpkgDataColumnsSchema creates the schema extension's table.
var gpkgDataColumnsSchema = []string{
	`CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
	  definition TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))`,
	`CREATE TABLE gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT,
	  description TEXT, mime_type TEXT, constraint_name TEXT,
	  CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name), CONSTRAINT gdc_tn UNIQUE (table_name, name))`,
	`INSERT INTO gpkg_extensions VALUES ('gpkg_data_columns', NULL, 'gpkg_schema',
	  'http://www.geopackage.org/spec121/#extension_schema', 'read-write')`,
}

// needsJSON reports whether a property's values need a JSON column: one is
// an object or a list, or an explicit null (which a NULL would turn into
// "no property"), or a number no numeric column keeps (numbersNeedJSON).
func needsJSON(vals []any) bool {
	for _, v := range vals {
		switch v.(type) {
		case map[string]any, []any, nil:
			return true
		}
	}
	return numbersNeedJSON(vals)
}

// dataColumn is a property column of an export's layer.
type dataColumn struct {
	column, property string
	json             bool // holds JSON text
}

// describeColumns records the property columns of layer in
// gpkg_data_columns: the property each holds (name, with the description
// gpkgPropertyMark: propcolumns.go) and whether it is JSON.
func describeColumns(ctx context.Context, tx *sql.Tx, layer string, cols []dataColumn) error {
	if len(cols) == 0 {
		return nil
	}
	for _, s := range gpkgDataColumnsSchema {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	for _, c := range cols {
		var mime any
		if c.json {
			mime = "application/json"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO gpkg_data_columns (table_name, column_name, name, description, mime_type)
			VALUES (?, ?, ?, ?, ?)`, layer, c.column, c.property, gpkgPropertyMark, mime); err != nil {
			return err
		}
	}
	return nil
}

// jsonColumns lists the columns of table declared application/json.
func (g *gpkgReader) jsonColumns(table string) (map[string]bool, error) {
	out := map[string]bool{}
	var n int
	if err := g.conn.QueryRowContext(g.ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'gpkg_data_columns'`).Scan(&n); err != nil || n == 0 {
		return out, err
	}
	rows, err := g.conn.QueryContext(g.ctx, `SELECT column_name FROM gpkg_data_columns
		WHERE table_name = ? AND lower(mime_type) = 'application/json'`, table)
	if err != nil {
		return nil, g.corrupt(err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, g.corrupt(err)
		}
		out[c] = true
	}
	return out, rows.Err()
}

// propertyColumns maps the property columns of a layer gridmap exported to
// their properties (describeColumns); nil for any other layer.
func (g *gpkgReader) propertyColumns(table string) (map[string]string, error) {
	var n int
	if err := g.conn.QueryRowContext(g.ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'gpkg_data_columns'`).Scan(&n); err != nil || n == 0 {
		return nil, err
	}
	rows, err := g.conn.QueryContext(g.ctx, `SELECT column_name, name FROM gpkg_data_columns
		WHERE table_name = ? AND description = ? AND name IS NOT NULL`, table, gpkgPropertyMark)
	if err != nil {
		return nil, g.corrupt(err)
	}
	defer rows.Close()
	var out map[string]string
	for rows.Next() {
		var c, p string
		if err := rows.Scan(&c, &p); err != nil {
			return nil, g.corrupt(err)
		}
		if out == nil {
			out = map[string]string{}
		}
		out[c] = p
	}
	return out, rows.Err()
}

// jsonValue decodes the text of a JSON column; text that is not JSON (typed
// into the column by hand) stays text.
func jsonValue(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil || dec.More() {
		return s
	}
	return out
}
