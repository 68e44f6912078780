package api

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/geo"
)

func TestResolveAPI(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	enc, err := ts.db.GetEnclave(ctx, demo.EnclaveCode, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	inEnclave := enc.Geom.Bound().Center()
	gcj := geo.WGS84ToGCJ02(inEnclave)

	t.Run("a point in 沙柳北路64排 goes to 百合春天社区", func(t *testing.T) {
		r := ts.do(t, "GET", fmt.Sprintf("/v1/resolve?lng=%v&lat=%v", inEnclave[0], inEnclave[1]), nil)
		var res geo.Resolution
		if err := json.Unmarshal(r.body, &res); err != nil || r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		if res.Status != geo.StatusEnclave || res.Responsible.Code != demo.BaihechuntianCode ||
			res.Community.Code != demo.BaihechuntianCode || res.Street.Code != demo.WanxinCode ||
			res.District.Code != demo.DongliCode || res.Grid != nil || res.Enclave.Name != demo.EnclaveName {
			t.Errorf("got %s", r.body)
		}
		if res.Geographic.District == nil || res.Geographic.District.Code != demo.DongliCode {
			t.Errorf("geographic chain: %+v", res.Geographic)
		}
	})
	t.Run("the same place sent in GCJ-02", func(t *testing.T) {
		r := ts.do(t, "GET", fmt.Sprintf("/v1/resolve?lng=%v&lat=%v&crs=gcj02", gcj[0], gcj[1]), nil)
		var res geo.Resolution
		json.Unmarshal(r.body, &res)
		if res.Status != geo.StatusEnclave {
			t.Errorf("GCJ-02 input: %s", r.body)
		}
	})
	t.Run("conflicts is a list, never null", func(t *testing.T) {
		m := ts.do(t, "GET", "/v1/resolve?lng=117.15&lat=39.11", nil).json(t)
		if _, ok := m["conflicts"].([]any); !ok {
			t.Errorf("conflicts: %v", m["conflicts"])
		}
	})
	t.Run("batch: each slot answered or its own error", func(t *testing.T) {
		body := fmt.Sprintf(`{"points":[[%v,%v],[117.15,39.11],["x",1],[39.1,117.2],[1]],"crs":"wgs84"}`, inEnclave[0], inEnclave[1])
		r := ts.do(t, "POST", "/v1/resolve", []byte(body))
		var out struct {
			Count   int               `json:"count"`
			Results []json.RawMessage `json:"results"`
		}
		if err := json.Unmarshal(r.body, &out); err != nil || r.status != 200 || out.Count != 5 || len(out.Results) != 5 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		wantErr := []bool{false, false, true, true, true}
		for i, raw := range out.Results {
			var slot map[string]any
			json.Unmarshal(raw, &slot)
			_, isErr := slot["error"]
			if isErr != wantErr[i] {
				t.Errorf("slot %d: %s", i, raw)
			}
			if isErr && slot["error"].(map[string]any)["field"] == "" {
				t.Errorf("slot %d error names no field: %s", i, raw)
			}
		}
	})
	t.Run("FeatureCollection: id and properties come back", func(t *testing.T) {
		body := `{"type":"FeatureCollection","features":[
			{"type":"Feature","id":"r-1","properties":{"kind":"hazard"},"geometry":{"type":"Point","coordinates":[117.15,39.11]}},
			{"type":"Feature","id":7,"properties":null,"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}}]}`
		r := ts.do(t, "POST", "/v1/resolve", []byte(body))
		var out struct {
			Results []map[string]any `json:"results"`
		}
		json.Unmarshal(r.body, &out)
		if len(out.Results) != 2 || out.Results[0]["id"] != "r-1" || out.Results[0]["properties"].(map[string]any)["kind"] != "hazard" ||
			out.Results[0]["status"] == nil || out.Results[1]["id"].(float64) != 7 || out.Results[1]["error"] == nil {
			t.Errorf("got %s", r.body)
		}
	})
}

// TestResolutionJSONMatchesEncodingJSON checks the hand-written encoder
// against encoding/json on real answers (conflicts normalised to []).
func TestResolutionJSONMatchesEncodingJSON(t *testing.T) {
	rs := []geo.Resolution{
		{Status: geo.StatusOutside, Point: [2]float64{1e-7, -33.5}, Conflicts: []geo.LevelRef{}},
		{Status: geo.StatusManaged, Point: [2]float64{117.123456789012345, 39.1},
			Responsible: &geo.LevelRef{Level: geo.Grid, Code: "120104001001001", Name: `名"称\<&>` + "\u2028\x01"},
			Chain:       geo.Chain{Grid: &geo.Ref{Code: "120104001001001", Name: "网格"}, District: &geo.Ref{Code: "120104", Name: "南开区"}},
			Geographic:  geo.Chain{MicroGrid: &geo.Ref{Code: "1", Name: "m"}},
			Conflicts:   []geo.LevelRef{{Level: geo.Grid, Code: "2", Name: "b\xff"}}, IndexVersion: 42},
		{Status: geo.StatusEnclave, Point: [2]float64{180, -90}, Enclave: &geo.EnclaveRef{Code: "E1", Name: "飞地", Status: geo.EnclaveCustodial},
			Conflicts: []geo.LevelRef{}},
	}
	for i, r := range rs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			want, _ := json.Marshal(r)
			got := appendResolution(nil, &r, nil)
			if string(got) != string(want) {
				t.Errorf("\ngot  %s\nwant %s", got, want)
			}
		})
	}
}
