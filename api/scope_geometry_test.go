package api

import (
	"context"
	"encoding/json"
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

// grownGeometry is unit code's current outline buffered by metres
// (negative: shrunk) and clipped to its parent's, as GeoJSON at full
// precision.
func (s *editServer) grownGeometry(t *testing.T, code string, metres float64) string {
	t.Helper()
	var g string
	err := s.db.Pool.QueryRow(context.Background(), `SELECT ST_AsGeoJSON(ST_Multi(ST_CollectionExtract(
			ST_Intersection(ST_Buffer(u.geom::geography, $2)::geometry, p.geom), 3)), 17)
		FROM unit u JOIN unit p ON p.code = u.parent_code AND p.valid_to IS NULL
		WHERE u.code = $1 AND u.valid_to IS NULL`, code, metres).Scan(&g)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestScopeUnitCannotGrow (a review's finding): a token scoped to a
// community could redraw the community itself anywhere within its street,
// over its sibling communities, then draw a grid there and take the
// reports of that land. The scope unit may shrink; growing is refused
// (within its street, over its siblings), and so is a grid drawn outside
// it.
func TestScopeUnitCannotGrow(t *testing.T) {
	s := newEditServer(t, nil)
	community := gridA[:12]
	editor := s.token(t, access.RoleEditor, community, "社区编辑")
	put := func(geometry string) response {
		f, tag := s.getFeature(t, "/v1/units/"+community, editor)
		f["geometry"] = json.RawMessage(geometry)
		return s.req(t, "PUT", "/v1/units/"+community, editor, mustJSON(t, f), "If-Match", tag)
	}
	t.Run("grown over its siblings, within its street", func(t *testing.T) {
		p := wantProblem(t, put(s.grownGeometry(t, community, 150)), 403, "geometry")
		if d := p["detail"].(string); !strings.Contains(d, "its current outline") {
			t.Errorf("detail %q does not say the scope unit must stay within its outline", d)
		}
	})
	t.Run("a grid beyond it", func(t *testing.T) {
		body := `{"type":"Feature","geometry":` + s.grownGeometry(t, community, 150) +
			`,"properties":{"code":"` + community + `099","name":"越界网格","level":"grid","parent_code":"` + community + `"}}`
		wantProblem(t, s.req(t, "POST", "/v1/units", editor, []byte(body)), 403, "geometry")
	})
	t.Run("grown by a sliver", func(t *testing.T) { // a second review: 5 cm an edit, edit after edit
		wantProblem(t, put(s.grownGeometry(t, community, 0.03)), 403, "geometry")
	})
	t.Run("shrunk", func(t *testing.T) {
		if r := put(s.grownGeometry(t, community, -20)); r.status != 200 {
			t.Fatalf("the community shrunk by its own editor: %d %s", r.status, r.body)
		}
	})
	t.Run("a street editor still redraws the community within the street", func(t *testing.T) {
		street := s.token(t, access.RoleEditor, streetA, "街道编辑")
		f, tag := s.getFeature(t, "/v1/units/"+community, street)
		f["geometry"] = json.RawMessage(s.grownGeometry(t, community, 10))
		if r := s.req(t, "PUT", "/v1/units/"+community, street, mustJSON(t, f), "If-Match", tag); r.status != 200 {
			t.Fatalf("the community redrawn by its street's editor: %d %s", r.status, r.body)
		}
	})
}
