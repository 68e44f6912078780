// Package heapwatch measures the Go heap for tests and benchmarks that
// bound memory: the peak while something runs, and the live heap after a
// collection. It reads runtime/metrics, which does not stop the world.
package heapwatch

import (
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// heapObjects is the metric of the bytes held by heap objects, live or not
// yet swept.
const heapObjects = "/memory/classes/heap/objects:bytes"

// Peak samples the heap every interval until the returned function is
// called, which returns the largest value seen, in bytes.
func Peak(every time.Duration) (stop func() uint64) {
	sample := []metrics.Sample{{Name: heapObjects}}
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(every):
			}
		}
	}()
	return func() uint64 { close(done); <-finished; return peak.Load() }
}

// Live is the heap's bytes right after a collection: what is still reachable.
func Live() uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: heapObjects}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}
