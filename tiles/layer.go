package tiles

import (
	"context"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/geo"
)

// Zoom limits of the tile pyramid. Tiles are served up to MaxZoom; the
// TileJSON advertises SourceMaxZoom, above which MapLibre over-zooms (a z16
// tile still has 15 cm resolution, so finer tiles would only cost requests).
const (
	MaxZoom       = 24
	SourceMaxZoom = 16
	// Extent is the MVT coordinate extent of every layer.
	Extent = 4096
)

// Geometry is the geometry type of a layer's features.
type Geometry string

// The geometry types.
const (
	Polygon Geometry = "polygon"
	Point   Geometry = "point"
	Line    Geometry = "line"
)

// Layer is one tile layer: which data it draws, at which zooms, which
// properties its features carry and which filters it accepts.
type Layer struct {
	Name        string
	Title       string // for legends: Chinese and English
	Description string
	Geometry    Geometry
	// MinZoom and MaxZoom bound the zooms the layer is drawn at; outside
	// them a tile holds nothing of it.
	MinZoom, MaxZoom int
	// Fields describes each feature property (TileJSON vector_layers.fields).
	Fields map[string]string
	// Label says the layer also emits "<name>_label": one point per feature,
	// inside it, so a label is placed once rather than once per tile.
	Label bool
	// Versions are the data_version layers the content depends on; the
	// cache keys on them.
	Versions []string
	// Filters are the filter parameters the layer accepts.
	Filters []string
	// Requires is a relation that must exist for the layer to be served
	// (tables of other features, installed by their migrations).
	Requires string
	// personal says which personal data the layer's features carry; its
	// SQL then takes the Privacy arguments after the filters'.
	personal personalData

	// Exactly one of sql and render draws the layer. sql takes $1..$3 = z,
	// x, y, $4 = Versions, then the filter arguments (see Filter.args), and
	// returns (versions bigint[], pending float8, mvt bytea): pending is the
	// seconds until a version dated in the future begins, or NULL.
	sql    string
	render renderFunc
}

// personalData is what a layer may have to leave out (see Privacy).
type personalData int

const (
	personalNone   personalData = iota
	personalPoints              // report points: rounded
	personalTracks              // patrol tracks: snapped to the rounding grid; workers' names left out
)

// renderFunc draws a layer computed in Go; it returns the versions it drew
// (aligned with Layer.Versions) and the encoded layer.
type renderFunc func(ctx context.Context, q querier, l *Layer, c Coord, f Filter) ([]int64, []byte, error)

// querier is what a computed layer reads with: a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// LabelName is the name of the layer's label points layer.
func (l *Layer) LabelName() string { return l.Name + "_label" }

// drawnAt reports whether the layer has content at zoom z.
func (l *Layer) drawnAt(z int) bool { return z >= l.MinZoom && z <= l.MaxZoom }

// drawnFresh reports whether the layer has no data version: its tiles are
// drawn at every request, never cached (reports, density, patrols).
func (l *Layer) drawnFresh() bool { return len(l.Versions) == 0 }

// accepts reports whether the layer takes the named filter.
func (l *Layer) accepts(filter string) bool { return slices.Contains(l.Filters, filter) }

// unitFields are the properties of every unit layer.
var unitFields = map[string]string{
	"code":        "unit code (GB/T 2260 style: 6, 9, 12, 15 or 18 digits)",
	"name":        "unit name",
	"level":       "district, street, community, grid or microgrid",
	"parent_code": "code of the parent unit",
	"district":    "code of the district the unit lies in",
	"street":      "code of the street (街道/乡镇), below street level",
	"community":   "code of the community (社区/村), below community level",
}

func unitLayer(name, title, desc string, minZoom int, versions ...string) *Layer {
	fields := map[string]string{}
	for k, v := range unitFields {
		fields[k] = v
	}
	if name == "grid" {
		fields["households"] = "number of households (户数), when known"
	}
	return &Layer{Name: name, Title: title, Description: desc, Geometry: Polygon,
		MinZoom: minZoom, MaxZoom: 22, Fields: fields, Label: true,
		Versions: versions, sql: unitLayerSQL(name)}
}

// registry lists every layer gridmap knows, in drawing order (bottom first);
// a multi-layer tile holds its layers in this order.
var registry = []*Layer{
	unitLayer("district", "区 district", "districts (区), the base of the map", 0, "district"),
	unitLayer("street", "街道/乡镇 street", "streets and townships (街道/乡镇)", 9, "street"),
	unitLayer("community", "社区/村 community", "communities and villages (社区/村)", 11, "community"),
	unitLayer("grid", "网格 grid", "grids (网格) and micro-grids (微网格)", 13, "grid", "microgrid"),
	{
		Name: "enclave", Title: "飞地 enclave", Geometry: Polygon, MinZoom: 10, MaxZoom: 22, Label: true,
		Description: "enclaves (飞地): areas inside one unit's territory managed by another",
		Fields: map[string]string{
			"code": "enclave code", "name": "enclave name",
			"status":        "unmanaged (失管), custodial (代管) or transferred (属地化)",
			"managing_code": "code of the managing unit", "managing_level": "level of the managing unit",
		},
		Versions: []string{"enclave"}, sql: enclaveSQL,
	},
}

// Lookup returns the registered layer named name, available or not.
func Lookup(name string) (*Layer, bool) {
	for _, l := range registry {
		if l.Name == name {
			return l, true
		}
	}
	return nil, false
}

// Names lists the registered layer names in drawing order.
func Names() []string {
	names := make([]string, len(registry))
	for i, l := range registry {
		names[i] = l.Name
	}
	return names
}

// parseLayers reads a comma-separated layer list against the available
// layers and returns them deduplicated, in drawing order.
func parseLayers(s string, available []*Layer) ([]*Layer, error) {
	if s == "" {
		return nil, geo.Invalid("layers", "no layer named; want a comma-separated list of %s", strings.Join(names(available), ", "))
	}
	want := map[string]bool{}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if !slices.ContainsFunc(available, func(l *Layer) bool { return l.Name == name }) {
			if _, known := Lookup(name); known {
				return nil, geo.Errorf(geo.ENOTFOUND, "layers", "layer %q is not available on this server (its data are not installed)", clip(name))
			}
			return nil, geo.Invalid("layers", "unknown layer %q; want a comma-separated list of %s", clip(name), strings.Join(names(available), ", "))
		}
		want[name] = true
	}
	var out []*Layer
	for _, l := range available {
		if want[l.Name] {
			out = append(out, l)
		}
	}
	return out, nil
}

func names(layers []*Layer) []string {
	out := make([]string, len(layers))
	for i, l := range layers {
		out[i] = l.Name
	}
	return out
}

// clip shortens echoed input (see geo.Clip).
func clip(s string) string { return geo.Clip(s) }
