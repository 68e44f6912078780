package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// TestARetirementEndsAfterWhatNamedIt: a unit's retirement reads the clock,
// closes the unit and then checks that nothing current names it. An
// enclave retired (or moved to another unit), or a child retired, by a
// transaction that wrote after that clock and committed before the check
// passes the check — and in the history it outlasted the unit it named
// (the stress test's history check, 1 run in 4 to 8). The retirement now
// ends after it, and the version it answers says so.
func TestARetirementEndsAfterWhatNamedIt(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	if _, err := db.CreateUnit(ctx, "test", geo.Unit{Code: "139901", Level: geo.District, Name: "测试区", Geom: square(118, 38, 1)}); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		name string
		// dependant makes a dependant of street and returns what ends it.
		dependant func(street string, i int) (end func() error)
	}{
		{"an enclave retired meanwhile", func(street string, i int) func() error {
			code := createEnclave(t, db, street, i)
			return func() error { _, err := db.RetireEnclave(ctx, "other", code, 1); return err }
		}},
		{"an enclave moved to another unit meanwhile", func(street string, i int) func() error {
			code := createEnclave(t, db, street, i)
			return func() error {
				e, err := db.GetEnclave(ctx, code, time.Time{})
				if err != nil {
					return err
				}
				e.ManagingCode = "139901"
				_, err = db.EditEnclave(ctx, "other", e, 1)
				return err
			}
		}},
		{"a child retired meanwhile", func(street string, i int) func() error {
			child := street + "001"
			if _, err := db.CreateUnit(ctx, "test", geo.Unit{Code: child, Level: geo.Community, Name: "社区", ParentCode: street,
				Geom: square(118+float64(i)*0.1, 38, 0.005)}); err != nil {
				t.Fatal(err)
			}
			return func() error { _, err := db.RetireUnit(ctx, "other", child, 1); return err }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			street := fmt.Sprintf("139901%03d", i+1)
			if _, err := db.CreateUnit(ctx, "test", geo.Unit{Code: street, Level: geo.Street, Name: "街道", ParentCode: "139901",
				Geom: square(118+float64(i)*0.1, 38, 0.05)}); err != nil {
				t.Fatal(err)
			}
			endDependant := tc.dependant(street, i)
			pause := pgtest.PauseClosing(t, db, street)
			retired := make(chan error, 1)
			var answered geo.EditResult[geo.Unit]
			go func() {
				var err error
				answered, err = db.RetireUnit(ctx, "retire", street, 1)
				retired <- err
			}()
			pause.Wait() // the street is closed at its clock; its check is still to come
			if err := endDependant(); err != nil {
				t.Fatalf("end the dependant: %v", err)
			}
			pause.Release()
			if err := <-retired; err != nil {
				t.Fatalf("retire %s: %v", street, err)
			}
			stored := history(t, db, street)
			if len(stored) != 1 || stored[0].ValidTo == nil || answered.Version.ValidTo == nil || !stored[0].ValidTo.Equal(*answered.Version.ValidTo) {
				t.Errorf("the retirement answered valid_to %v, stored %v", answered.Version.ValidTo, stored)
			}
			pgtest.AssertCovered(t, db, street)
		})
	}
}

// createEnclave creates an enclave managed by unit and returns its code.
func createEnclave(t *testing.T, db *postgres.DB, unit string, i int) string {
	t.Helper()
	code := fmt.Sprintf("E-end-%02d", i)
	if _, err := db.CreateEnclave(context.Background(), "test", geo.Enclave{Code: code, Name: "飞地", ManagingCode: unit,
		Status: geo.EnclaveCustodial, Geom: square(118+float64(i)*0.1, 38.5, 0.005)}); err != nil {
		t.Fatal(err)
	}
	return code
}

// history is every stored version of a unit code, oldest first.
func history(t *testing.T, db *postgres.DB, code string) []geo.Unit {
	t.Helper()
	versions, err := db.UnitHistory(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return versions
}
