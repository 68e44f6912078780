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
// A flag is raised before a set reaches the connection and lowered only
// after a clear has, both under the lock, so a flag found lowered (read
// without the lock) means no deadline is in force or on its way: a clear
// that finds it so is ordered before any set it runs beside, which leaves
// the set's deadline in force, as the set would have had it done so after
// the clear.

// SetDeadline sets the read and write deadlines.
func (c *conn) SetDeadline(t time.Time) error {
	if t.IsZero() && !c.readDeadline.Load() && !c.writeDeadline.Load() {
		return nil
	}
	c.deadlineMu.Lock()
	defer c.deadlineMu.Unlock()
	if !t.IsZero() {
		c.readDeadline.Store(true)
		c.writeDeadline.Store(true)
	}
	err := c.Conn.SetDeadline(t)
	if t.IsZero() && err == nil {
		c.readDeadline.Store(false)
		c.writeDeadline.Store(false)
	}
	return err
}

// SetReadDeadline sets the read deadline.
func (c *conn) SetReadDeadline(t time.Time) error {
	if t.IsZero() && !c.readDeadline.Load() {
		return nil
	}
	c.deadlineMu.Lock()
	defer c.deadlineMu.Unlock()
	if !t.IsZero() {
		c.readDeadline.Store(true)
	}
	err := c.Conn.SetReadDeadline(t)
	if t.IsZero() && err == nil {
		c.readDeadline.Store(false)
	}
	return err
}

// SetWriteDeadline sets the write deadline.
func (c *conn) SetWriteDeadline(t time.Time) error {
	if t.IsZero() && !c.writeDeadline.Load() {
		return nil
	}
	c.deadlineMu.Lock()
	defer c.deadlineMu.Unlock()
	if !t.IsZero() {
		c.writeDeadline.Store(true)
	}
	err := c.Conn.SetWriteDeadline(t)
	if t.IsZero() && err == nil {
		c.writeDeadline.Store(false)
	}
	return err
}
