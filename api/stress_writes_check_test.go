package api

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The checks TestStressWrites (stress_writes_test.go) makes once its
// clients have stopped.

// stressAllowed is, per operation, every status it may answer; anything
// else fails the test. From the handlers (edit.go, edit_enclave.go,
// topology.go, imports.go) and the stores' errors (geo.BoundaryEditor,
// geo.TopologyEditor): 400 is EINVALID, which racing writers meet as a
// line that no longer cuts the unit in two, a move or split whose result
// is not a valid boundary, or a parent or managing unit that is no longer
// current ("create the parent first"); 404 is ENOTFOUND, a code or vertex
// no longer current; 409 is ECONFLICT, a code taken, a unit with current
// children or managed enclaves retired, a boundary that kept changing
// while a move read it; 412 is EPRECONDITION, an If-Match that lost a
// race, or names a code retired meanwhile (also when an import closed it
// while the edit waited for its row: a retirement is never a 404). A create answers 200 when it
// replays the same caller's identical create that is current already. No
// operation may answer 401, 403, 429 (the nodes run without write rate
// limits) or any 5xx: a lost race inside the database (deadlock,
// serialization failure) is a 503 here, and a bug.
var stressAllowed = map[string][]int{
	"split":               {200, 400, 404, 409},
	"split-newcodes":      {200, 400, 404, 409},
	"merge":               {200, 400, 404, 409},
	"move":                {200, 400, 404, 409},
	"gridput":             {200, 400, 404, 409, 412},
	"enclput":             {200, 400, 404, 409, 412},
	"setup-enclave":       {201},
	"create-comm":         {200, 201, 400, 409},
	"create-grid":         {200, 201, 400, 409},
	"retire-comm-early":   {200, 409, 412},
	"retire-grid":         {200, 409, 412},
	"retire-comm":         {200, 409, 412},
	"race-enclave":        {200, 201, 400, 409},
	"race-enclave-retire": {200, 412},
	"race-grid":           {200, 201, 400, 409},
	"race-grid-retire":    {200, 409, 412},
	"import-post":         {202}, // one import at a time: the queue never fills
	"import-poll":         {200},
	"resolve":             {200},
}

// stressAllowedFor is stressAllowed[op]; the GET before a PUT or DELETE
// ("…-get") may find the code current or not.
func stressAllowedFor(op string) []int {
	if strings.HasSuffix(op, "-get") {
		return []int{200, 404}
	}
	return stressAllowed[op]
}

// stressInvariants are queries that must return no rows after any mix of
// writes (static SQL: they read the whole database, the test's own).
var stressInvariants = []struct{ name, sql string }{
	{"current units whose parent is not current (orphans)", `
SELECT u.code, u.level, u.parent_code, u.valid_from, u.created_by FROM unit u
WHERE u.valid_to IS NULL AND u.parent_code IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM unit p WHERE p.code = u.parent_code AND p.valid_to IS NULL) ORDER BY 1`},
	{"current enclaves whose managing unit is not current (orphans)", `
SELECT e.code, e.managing_code, e.valid_from, e.created_by FROM enclave e
WHERE e.valid_to IS NULL
  AND NOT EXISTS (SELECT 1 FROM unit p WHERE p.code = e.managing_code AND p.valid_to IS NULL) ORDER BY 1`},
	// One client writes seq, each PUT a higher one than all before: along
	// a unit's chain (its versions, and the codes a split or merge carried
	// its properties to, by origin) a lower one after a higher one is a
	// write that lost another's.
	{"unit seq going backwards along a chain (a lost update)", `
SELECT * FROM (
  SELECT properties->>'origin' origin, code, version, valid_from, created_by, (properties->>'seq')::bigint seq,
         lag((properties->>'seq')::bigint) OVER w prev_seq, lag(code) OVER w prev_code, lag(version) OVER w prev_version
  FROM unit WHERE properties ? 'seq' WINDOW w AS (PARTITION BY properties->>'origin' ORDER BY valid_from, code, version)) x
WHERE seq < prev_seq ORDER BY valid_from`},
	{"enclave seq going backwards (a lost update)", `
SELECT * FROM (
  SELECT code, version, valid_from, managing_code, created_by, (properties->>'seq')::bigint seq,
         lag((properties->>'seq')::bigint) OVER w prev_seq, lag(managing_code) OVER w prev_managing
  FROM enclave WHERE properties ? 'seq' WINDOW w AS (PARTITION BY code ORDER BY version)) x
WHERE seq < prev_seq ORDER BY valid_from`},
	{"units with two current versions", `SELECT code, count(*) FROM unit WHERE valid_to IS NULL GROUP BY code HAVING count(*) > 1`},
	{"enclaves with two current versions", `SELECT code, count(*) FROM enclave WHERE valid_to IS NULL GROUP BY code HAVING count(*) > 1`},
	{"unit versions current at some moment while their parent was not (history)", `
SELECT u.code, u.version, u.parent_code, u.valid_from, u.valid_to, x.uncovered::text
FROM unit u CROSS JOIN LATERAL (SELECT tstzmultirange(tstzrange(u.valid_from, u.valid_to)) -
  coalesce((SELECT range_agg(tstzrange(p.valid_from, p.valid_to)) FROM unit p WHERE p.code = u.parent_code), '{}'::tstzmultirange) AS uncovered) x
WHERE u.parent_code IS NOT NULL AND NOT isempty(x.uncovered) ORDER BY u.valid_from`},
	{"enclave versions current at some moment while their managing unit was not (history)", `
SELECT e.code, e.version, e.managing_code, e.valid_from, e.valid_to, x.uncovered::text
FROM enclave e CROSS JOIN LATERAL (SELECT tstzmultirange(tstzrange(e.valid_from, e.valid_to)) -
  coalesce((SELECT range_agg(tstzrange(p.valid_from, p.valid_to)) FROM unit p WHERE p.code = e.managing_code), '{}'::tstzmultirange) AS uncovered) x
WHERE NOT isempty(x.uncovered) ORDER BY e.valid_from`},
}

const (
	stressDeadlocksSQL = `SELECT deadlocks, xact_rollback FROM pg_stat_database WHERE datname = current_database()`
	// stressComparePointsSQL: a point inside every current enclave and every
	// current grid of 南开区's first nine streets.
	stressComparePointsSQL = `SELECT ST_X(p), ST_Y(p) FROM (
  SELECT ST_PointOnSurface(geom) p FROM enclave WHERE valid_to IS NULL
  UNION ALL SELECT ST_PointOnSurface(geom) FROM unit WHERE valid_to IS NULL AND level = 'grid' AND code LIKE '12010400%') s`
	stressResolveSQL = `SELECT gridmap_resolve($1, $2)::text`
)

// checkInvariants runs stressInvariants and fails on every row.
func (s *stress) checkInvariants(t *testing.T) {
	t.Helper()
	for _, inv := range stressInvariants {
		rows, err := s.db.Pool.Query(s.ctx, inv.sql)
		if err != nil {
			t.Errorf("%s: %v", inv.name, err)
			continue
		}
		var names []string
		for _, f := range rows.FieldDescriptions() {
			names = append(names, f.Name)
		}
		var found []string
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Errorf("%s: %v", inv.name, err)
				break
			}
			cells := make([]string, len(vals))
			for i, v := range vals {
				cells[i] = fmt.Sprintf("%s=%v", names[i], v)
			}
			found = append(found, strings.Join(cells, " "))
		}
		if err := rows.Err(); err != nil {
			t.Errorf("%s: %v", inv.name, err)
		}
		if len(found) > 0 {
			t.Errorf("%s: %d rows:\n  %s", inv.name, len(found), strings.Join(found[:min(len(found), 30)], "\n  "))
		}
	}
}

// deadlocks is the count of deadlocks pg_stat_database holds for the
// test's database, read after settle: a backend reports its counts within
// about a second of going idle (PostgreSQL ≥ 15).
func (s *stress) deadlocks(t *testing.T, settle time.Duration) int64 {
	t.Helper()
	time.Sleep(settle)
	var n, rollbacks int64
	if err := s.db.Pool.QueryRow(s.ctx, stressDeadlocksSQL).Scan(&n, &rollbacks); err != nil {
		t.Fatalf("pg_stat_database: %v", err)
	}
	t.Logf("pg_stat_database: %d deadlocks, %d transactions rolled back", n, rollbacks)
	return n
}

// checkResolve waits until both nodes have applied the last change, then
// resolves ~1,500 points on each (400 random ones over 南开区, one in every
// enclave and grid of its first nine streets) and compares every answer
// with SQL gridmap_resolve.
func (s *stress) checkResolve(t *testing.T) {
	t.Helper()
	head, err := s.db.HeadVersion(s.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, node := range s.nodes {
		took, err := s.caughtUp(node, head)
		if err != nil {
			t.Fatalf("%s: %v", node, err)
		}
		t.Logf("%s applied data version %d %s after the clients stopped", node, head, took.Round(time.Millisecond))
	}
	rng := rand.New(rand.NewPCG(7, 7))
	var pts [][2]float64
	for range 400 {
		pts = append(pts, [2]float64{117.115 + rng.Float64()*0.065, 39.125 + rng.Float64()*0.035})
	}
	rows, err := s.db.Pool.Query(s.ctx, stressComparePointsSQL)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p [2]float64
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			t.Fatal(err)
		}
		pts = append(pts, p)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var mismatches []string
	for _, p := range pts {
		var sql string
		if err := s.db.Pool.QueryRow(s.ctx, stressResolveSQL, p[0], p[1]).Scan(&sql); err != nil {
			t.Fatalf("gridmap_resolve(%v, %v): %v", p[0], p[1], err)
		}
		want, err := resolutionSummary([]byte(sql))
		if err != nil {
			t.Fatalf("gridmap_resolve(%v, %v): %v: %s", p[0], p[1], err, sql)
		}
		for _, node := range s.nodes {
			status, body, err := s.getResolve(node, p)
			if err != nil || status != 200 {
				t.Fatalf("%s: resolve %v: %d %v %s", node, p, status, err, body)
			}
			got, err := resolutionSummary(body)
			if err != nil {
				t.Fatalf("%s: resolve %v: %v: %s", node, p, err, body)
			}
			if got != want {
				mismatches = append(mismatches, fmt.Sprintf("%s at %v,%v: HTTP %s, SQL %s", node, p[0], p[1], got, want))
			}
		}
	}
	t.Logf("compared %d points × %d nodes with gridmap_resolve: %d mismatches", len(pts), len(s.nodes), len(mismatches))
	if len(mismatches) > 0 {
		t.Errorf("%d resolve answers differ from gridmap_resolve (status|responsible|enclave|grid|community|street|conflicts):\n  %s",
			len(mismatches), strings.Join(mismatches[:min(len(mismatches), 30)], "\n  "))
	}
}

// caughtUp polls node until its resolve answers at data version head or
// later, and says how long that took.
func (s *stress) caughtUp(node string, head int64) (time.Duration, error) {
	start := time.Now()
	for {
		status, body, err := s.getResolve(node, [2]float64{117.15, 39.11})
		var r struct {
			IndexVersion int64 `json:"index_version"`
		}
		if err == nil && status == 200 && json.Unmarshal(body, &r) == nil && r.IndexVersion >= head {
			return time.Since(start), nil
		}
		if time.Since(start) > 30*time.Second {
			return 0, fmt.Errorf("not at data version %d 30 s after the clients stopped: %d %v %s", head, status, err, stressClip(string(body), 300))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// getResolve is a plain GET /v1/resolve of p on node, without a token.
func (s *stress) getResolve(node string, p [2]float64) (int, []byte, error) {
	req, err := http.NewRequestWithContext(s.ctx, "GET", fmt.Sprintf("%s/v1/resolve?lng=%v&lat=%v", node, p[0], p[1]), nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// resolutionSummary is what must agree between a node and SQL: the status,
// who answers, the enclave, grid, community and street, and how many
// conflicts.
func resolutionSummary(b []byte) (string, error) {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return "", err
	}
	code := func(k string) string {
		if v, ok := m[k].(map[string]any); ok {
			if c, ok := v["code"].(string); ok {
				return c
			}
		}
		return "-"
	}
	conflicts, _ := m["conflicts"].([]any)
	return fmt.Sprintf("%v|%s|%s|%s|%s|%s|c%d", m["status"], code("responsible"), code("enclave"), code("grid"),
		code("community"), code("street"), len(conflicts)), nil
}

// summary logs the answers of the mix running per operation and status,
// and its imports' outcomes.
func (s *stress) summary(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.counts[s.phase]
	var b strings.Builder
	for _, op := range slices.Sorted(maps.Keys(c.answers)) {
		fmt.Fprintf(&b, "\n  %-24s", op)
		for _, st := range slices.Sorted(maps.Keys(c.answers[op])) {
			fmt.Fprintf(&b, " %d×%d", st, c.answers[op][st])
		}
	}
	if len(c.outcomes) > 0 {
		fmt.Fprintf(&b, "\n  %-24s", "import outcomes")
		for _, o := range slices.Sorted(maps.Keys(c.outcomes)) {
			fmt.Fprintf(&b, " %s×%d", o, c.outcomes[o])
		}
	}
	t.Logf("%s: answers per operation (status×count):%s", s.phase, b.String())
}

// requestExcerpt is a request body short enough to read: a feature's
// properties rather than its coordinates.
func requestExcerpt(body []byte) string {
	b := string(body)
	if len(b) > 600 {
		if i := strings.Index(b, `"properties"`); i > 0 {
			b = "…" + b[i:]
		}
	}
	return stressClip(b, 600)
}

// stressClip cuts s to n bytes at most (on a rune boundary).
func stressClip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// stressStretch is how much longer than its share a mix may write to do
// its floors' work: a machine other tests load does less a second.
const stressStretch = 3

// stopWhenDone stops the clients once they have written for d and done the
// floors' work (polled), or for stressStretch × d, and returns for how long
// they wrote.
func (s *stress) stopWhenDone(d time.Duration, floors []stressFloor) time.Duration {
	start := time.Now()
	for time.Since(start) < stressStretch*d && s.ctx.Err() == nil {
		if time.Since(start) >= d && s.floorsDone(floors) {
			break
		}
		s.pause(100, 0)
	}
	s.stopped.Store(true)
	return time.Since(start)
}

// floorsDone reports whether the mix running has done each floor's work.
func (s *stress) floorsDone(floors []stressFloor) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range floors {
		if f.done(s.counts[s.phase]) < f.min {
			return false
		}
	}
	return true
}
