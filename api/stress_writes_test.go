package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// The write stress test: two "gridmap serve" processes (the real binary) on
// one fresh demo database, and clients writing through both at once (the
// mixes of stressMixes) for stressDefault (GRIDMAP_STRESS_SECONDS=60, or a
// duration such as 5m, runs it longer by hand), and on until each mix has
// done its floors' work, up to stressStretch times as long. The clients:
//
//   - topology: splits of two communities of 长虹街道 (120104001) along
//     lines at varying places, half of them naming the new codes, each
//     merged back into the community's code a moment later;
//   - corners: moves of vertices of those communities' grids;
//   - grid PUTs: revisions (If-Match) of the grids under them, carrying a
//     "seq" property that grows with every PUT;
//   - enclave PUTs: revisions of three enclaves managed there, switching
//     their managing unit between the communities and their grids (a seq
//     too);
//   - creations: communities and grids created under two streets
//     (120104002, 120104003) and retired, the community once too early
//     (its grid still current);
//   - racing references: enclaves and grids created under those
//     communities while they come and go;
//   - imports: 120104002's communities and grids uploaded with
//     retire_missing scoped to the street, one file with a grid per
//     community fewer than the other, so each import retires or revives
//     units, and retires the communities the creations made;
//   - reads: GET /v1/resolve.
//
// It fails on any 5xx or transport error, on any status an operation may
// not answer (stressAllowed), on an import that ends other than as
// stressImportOutcome allows, on an ERROR either node logs, on a mix that
// did less than its floors, and then, once the writers have stopped, on
// any deadlock the database counted, any row of the invariant queries
// (stressInvariants: orphans, lost updates, duplicate current versions,
// versions current while their parent was not) and any resolve answer of
// either node, caught up with the last change, that differs from SQL
// gridmap_resolve. The seq checks are sound because a client allocates a
// seq after reading the version it revises, and If-Match refuses a PUT of
// a version another write has replaced: along one chain seq can only grow.
// The grids' chains cross codes (a split's recoded grids carry their
// origin), so they have one writer, whose seq grows in commit order.

// stressDefault is how long the first mix writes in CI (the second a third
// of it), or longer until it has done its floors' work: with the setup and
// the checks, the test takes about 35 s on this project's 2-core machine
// (75 s while other tests load it).
const stressDefault = 15 * time.Second

// stressDuration reads GRIDMAP_STRESS_SECONDS: seconds, or a Go duration.
func stressDuration(t *testing.T) time.Duration {
	v := os.Getenv("GRIDMAP_STRESS_SECONDS")
	if v == "" {
		return stressDefault
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return d
	}
	t.Fatalf("GRIDMAP_STRESS_SECONDS=%q: want seconds (60) or a duration (5m)", v)
	return 0
}

// stress is one run: the nodes, the database and what the clients saw.
type stress struct {
	ctx    context.Context
	db     *postgres.DB
	nodes  [2]string
	token  string
	client *http.Client
	seq    atomic.Int64 // the seq property of PUTs
	// stopped tells the clients to stop writing (stopWhenDone).
	stopped atomic.Bool

	slotMu sync.Mutex
	slots  [2]string // the communities the topology client splits and merges back

	files    [2][]byte // the import files (importFiles)
	newCodes bool      // every split names its new codes (the mix's)

	mu        sync.Mutex
	phase     string                   // the mix running
	counts    map[string]*stressCounts // per mix
	failures  []string
	serverErr []string // ERROR lines the nodes logged
}

// stressClient is one client of a mix: what it does, and the node it
// writes through (the imports use both in turn).
type stressClient struct {
	run  func(s *stress, node string)
	node int
}

// stressCounts is what the clients of one mix saw.
type stressCounts struct {
	answers  map[string]map[int]int // operation → status → answers
	outcomes map[string]int         // import outcome → jobs
}

// stressFloor is the least work of one kind a mix must have done.
type stressFloor struct {
	what string
	done func(c *stressCounts) int
	min  int
}

// succeeded counts the answers status of ops.
func (c *stressCounts) succeeded(status int, ops ...string) int {
	n := 0
	for _, op := range ops {
		n += c.answers[op][status]
	}
	return n
}

// stressMixes are the two mixes, run one after the other on the same
// nodes, each for its share of the duration: eight clients, one of every
// kind, at once; then splits that always name their new codes (so the
// grids under a part are recoded, and the enclaves they manage move)
// against four enclave clients, the mix that met enclave edits
// deadlocking with splits, which the first rarely does. Each has its
// floors: a small share of what it does on this project's 2-core machine
// (under load), so that a run that met only refusals fails; a mix writes on
// past its share until it has done them (stopWhenDone).
var stressMixes = []struct {
	name     string
	share    float64
	newCodes bool
	clients  []stressClient
	floors   []stressFloor
}{
	{"mixed", 1, false, []stressClient{
		{(*stress).topology, 0}, {(*stress).mover, 1}, {(*stress).gridPuts, 0}, {(*stress).enclavePuts, 1},
		{(*stress).createRetire, 0}, {(*stress).references, 1}, {(*stress).imports, 0}, {(*stress).reads, 1},
	}, []stressFloor{
		{"splits", func(c *stressCounts) int { return c.succeeded(200, "split", "split-newcodes") }, 2},
		{"merges", func(c *stressCounts) int { return c.succeeded(200, "merge") }, 2},
		{"corner moves", func(c *stressCounts) int { return c.succeeded(200, "move") }, 5},
		{"grid PUTs", func(c *stressCounts) int { return c.succeeded(200, "gridput") }, 5},
		{"enclave PUTs", func(c *stressCounts) int { return c.succeeded(200, "enclput") }, 5},
		{"communities created", func(c *stressCounts) int { return c.succeeded(201, "create-comm") }, 2},
		{"retirements refused while a grid held the community", func(c *stressCounts) int { return c.succeeded(409, "retire-comm-early") }, 1},
		{"grids retired", func(c *stressCounts) int { return c.succeeded(200, "retire-grid") }, 2},
		{"racing enclaves and grids created", func(c *stressCounts) int { return c.succeeded(201, "race-enclave", "race-grid") }, 2},
		{"imports that succeeded", func(c *stressCounts) int { return c.outcomes["succeeded"] }, 2},
		{"resolves", func(c *stressCounts) int { return c.succeeded(200, "resolve") }, 50},
	}},
	{"enclaves against splits", 1.0 / 3, true, []stressClient{
		{(*stress).topology, 0}, {(*stress).enclavePuts, 0}, {(*stress).enclavePuts, 1}, {(*stress).enclavePuts, 0},
		{(*stress).enclavePuts, 1}, {(*stress).gridPuts, 1},
	}, []stressFloor{
		{"splits", func(c *stressCounts) int { return c.succeeded(200, "split-newcodes") }, 1},
		{"enclave PUTs", func(c *stressCounts) int { return c.succeeded(200, "enclput") }, 10},
	}},
}

// TestStressWrites: see the comment above.
func TestStressWrites(t *testing.T) {
	d := stressDuration(t)
	ctx := t.Context()
	db := demotest.Open(t)
	s := &stress{ctx: ctx, db: db, slots: [2]string{"120104001012", "120104001015"}, counts: map[string]*stressCounts{},
		client: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	t.Cleanup(s.client.CloseIdleConnections)
	deadlocksBefore := s.deadlocks(t, 0)
	s.token = createToken(t, db, access.RoleEditor, "", "stress", time.Now().Add(time.Hour))
	bin := gridmapBinary(t)
	for i := range s.nodes {
		s.nodes[i] = s.startNode(t, bin, i)
	}
	s.files = s.importFiles(t)
	s.phase = "setup"
	s.counts[s.phase] = &stressCounts{answers: map[string]map[int]int{}, outcomes: map[string]int{}}
	s.setupEnclaves(t)

	for _, mix := range stressMixes {
		s.phase, s.newCodes = mix.name, mix.newCodes
		s.counts[s.phase] = &stressCounts{answers: map[string]map[int]int{}, outcomes: map[string]int{}}
		start := time.Now()
		s.stopped.Store(false)
		var wg sync.WaitGroup
		for _, c := range mix.clients {
			wg.Go(func() { c.run(s, s.nodes[c.node]) })
		}
		wrote := s.stopWhenDone(time.Duration(float64(d)*mix.share), mix.floors)
		wg.Wait()
		t.Logf("%s: %d clients wrote for %s (and finished in %s)", mix.name, len(mix.clients),
			wrote.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
		s.summary(t)
		for _, f := range mix.floors {
			if n := f.done(s.counts[mix.name]); n < f.min {
				t.Errorf("%s: only %d %s, want at least %d: the run did too little to test anything", mix.name, n, f.what, f.min)
			}
		}
	}
	for i, f := range s.failures {
		if i == 30 {
			t.Errorf("… and %d failures more", len(s.failures)-i)
			break
		}
		t.Error(f)
	}
	s.checkInvariants(t)
	if n := s.deadlocks(t, 1500*time.Millisecond) - deadlocksBefore; n != 0 {
		t.Errorf("pg_stat_database counted %d deadlocks in the test's database during the run", n)
	}
	s.serverErrors(t)
	s.checkResolve(t)
	s.serverErrors(t)
}

// serverErrors fails the test on each ERROR line the nodes logged since
// the last call.
func (s *stress) serverErrors(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.serverErr {
		t.Errorf("a node logged an error: %s", l)
	}
	s.serverErr = nil
}

// startNode runs "gridmap serve" (node i) on the test database without
// write rate limits, and returns its base URL. The ERROR lines it logs are
// kept (serverErr).
func (s *stress) startNode(t *testing.T, bin string, i int) string {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--database-url", s.db.URL(), "--addr", "127.0.0.1:0", "--demo=false",
		"--write-rate", "0", "--write-rate-addr", "0", "--escalate-every", "0", "--upload-dir", t.TempDir())
	cmd.Env = append(os.Environ(), "GRIDMAP_LOG_LEVEL=info")
	addrOf := func(line []byte) (string, bool) { // sees every line the node logs
		if bytes.Contains(line, []byte(`"level":"ERROR"`)) {
			s.mu.Lock()
			s.serverErr = append(s.serverErr, fmt.Sprintf("node %d: %s", i, stressClip(string(line), 1500)))
			s.mu.Unlock()
		}
		return servingAddr(line)
	}
	a := startProcess(t, cmd, cmd.StderrPipe, addrOf, 20*time.Second, 60*time.Second, "gridmap serve")
	return "http://" + strings.Replace(a, "[::]", "127.0.0.1", 1)
}

func (s *stress) running() bool { return !s.stopped.Load() && s.ctx.Err() == nil }

// pause sleeps between min and min+spread milliseconds.
func (s *stress) pause(min, spread int) {
	d := time.Duration(min) * time.Millisecond
	if spread > 0 {
		d += time.Duration(rand.IntN(spread)) * time.Millisecond
	}
	select {
	case <-s.ctx.Done():
	case <-time.After(d):
	}
}

// fail records a failure seen by a client (t.Fatal is for the test's own
// goroutine).
func (s *stress) fail(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, fmt.Sprintf(format, args...))
}

// do sends a request as the stress token and returns the status (0 for a
// transport error) and the body. A status stressAllowed does not list for
// op fails the test, with the request and the answer.
func (s *stress) do(op, method, url string, body []byte, headers ...string) (int, []byte, http.Header) {
	return s.send(op, method, url, s.token, body, headers...)
}

// doPublic is do of a GET without a token.
func (s *stress) doPublic(op, url string) (int, []byte, http.Header) {
	return s.send(op, "GET", url, "", nil)
}

func (s *stress) send(op, method, url, token string, body []byte, headers ...string) (int, []byte, http.Header) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(s.ctx, method, url, rd)
	if err != nil {
		s.fail("%s: %v", op, err)
		return 0, nil, nil
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	status, b, h := 0, []byte(nil), http.Header(nil)
	started := time.Now()
	resp, err := s.client.Do(req)
	if err == nil {
		b, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		status, h = resp.StatusCode, resp.Header
	}
	if err != nil {
		b = []byte(err.Error())
	}
	s.count(op, status)
	if !slices.Contains(stressAllowedFor(op), status) && s.ctx.Err() == nil {
		if method == "POST" && strings.HasSuffix(url, "/v1/imports") {
			body = []byte("(the upload)")
		}
		s.fail("%s: %s %s answered %d after %s\nrequest: %s\nanswer: %s", op, method, url, status,
			time.Since(started).Round(time.Millisecond), requestExcerpt(body), stressClip(string(b), 800))
	}
	return status, b, h
}

func (s *stress) count(op string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.counts[s.phase]
	if c.answers[op] == nil {
		c.answers[op] = map[int]int{}
	}
	c.answers[op][status]++
}

// codes runs a query of one text column (static SQL, bound arguments); an
// error fails the test.
func (s *stress) codes(sql string, args ...any) []string {
	rows, err := s.db.Pool.Query(s.ctx, sql, args...)
	if err != nil {
		if s.ctx.Err() == nil {
			s.fail("query %q: %v", sql, err)
		}
		return nil
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			s.fail("query %q: %v", sql, err)
			return nil
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil && s.ctx.Err() == nil {
		s.fail("query %q: %v", sql, err)
	}
	return out
}

// point reads two numbers (x, y) of a query; false when it has no row.
func (s *stress) point(sql string, args ...any) (x, y float64, ok bool) {
	err := s.db.Pool.QueryRow(s.ctx, sql, args...).Scan(&x, &y)
	return x, y, err == nil
}
