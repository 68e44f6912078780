package demo

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
)

// TestPatrolStartsOnItsDay builds the patrol plan at hours across the China
// day, midnight included: every patrol begins on the China day it is filed
// under (its id is the grid and that day), and today's begin by the build.
// A build between 00:00 and 08:00 China time once dated today's patrols
// yesterday, on top of yesterday's ids.
func TestPatrolStartsOnItsDay(t *testing.T) {
	for _, clock := range []string{"00:00", "00:27", "01:00", "05:30", "07:59", "08:00", "09:00", "16:00", "23:59"} {
		t.Run(clock, func(t *testing.T) {
			at, err := time.ParseInLocation("2006-01-02 15:04", "2026-12-05 "+clock, geo.ChinaTime)
			if err != nil {
				t.Fatal(err)
			}
			anchor := at.UTC().Truncate(time.Hour)
			today := geo.ChinaDay(anchor)
			rng := rand.New(rand.NewPCG(1, 2))
			for d := demoPatrolDays; d >= 0; d-- {
				day := time.Date(today.Year(), today.Month(), today.Day()-d, 9, 0, 0, 0, geo.ChinaTime)
				for range 50 {
					start := patrolStart(rng, day, d == 0, anchor)
					if got, want := start.In(geo.ChinaTime).Format(time.DateOnly), day.Format(time.DateOnly); got != want {
						t.Fatalf("day -%d: a patrol filed under %s starts on %s (%s)", d, want, got, start)
					}
					if start.After(anchor) {
						t.Fatalf("day -%d: starts at %s, after the build at %s", d, start, anchor)
					}
				}
			}
		})
	}
}
