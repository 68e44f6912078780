package connwatch

import (
	"net"

	"golang.org/x/sys/unix"
)

// limitUnsent caps the bytes c's socket holds that have not left for the
// client (TCP_NOTSENT_LOWAT): a write waits once that many are queued. A
// best effort: a connection that cannot take the option keeps the kernel's
// default.
func limitUnsent(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return
	}
	_ = raw.Control(func(fd uintptr) {
		_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NOTSENT_LOWAT, unsentLimit)
	})
}
