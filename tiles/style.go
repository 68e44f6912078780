package tiles

import (
	"math"
	"slices"
)

// The MapLibre style (v8) of /style.json. It needs no base map: the
// districts are the base. It sets no "glyphs": MapLibre GL JS (5.11 and
// later) then draws labels with the browser's own fonts, which is also how
// Chinese labels are best drawn, and nothing is fetched from the internet.
// Every style layer carries metadata "gridmap:layer" naming its tile layer,
// so a dashboard can toggle a tile layer's style layers together.

// The style's two vector sources. SourceName draws the layers with a data
// version (the boundaries, enclaves, gaps): their tiles are cached and
// served from memory, on the fast lane. LiveSourceName draws the layers
// drawn fresh at every request (reports, density, patrols): one source for
// all would make every tile a fresh drawing, boundaries included, as a
// tile is cached only when every layer in it has a version.
const (
	SourceName     = "gridmap"
	LiveSourceName = "gridmap-live"
)

// font is the text-font stack: names of local fonts, generic last.
var font = []string{"Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "sans-serif"}

// Severity colours of hazards, 1 (minor) to 4 (severe).
var severityColours = []any{"match", []any{"get", "severity"}, 1, "#43a047", 2, "#fbc02d", 3, "#f4511e", 4, "#b71c1c", "#757575"}

// HexColourLow is the colour of a hazard-density cell with one report.
const HexColourLow = "#fb8c00"

// gapColour and gapLineColour draw the unmanaged gaps (a violet apart from
// the density cells' oranges and reds, the enclaves' magenta and the
// patrols' blue).
const (
	gapColour     = "#7e57c2"
	gapLineColour = "#4527a0"
)

type styleLayer = map[string]any

// Style returns the style drawing every available layer from the tiles
// under base (the service's absolute root URL), opening on bounds (the
// data's: Bounds), so that a map made from it starts over this city, not
// over one written into the service.
func (s *Service) Style(base string, bounds [4]float64) map[string]any {
	layers := []styleLayer{{"id": "background", "type": "background", "paint": map[string]any{"background-color": "#dfe6ec"}}}
	has := map[string]bool{}
	for _, l := range s.available {
		has[l.Name] = true
	}
	// Fills first (bottom to top), then outlines, then points and labels.
	for _, group := range [][]styleLayer{fills(has), lines(has), points(has), labels(has)} {
		layers = append(layers, group...)
	}
	versioned, live := splitLive(s.available)
	sources := map[string]any{}
	for name, set := range map[string][]*Layer{SourceName: versioned, LiveSourceName: live} {
		if len(set) > 0 {
			sources[name] = map[string]any{"type": "vector", "url": base + "/tiles/" + LayerSet(set) + ".json", "attribution": attribution}
		}
	}
	return map[string]any{
		"version": 8,
		"name":    "gridmap",
		"metadata": map[string]any{
			"gridmap:layers": names(s.available),
		},
		"center":  []float64{(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2},
		"zoom":    fitZoom(bounds),
		"sources": sources,
		"layers":  layers,
	}
}

// fitZoom is the zoom at which bounds fill a screen of 1280 × 800 pixels,
// a wall screen's or a laptop's: a map on a phone opens zoomed out by one
// or two, then moves where its page wants.
func fitZoom(bounds [4]float64) float64 {
	const width, height, tile = 1280.0, 800.0, 512.0
	mercY := func(lat float64) float64 { return math.Log(math.Tan(math.Pi/4 + lat*math.Pi/360)) }
	across := math.Log2(width / tile * 360 / math.Max(bounds[2]-bounds[0], 1e-9))
	up := math.Log2(height / tile * 2 * math.Pi / math.Max(mercY(bounds[3])-mercY(bounds[1]), 1e-9))
	return math.Round(math.Max(0, math.Min(SourceMaxZoom, math.Min(across, up)))*10) / 10
}

// splitLive parts layers into those with a data version and those drawn
// fresh, each in its order.
func splitLive(layers []*Layer) (versioned, live []*Layer) {
	for _, l := range layers {
		if l.drawnFresh() {
			live = append(live, l)
		} else {
			versioned = append(versioned, l)
		}
	}
	return versioned, live
}

func layer(tileLayer, id, typ, source string, extra map[string]any) styleLayer {
	l := styleLayer{"id": id, "type": typ, "source": styleSource(tileLayer), "source-layer": source,
		"metadata": map[string]any{"gridmap:layer": tileLayer}}
	for k, v := range extra {
		l[k] = v
	}
	return l
}

// styleSource is the style's source that draws tileLayer: LiveSourceName
// for a layer drawn fresh, SourceName for the others.
func styleSource(tileLayer string) string {
	if slices.ContainsFunc(registry, func(l *Layer) bool { return l.Name == tileLayer && l.drawnFresh() }) {
		return LiveSourceName
	}
	return SourceName
}

// highlight is the fill colour of a selected or hovered unit (feature-state
// set by the dashboard), transparent otherwise so the fill still takes clicks.
func highlight(selected, hover string) []any {
	return highlightOver(selected, hover, "rgba(0,0,0,0)")
}

// highlightOver is highlight over a fill of its own (a district's colour).
func highlightOver(selected, hover string, otherwise any) []any {
	return []any{"case",
		[]any{"boolean", []any{"feature-state", "selected"}, false}, selected,
		[]any{"boolean", []any{"feature-state", "hover"}, false}, hover,
		otherwise}
}

func fills(has map[string]bool) []styleLayer {
	var out []styleLayer
	if has["district"] {
		// A selected district is highlighted as a street is, over its own
		// colour (a newcomer clicked one and saw nothing change).
		out = append(out, layer("district", "district-fill", "fill", "district", map[string]any{
			"paint": map[string]any{"fill-color": highlightOver("#ffe082", "#fff3c4",
				[]any{"match", []any{"%", []any{"to-number", []any{"get", "code"}}, 5},
					0, "#f6f1e3", 1, "#eef4e4", 2, "#e7f0f6", 3, "#f5ebef", "#f1efe6"})},
		}))
	}
	for _, name := range []string{"street", "community"} {
		if has[name] {
			out = append(out, layer(name, name+"-fill", "fill", name, map[string]any{
				"paint": map[string]any{"fill-color": highlight("rgba(255,213,79,0.45)", "rgba(255,243,196,0.45)")},
			}))
		}
	}
	if has["report_hex"] {
		out = append(out, layer("report_hex", "report_hex-fill", "fill", "report_hex", map[string]any{
			// Saturated from the first report on: a cell with one hazard must
			// stand out from the map, not fade into it.
			"paint": map[string]any{"fill-opacity": 0.72, "fill-outline-color": "#bf360c",
				"fill-color": []any{"interpolate", []any{"linear"}, []any{"get", "count"},
					1, HexColourLow, 5, "#f4511e", 20, "#d32f2f", 100, "#7f0000"}},
		}))
	}
	// Gaps are drawn above the density cells, in a hue none of the case
	// layers use: under the cells' oranges, an orange gap could not be found.
	if has["gap"] {
		out = append(out, layer("gap", "gap-fill", "fill", "gap", map[string]any{
			"paint": map[string]any{"fill-color": gapColour, "fill-opacity": 0.6},
		}))
	}
	if has["grid"] {
		out = append(out, layer("grid", "grid-fill", "fill", "grid", map[string]any{
			"paint": map[string]any{"fill-color": highlight("rgba(255,213,79,0.6)", "rgba(255,243,196,0.6)")},
		}))
	}
	if has["enclave"] {
		out = append(out, layer("enclave", "enclave-fill", "fill", "enclave", map[string]any{
			"paint": map[string]any{"fill-color": "#d81b60", "fill-opacity": 0.35},
		}))
	}
	return out
}

func line(tileLayer, colour string, width []any, dash []float64) styleLayer {
	paint := map[string]any{"line-color": colour, "line-width": width}
	if dash != nil {
		paint["line-dasharray"] = dash
	}
	return layer(tileLayer, tileLayer+"-line", "line", tileLayer, map[string]any{
		"paint": paint, "layout": map[string]any{"line-join": "round"}})
}

func zoomWidth(stops ...float64) []any {
	expr := []any{"interpolate", []any{"linear"}, []any{"zoom"}}
	for _, s := range stops {
		expr = append(expr, s)
	}
	return expr
}

func lines(has map[string]bool) []styleLayer {
	var out []styleLayer
	if has["grid"] {
		out = append(out, line("grid", "#7b8fa3", zoomWidth(13, 0.4, 16, 1.2), nil))
	}
	if has["community"] {
		out = append(out, line("community", "#4f6f8f", zoomWidth(11, 0.6, 16, 2), []float64{3, 1.5}))
	}
	if has["street"] {
		out = append(out, line("street", "#35506b", zoomWidth(9, 0.8, 16, 3), nil))
	}
	if has["district"] {
		out = append(out, line("district", "#1f2d3a", zoomWidth(5, 1, 16, 4.5), nil))
	}
	if has["gap"] {
		out = append(out, line("gap", gapLineColour, zoomWidth(11, 1, 16, 2.5), []float64{2, 1}))
	}
	if has["enclave"] {
		out = append(out, line("enclave", "#ad1457", zoomWidth(10, 1.5, 16, 3), []float64{2, 1}))
	}
	if has["patrol"] {
		out = append(out, line("patrol", "#1e88e5", zoomWidth(12, 1, 17, 3), nil))
	}
	return out
}

func points(has map[string]bool) []styleLayer {
	var out []styleLayer
	if has["enclave"] {
		// Enclaves are a few hundred metres wide: below z14 a marker shows where.
		out = append(out, layer("enclave", "enclave-marker", "circle", "enclave_label", map[string]any{
			"maxzoom": 14,
			"paint": map[string]any{"circle-radius": 6, "circle-color": "#d81b60", "circle-stroke-color": "#ffffff",
				"circle-stroke-width": 2},
		}))
	}
	if has["report"] {
		// Hazards and events by severity; closed and rejected cases faded.
		out = append(out, layer("report", "report-circle", "circle", "report", map[string]any{
			"filter": []any{"!=", []any{"get", "kind"}, "patrol_log"},
			"paint": map[string]any{"circle-color": severityColours, "circle-stroke-color": "#ffffff", "circle-stroke-width": 1,
				"circle-radius":  zoomWidth(14, 4, 18, 9),
				"circle-opacity": []any{"match", []any{"get", "state"}, []any{"closed", "rejected"}, 0.35, 1}},
		}))
	}
	return out
}

func label(tileLayer string, minZoom, maxZoom float64, size []any, colour string) styleLayer {
	l := layer(tileLayer, tileLayer+"-label", "symbol", tileLayer+"_label", map[string]any{
		"minzoom": minZoom,
		"layout": map[string]any{"text-field": []any{"get", "name"}, "text-font": font, "text-size": size,
			"text-max-width": 8, "text-padding": 4},
		"paint": map[string]any{"text-color": colour, "text-halo-color": "rgba(255,255,255,0.9)", "text-halo-width": 1.5},
	})
	if maxZoom > 0 {
		l["maxzoom"] = maxZoom
	}
	return l
}

func labels(has map[string]bool) []styleLayer {
	var out []styleLayer
	if has["grid"] {
		out = append(out, label("grid", 14.5, 0, zoomWidth(14.5, 10, 18, 14), "#51606e"))
	}
	if has["community"] {
		out = append(out, label("community", 12.5, 16, zoomWidth(12.5, 11, 16, 14), "#2f4a66"))
	}
	if has["street"] {
		out = append(out, label("street", 10.5, 14, zoomWidth(10.5, 12, 14, 15), "#243b53"))
	}
	if has["district"] {
		// The central districts of a city are small: at z9 six of them share
		// a few dozen pixels. Smaller text at low zoom, little padding and
		// the freedom to move a label beside its point keep every name.
		l := label("district", 0, 12, zoomWidth(7, 10, 9, 11.5, 12, 18), "#102030")
		layout := l["layout"].(map[string]any)
		layout["text-padding"] = 1
		layout["text-variable-anchor"] = []string{"center", "top", "bottom", "left", "right"}
		layout["text-radial-offset"] = 0.45
		out = append(out, l)
	}
	if has["enclave"] {
		l := label("enclave", 12, 0, zoomWidth(12, 11, 17, 14), "#880e4f")
		layout := l["layout"].(map[string]any)
		layout["text-anchor"], layout["text-offset"] = "top", []float64{0, 0.9} // below its marker
		out = append(out, l)
	}
	return out
}
