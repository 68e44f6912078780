package postgres_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// exactProps are properties a float64 cannot hold: an 18-digit ID beyond
// 2^53 and an integer beyond int64, beside an ordinary fraction.
const exactProps = `{"big":12345678901234567890,"f":1.5,"owner_id":120104199001011234}`

func decodeExact(t *testing.T, s string) map[string]any {
	t.Helper()
	p, err := geo.DecodeProperties([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func propsJSON(t *testing.T, p map[string]any) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPropertyNumbersKeepTheirDigits: numbers in a unit's and an enclave's
// properties are read back from jsonb as they were written, on every read
// (current, history, list) and through an edit that leaves them alone; a
// tester saw 120104199001011234 come back as 120104199001011230.
func TestPropertyNumbersKeepTheirDigits(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	u := geo.Unit{Code: "139902", Level: geo.District, Name: "测试区", Geom: square(118, 38, 1), Properties: decodeExact(t, exactProps)}
	if _, err := db.CreateUnit(ctx, "test", u); err != nil {
		t.Fatal(err)
	}
	e := geo.Enclave{Code: "E-exact-1", Name: "飞地", ManagingCode: u.Code, Status: geo.EnclaveCustodial,
		Geom: square(118.2, 38.2, 0.01), Properties: decodeExact(t, exactProps)}
	if _, err := db.CreateEnclave(ctx, "test", e); err != nil {
		t.Fatal(err)
	}
	stored, err := db.GetUnit(ctx, u.Code, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	stored.Name = "改名区" // an edit of the name alone
	if _, err := db.EditUnit(ctx, "test", stored, stored.Version); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		read func() (map[string]any, error)
	}{
		{"unit", func() (map[string]any, error) {
			u, err := db.GetUnit(ctx, u.Code, time.Time{})
			return u.Properties, err
		}},
		{"unit history, first version", func() (map[string]any, error) {
			h, err := db.UnitHistory(ctx, u.Code)
			if err != nil || len(h) != 2 {
				t.Fatalf("history: %d versions, %v", len(h), err)
			}
			return h[0].Properties, nil
		}},
		{"unit list", func() (map[string]any, error) {
			l, _, err := db.ListUnits(ctx, geo.UnitFilter{Level: geo.District, Window: geo.Window{Limit: 100}})
			for _, x := range l {
				if x.Code == u.Code {
					return x.Properties, err
				}
			}
			t.Fatalf("unit %s not listed (%v)", u.Code, err)
			return nil, nil
		}},
		{"enclave", func() (map[string]any, error) {
			e, err := db.GetEnclave(ctx, e.Code, time.Time{})
			return e.Properties, err
		}},
		{"enclave history", func() (map[string]any, error) {
			h, err := db.EnclaveHistory(ctx, e.Code)
			if err != nil || len(h) != 1 {
				t.Fatalf("history: %d versions, %v", len(h), err)
			}
			return h[0].Properties, nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.read()
			if err != nil {
				t.Fatal(err)
			}
			if got := propsJSON(t, p); got != exactProps {
				t.Errorf("properties %s; want %s", got, exactProps)
			}
		})
	}
	t.Run("stored", func(t *testing.T) {
		var n int
		err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM unit WHERE code = $1
			AND properties->'owner_id' = '120104199001011234'::jsonb AND properties->'big' = '12345678901234567890'::jsonb`, u.Code).Scan(&n)
		if err != nil || n != 2 {
			t.Errorf("%d versions hold the exact numbers, want 2 (%v)", n, err)
		}
	})
}
