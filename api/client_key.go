package api

import (
	"net/netip"

	"github.com/gin-gonic/gin"
)

// clientKey names the client whose budgets a request counts against: the
// rate limits, the uncached tiles' turns and the event streams it may hold.
// It is the client's address (a trusted proxy's header where one is
// configured), but for IPv6 the /64 it is in: one subscriber line or host
// is given a whole /64 and may take any address of it at will, so a limit
// kept per IPv6 address would be no limit. Logs keep the whole address.
func clientKey(c *gin.Context) string { return addrKey(c.ClientIP()) }

// addrKey is clientKey of an address as text: IPv4 (also as IPv4-mapped
// IPv6) as it is, IPv6 as its /64, anything else unchanged.
func addrKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return addr
	}
	return p.String()
}
