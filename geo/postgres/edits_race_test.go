package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestNamedUnitNotRetiredUnderAnEdit: a unit named by an edit (a child's
// parent, an enclave's managing unit) and the unit's retirement, sent at
// the same moment, do not both succeed, so no current child or enclave is
// left naming a retired unit (write skew under READ COMMITTED: each checked
// the other's precondition before either committed; a tester had 14 of 20
// such pairs commit).
func TestNamedUnitNotRetiredUnderAnEdit(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	if _, err := db.CreateUnit(ctx, "test", geo.Unit{Code: "139901", Level: geo.District, Name: "测试区", Geom: square(118, 38, 1)}); err != nil {
		t.Fatal(err)
	}
	const tries = 12
	k := 0
	for _, tc := range []struct {
		name   string
		naming func(named string, i int) error
	}{
		{"a child and its parent", func(named string, i int) error {
			_, err := db.CreateUnit(ctx, "child", geo.Unit{Code: named + "001", Level: geo.Community, Name: "社区", ParentCode: named,
				Geom: square(118+float64(i)*0.01, 38, 0.005)})
			return err
		}},
		{"an enclave and its managing unit", func(named string, i int) error {
			_, err := db.CreateEnclave(ctx, "enclave", geo.Enclave{Code: fmt.Sprintf("E-race-%02d", i), Name: "飞地", ManagingCode: named,
				Status: geo.EnclaveCustodial, Geom: square(118+float64(i)*0.01, 38.5, 0.005)})
			return err
		}},
	} {
		k++
		t.Run(tc.name, func(t *testing.T) {
			both := 0
			for i := 0; i < tries; i++ {
				named := fmt.Sprintf("139901%03d", k*tries+i)
				if _, err := db.CreateUnit(ctx, "test", geo.Unit{Code: named, Level: geo.Street, Name: "街道", ParentCode: "139901",
					Geom: square(118+float64(i)*0.01, 38, 0.009)}); err != nil {
					t.Fatal(err)
				}
				var wg sync.WaitGroup
				var namingErr, retireErr error
				start := make(chan struct{})
				wg.Add(2)
				go func() { defer wg.Done(); <-start; namingErr = tc.naming(named, i) }()
				go func() { defer wg.Done(); <-start; _, retireErr = db.RetireUnit(ctx, "retire", named, 1) }()
				close(start)
				wg.Wait()
				if namingErr == nil && retireErr == nil {
					both++
				}
				if namingErr == nil && geo.ErrorCodeOf(retireErr) != geo.ECONFLICT || retireErr == nil && namingErr != nil && geo.ErrorCodeOf(namingErr) != geo.EINVALID {
					t.Errorf("try %d: the loser's error: naming %v, retire %v", i, namingErr, retireErr)
				}
			}
			if both > 0 {
				t.Errorf("%d of %d pairs both succeeded", both, tries)
			}
			var orphans int
			if err := db.Pool.QueryRow(ctx, `SELECT
				(SELECT count(*) FROM unit c WHERE c.valid_to IS NULL AND c.parent_code IS NOT NULL
				   AND NOT EXISTS (SELECT 1 FROM unit p WHERE p.code = c.parent_code AND p.valid_to IS NULL)) +
				(SELECT count(*) FROM enclave e WHERE e.valid_to IS NULL
				   AND NOT EXISTS (SELECT 1 FROM unit m WHERE m.code = e.managing_code AND m.valid_to IS NULL))`).Scan(&orphans); err != nil {
				t.Fatal(err)
			}
			if orphans > 0 {
				t.Errorf("%d current rows name a retired unit", orphans)
			}
		})
	}
}
