// Command gridmap-tile38engine stands in for Tile38, whose module the Go
// module proxy here refuses (403 for every version), so that
// scripts/bench-http.sh can set gridmap's GET /v1/resolve beside a
// geofencing engine of Tile38's make in one run.
//
// It is Tile38's query path for INTERSECTS key IDS POINT lat lon and no
// more: the units' outlines parsed by Tile38's own geometry library
// (tidwall/geojson, default index options), held in Tile38's R-tree
// (tidwall/rtree), searched by the point's box and tested with
// Object.Intersects, the matching ids answered over RESP (tidwall/redcon)
// as Tile38 answers, [cursor, [ids...]]. Tile38 does more per query (its
// argument parsing, a global read lock, the scan writer, statistics), so
// we expect it to be no faster than this engine (not measured: Tile38
// cannot be built here); gridmap's share of the engine's rate stands in
// for its share of Tile38's.
//
// The outlines are read once from the database (the current units at
// every level, as GeoJSON with 15 decimals); the engine then never
// changes. Besides INTERSECTS it answers PING and QUIT.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/tidwall/geojson"
	"github.com/tidwall/geojson/geometry"
	"github.com/tidwall/redcon"
	"github.com/tidwall/rtree"
)

// unit is one outline under its id (the unit's code).
type unit struct {
	id  string
	obj geojson.Object
}

func main() {
	addr := flag.String("addr", "127.0.0.1:18283", "listen address (RESP)")
	dbURL := flag.String("database-url", "", "the gridmap database whose current units are loaded")
	key := flag.String("key", "units", "the collection's name in INTERSECTS")
	flag.Parse()
	tree, n, err := load(context.Background(), *dbURL)
	if err != nil {
		log.Fatal(err)
	}
	srv := redcon.NewServer(*addr, handler(tree, *key), nil, nil)
	listening := make(chan error, 1)
	go func() {
		if err := <-listening; err == nil {
			log.Printf("gridmap-tile38engine: %d units in %q, RESP on %s", n, *key, srv.Addr())
		}
	}()
	log.Fatal(srv.ListenServeAndSignal(listening))
}

// load reads the current units into an R-tree of their boxes.
func load(ctx context.Context, dbURL string) (*rtree.RTreeG[*unit], int, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, 0, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT code, ST_AsGeoJSON(geom, 15) FROM unit WHERE valid_to IS NULL ORDER BY code`)
	if err != nil {
		return nil, 0, fmt.Errorf("read units: %w", err)
	}
	var tree rtree.RTreeG[*unit]
	var id, outline string
	n := 0
	_, err = pgx.ForEachRow(rows, []any{&id, &outline}, func() error {
		n++
		return add(&tree, id, outline)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("read units: %w", err)
	}
	return &tree, n, nil
}

// add parses a unit's GeoJSON outline as Tile38 does (default options)
// and files it under its box.
func add(tree *rtree.RTreeG[*unit], id, outline string) error {
	obj, err := geojson.Parse(outline, nil)
	if err != nil {
		return fmt.Errorf("unit %s: %w", id, err)
	}
	r := obj.Rect()
	tree.Insert([2]float64{r.Min.X, r.Min.Y}, [2]float64{r.Max.X, r.Max.Y}, &unit{id: id, obj: obj})
	return nil
}

// handler answers the engine's three commands.
func handler(tree *rtree.RTreeG[*unit], key string) func(redcon.Conn, redcon.Command) {
	return func(conn redcon.Conn, cmd redcon.Command) {
		switch strings.ToUpper(string(cmd.Args[0])) {
		case "INTERSECTS":
			intersects(conn, cmd.Args, tree, key)
		case "PING":
			conn.WriteString("PONG")
		case "QUIT":
			conn.WriteString("OK")
			conn.Close()
		default:
			conn.WriteError("ERR unknown command '" + string(cmd.Args[0]) + "'")
		}
	}
}

// intersects answers INTERSECTS key IDS POINT lat lon.
func intersects(conn redcon.Conn, args [][]byte, tree *rtree.RTreeG[*unit], key string) {
	if len(args) != 6 || string(args[1]) != key || !strings.EqualFold(string(args[2]), "IDS") ||
		!strings.EqualFold(string(args[3]), "POINT") {
		conn.WriteError("ERR expected INTERSECTS " + key + " IDS POINT lat lon")
		return
	}
	lat, err1 := strconv.ParseFloat(string(args[4]), 64)
	lon, err2 := strconv.ParseFloat(string(args[5]), 64)
	if err1 != nil || err2 != nil {
		conn.WriteError("ERR invalid point")
		return
	}
	at := [2]float64{lon, lat}
	point := geojson.NewPoint(geometry.Point{X: lon, Y: lat})
	var ids [8]string
	found := ids[:0]
	tree.Search(at, at, func(_, _ [2]float64, u *unit) bool {
		if u.obj.Intersects(point) {
			found = append(found, u.id)
		}
		return true
	})
	conn.WriteArray(2)
	conn.WriteInt(0) // the cursor: every match is in this page
	conn.WriteArray(len(found))
	for _, id := range found {
		conn.WriteBulkString(id)
	}
}
