package importer

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Property names in export files. Every export puts a unit's properties in
// the same table (or GeoJSON "properties" object) as the file's own columns,
// so one rule names their columns, in every format:
//
//  1. A property named like one of the file's own columns, ignoring case —
//     a unit's code, name, level, parent_code (parent in a .dbf), an
//     enclave's code, name, managing_code (managing), status and reason,
//     and a GeoPackage's fid and geom, reserved in every format alike —,
//     a property whose name starts with p_ (any case), and the property
//     named "" are written as p_ followed by their name: code as p_code,
//     p_code as p_p_code, "" as p_. No other name changes, so the escaped
//     names are distinct from each other and from the file's own columns.
//  2. Where the format would still confuse two columns — a GeoPackage
//     (SQLite) ignores case in column names; dBase ignores it too and keeps
//     10 bytes, in the file's encoding, of a name without control
//     characters or spaces at its ends — every column whose name is free
//     takes it, then each other (in key order) the first free number:
//     abcdefghijk2, grid_work2.
//  3. The file says which columns hold which properties: the GeoJSON's
//     "gridmap" member {"version":1,"columns":{column: property}} (before
//     "features"), the GeoPackage's gpkg_data_columns (name: the property,
//     description: "gridmap property"), the shapefile's .gridmap.json
//     sidecar ("columns"). The importer reads such a file's properties
//     under those names exactly — no field guessing and no renaming
//     (propnames.go) reaches them — and its own columns as the unit's
//     fields; a column the map does not name (one added in QGIS) is read
//     as any file's attribute. A file without the map is read as any other.
//
// No key is left out: every format carries every property (the shapefile's
// exact values in its sidecar, also of properties beyond the columns a
// .dbf holds, which the export warns of).

// escapePrefix starts the column of a property named like a column of the
// file's own (rule 1).
const escapePrefix = "p_"

// gpkgPropertyMark is the description gpkg_data_columns gives a property
// column of gridmap's GeoPackage export; its name is the property's.
const gpkgPropertyMark = "gridmap property"

// reserved says whether name is a column of the kind's files (ignoring
// case): one of its fields, by key or dBase name, or a GeoPackage's fid or
// geometry column.
func (k *exportKind) reserved(name string) bool {
	if strings.EqualFold(name, "fid") || strings.EqualFold(name, "geom") {
		return true
	}
	for _, f := range k.fields {
		if strings.EqualFold(f.Key, name) || strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// column is the column a property asks for (rule 1).
func (k *exportKind) column(prop string) string {
	if prop == "" || k.reserved(prop) || len(prop) >= len(escapePrefix) && strings.EqualFold(prop[:len(escapePrefix)], escapePrefix) {
		return escapePrefix + prop
	}
	return prop
}

// columnsOf names the columns of the properties keys (rules 1 and 2) in
// a table whose names namer holds.
func (k *exportKind) columnsOf(keys []string, namer *columnNamer) []string {
	want := make([]string, len(keys))
	for i, p := range keys {
		want[i] = k.column(p)
	}
	return namer.names(want)
}

// columnNamer gives property columns names that are unique ignoring case
// (rule 2).
type columnNamer struct {
	used  map[string]bool     // the names taken, upper-cased
	fits  func(string) bool   // whether the format holds a name; nil: any
	clean func(string) string // what the format makes of a name before cutting it; nil: nothing
}

func newColumnNamer(fits func(string) bool, clean func(string) string, own ...string) *columnNamer {
	n := &columnNamer{used: map[string]bool{}, fits: fits, clean: clean}
	for _, c := range own {
		n.take(c)
	}
	return n
}

func (n *columnNamer) take(name string) { n.used[strings.ToUpper(name)] = true }

func (n *columnNamer) free(name string) bool {
	return name != "" && !n.used[strings.ToUpper(name)] && (n.fits == nil || n.fits(name))
}

// cut shortens name until the format holds it.
func (n *columnNamer) cut(name string) string {
	if n.clean != nil {
		name = n.clean(name)
	}
	for name != "" && n.fits != nil && !n.fits(name) {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// names gives each of want (in order) a column: its own name, cut to fit,
// when no other column has it; then to the others, the first free number.
func (n *columnNamer) names(want []string) []string {
	out := make([]string, len(want))
	for i, w := range want {
		if c := n.cut(w); n.free(c) {
			out[i] = c
			n.take(c)
		}
	}
	for i, w := range want {
		if out[i] != "" {
			continue
		}
		base := n.cut(w)
		for j := 2; ; j++ {
			suffix := strconv.Itoa(j)
			b := base
			for b != "" && n.fits != nil && !n.fits(b+suffix) {
				_, size := utf8.DecodeLastRuneInString(b)
				b = b[:len(b)-size]
			}
			if n.free(b + suffix) {
				out[i] = b + suffix
				break
			}
		}
		n.take(out[i])
	}
	return out
}

// dbfColumnName is what a .dbf can hold of a column name: control
// characters become _, spaces at the ends go (readers trim them).
func dbfColumnName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return '_'
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// dbfFits says whether a .dbf in cs holds name as a column name.
func dbfFits(cs charset) func(string) bool {
	return func(name string) bool {
		b, ok := cs.encode(name)
		return ok && len(b) <= 10 && dbfColumnName(name) == name
	}
}

// exportedColumns reads the "gridmap" member of a GeoJSON export: its
// column → property map, nil when raw is not one.
func exportedColumns(raw json.RawMessage) map[string]string {
	var m struct {
		Version int               `json:"version"`
		Columns map[string]string `json:"columns"`
	}
	if json.Unmarshal(raw, &m) != nil || m.Version != 1 || m.Columns == nil {
		return nil
	}
	return m.Columns
}

// splitExported keeps a feature of gridmap's export apart: the columns
// cols names become its properties under their names (Feature.nested,
// exact), the others (the unit's fields, columns added since) stay its
// attributes.
func splitExported(f *Feature, cols map[string]string) {
	if f.Attrs == nil || f.nested != nil {
		return
	}
	props := map[string]any{}
	for c, v := range f.Attrs {
		if p, ok := cols[c]; ok {
			props[p] = v
			delete(f.Attrs, c)
		}
	}
	f.nested, f.exact = props, true
}

// exactProps is what a feature of gridmap's export keeps in properties:
// its properties as they are, and any attribute mapped to no field (a
// column added since the export, named as any file's, wins over a property
// of its name: it is the newer); the props option picks among them.
func (m *mapper) exactProps(f Feature, mapped ...string) map[string]any {
	want := m.fields.Props
	if len(want) == 1 && want[0] == "none" {
		return map[string]any{}
	}
	all := maps.Clone(f.nested)
	added := map[string]any{}
	for k, v := range f.Attrs {
		if !slices.Contains(mapped, k) {
			added[k] = v
		}
	}
	context := maps.Clone(added)
	maps.Copy(context, f.nested)
	for k, v := range added {
		name := propertyName(k, context)
		if name != k {
			m.noteRenamed(k, name)
		}
		all[name] = v
	}
	if len(want) == 0 || len(want) == 1 && want[0] == "*" {
		return all
	}
	return chosen(all, want)
}
