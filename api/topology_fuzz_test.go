package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// FuzzTopologyBodies feeds hostile bodies to the readers of the topology
// edits: they must never panic, must refuse with an EINVALID or ETOOLARGE
// naming a field, and must accept only JSON objects, with points that are
// valid coordinates.
func FuzzTopologyBodies(f *testing.F) {
	for _, s := range []string{`{"from":[117.1,39.1],"to":[117.2,39.1]}`, `{"from":[1e999,0],"to":[0,0]}`,
		`{"line":{"type":"LineString","coordinates":[[117.1,39.1],[117.2,39.1]]},"codes":["120104001001901","120104001001902"]}`,
		`{"line":{"type":"Feature","geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]},"properties":null}}`,
		`{"codes":["120104001001001","120104001001002"],"code":"120104001001001","name":"合并"}`,
		`{"from":[117.1,39.1],"to":[117.2,39.1],"client_id":"0b7c6a3e-5f1d-4a51-9b7e-6d2f1c3a9e01"}`, `{"codes":["1","2"],"client_id":"{0b7c6a3e}"}`,
		`{"codes":[null,{}]}`, `[]`, `null`, `{"from":null}`, `{"line":{"type":"GeometryCollection","geometries":[]}}`, `{"a":"\ud800"}`} {
		f.Add([]byte(s))
	}
	gin.SetMode(gin.ReleaseMode)
	f.Fuzz(func(t *testing.T, raw []byte) {
		readers := map[string]func(*gin.Context) error{
			"move":  func(c *gin.Context) error { m, err := readVertexMove(c); return pointsOK(t, err, m.From, m.To) },
			"split": func(c *gin.Context) error { _, err := readUnitSplit(c, "120104001001001"); return err },
			"merge": func(c *gin.Context) error { _, err := readUnitMerge(c); return err },
		}
		for name, read := range readers {
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = httptest.NewRequest("POST", "/", bytes.NewReader(raw))
			err := read(c)
			var e *geo.Error
			if err != nil {
				if code := geo.ErrorCodeOf(err); (code != geo.EINVALID && code != geo.ETOOLARGE) || !errors.As(err, &e) || e.Field == "" {
					t.Fatalf("%s(%q): %v", name, raw, err)
				}
				continue
			}
			var obj map[string]json.RawMessage
			if json.Unmarshal(raw, &obj) != nil || obj == nil {
				t.Fatalf("%s accepted %q, which is not a JSON object", name, raw)
			}
		}
	})
}

// pointsOK fails the fuzz run when an accepted move has an invalid point.
func pointsOK(t *testing.T, err error, pts ...orb.Point) error {
	if err != nil {
		return err
	}
	for _, p := range pts {
		if geo.ValidatePoint("p", p) != nil {
			t.Fatalf("accepted point %v", p)
		}
	}
	return nil
}
