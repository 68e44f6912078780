package api

import (
	"sync"
	"time"

	"github.com/gridmap-dev/gridmap/internal/faillog"
)

// outageLogEvery is how often one route logs that what lies beneath it (the
// database, storage) is unavailable. An outage fails every request that
// needs the database; one line a route every ten seconds, with the count
// of those not logged, says as much as thousands.
const outageLogEvery = 10 * time.Second

// outageLog decides which unavailable failures are logged: each route has
// its own faillog.Log.
type outageLog struct {
	mu     sync.Mutex
	routes map[string]*faillog.Log
}

// outages is the log of every handler: fail is a function, not a method.
var outages = &outageLog{routes: map[string]*faillog.Log{}}

// refusals is the log of the 503s that are not failures of what lies
// beneath (a min_version this node's database has not reached, a part the
// node runs without): clients polling a standby behind its primary would
// otherwise write a warning each (a reviewer counted 343 lines for 343).
var refusals = &outageLog{routes: map[string]*faillog.Log{}}

// allow reports whether a failure of route at now is logged, and how many
// of the route's failures were not since the last one that was.
func (o *outageLog) allow(route string, now time.Time) (ok bool, suppressed int) {
	o.mu.Lock()
	l := o.routes[route]
	if l == nil {
		l = &faillog.Log{Every: outageLogEvery}
		o.routes[route] = l
	}
	o.mu.Unlock()
	return l.Allow(now)
}
