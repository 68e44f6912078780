package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// runResolve reads points from stdin (CSV lng,lat[,id] or GeoJSON) and
// writes one result per point: CSV for CSV input, JSON lines for GeoJSON.
func runResolve(ctx context.Context, args []string) error {
	var url, crsName, atText string
	fs := newFlags("resolve", &url)
	fs.StringVar(&crsName, "crs", "wgs84", "coordinate system of the input: wgs84, cgcs2000, gcj02 or bd09")
	fs.StringVar(&atText, "at", "", "resolve against the versions valid at this time: RFC 3339, or a date meaning its midnight in China (default now)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	crs, err := geo.ParseCRS(crsName)
	if err != nil {
		return err
	}
	q := geo.ResolveQuery{CRS: crs}
	if atText != "" {
		if q.At, err = timeFlag(atText); err != nil {
			return err
		}
	}
	db, err := postgres.OpenAsIs(ctx, url, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := geo.NewService(db, db)
	if err := svc.Reload(ctx); err != nil {
		return err
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	return runResolveInput(ctx, svc, q, os.Stdin, out)
}

// runResolveInput answers the points of input, GeoJSON or CSV by its
// first byte.
func runResolveInput(ctx context.Context, svc *geo.Service, q geo.ResolveQuery, input io.Reader, out io.Writer) error {
	in := bufio.NewReader(input)
	if head, _ := in.Peek(3); bytes.Equal(head, []byte("\xef\xbb\xbf")) {
		in.Discard(3) // a BOM, which a JSON decoder refuses
	}
	if looksLikeJSON(in) {
		return resolveGeoJSON(ctx, svc, q, in, out)
	}
	return resolveCSV(ctx, svc, q, in, out)
}

func looksLikeJSON(r *bufio.Reader) bool {
	b, _ := r.Peek(64)
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

func resolveCSV(ctx context.Context, svc *geo.Service, q geo.ResolveQuery, in io.Reader, out io.Writer) error {
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	w := csv.NewWriter(out)
	defer w.Flush()
	_ = w.Write([]string{"id", "lng", "lat", "status", "responsible", "grid", "community", "street", "district", "enclave", "conflicts", "error"})
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read CSV line %d: %w", line, err)
		}
		id, p, perr := csvPoint(rec, line)
		if perr != nil && line == 1 {
			continue // a header line
		}
		row := []string{id, field(rec, 0), field(rec, 1)}
		var res geo.Resolution
		if perr == nil {
			q.Point = p
			res, perr = svc.Resolve(ctx, q)
		}
		if perr != nil {
			row = append(row, "", "", "", "", "", "", "", "", perr.Error())
		} else {
			row = append(append(row, resultColumns(&res)...), "")
		}
		if err := w.Write(row); err != nil {
			return err
		}
	}
}

func csvPoint(rec []string, line int) (string, orb.Point, error) {
	id := strconv.Itoa(line)
	if len(rec) > 2 {
		id = rec[2]
	}
	if len(rec) < 2 {
		return id, orb.Point{}, fmt.Errorf("line %d: want lng,lat[,id]", line)
	}
	lng, err1 := strconv.ParseFloat(strings.TrimSpace(rec[0]), 64)
	lat, err2 := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
	if err1 != nil || err2 != nil {
		return id, orb.Point{}, fmt.Errorf("line %d: lng and lat must be numbers", line)
	}
	return id, orb.Point{lng, lat}, nil
}

func field(rec []string, i int) string {
	if i < len(rec) {
		return rec[i]
	}
	return ""
}

func resultColumns(r *geo.Resolution) []string {
	code := func(ref *geo.Ref) string {
		if ref == nil {
			return ""
		}
		return ref.Code
	}
	var responsible, enclave string
	if r.Responsible != nil {
		responsible = r.Responsible.Code
	}
	if r.Enclave != nil {
		enclave = r.Enclave.Code
	}
	var conflicts []string
	for _, c := range r.Conflicts {
		conflicts = append(conflicts, c.Code)
	}
	return []string{string(r.Status), responsible, code(r.Grid), code(r.Community), code(r.Street),
		code(r.District), enclave, strings.Join(conflicts, " ")}
}

// resolveGeoJSON answers a FeatureCollection one feature at a time: the
// file is never held whole, and each feature's id and properties are echoed
// as they were written (an 18-digit number read as a float64 would come
// back as the nearest double).
func resolveGeoJSON(ctx context.Context, svc *geo.Service, q geo.ResolveQuery, in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(in)
	if err := seekFeatures(dec); err != nil {
		return fmt.Errorf("read GeoJSON: %w", err)
	}
	enc := json.NewEncoder(out)
	for i := 0; dec.More(); i++ {
		var f pointFeature
		if err := dec.Decode(&f); err != nil {
			return fmt.Errorf("read GeoJSON: features[%d]: %w", i, err)
		}
		if err := enc.Encode(resolveFeature(ctx, svc, q, i, f)); err != nil {
			return err
		}
	}
	return nil
}

// pointFeature is one feature of the input, its id and properties kept
// as raw JSON.
type pointFeature struct {
	ID         json.RawMessage `json:"id,omitempty"`
	Properties json.RawMessage `json:"properties"`
	Geometry   json.RawMessage `json:"geometry"`
}

// resolvedFeature is one line of the answer.
type resolvedFeature struct {
	ID         json.RawMessage `json:"id,omitempty"`
	Properties json.RawMessage `json:"properties"`
	Result     *geo.Resolution `json:"result,omitempty"`
	Error      string          `json:"error,omitempty"`
}

func resolveFeature(ctx context.Context, svc *geo.Service, q geo.ResolveQuery, i int, f pointFeature) resolvedFeature {
	line := resolvedFeature{ID: f.ID, Properties: f.Properties}
	if len(line.Properties) == 0 {
		line.Properties = json.RawMessage("null")
	}
	point, ok := pointOf(f.Geometry)
	if !ok {
		line.Error = fmt.Sprintf("features[%d]: want a Point geometry", i)
		return line
	}
	q.Point = point
	res, err := svc.Resolve(ctx, q)
	if err != nil {
		line.Error = err.Error()
		return line
	}
	if res.Conflicts == nil {
		res.Conflicts = []geo.LevelRef{} // a list, never null, as the API sends it
	}
	line.Result = &res
	return line
}

func pointOf(geometry json.RawMessage) (orb.Point, bool) {
	g, err := geojson.UnmarshalGeometry(geometry)
	if err != nil {
		return orb.Point{}, false
	}
	p, ok := g.Geometry().(orb.Point)
	return p, ok
}

// seekFeatures reads a FeatureCollection up to the first element of its
// features array.
func seekFeatures(dec *json.Decoder) error {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("want a GeoJSON FeatureCollection object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if tok == "features" {
			if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
				return errors.New(`"features" is not an array`)
			}
			return nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return errors.New("no features array")
}
