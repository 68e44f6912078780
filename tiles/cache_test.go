package tiles

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func tileOf(key string, size int) *Tile {
	return &Tile{key: key, Raw: make([]byte, size), drawn: Versions{"grid": 1}}
}

func TestCacheBoundedByBytes(t *testing.T) {
	c := newCache(10 * (1000 + entryOverhead + 3))
	for i := 0; i < 30; i++ {
		c.put(tileOf(fmt.Sprintf("k%02d", i), 1000))
		if _, ok := c.get("k00"); !ok {
			t.Fatalf("after %d puts the most used tile is gone", i)
		}
	}
	n, size, ev := c.stats()
	if size > c.max || n != 10 || ev != 20 {
		t.Errorf("%d entries, %d bytes (max %d), %d evictions", n, size, c.max, ev)
	}
	if _, ok := c.get("k01"); ok {
		t.Error("an old, unused tile survived")
	}
	t.Run("a huge tile is not kept", func(t *testing.T) {
		c.put(tileOf("huge", int(c.max/4)))
		if _, ok := c.get("huge"); ok {
			t.Error("kept")
		}
	})
	t.Run("replacing an entry keeps the size right", func(t *testing.T) {
		c.put(tileOf("k00", 10))
		c.put(tileOf("k00", 1000))
		var sum int64
		for e := c.ll.Front(); e != nil; e = e.Next() {
			sum += e.Value.(*Tile).cost()
		}
		if _, size, _ := c.stats(); size != sum {
			t.Errorf("size %d, entries sum to %d", size, sum)
		}
	})
	t.Run("sweep", func(t *testing.T) {
		c.put(&Tile{key: "old", drawn: Versions{"grid": 0}})
		if n := c.sweep(func(t *Tile) bool { return t.drawn["grid"] == 0 }); n != 1 {
			t.Errorf("swept %d", n)
		}
	})
	t.Run("disabled", func(t *testing.T) {
		off := newCache(0)
		off.put(tileOf("a", 1))
		if _, ok := off.get("a"); ok {
			t.Error("a zero-sized cache kept a tile")
		}
	})
}

// TestClockReadsAfterEachCall: every caller gets versions from a read that
// started after it called, and concurrent callers share reads.
func TestClockReadsAfterEachCall(t *testing.T) {
	var seq atomic.Int64 // bumped at the start of every read
	var mu sync.Mutex
	c := newClock(func(ctx context.Context) (versionRead, error) {
		v := seq.Add(1)
		time.Sleep(2 * time.Millisecond) // a round trip
		mu.Lock()
		defer mu.Unlock()
		return versionRead{layers: Versions{"read": v}, head: v}, nil
	}, time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			before := seq.Load()
			v, head, err := c.Current(context.Background())
			if err != nil || v["read"] <= before || head != v["read"] {
				errs <- fmt.Errorf("got read %d (head %d), called after read %d started (err %v)", v["read"], head, before, err)
			}
		}()
		if i%20 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if reads := c.reads.Load(); reads >= 100 {
		t.Errorf("%d reads for 200 calls: they are not coalesced", reads)
	}
}

func TestClockFallsBackToLastVersions(t *testing.T) {
	fail := atomic.Bool{}
	c := newClock(func(ctx context.Context) (versionRead, error) {
		if fail.Load() {
			return versionRead{}, errors.New("database gone")
		}
		return versionRead{layers: Versions{"grid": 7}, head: 9}, nil
	}, time.Second)
	fail.Store(true)
	if _, _, err := c.Current(context.Background()); err == nil {
		t.Fatal("no versions ever read, yet no error")
	}
	fail.Store(false)
	if _, _, err := c.Current(context.Background()); err != nil {
		t.Fatal(err)
	}
	fail.Store(true)
	v, head, err := c.Current(context.Background())
	if err != nil || v["grid"] != 7 || head != 9 {
		t.Errorf("while the database is away: %v at %d, %v; want the last versions", v, head, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := c.Current(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled caller got %v", err)
	}
}
