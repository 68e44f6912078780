package geo

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/paulmach/orb"
)

// TestResolveManyEqualsResolve checks the grouped lookup against Resolve,
// point for point, on vertices, edges, random points and points H3 refuses,
// for batch lengths that do and do not fill the last group.
func TestResolveManyEqualsResolve(t *testing.T) {
	o := cityOpts{nx: 12, ny: 10, community: 3, street: 6, district: 8, bends: 5, gaps: 0.05, enclaves: 15, seed: 9}
	units, enclaves := syntheticCity(o)
	s, err := NewSnapshot(units, enclaves, 1)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(21, 22))
	lo, hi := cityExtent(o)
	pts := oraclePoints(rng, units, enclaves, 20000, lo, hi)
	pts = append(pts, orb.Point{math.NaN(), 39.1}, orb.Point{117.2, math.Inf(1)}, orb.Point{0, 0})
	for _, n := range []int{0, 1, 7, 8, 9, len(pts)} {
		t.Run("", func(t *testing.T) {
			batch := pts[len(pts)-n:]
			out := make([]Resolution, n)
			s.ResolveMany(batch, out)
			for i, p := range batch {
				got, want := out[i], s.Resolve(p)
				got.Point, want.Point = [2]float64{}, [2]float64{} // NaN is not equal to itself
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("point %d %v: ResolveMany %+v, Resolve %+v", i, p, out[i], want)
				}
			}
		})
	}
}
