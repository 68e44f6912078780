package api

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/gridmap-dev/gridmap/geo"
)

// limiters keeps one token bucket per key (a token id, a client address).
// The map is bounded: when it is full, buckets idle long enough to have
// refilled are dropped — forgetting them grants nothing, since a fresh
// bucket is just as full — and if that is not enough, arbitrary ones go.
type limiters struct {
	mu    sync.Mutex
	every rate.Limit
	burst int
	max   int
	m     map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// newLimiters returns buckets of perSecond requests a second with the given
// burst; perSecond ≤ 0 disables limiting.
func newLimiters(perSecond float64, burst, max int) *limiters {
	if burst < 1 {
		burst = 1
	}
	return &limiters{every: rate.Limit(perSecond), burst: burst, max: max, m: map[string]*bucket{}}
}

// allow takes one request from key's bucket. When the bucket is empty it
// takes nothing and says how long until a request would be allowed.
func (l *limiters) allow(key string, now time.Time) (bool, time.Duration) {
	if l == nil || l.every <= 0 {
		return true, 0
	}
	l.mu.Lock()
	b, ok := l.m[key]
	if !ok {
		if len(l.m) >= l.max {
			l.prune(now)
		}
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.m[key] = b
	}
	b.seen = now
	l.mu.Unlock()

	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now) // a refused request must not use up budget
		return false, d
	}
	return true, 0
}

// prune drops buckets that have refilled (idle for burst/rate), then, if
// the map is still full, half of the rest. Called with mu held.
func (l *limiters) prune(now time.Time) {
	full := time.Duration(float64(l.burst) / float64(l.every) * float64(time.Second))
	for k, b := range l.m {
		if now.Sub(b.seen) > full {
			delete(l.m, k)
		}
	}
	for k := range l.m {
		if len(l.m) < l.max/2 {
			break
		}
		delete(l.m, k)
	}
}

// tooMany answers 429 with Retry-After in whole seconds (at least 1).
func tooMany(c *gin.Context, wait time.Duration, who string) {
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	c.Header("Retry-After", strconv.Itoa(secs))
	fail(c, geo.Errorf(geo.ERATELIMITED, "", "too many write requests from this %s; retry in %d s", who, secs))
}
