package api

import (
	"sync"
	"time"
)

// Photo uploads take memory and processor time beyond a write's: the body
// (up to photo.MaxBytes) is held while the photo waits for a turn of the
// shared decode budget and is decoded whole (up to photo.MaxDecodeBytes).
// The budget is first come, first served, so one token's burst of large
// photos (an attacker's 20 PNGs of 49 megapixels, each 0.8 s to decode)
// made every other grid worker's upload wait 26 s. Each token therefore
// has at most photoTurnsPerToken uploads under way (the phone sends its
// outbox one item at a time), and an upload waits for a decode turn at
// most photoTurnWait before it is a 503 with Retry-After.
const (
	photoTurnsPerToken = 2
	photoTurnWait      = 15 * time.Second
)

// photoTurns counts the uploads each token has under way.
type photoTurns struct {
	mu    sync.Mutex
	held  map[string]int
	total int // of all tokens: /metrics gridmap_photo_uploads_under_way
}

// take counts an upload of key's under way; false when key has
// photoTurnsPerToken already.
func (t *photoTurns) take(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.held == nil {
		t.held = map[string]int{}
	}
	if t.held[key] >= photoTurnsPerToken {
		return false
	}
	t.held[key]++
	t.total++
	return true
}

// give ends an upload of key's.
func (t *photoTurns) give(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.held[key]--; t.held[key] <= 0 {
		delete(t.held, key)
	}
	t.total--
}

// underWay is how many uploads are under way, of all tokens.
func (t *photoTurns) underWay() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.total
}
