package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// TestAReportAfterAnEditIsStoredUnderIt: a node that has not applied an
// edit committed through another node, sent a report (alone or in a batch)
// without a min_version, stores it as the edit has it, and the stored
// answer is what PostGIS says for the report's point and moment: the store
// refuses a resolution an edit's commit overtook and the node resolves it
// again from that version. (Before, the report went under the old unit
// until the node's next poll: an hour here.) A report observed before the
// edit is stored as then, not refused (a review: every one got a 503
// when the gate compared versions alone); one observed ahead of the clock
// is observed when received, so a later edit cannot begin before it.
func TestAReportAfterAnEditIsStoredUnderIt(t *testing.T) {
	db := demotest.Open(t)
	behind := newNode(t, db, true) // follows only when asked
	editor := newNode(t, db, true)
	admin := createToken(t, db, access.RoleAdmin, "", "admin", time.Now().Add(time.Hour))
	worker := createToken(t, db, access.RoleReporter, "", "王伟", time.Now().Add(time.Hour))
	grid := "120104001001001"
	var p orb.Point
	if err := db.Pool.QueryRow(context.Background(), `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p
		FROM unit WHERE code = $1 AND valid_to IS NULL) s`, grid).Scan(&p[0], &p[1]); err != nil {
		t.Fatal(err)
	}
	now := map[string]any{"observed_at": nil}
	create := func(code string) response {
		return editor.send(t, "POST", "/v1/enclaves", admin, squareEnclave(code, p))
	}
	retire := func(code string) response {
		return editor.send(t, "DELETE", "/v1/enclaves/"+code, admin, nil, "If-Match", `"v1"`)
	}
	past := map[string]any{"observed_at": time.Now().Add(-10 * time.Minute).Format(time.RFC3339Nano)}
	ahead := map[string]any{"observed_at": time.Now().Add(time.Minute).Format(time.RFC3339Nano)}
	for _, tc := range []struct {
		name  string
		write func() response
		batch bool
		// observed is the reports' observed_at (nil: none, now).
		observed map[string]any
		want     string
	}{
		{"a report after an enclave's creation", func() response { return create("STAMP01") }, false, now, demo.BaihechuntianCode},
		{"a batch after its retirement", func() response { return retire("STAMP01") }, true, now, grid},
		{"a batch after another's creation", func() response { return create("STAMP02") }, true, now, demo.BaihechuntianCode},
		{"a report after its retirement", func() response { return retire("STAMP02") }, false, now, grid},
		// Observed before any of these edits, sent after them: as then.
		{"a report observed before an edit", func() response { return create("STAMP03") }, false, past, grid},
		{"a batch observed before an edit", func() response { return retire("STAMP03") }, true, past, grid},
		// Observed ahead of the clock, an edit follows (below): as now.
		{"a report observed a minute ahead", func() response { return create("STAMP04") }, false, ahead, demo.BaihechuntianCode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.write()
			if w.status != http.StatusCreated && w.status != http.StatusOK {
				t.Fatalf("write answered %d %s", w.status, w.body)
			}
			v := versionHeader(t, w)
			var answers []response
			if tc.batch {
				batch := fmt.Sprintf(`{"reports": [%s, %s]}`, body(t, uuid.NewString(), p, tc.observed), body(t, uuid.NewString(), p, tc.observed))
				answers = batchReports(t, behind.send(t, "POST", "/v1/reports:batch", worker, []byte(batch)))
			} else {
				answers = []response{behind.send(t, "POST", "/v1/reports", worker, body(t, uuid.NewString(), p, tc.observed))}
			}
			for _, a := range answers {
				if a.status != http.StatusCreated {
					t.Fatalf("report answered %d %s", a.status, a.body)
				}
				// A report observed before the edit may be answered from before it.
				if _, who, rv := answerOf(t, a); who != tc.want || rv < v && tc.observed["observed_at"] == nil {
					t.Errorf("report after v%d: answered by %s at v%d, want %s", v, who, rv, tc.want)
				}
			}
		})
	}
	if w := retire("STAMP04"); w.status != http.StatusOK {
		t.Fatalf("retire answered %d %s", w.status, w.body)
	}
	assertReportsAsPostGIS(t, db)
}

// batchReports splits a batch's answer into one per report.
func batchReports(t *testing.T, r response) []response {
	t.Helper()
	var got struct {
		Results []struct {
			Status int             `json:"status"`
			Report json.RawMessage `json:"report"`
		} `json:"results"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil || r.status != http.StatusOK {
		t.Fatalf("batch answered %d %s (%v)", r.status, r.body, err)
	}
	var out []response
	for _, x := range got.Results {
		out = append(out, response{status: x.Status, body: x.Report})
	}
	return out
}

// assertReportsAsPostGIS fails the test on a stored report whose
// responsible unit is not PostGIS's for its point at its observed time.
func assertReportsAsPostGIS(t *testing.T, db *postgres.DB) {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Pool.Query(ctx, `SELECT id::text, ST_X(geom), ST_Y(geom), observed_at, unit_code FROM report`)
	if err != nil {
		t.Fatal(err)
	}
	type stored struct {
		id       string
		p        orb.Point
		observed time.Time
		unit     string
	}
	var all []stored
	for rows.Next() {
		var s stored
		if err := rows.Scan(&s.id, &s.p[0], &s.p[1], &s.observed, &s.unit); err != nil {
			t.Fatal(err)
		}
		all = append(all, s)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	for _, s := range all {
		res, err := db.ResolveCurrent(ctx, s.p, s.observed, 0)
		if err != nil {
			t.Fatal(err)
		}
		if want := casework.ResponsibleCode(&res); want != s.unit {
			t.Errorf("report %s at %s: stored under %s, PostGIS says %s", s.id, s.observed.Format(time.RFC3339Nano), s.unit, want)
		}
	}
}
