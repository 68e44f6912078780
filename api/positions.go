package api

import (
	"context"
	"log/slog"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/geo"
)

// Read-your-writes of what moves no data version. A report, a case step, a
// patrol or a photo written through one node and read back through another
// on a hot standby that had not replayed it yet was missing, with nothing
// to say so (min_version names data versions, which these writes do not
// move). Their writes answer with WritePositionHeader, the primary's WAL
// position after the commit; a read that sends it back as
// MinPositionHeader is answered once the node's database holds it
// (geo/postgres.AwaitPosition: at once on a primary; on a standby within 2
// s, else 503 with Retry-After).
const (
	// WritePositionHeader carries a write's position (bytes of WAL, a
	// decimal number).
	WritePositionHeader = "Gridmap-Write-Position"
	// MinPositionHeader names the oldest write position a read may be
	// answered from.
	MinPositionHeader = "Gridmap-Min-Position"
)

// Positions is the database's side of it (Deps.Positions).
type Positions interface {
	// TrackPosition returns ctx with a place for the position of the
	// writes made with it, recorded on their own connection after their
	// commit, and a function that reads it (0: none recorded).
	TrackPosition(ctx context.Context) (context.Context, func() int64)
	// WritePosition is the database's WAL position after the caller's last
	// commit (0 where nothing is written: a standby).
	WritePosition(ctx context.Context) (int64, error)
	// AwaitPosition returns once the database holds what was written at
	// pos, or an EUNAVAILABLE error naming field.
	AwaitPosition(ctx context.Context, pos int64, field string) error
}

// trackedPosition is the context key of the function that reads the
// position a request's writes recorded (trackPosition).
const trackedPosition = "gridmap.position"

// trackPosition is the middleware of a write of reports, steps, patrols or
// photos: the store records the write's position on the connection that
// committed it (geo/postgres.TrackPosition), for answerPosition to answer.
func (h *handlers) trackPosition(c *gin.Context) {
	if h.deps.Positions != nil {
		ctx, read := h.deps.Positions.TrackPosition(c.Request.Context())
		c.Request = c.Request.WithContext(ctx)
		c.Set(trackedPosition, read)
	}
	c.Next()
}

// committed follows a write of reports or steps that has committed: the
// event readers are woken (the write recorded events), and the answer
// names the write's position (answerPosition).
func (h *handlers) committed(c *gin.Context) {
	h.kickEvents()
	h.answerPosition(c)
}

// answerPosition names, in the answer to a committed write of reports,
// steps, patrols or photos, the write's position — the one the store
// recorded, or, where it wrote nothing (a retry answered from what is
// stored), the database's now. The write stands whatever happens here: a
// position that cannot be read leaves the answer without one (logged,
// unless the client has gone).
func (h *handlers) answerPosition(c *gin.Context) {
	if h.deps.Positions == nil {
		return
	}
	var pos int64
	if read, ok := c.Get(trackedPosition); ok {
		pos = read.(func() int64)()
	}
	if pos == 0 {
		var err error
		if pos, err = h.deps.Positions.WritePosition(c.Request.Context()); err != nil {
			if c.Request.Context().Err() == nil {
				slog.WarnContext(c.Request.Context(), "a write answered without its position", "err", err)
			}
			return
		}
	}
	if pos > 0 {
		c.Header(WritePositionHeader, strconv.FormatInt(pos, 10))
	}
}

// positionRead is the middleware of a read of reports, patrols, statistics
// or photos: with MinPositionHeader it answers once this node's database
// holds that position.
func (h *handlers) positionRead(c *gin.Context) {
	pos, err := parseMinPosition(c.Request.Header[MinPositionHeader])
	if err == nil && pos > 0 && h.deps.Positions != nil {
		err = h.deps.Positions.AwaitPosition(c.Request.Context(), pos, MinPositionHeader)
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.Next()
}

// parseMinPosition reads the header's values (a line may be a
// comma-separated list): the highest counts, as for min_version.
func parseMinPosition(header []string) (int64, error) {
	var highest int64
	for _, line := range header {
		for _, one := range strings.Split(line, ",") {
			v, err := strconv.ParseInt(strings.TrimSpace(one), 10, 64)
			if err != nil || v < 0 {
				return 0, geo.Invalid(MinPositionHeader, "%q is not a write position (a whole number, as %s answers carry)", clip(one), WritePositionHeader)
			}
			highest = max(highest, v)
		}
	}
	return highest, nil
}
