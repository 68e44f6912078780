package connwatch

import (
	"sync/atomic"
	"time"
)

// Deadlines. net/http clears a connection's read deadline as it starts to
// read each request, and its write deadline after each answer, whether or
// not anything set one. Each clear takes the poller's lock and updates its
// timers: about 2 % of the CPU a resolve costs at city scale, for nothing
// on a server that sets no deadlines of its own (connwatch's purpose). A
// conn remembers whether a deadline may be set in each direction and
// passes a clear on only then.
//
// A flag is raised before a set reaches the connection and lowered only
// after a clear has, both under the lock, so a flag found lowered (read
// without the lock) means no deadline is in force or on its way: a clear
// that finds it so is ordered before any set it runs beside, which leaves
// the set's deadline in force, as the set would have had it done so after
// the clear.

// SetDeadline sets the read and write deadlines.
func (c *conn) SetDeadline(t time.Time) error {
	return c.setDeadline(t, c.Conn.SetDeadline, &c.readDeadline, &c.writeDeadline)
}

// SetReadDeadline sets the read deadline.
func (c *conn) SetReadDeadline(t time.Time) error {
	return c.setDeadline(t, c.Conn.SetReadDeadline, &c.readDeadline)
}

// SetWriteDeadline sets the write deadline.
func (c *conn) SetWriteDeadline(t time.Time) error {
	return c.setDeadline(t, c.Conn.SetWriteDeadline, &c.writeDeadline)
}

// setDeadline passes t on through set, unless it clears and none of the
// directions' flags is raised.
func (c *conn) setDeadline(t time.Time, set func(time.Time) error, flags ...*atomic.Bool) error {
	clear := t.IsZero()
	if clear && !anyRaised(flags) {
		return nil
	}
	c.deadlineMu.Lock()
	defer c.deadlineMu.Unlock()
	if !clear {
		for _, f := range flags {
			f.Store(true)
		}
	}
	err := set(t)
	if clear && err == nil {
		for _, f := range flags {
			f.Store(false)
		}
	}
	return err
}

// anyRaised reports whether any of the flags is raised.
func anyRaised(flags []*atomic.Bool) bool {
	for _, f := range flags {
		if f.Load() {
			return true
		}
	}
	return false
}
