package geo

import (
	"sync"
	"time"
)

// MissedVersion remembers the lowest data version a read waited for in
// vain lately (within MinVersionWait), so that reads asking for it or a
// higher one while the node is still below it give up at once instead of
// each waiting in turn: a batch of reports would wait per report, and a
// loop asking for a version no database had cost a query and half a
// second each. The lowest, not the highest: one client asking for an
// impossible version made every other client's reads on a standby node
// give up without waiting, a version its node would reach in milliseconds
// (an attacker, 25 and 39 reads of 150 refused).
type MissedVersion struct {
	mu sync.Mutex
	v  int64
	at time.Time
}

// Recent reports whether a read asking for v on a node at version current
// should give up at once: a wait for a version at most v failed lately,
// and the node has not reached that version since.
func (m *MissedVersion) Recent(v, current int64, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return now.Sub(m.at) < MinVersionWait && m.v <= v && current < m.v
}

// Note records that a wait for v failed at now.
func (m *MissedVersion) Note(v int64, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if now.Sub(m.at) >= MinVersionWait || v <= m.v {
		m.v, m.at = v, now
	}
}
