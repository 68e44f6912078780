package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/tiles"
)

// tile is the fast path of GET /tiles/{layers}/{z}/{x}/{y} for an anonymous
// caller (known false) or a cached token's: a path and query that parse,
// of a tile that may be cached. A tile the cache holds costs no database
// round trip (the tile service knows the versions it follows); one it does
// not is rendered as the router would, unless now is set (the fast lane,
// which must not wait): then only a tile the cache holds at the versions
// this node has applied is answered. An error goes to the router, which asks again and answers
// it, so a failing tile costs two attempts.
func (f *fastPath) tile(w http.ResponseWriter, r *http.Request, caller access.Principal, known, now bool) bool {
	start := time.Now()
	layers, z, x, y, ok := tileParams(r.URL.Path)
	if !ok {
		return false
	}
	req, err := f.h.tileRequest(r, f.tiles, [4]string{layers, z, x, y}, caller, known)
	if err != nil || !req.Cacheable() {
		// An uncached tile is drawn from the database, where the router's
		// cost is nothing beside the drawing's, and the router knows the
		// client's address its turn is kept by (tiles/fair.go).
		return false
	}
	var t *tiles.Tile
	hit := true
	if now {
		t, ok = f.tiles.Cached(req)
	} else {
		t, hit, err = f.tiles.Get(r.Context(), req)
		ok = err == nil
	}
	if !ok {
		return false
	}
	f.grantOrigin(w, r)
	w.Header()["Date"] = dateHeader(start)
	if f.h.answerTile(w, r, t, hit, known) == http.StatusNotModified {
		f.tileNotModified.observe(start)
	} else {
		f.tileOK.observe(start)
	}
	return true
}

// tileParams splits /tiles/{layers}/{z}/{x}/{y} into its four segments, none
// empty, as the router's tile route would.
func tileParams(path string) (layers, z, x, y string, ok bool) {
	rest, ok := strings.CutPrefix(path, tilesPrefix)
	if !ok {
		return "", "", "", "", false
	}
	var seg [4]string
	for i := range seg {
		if i < 3 {
			seg[i], rest, ok = strings.Cut(rest, "/")
		} else {
			seg[i], ok = rest, !strings.Contains(rest, "/")
		}
		if !ok || seg[i] == "" {
			return "", "", "", "", false
		}
	}
	return seg[0], seg[1], seg[2], seg[3], true
}
