package postgres_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestEnclaveTieBreakIgnoresCollation (a tester's finding): in a database
// created with a linguistic collation (ICU en-US), two enclaves of the same
// area made the resolver index answer the smaller code in bytes and
// gridmap_resolve — every question about the past — the smaller in en-US.
// Both follow byte order now (migration 022), and so do the pages of the
// enclave list, as the other stores of enclaves page them.
func TestEnclaveTieBreakIgnoresCollation(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.NewICUDatabase(t, "en-US"), 4)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(db.Close)
	var linguistic bool
	if err := db.Pool.QueryRow(ctx, `SELECT 'a1' < 'B1' AND 'x_1' < 'x-1' AND 'a0' < 'Z9'`).Scan(&linguistic); err != nil || !linguistic {
		t.Fatalf("the database does not collate as en-US (%v): the test would prove nothing", err)
	}

	// Each pair has one geometry, so area ties and the code decides; the
	// two collations pick different winners for every pair.
	cases := []struct {
		name  string
		codes [2]string
		want  string // the smaller in bytes
		at    orb.Point
	}{
		{"case", [2]string{"a1", "B1"}, "B1", orb.Point{118.52, 38.02}},
		{"punctuation", [2]string{"x_1", "x-1"}, "x-1", orb.Point{118.54, 38.02}},
		{"letters and digits", [2]string{"a0", "Z9"}, "Z9", orb.Point{118.56, 38.02}},
	}
	start := time.Now().Add(-time.Hour)
	for _, c := range cases {
		for _, code := range c.codes {
			if _, err := db.Pool.Exec(ctx, `INSERT INTO enclave (code, name, managing_code, status, geom, version, valid_from, created_by)
VALUES ($1, $1, '120104', 'custodial', ST_Multi(ST_MakeEnvelope($2::float8, $3::float8, $2::float8 + 0.01, $3::float8 + 0.01, 4326)), 1, $4, 'test')`,
				code, c.at[0], c.at[1], start); err != nil {
				t.Fatalf("enclave %s: %v", code, err)
			}
		}
	}
	data, err := db.LoadCurrent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := geo.NewSnapshot(data.Units, data.Enclaves, data.Version)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := orb.Point{c.at[0] + 0.005, c.at[1] + 0.005}
			index := normalise(snap.Resolve(p))
			for what, at := range map[string]time.Time{"now": time.Now(), "in the past": start.Add(time.Minute)} {
				past, err := db.ResolveAt(ctx, p, at) // gridmap_resolve
				if err != nil {
					t.Fatal(err)
				}
				if past.Enclave == nil || past.Enclave.Code != c.want {
					t.Errorf("gridmap_resolve %s: enclave %+v, want %s", what, past.Enclave, c.want)
				}
				if what == "now" && !reflect.DeepEqual(index, normalise(past)) {
					t.Errorf("index and gridmap_resolve differ:\nindex:   %s\npostgis: %s", show(index), show(past))
				}
			}
			if index.Enclave == nil || index.Enclave.Code != c.want {
				t.Errorf("index: enclave %+v, want %s", index.Enclave, c.want)
			}
		})
	}

	t.Run("enclave pages", func(t *testing.T) {
		var got []string
		f := geo.EnclaveFilter{Window: geo.Window{Limit: 2}}
		for page := 0; page < 10; page++ {
			es, next, err := db.ListEnclaves(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				got = append(got, e.Code)
			}
			if next == "" {
				break
			}
			f.After = next
		}
		var want []string
		for _, c := range cases {
			want = append(want, c.codes[:]...)
		}
		slices.Sort(want) // byte order
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("pages %v, want every enclave once, in byte order %v", got, want)
		}
	})
}
