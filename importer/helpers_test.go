package importer

import (
	"archive/zip"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// districtsGeoJSON is the real data the round trips start from (the same
// file as ../shared/data/tianjin-districts.geojson).
func districtsGeoJSON(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "demo", "data", "tianjin-districts.geojson")
}

// requireOGR makes sure ogr2ogr (Debian gdal-bin) is there: the tests use
// it to make the files GIS staff would. make test installs it
// (scripts/gdal.sh); without it the test fails and says what to do.
func requireOGR(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		t.Fatal("ogr2ogr is required by the import tests: run scripts/gdal.sh (as root on Debian/Ubuntu) or install GDAL")
	}
}

// ogr runs ogr2ogr with args.
func ogr(t testing.TB, args ...string) {
	t.Helper()
	cmd := exec.Command("ogr2ogr", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr %v: %v\n%s", args, err, out)
	}
}

// zipFiles writes the files into a new zip at dst, in a folder as
// Windows users send them.
func zipFiles(t testing.TB, dst string, files ...string) {
	t.Helper()
	bodies := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bodies["边界/"+filepath.Base(f)] = string(b)
	}
	zipBodies(t, dst, bodies)
}

// zipBodies writes a zip of the named bodies.
func zipBodies(t testing.TB, dst string, bodies map[string]string) {
	t.Helper()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	for name, body := range bodies {
		w, err := zw.Create(name)
		if err == nil {
			_, err = w.Write([]byte(body))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
}

// opts are the import options tests start from.
func opts() geo.ImportOptions { return geo.ImportOptions{Actor: "test"} }

// mustImport runs an import that must not fail (it may be rejected).
func mustImport(t testing.TB, db *postgres.DB, o geo.ImportOptions, paths ...string) *geo.ImportReport {
	t.Helper()
	rep, err := Run(context.Background(), db.Pool, paths, o, 0, nil)
	if err != nil {
		t.Fatalf("import %v: %v", paths, err)
	}
	return rep
}

// issuesOf returns the issues of a kind, by code.
func issuesOf(rep *geo.ImportReport, kind geo.IssueKind) map[string][]geo.ImportIssue {
	out := map[string][]geo.ImportIssue{}
	for _, is := range rep.Issues {
		if is.Kind == kind {
			out[is.Code] = append(out[is.Code], is)
		}
	}
	return out
}

// nameArea is a unit's name and geodesic area (m²).
type nameArea struct {
	name string
	area float64
}

// unitAreas returns name and geodesic area of every current unit.
func unitAreas(t testing.TB, db *postgres.DB) map[string]nameArea {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT code, name, ST_Area(geom::geography) FROM unit WHERE valid_to IS NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]nameArea{}
	for rows.Next() {
		var code, name string
		var a float64
		if err := rows.Scan(&code, &name, &a); err != nil {
			t.Fatal(err)
		}
		out[code] = nameArea{name, a}
	}
	return out
}

// sameNameArea reports a unit (what) that is missing, or whose name or area
// (within 0.01%) differs from the reference's.
func sameNameArea(t testing.TB, what string, got nameArea, found bool, want nameArea) {
	t.Helper()
	switch {
	case !found:
		t.Errorf("%s is missing", what)
	case got.name != want.name:
		t.Errorf("%s is named %q, want %q", what, got.name, want.name)
	case math.Abs(got.area-want.area)/want.area > 1e-4:
		t.Errorf("%s has area %.2f m², want %.2f m² (±0.01%%)", what, got.area, want.area)
	}
}

// fingerprint hashes every unit version, enclave, log and finding row, so a
// test can tell whether anything at all changed.
func fingerprint(t testing.TB, db *postgres.DB) string {
	t.Helper()
	var h string
	err := db.Pool.QueryRow(context.Background(), `SELECT md5(
		coalesce((SELECT string_agg(code || version || coalesce(valid_to::text, '') || md5(ST_AsBinary(geom)), ',' ORDER BY code, version) FROM unit), '') ||
		coalesce((SELECT string_agg(id::text, ',' ORDER BY id) FROM change_log), '') ||
		coalesce((SELECT string_agg(id::text, ',' ORDER BY id) FROM repair_log), '') ||
		coalesce((SELECT string_agg(id::text || md5(ST_AsBinary(geom)), ',' ORDER BY id) FROM audit_finding), ''))`).Scan(&h)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// standIn begins a transaction as the test's actor, runs stmts in it and
// leaves it open: it stands in for another writer half-way until the test
// commits it (rolled back when the test ends, if not).
func standIn(t *testing.T, db *postgres.DB, stmts ...string) pgx.Tx {
	t.Helper()
	ctx := context.Background()
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(ctx) })
	for _, q := range append([]string{`SELECT set_config('gridmap.actor', 'test', true)`}, stmts...) {
		if _, err := tx.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return tx
}

// startImport runs an import of file in the background, as a test's rival
// writer waits; wait returns its outcome.
func startImport(db *postgres.DB, file string, o geo.ImportOptions) (wait func() (*geo.ImportReport, error)) {
	done := make(chan struct{})
	var rep *geo.ImportReport
	var err error
	go func() {
		defer close(done)
		rep, err = Run(context.Background(), db.Pool, []string{file}, o, 0, nil)
	}()
	return func() (*geo.ImportReport, error) {
		<-done
		return rep, err
	}
}

// currentOf is how many of codes have a current version.
func currentOf(t *testing.T, db *postgres.DB, codes ...string) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM unit WHERE code = ANY($1) AND valid_to IS NULL`, codes).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
