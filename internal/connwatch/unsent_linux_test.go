package connwatch

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// TestUnsentLimit: a client that reads nothing makes a write wait after
// about the limit and its own window, not after the megabytes the kernel
// would otherwise queue, so a rate floor sees the stall early.
func TestUnsentLimit(t *testing.T) {
	client, server := pair(t, listen(t))
	_ = client.(*net.TCPConn).SetReadBuffer(32 << 10)
	_ = server.SetWriteDeadline(time.Now().Add(timeout / 2)) // before the sweep closes it
	piece := make([]byte, 16<<10)
	taken := 0
	for {
		n, err := server.Write(piece)
		taken += n
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if limit := 4 * unsentLimit; taken > limit {
		t.Errorf("the socket took %d bytes for a client reading nothing; want at most %d", taken, limit)
	}
	if taken < unsentLimit {
		t.Errorf("the socket took %d bytes; want at least the limit, %d", taken, unsentLimit)
	}
}
