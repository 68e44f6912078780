package fastlane

import "net"

// answerRoom is the room a connection keeps for an answer's head, and for
// its body when both fit: a resolve's, a small tile's.
const answerRoom = 4 << 10

// answerOut sends answers on a connection, each with one system call where
// the connection allows: a head and a body that fit in its room are
// copied there and written together; a larger body is written beside the
// head by one vectored write (writev), uncopied. Writing the head and then
// the body, as a buffered writer would once the body outgrows its buffer,
// cost a third of the city's cached tiles a second write.
type answerOut struct {
	buf  []byte
	vec  [2][]byte   // the head and the body of a vectored write, only while it is under way
	bufs net.Buffers // over vec: a field, so that handing it on allocates nothing
}

// room returns the empty room to append a head to.
func (o *answerOut) room() []byte {
	if o.buf == nil {
		o.buf = make([]byte, 0, answerRoom)
	}
	return o.buf[:0]
}

// send writes head (appended to room's bytes) and body to c. A head that
// outgrew the room is not kept.
func (o *answerOut) send(c net.Conn, head, body []byte) error {
	if cap(head) > answerRoom {
		o.buf = nil
	}
	if len(head)+len(body) <= cap(head) {
		_, err := c.Write(append(head, body...))
		return err
	}
	o.vec = [2][]byte{head, body}
	o.bufs = o.vec[:]
	_, err := writeBuffers(c, &o.bufs)
	o.vec, o.bufs = [2][]byte{}, nil // the body may be large: an idle connection keeps no reference to it
	return err
}

// BuffersWriter is a connection that writes several buffers with one
// system call, as *net.TCPConn does for net.Buffers; internal/connwatch's
// connections are, so that its wrapping does not turn one vectored write
// into a write per buffer.
type BuffersWriter interface {
	WriteBuffers(v *net.Buffers) (int64, error)
}

// writeBuffers writes v to c: vectored when c or the connection
// underneath can, one write per buffer otherwise.
func writeBuffers(c net.Conn, v *net.Buffers) (int64, error) {
	if bw, ok := c.(BuffersWriter); ok {
		return bw.WriteBuffers(v)
	}
	return v.WriteTo(c)
}
