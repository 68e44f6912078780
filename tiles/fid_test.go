package tiles

import (
	"context"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestFeatureIDsTellCodesApart (a tester's finding): the enclaves 7 and 007
// shared feature id 7, so the console's feature-state mixed them up. A code
// without leading zeros is still its own number (the ids of unit codes the
// console may compute from a code do not change); any other is hashed
// above every such number, exact as a JavaScript number (migration 022).
func TestFeatureIDsTellCodesApart(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	const hashed = -1
	cases := []struct {
		code string
		want int64 // hashed: in [2^50, 2^53)
	}{
		{"120104", 120104},
		{"120104001001001", 120104001001001},
		{"7", 7},
		{"007", hashed},
		{"0007", hashed},
		{"0", hashed},
		{"00", hashed},
		{"E1", hashed},
		{"120104001001001001", hashed}, // a micro-grid: 18 digits
		{"1000000000000000", hashed},   // 16 digits
	}
	seen := map[int64]string{}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			var id int64
			if err := db.Pool.QueryRow(ctx, `SELECT gridmap_tile_fid($1)`, c.code).Scan(&id); err != nil {
				t.Fatal(err)
			}
			switch {
			case c.want == hashed && (id < 1<<50 || id >= 1<<53):
				t.Errorf("id %d, want a hash in [2^50, 2^53)", id)
			case c.want != hashed && id != c.want:
				t.Errorf("id %d, want %d (the code)", id, c.want)
			}
			if other, ok := seen[id]; ok {
				t.Errorf("id %d is %s's too", id, other)
			}
			seen[id] = c.code
		})
	}

	t.Run("in a tile", func(t *testing.T) {
		for i, code := range []string{"7", "007"} {
			mustExec(t, db, `INSERT INTO enclave (code, name, managing_code, status, geom, version, valid_from, created_by)
VALUES ($1, $1, '120104', 'custodial', ST_Multi(ST_MakeEnvelope($2::float8, 39.1, $2::float8 + 0.001, 39.101, 4326)), 1, now(), 'test')`,
				code, 117.15+0.002*float64(i))
		}
		s := newService(t, db, Config{})
		layers, _, _ := get(t, s, "enclave", coordAt(orb.Point{117.1515, 39.1005}, 14))
		seven, zeros := feature(layers["enclave"], "code", "7"), feature(layers["enclave"], "code", "007")
		if seven == nil || zeros == nil {
			t.Fatalf("enclaves 7 and 007 not both in the tile: %v", layers)
		}
		if seven.ID != float64(7) || zeros.ID == seven.ID {
			t.Errorf("ids %v (7) and %v (007): want 7 and another", seven.ID, zeros.ID)
		}
	})
}
