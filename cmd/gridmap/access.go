package main

import (
	"flag"
	"net"
	"net/url"
	"strings"

	"github.com/gridmap-dev/gridmap/api"
)

// accessFlags adds serve's access-control flags.
func accessFlags(fs *flag.FlagSet, a *accessConfig) {
	def := api.DefaultAuthConfig
	fs.BoolVar(&a.publicReads, "public-reads", def.PublicReads,
		"serve reads (/v1 GETs, tiles, /ogc) without a token; false requires a token of any role (env GRIDMAP_PUBLIC_READS)")
	fs.Float64Var(&a.writeRate, "write-rate", def.WritesPerSecond,
		"writes per second per token, bursts of 4× (env GRIDMAP_WRITE_RATE; 0 disables)")
	fs.Float64Var(&a.addrWriteRate, "write-rate-addr", def.AddrWritesPerSecond,
		"writes per second per client address, bursts of 3× (env GRIDMAP_WRITE_RATE_ADDR; 0 disables)")
	fs.StringVar(&a.publicURL, "public-url", "",
		"external base URL (https://maps.example.org) for the absolute links of /ogc; default: from each request (env GRIDMAP_PUBLIC_URL)")
	fs.StringVar(&a.trustedProxies, "trusted-proxies", "",
		"comma-separated proxy addresses or CIDRs whose X-Forwarded-For gives the client address (env GRIDMAP_TRUSTED_PROXIES)")
}

// policy checks the flags and returns the API's access policy and proxies.
func (a accessConfig) policy() (*api.AuthConfig, []string, error) {
	if a.writeRate < 0 || a.addrWriteRate < 0 {
		return nil, nil, usagef("--write-rate and --write-rate-addr must not be negative")
	}
	if a.publicURL != "" {
		u, err := url.Parse(a.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, nil, usagef("--public-url %q: want an absolute http(s) URL", a.publicURL)
		}
	}
	var proxies []string
	for _, p := range strings.Split(a.trustedProxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			return nil, nil, usagef("--trusted-proxies: %q is neither an IP address nor a CIDR", p)
		}
		proxies = append(proxies, p)
	}
	cfg := api.DefaultAuthConfig
	cfg.PublicReads = a.publicReads
	cfg.WritesPerSecond, cfg.WriteBurst = a.writeRate, max(1, int(4*a.writeRate))
	cfg.AddrWritesPerSecond, cfg.AddrWriteBurst = a.addrWriteRate, max(1, int(3*a.addrWriteRate))
	return &cfg, proxies, nil
}
