package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// BenchmarkTopologyEdit measures, over HTTP on a node that follows the
// change record as every node does (NOTIFY), the latency of moving a
// vertex that 4 units share — two grids and the two communities whose
// boundary it lies on — beside a plain PUT of one grid, until the answer.
// The demo's vertex lies within a centimetre of the boundary of two
// streets and of a community and a grid of the other street, which move
// with it (geo.VertexSnapM): 8 units, each getting a new version.
// "applied" waits for the node's resolver to apply the edit, as every
// write does; "committed" answers at the commit (a node without an index to
// wait for). Each round moves the vertex there and back, or renames the
// grid. Reports p50 and p99 in ms.
func BenchmarkTopologyEdit(b *testing.B) {
	db := demotest.Open(b)
	v := demotest.SharedCorner(b, db, "120104001", 4)
	to := orb.Point{v.At[0] + v.Room*0.05, v.At[1] - v.Room*0.03}
	for _, applied := range []bool{true, false} {
		// Without an index to wait for, the answer comes at the commit: the
		// cost of the transaction itself.
		wait := map[bool]string{true: "applied", false: "committed"}[applied]
		base, token := benchEditNode(b, db, applied)
		b.Run("move-vertex-corner-"+wait, func(b *testing.B) {
			ends := [2]orb.Point{v.At, to}
			lat := timeEach(b, func(i int) response {
				body, _ := json.Marshal(map[string]any{"from": ends[i%2], "to": ends[(i+1)%2]})
				return request(b, "POST", base+"/v1/boundaries:move-vertex", body, "Authorization", "Bearer "+token)
			})
			reportLatency(b, lat)
			ensureAt(b, base, token, ends[b.N%2], v.At) // the next run starts from the vertex's first place
		})
		b.Run("put-unit-"+wait, func(b *testing.B) {
			benchPut(b, base, token, v.Codes[0])
		})
	}
}

// ensureAt moves the vertex back from at to home when it is not there.
func ensureAt(b *testing.B, base, token string, at, home orb.Point) {
	if at == home {
		return
	}
	body, _ := json.Marshal(map[string]any{"from": at, "to": home})
	if r := request(b, "POST", base+"/v1/boundaries:move-vertex", body, "Authorization", "Bearer "+token); r.status != http.StatusOK {
		b.Fatalf("moving the vertex back: %d %s", r.status, r.body)
	}
}

// benchPut renames a unit b.N times with PUT and reports the latencies.
func benchPut(b *testing.B, base, token, code string) {
	r := request(b, "GET", base+"/v1/units/"+code, nil)
	var f map[string]any
	if err := json.Unmarshal(r.body, &f); err != nil {
		b.Fatal(err)
	}
	tag, name := r.header.Get("ETag"), f["properties"].(map[string]any)["name"]
	lat := timeEach(b, func(i int) response {
		f["properties"].(map[string]any)["name"] = fmt.Sprintf("%v %d", name, i)
		body, _ := json.Marshal(f)
		r := request(b, "PUT", base+"/v1/units/"+code, body, "Authorization", "Bearer "+token, "If-Match", tag)
		tag = r.header.Get("ETag")
		return r
	})
	reportLatency(b, lat)
}

// benchEditNode serves db as a node does: its resolver follows the change
// record on NOTIFY, and with applied a write answers once it applied the
// write; it returns the base URL and an admin token.
func benchEditNode(b *testing.B, db *postgres.DB, applied bool) (string, string) {
	svc, ctx := loadedService(b, db)
	go svc.Follow(ctx, geo.FollowOptions{Poll: time.Second})
	go db.Listen(ctx, func(postgres.Change) { svc.Changed() })
	d := Deps{Units: db, Resolver: svc, Tokens: db, Auth: unlimitedAuth(), Editor: db, Topology: db,
		Versions: db, Reports: db, Patrols: db, Policy: casework.DefaultPolicy()}
	if applied {
		d.Index = svc
	}
	h := New(d)
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	return srv.URL, createToken(b, db, access.RoleAdmin, "", "bench", time.Now().Add(time.Hour))
}

// timeEach runs one request b.N times and returns their latencies; each
// must answer 200.
func timeEach(b *testing.B, send func(i int) response) []time.Duration {
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		r := send(i)
		lat = append(lat, time.Since(start))
		if r.status != http.StatusOK {
			b.Fatalf("round %d: %d %s", i, r.status, r.body)
		}
	}
	b.StopTimer()
	return lat
}

func reportLatency(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e6 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(q(1), "max-ms")
}
