package api

import (
	"sync"

	"github.com/gridmap-dev/gridmap/geo"
)

// maxUploadsPerCaller bounds the uploads one caller may be sending at
// once. An upload holds a place in the import queue from its first byte
// (a full queue is refused before the body is read), and the rate floor
// lets a body arrive at 16 KiB/s, a gibibyte in eighteen hours: five
// uploads trickling just above it from one token held every place (an
// attacker's review). Two at once leave the others to the rest.
const maxUploadsPerCaller = 2

// uploadGate counts the uploads each caller is sending.
type uploadGate struct {
	mu      sync.Mutex
	sending map[string]int
}

// enter admits one more upload from caller, or refuses it while the
// caller is sending maxUploadsPerCaller; leave when its body has arrived.
func (g *uploadGate) enter(caller string) (leave func(), err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.sending[caller] >= maxUploadsPerCaller {
		return nil, geo.Errorf(geo.ERATELIMITED, "file", "this token is sending %d uploads already; send the next when one has arrived",
			maxUploadsPerCaller)
	}
	if g.sending == nil {
		g.sending = map[string]int{}
	}
	g.sending[caller]++
	var once sync.Once
	return func() { once.Do(func() { g.release(caller) }) }, nil
}

func (g *uploadGate) release(caller string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.sending[caller]--; g.sending[caller] <= 0 {
		delete(g.sending, caller)
	}
}
