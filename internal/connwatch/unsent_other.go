//go:build !linux

package connwatch

import "net"

// limitUnsent does nothing here: TCP_NOTSENT_LOWAT is Linux's (gridmap's
// target); elsewhere a socket takes what the kernel's buffers allow.
func limitUnsent(net.Conn) {}
