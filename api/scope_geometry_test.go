package api

import (
	"context"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/access"
)

// cityBox is a polygon over all of Tianjin.
const cityBox = `{"type":"Polygon","coordinates":[[[116.7,38.5],[118.1,38.5],[118.1,40.3],[116.7,40.3],[116.7,38.5]]]}`

// insideGeometry is a small piece of unit code's current outline, as GeoJSON.
func (s *editServer) insideGeometry(t *testing.T, code string) string {
	t.Helper()
	var g string
	err := s.db.Pool.QueryRow(context.Background(), `SELECT ST_AsGeoJSON(ST_Intersection(geom, ST_Expand(ST_PointOnSurface(geom), 0.0003)))
		FROM unit WHERE code = $1 AND valid_to IS NULL`, code).Scan(&g)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestScopeHoldsForGeometry (defect 3): an editor scoped to one street
// cannot draw an enclave over the city, nor redraw its own grid over it;
// the 403 names the geometry and the area outside. Inside the scope the
// same edits succeed, and an admin is not held.
func TestScopeHoldsForGeometry(t *testing.T) {
	s := newEditServer(t, nil)
	editor := s.token(t, access.RoleEditor, streetA, "街道编辑")
	admin := s.token(t, access.RoleAdmin, "", "管理员")
	community := gridA[:12]
	enclave := func(code, geometry string) []byte {
		return []byte(`{"type":"Feature","geometry":` + geometry + `,"properties":{"code":"` + code +
			`","name":"测试飞地","managing_code":"` + community + `","status":"custodial"}}`)
	}
	t.Run("an enclave over the city is refused", func(t *testing.T) {
		r := s.req(t, "POST", "/v1/enclaves", editor, enclave("E-SCOPE-1", cityBox))
		p := wantProblem(t, r, 403, "geometry")
		if d := p["detail"].(string); !strings.Contains(d, "m²") || !strings.Contains(d, "bbox") {
			t.Errorf("detail %q names neither the area nor the extent outside", d)
		}
	})
	t.Run("its own grid redrawn over the city is refused", func(t *testing.T) {
		_, tag := s.getFeature(t, "/v1/units/"+gridA, editor)
		body := []byte(`{"type":"Feature","geometry":` + cityBox + `,"properties":{"name":"光明路社区第1网格"}}`)
		wantProblem(t, s.req(t, "PUT", "/v1/units/"+gridA, editor, body, "If-Match", tag), 403, "geometry")
	})
	t.Run("nothing was written: the city still resolves as before", func(t *testing.T) {
		r := s.req(t, "GET", "/v1/resolve?lng=117.35&lat=39.13", "", nil)
		if strings.Contains(string(r.body), "E-SCOPE-1") || strings.Contains(string(r.body), `"code":"`+gridA+`"`) {
			t.Errorf("a refused edit shows in resolution: %s", r.body)
		}
	})
	t.Run("inside the scope the same edits succeed", func(t *testing.T) {
		if r := s.req(t, "POST", "/v1/enclaves", editor, enclave("E-SCOPE-2", s.insideGeometry(t, gridA))); r.status != 201 {
			t.Fatalf("enclave inside the street: %d %s", r.status, r.body)
		}
		f, tag := s.getFeature(t, "/v1/units/"+gridA, editor)
		if r := s.req(t, "PUT", "/v1/units/"+gridA, editor, mustJSON(t, f), "If-Match", tag); r.status != 200 {
			t.Fatalf("the grid saved as it is: %d %s", r.status, r.body)
		}
	})
	t.Run("an admin is not held", func(t *testing.T) {
		if r := s.req(t, "POST", "/v1/enclaves", admin, enclave("E-SCOPE-3", cityBox)); r.status != 201 {
			t.Fatalf("admin: %d %s", r.status, r.body)
		}
	})
}
