package connwatch

import "time"

// Deadlines. net/http clears a connection's read deadline as it starts to
// read each request, and its write deadline after each answer, whether or
// not anything set one. Each clear takes the poller's lock and updates its
// timers: about 2 % of the CPU a resolve costs at city scale, for nothing
// on a server that sets no deadlines of its own (connwatch's purpose). A
// conn remembers whether a deadline may be set in each direction and
// passes a clear on only then.
//
// The flags are read without the lock; a clear that finds none is ordered
// before any set it runs beside, which leaves the set's deadline in force,
// as the set would have had it done so after the clear.

// SetDeadline sets the read and write deadlines.
func (c *conn) SetDeadline(t time.Time) error {
	if t.IsZero() && !c.readDeadline.Load() && !c.writeDeadline.Load() {
		return nil
	}
	c.deadlineMu.Lock()
	defer c.deadlineMu.Unlock()
	c.readDeadline.Store(!t.IsZero())
	c.writeDeadline.Store(!t.IsZero())
	return c.Conn.SetDeadline(t)
}

// SetReadDeadline sets the read deadline.
func (c *conn) SetReadDeadline(t time.Time) error {
	if t.IsZero() && !c.readDeadline.Load() {
		return nil
	}
	c.deadlineMu.Lock()
	defer c.deadlineMu.Unlock()
	c.readDeadline.Store(!t.IsZero())
	return c.Conn.SetReadDeadline(t)
}

// SetWriteDeadline sets the write deadline.
func (c *conn) SetWriteDeadline(t time.Time) error {
	if t.IsZero() && !c.writeDeadline.Load() {
		return nil
	}
	c.deadlineMu.Lock()
	defer c.deadlineMu.Unlock()
	c.writeDeadline.Store(!t.IsZero())
	return c.Conn.SetWriteDeadline(t)
}
