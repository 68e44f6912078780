package api

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// The clients of TestStressWrites (stress_writes_test.go), one function
// each, and what they set up. Every query is static SQL with bound
// arguments.

const (
	stressSlotBBoxSQL = `SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM unit WHERE code = $1 AND valid_to IS NULL`
	stressCornerSQL   = `SELECT ST_X(p), ST_Y(p) FROM (SELECT (ST_DumpPoints(geom)).geom p FROM unit
WHERE valid_to IS NULL AND level = 'grid' AND code LIKE '120104001%' AND parent_code IN ($1, $2)) x ORDER BY random() LIMIT 1`
	// stressFamilySQL lists the current communities of the topology
	// family: the two slots and the codes the splits gave (≥ …100).
	stressFamilySQL = `SELECT code FROM unit WHERE valid_to IS NULL AND parent_code = '120104001'
AND (code = $1 OR code = $2 OR code >= '120104001100') ORDER BY code`
	stressFamilyGridsSQL = `SELECT code FROM unit WHERE valid_to IS NULL AND level = 'grid' AND parent_code IN (
SELECT code FROM unit WHERE valid_to IS NULL AND parent_code = '120104001' AND (code = $1 OR code = $2 OR code >= '120104001100'))`
	stressChildrenSQL    = `SELECT code FROM unit WHERE valid_to IS NULL AND parent_code = $1 ORDER BY code`
	stressChildrenOf2SQL = `SELECT code FROM unit WHERE valid_to IS NULL AND parent_code IN ($1, $2) ORDER BY code`
	stressCurrentUnitSQL = `SELECT code FROM unit WHERE code = $1 AND valid_to IS NULL`
	stressInsideSQL      = `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM unit WHERE code = $1 AND valid_to IS NULL) s`
)

// stressEnclaves are the enclaves the enclave client revises, managed in
// the topology family.
var stressEnclaves = []string{"ES8A", "ES8B", "ES8C"}

// stressStreets are where communities are created and retired; the first
// is the one the imports cover.
var stressStreets = [2]string{"120104002", "120104003"}

// stressPick is a random element of xs ("" when empty).
func stressPick(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return xs[rand.IntN(len(xs))]
}

// topology splits a slot's community along a line through it (half the
// time naming the new codes; always with newCodes) and merges the parts
// back into its code.
func (s *stress) topology(node string) {
	var next int
	for i := 0; s.running(); i++ {
		slot := i % 2
		cur := s.slot(slot)
		var minx, miny, maxx, maxy float64
		if err := s.db.Pool.QueryRow(s.ctx, stressSlotBBoxSQL, cur).Scan(&minx, &miny, &maxx, &maxy); err != nil {
			s.pause(50, 0)
			continue
		}
		fr := []float64{0.5, 0.4, 0.6, 0.3, 0.7}[(i/2)%5]
		cx := minx + (maxx-minx)*fr
		line := [][]float64{{cx + 1e-7, maxy + 0.001}, {cx, miny - 0.001}}
		if (i/10)%2 == 1 {
			cy := miny + (maxy-miny)*fr
			line = [][]float64{{minx - 0.001, cy}, {maxx + 0.001, cy + 1e-7}}
		}
		req := map[string]any{"line": map[string]any{"type": "LineString", "coordinates": line}}
		op := "split"
		if i%2 == 0 || s.newCodes {
			op = "split-newcodes"
			req["codes"] = []string{stressNewCode(next), stressNewCode(next + 1)}
			next += 2
		}
		body, _ := json.Marshal(req)
		st, b, _ := s.do(op, "POST", node+"/v1/units/"+cur+":split", body)
		if st != 200 {
			s.pause(20, 0)
			continue
		}
		var res struct {
			Units struct {
				Features []stressFeat `json:"features"`
			} `json:"units"`
		}
		if err := json.Unmarshal(b, &res); err != nil {
			s.fail("split answer: %v", err)
			continue
		}
		var parts []string
		for _, f := range res.Units.Features {
			if c, _ := f.Properties["code"].(string); len(c) == 12 {
				parts = append(parts, c)
			}
		}
		s.pause(200, 300)
		body, _ = json.Marshal(map[string]any{"codes": parts, "code": cur})
		if st, _, _ = s.do("merge", "POST", node+"/v1/units:merge", body); st != 200 && len(parts) > 0 {
			// The parts stay split: work on one of them from now on.
			slices.Sort(parts)
			if len(s.codes(stressCurrentUnitSQL, cur)) == 0 {
				s.setSlot(slot, parts[0])
			}
		}
		s.pause(100, 200)
	}
}

// stressNewCode is the n-th code the splits name, from 120104001100 on
// (wrapping before the codes run out; a retired code may be taken again).
func stressNewCode(n int) string { return fmt.Sprintf("120104001%03d", 100+n%800) }

// mover moves a vertex of a grid of the topology family a little.
func (s *stress) mover(node string) {
	for s.running() {
		a, b := s.slotPair()
		x, y, ok := s.point(stressCornerSQL, a, b)
		if !ok {
			s.pause(50, 0)
			continue
		}
		d := 2e-6
		if rand.IntN(2) == 0 {
			d = -d
		}
		body, _ := json.Marshal(map[string]any{"from": []float64{x, y}, "to": []float64{x + d, y + d/2}})
		s.do("move", "POST", node+"/v1/boundaries:move-vertex", body)
		s.pause(50, 100)
	}
}

// gridPuts revises grids of the topology family, each PUT with a seq
// higher than every one before it (origin: the code the chain began at).
func (s *stress) gridPuts(node string) {
	for s.running() {
		a, b := s.slotPair()
		code := stressPick(s.codes(stressFamilyGridsSQL, a, b))
		if code == "" {
			s.pause(50, 0)
			continue
		}
		f, tag, ok := s.get("gridput", node, "units", code)
		if !ok {
			continue
		}
		props, _ := f.Properties["properties"].(map[string]any)
		if props == nil {
			props = map[string]any{}
		}
		if props["origin"] == nil {
			props["origin"] = code
		}
		props["seq"] = s.seq.Add(1)
		body := stressFeature(f.Geometry, map[string]any{"code": code, "name": f.Properties["name"],
			"parent_code": f.Properties["parent_code"], "properties": props})
		s.do("gridput", "PUT", node+"/v1/units/"+code, body, "If-Match", tag)
		s.pause(0, 30)
	}
}

// setupEnclaves creates the enclaves the enclave client revises, each in a
// grid of a slot and managed by the slot's community.
func (s *stress) setupEnclaves(t *testing.T) {
	t.Helper()
	for i, code := range stressEnclaves {
		slot := s.slot(i % 2)
		grids := s.codes(stressChildrenSQL, slot)
		if len(grids) == 0 {
			t.Fatalf("community %s has no grids", slot)
		}
		x, y, ok := s.point(stressInsideSQL, grids[i%len(grids)])
		if !ok {
			t.Fatalf("no point inside grid %s", grids[i%len(grids)])
		}
		body := stressFeature(stressSquare(x, y, 0.0001), map[string]any{"code": code, "name": "stress " + code,
			"managing_code": slot, "status": "custodial", "reason": "stress", "properties": map[string]any{"seq": 0, "origin": code}})
		if st, b, _ := s.do("setup-enclave", "POST", s.nodes[0]+"/v1/enclaves", body); st != 201 {
			t.Fatalf("create enclave %s: %d %s", code, st, b)
		}
	}
}

// enclavePuts revises the enclaves, moving each to another managing unit:
// a community of the family, or a grid of its current one.
func (s *stress) enclavePuts(node string) {
	for s.running() {
		code := stressPick(stressEnclaves)
		f, tag, ok := s.get("enclput", node, "enclaves", code)
		if !ok {
			continue
		}
		cur, _ := f.Properties["managing_code"].(string)
		comm := cur[:min(len(cur), 12)]
		a, b := s.slotPair()
		var cands []string
		if rand.IntN(3) == 0 {
			cands = s.codes(stressFamilySQL, a, b)
		} else if cands = s.codes(stressChildrenSQL, comm); len(cands) == 0 {
			cands = s.codes(stressChildrenOf2SQL, a, b)
		}
		managing := stressPick(cands)
		if managing == "" {
			managing = cur
		}
		props, _ := f.Properties["properties"].(map[string]any)
		if props == nil {
			props = map[string]any{}
		}
		props["seq"] = s.seq.Add(1)
		body := stressFeature(f.Geometry, map[string]any{"code": code, "name": f.Properties["name"], "managing_code": managing,
			"status": f.Properties["status"], "reason": f.Properties["reason"], "properties": props})
		s.do("enclput", "PUT", node+"/v1/enclaves/"+code, body, "If-Match", tag)
		s.pause(0, 20)
	}
}

// community is the k-th community the creations make under street,
// and a point of its square.
func (s *stress) community(street string, k int) (code string, x, y float64) {
	x, y, _ = s.point(stressInsideSQL, street)
	return fmt.Sprintf("%s%03d", street, 150+k), x + float64(k)*0.0003, y
}

// retire retires /v1/{kind}/{code} as GET finds it; op names the DELETE.
func (s *stress) retire(op, node, kind, code string) {
	if _, tag, ok := s.get(op, node, kind, code); ok {
		s.do(op, "DELETE", node+"/v1/"+kind+"/"+code, nil, "If-Match", tag)
	}
}

// createRetire creates a community with a grid under one of the streets,
// tries to retire the community while the grid holds it (409), then
// retires the grid and the community.
func (s *stress) createRetire(node string) {
	for i := 0; s.running(); i++ {
		c, x, y := s.community(stressStreets[i%2], (i/2)%8)
		s.do("create-comm", "POST", node+"/v1/units", stressFeature(stressSquare(x, y, 0.0002),
			map[string]any{"code": c, "name": "stress " + c, "parent_code": stressStreets[i%2]}))
		g := c + "001"
		s.do("create-grid", "POST", node+"/v1/units", stressFeature(stressSquare(x, y, 0.0001),
			map[string]any{"code": g, "name": "stress " + g, "parent_code": c}))
		s.pause(0, 40)
		s.retire("retire-comm-early", node, "units", c)
		s.retire("retire-grid", node, "units", g)
		s.retire("retire-comm", node, "units", c)
		s.pause(0, 30)
	}
}

// references creates enclaves and grids under the creations' communities
// while they come and go, and retires what it made.
func (s *stress) references(node string) {
	for n := 1; s.running(); n++ {
		c, x, y := s.community(stressStreets[rand.IntN(2)], rand.IntN(8))
		if rand.IntN(2) == 0 {
			code := fmt.Sprintf("ES8R%d", n)
			st, _, _ := s.do("race-enclave", "POST", node+"/v1/enclaves", stressFeature(stressSquare(x+0.00001, y+0.00001, 0.00005),
				map[string]any{"code": code, "name": code, "managing_code": c, "status": "custodial", "reason": "stress"}))
			if st == 201 || st == 200 {
				s.pause(0, 40)
				s.retire("race-enclave-retire", node, "enclaves", code)
			}
			continue
		}
		g := fmt.Sprintf("%s%03d", c, 2+rand.IntN(5))
		st, _, _ := s.do("race-grid", "POST", node+"/v1/units", stressFeature(stressSquare(x+0.00011, y+0.00011, 0.00005),
			map[string]any{"code": g, "name": g, "parent_code": c}))
		if st == 201 || st == 200 {
			s.pause(0, 40)
			s.retire("race-grid-retire", node, "units", g)
		}
	}
}

// stressFeature is a GeoJSON feature as the clients send it.
func stressFeature(geom any, props map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"type": "Feature", "geometry": geom, "properties": props})
	return b
}

// stressSquare is a multipolygon of one square of side d at x, y.
func stressSquare(x, y, d float64) map[string]any {
	return map[string]any{"type": "MultiPolygon",
		"coordinates": [][][][]float64{{{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}}}}
}

// stressFeat is a feature as GET answers it.
type stressFeat struct {
	Geometry   json.RawMessage `json:"geometry"`
	Properties map[string]any  `json:"properties"`
}

// get reads /v1/{kind}/{code} on node for op: the feature and its ETag,
// or false.
func (s *stress) get(op, node, kind, code string) (*stressFeat, string, bool) {
	st, b, h := s.do(op+"-get", "GET", node+"/v1/"+kind+"/"+code, nil)
	if st != 200 {
		return nil, "", false
	}
	var f stressFeat
	if err := json.Unmarshal(b, &f); err != nil {
		s.fail("GET %s %s: %v", kind, code, err)
		return nil, "", false
	}
	return &f, h.Get("ETag"), true
}

// slot and setSlot read and replace the community the topology client
// works on in slot i.
func (s *stress) slot(i int) string {
	s.slotMu.Lock()
	defer s.slotMu.Unlock()
	return s.slots[i]
}

func (s *stress) setSlot(i int, code string) {
	s.slotMu.Lock()
	defer s.slotMu.Unlock()
	s.slots[i] = code
}

// slotPair is both slots' codes.
func (s *stress) slotPair() (string, string) {
	s.slotMu.Lock()
	defer s.slotMu.Unlock()
	return s.slots[0], s.slots[1]
}

// reads resolves random points of 南开区 (without a token: the fast lane).
func (s *stress) reads(node string) {
	for s.running() {
		x, y := 117.12+rand.Float64()*0.05, 39.10+rand.Float64()*0.06
		s.doPublic("resolve", fmt.Sprintf("%s/v1/resolve?lng=%f&lat=%f", node, x, y))
		s.pause(20, 0)
	}
}
