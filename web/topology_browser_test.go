package web_test

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo/demotest"
)

// TestDashboardTopologyInBrowser runs test/topology.test.mjs, the
// topology-keeping edits of the dashboard's edit mode (edit-shared.js,
// edit-tools.js) in headless Chromium on the demo city: an editor loads a
// grid of 南开区 with a corner three grids share, hovers it ("shared by 3
// units"), drags it with a token scoped to that grid alone (403, said in
// plain words, the vertex goes back), then with an editor's token for the
// district, and sees the neighbours' outlines follow; the release
// moves it through POST /v1/boundaries:move-vertex, and every unit that had
// the vertex has it at its new place, in the API and on the map (its tiles
// reloaded with min_version). Then two of those grids are merged with the
// merge tool and the third is split with the split tool, whose first answer
// is lost on the way back: confirming again sends the same client_id and is
// answered with the split made (Idempotent-Replayed). Screenshots go to
// test/out/topology-*.png.
func TestDashboardTopologyInBrowser(t *testing.T) {
	setupBrowser(t)
	url, db := serveDemo(t)
	corner := demotest.SharedVertex(t, db, "120104001", 3)
	shared, err := json.Marshal(map[string]any{"at": corner.At, "codes": corner.Codes, "room": corner.Room})
	if err != nil {
		t.Fatal(err)
	}
	env := []string{
		"GRIDMAP_TOKEN=" + createToken(t, db, access.RoleEditor, "topology-test"),
		// An editor of the first grid alone may not move a corner it shares.
		"GRIDMAP_TOKEN_SCOPED=" + createScopedToken(t, db, access.RoleEditor, corner.Codes[0], "topology-test-scoped"),
		"GRIDMAP_SHARED=" + string(shared),
	}
	dir, err := filepath.Abs("test/out")
	if err != nil {
		t.Fatal(err)
	}
	runBrowserTest(t, 5*time.Minute, env, "topology.test.mjs", url, dir)
}
