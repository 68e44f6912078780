package api

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/geo"
)

// Read-your-writes on the boundaries' own reads. The resolver and the
// tiles wait for a version a request names (min_version, or the
// Gridmap-Min-Version header); the reads drawn from the database — units,
// enclaves, their histories, the OGC collections, the audit — do too. A
// reviewer saved a grid through a node on the primary and read it back
// through a node on a standby that had not replayed it: the old grid came
// back, with nothing to say so, and the header asking for the new one was
// ignored.

// boundaryRead is the middleware of such a read: it refuses a query
// parameter not in known (min_version is known to all) and answers only
// once this node's data reach the version asked for (dataAtLeast). The OGC
// items check their own parameters, then call dataAtLeast.
func (h *handlers) boundaryRead(known ...string) gin.HandlerFunc {
	known = append(slices.Clone(known), minVersionParam)
	return func(c *gin.Context) {
		err := onlyParams(c, known)
		if err == nil {
			err = h.dataAtLeast(c)
		}
		if err != nil {
			fail(c, err)
			return
		}
		c.Next()
	}
}

// dataAtLeast returns nil once this node's database holds the data version
// the request asks for, and EUNAVAILABLE (a 503 the client retries) when it
// does not within geo.MinVersionWait. It asks the database at most twice:
// the index applies only what the database holds, so an index at the
// version answers without a query, and the wait is for the index, which
// follows the database. A version a request waited for in vain lately is
// refused without a wait (as the resolver does): a reviewer's loop asking
// for a version no database had cost 21 queries and half a second each.
func (h *handlers) dataAtLeast(c *gin.Context) error {
	min, err := minVersion(c)
	if err != nil || min == 0 || (h.deps.Index != nil && h.deps.Index.Version() >= min) {
		return err
	}
	ctx := c.Request.Context()
	v, err := h.databaseVersion(ctx)
	if err != nil || v >= min {
		return err
	}
	if h.deps.Index != nil && !h.missed.Recent(min, v, time.Now()) {
		if h.deps.Index.WaitVersion(ctx, min, geo.MinVersionWait) {
			return nil
		}
		h.missed.Note(min, time.Now())
		if v, err = h.databaseVersion(ctx); err != nil || v >= min {
			return err // a node that does not follow: its database is what counts
		}
	}
	return geo.Errorf(geo.EUNAVAILABLE, minVersionParam, "this node's database is at data version %d, not yet %d; retry shortly", v, min)
}

// databaseVersion is Deps.DataVersion, or the index's version without one.
func (h *handlers) databaseVersion(ctx context.Context) (int64, error) {
	switch {
	case h.deps.DataVersion != nil:
		return h.deps.DataVersion(ctx)
	case h.deps.Index != nil:
		return h.deps.Index.Version(), nil
	}
	return math.MaxInt64, nil
}
