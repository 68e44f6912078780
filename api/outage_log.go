package api

import (
	"sync"
	"time"
)

// outageLogEvery is how often one route logs that what lies beneath it (the
// database, storage) is unavailable. An outage fails every request that
// needs the database; one line a route every ten seconds, with the count
// of those not logged, says as much as thousands.
const outageLogEvery = 10 * time.Second

// outageLog decides which unavailable failures are logged.
type outageLog struct {
	mu     sync.Mutex
	routes map[string]*outageRoute
}

type outageRoute struct {
	logged time.Time // when this route last logged
	quiet  int       // failures not logged since
}

// outages is the log of every handler: fail is a function, not a method.
var outages = &outageLog{routes: map[string]*outageRoute{}}

// allow reports whether a failure of route at now is logged, and how many
// of the route's failures were not since the last one that was.
func (o *outageLog) allow(route string, now time.Time) (ok bool, suppressed int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.routes[route]
	if r == nil {
		r = &outageRoute{}
		o.routes[route] = r
	}
	if !r.logged.IsZero() && now.Sub(r.logged) < outageLogEvery {
		r.quiet++
		return false, 0
	}
	suppressed, r.quiet, r.logged = r.quiet, 0, now
	return true, suppressed
}
