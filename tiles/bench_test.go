package tiles

import (
	"context"
	"fmt"
	"testing"

	"github.com/gridmap-dev/gridmap/geo"
)

// BenchmarkTile measures Service.Get over the demo city in process: a
// cached tile (the version read and the lookup) and tiles drawn cold at
// three zooms (every boundary layer). scripts/bench-tiles.sh measures the
// same over HTTP on the city-scale data set, beside the direct query.
func BenchmarkTile(b *testing.B) {
	s, db := newDemoService(b)
	at := labelOf(b, db, "120104007001")
	b.Run("cached", func(b *testing.B) {
		r := request(b, s, allBoundaries, coordAt(at, 14))
		if _, _, err := s.Get(context.Background(), r); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, hit, err := s.Get(context.Background(), r); err != nil || !hit {
					b.Fatal("not a hit", err)
				}
			}
		})
	})
	b.Run("cached on a following node", func(b *testing.B) {
		// The fast lane's path: versions from the node, key by the latest
		// change that reached the tile (reach.go), no database.
		idx := geo.NewService(db, db)
		if err := idx.Reload(context.Background()); err != nil {
			b.Fatal(err)
		}
		fs := newService(b, db, Config{Follower: idx})
		r := request(b, fs, allBoundaries, coordAt(at, 14))
		if _, _, err := fs.Get(context.Background(), r); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, hit := fs.Cached(r); !hit {
					b.Fatal("not a hit")
				}
			}
		})
	})
	cold := newService(b, db, Config{CacheBytes: -1})
	for _, z := range []int{10, 13, 15} {
		b.Run(fmt.Sprintf("cold z%d", z), func(b *testing.B) {
			r := request(b, cold, allBoundaries, coordAt(at, z))
			var size int
			for i := 0; i < b.N; i++ {
				tile, _, err := cold.Get(context.Background(), r)
				if err != nil {
					b.Fatal(err)
				}
				size = len(tile.Raw)
			}
			b.ReportMetric(float64(size)/1024, "KB/tile")
		})
	}
}
