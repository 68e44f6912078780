package api

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestImportEventsOnlyToWhoMayReadTheJob: an import's end is sent whole
// only to a signed-in caller who may read the job (its scope covers what
// the import may touch); another caller is told only that the map changed
// (a succeeded import's data version), and nothing of an import that
// changed nothing. An attacker read every import's file name and fate in
// the anonymous stream.
func TestImportEventsOnlyToWhoMayReadTheJob(t *testing.T) {
	db := pgtest.Open(t)
	n := newEventNode(t, db, 64, access.ExposeNone)
	exp := time.Now().Add(time.Hour)
	streams := map[string]string{
		"anonymous":        "",
		"admin":            createToken(t, db, access.RoleAdmin, "", "管理员", exp),
		"the street's":     createToken(t, db, access.RoleViewer, "120104001", "街道", exp),
		"another street's": createToken(t, db, access.RoleViewer, "120104002", "另一街道", exp),
	}
	got := map[string][]map[string]any{}
	chans := map[string]<-chan sse{}
	for who, token := range streams {
		headers := []string{}
		if token != "" {
			headers = authHeader(token)
		}
		chans[who], _ = stream(t, n.srv.URL+"/v1/events", headers...) // subscribed once it answers
	}
	ctx := context.Background()
	for _, job := range []struct{ status, options, report string }{
		{"dry_run", `{"within":"120104001"}`, `{}`}, // a street editor's check
		{"succeeded", `{}`, `{"index_version":7}`},  // the whole city's import
		{"rejected", `{"scope":"120104001"}`, `{}`}, // a file with errors
	} {
		var id int64
		if err := db.Pool.QueryRow(ctx, `INSERT INTO import_job (status, actor, source, options, report)
			VALUES ('running', 'GIS', '草稿_网格.shp', $1, $2) RETURNING id`, job.options, job.report).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Pool.Exec(ctx, `UPDATE import_job SET status = $2, finished_at = now() WHERE id = $1`, id, job.status); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO event_log (kind, codes, data) VALUES ('report.created', '{120104001001001,120104002001001}', '{"id":"marker"}')`); err != nil {
		t.Fatal(err)
	}
	for who, events := range chans {
		deadline := time.After(5 * time.Second)
	read:
		for {
			select {
			case e := <-events:
				if e.msg.Kind == "report.created" {
					break read
				}
				if e.msg.Kind == "import.finished" {
					var d map[string]any
					_ = json.Unmarshal(e.msg.Data, &d)
					if d["source"] == nil && len(e.msg.Codes) > 0 {
						t.Errorf("%s: a bare import event names where: %v", who, e.msg.Codes)
					}
					got[who] = append(got[who], d)
				}
			case <-deadline:
				t.Fatalf("%s: the marker did not arrive", who)
			}
		}
	}
	for _, c := range []struct {
		who     string
		sources int // events naming the file
		bare    int // events saying only that the map changed
	}{
		{"admin", 3, 0},
		{"the street's", 1, 1},     // its editor's check whole, the city's import bare
		{"another street's", 0, 1}, // the city's import bare
		{"anonymous", 0, 1},
	} {
		t.Run(c.who, func(t *testing.T) {
			sources, bare := 0, 0
			for _, d := range got[c.who] {
				switch {
				case d["source"] == "草稿_网格.shp":
					sources++
				case len(d) == 2 && d["status"] == "succeeded" && d["index_version"] == float64(7):
					bare++
				default:
					t.Errorf("an import event of %v", d)
				}
			}
			if sources != c.sources || bare != c.bare {
				t.Errorf("%d events naming the file and %d bare, want %d and %d: %v", sources, bare, c.sources, c.bare, got[c.who])
			}
		})
	}
}
