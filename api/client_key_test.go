package api

import "testing"

func TestAddrKey(t *testing.T) {
	for _, c := range []struct{ name, addr, want string }{
		{"IPv4", "203.0.113.7", "203.0.113.7"},
		{"IPv4-mapped IPv6", "::ffff:203.0.113.7", "203.0.113.7"},
		{"IPv6", "2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"},
		{"another address of the same /64", "2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"the next /64", "2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"zoned link-local", "fe80::1%eth0", "fe80::/64"},
		{"loopback", "::1", "::/64"},
		{"not an address", "unknown", "unknown"},
		{"empty", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := addrKey(c.addr); got != c.want {
				t.Errorf("addrKey(%q) = %q, want %q", c.addr, got, c.want)
			}
		})
	}
}
