package importer

import (
	"strconv"
	"strings"
)

// A minimal reader for the WKT of coordinate systems (.prj files, GeoPackage
// srs definitions): enough to find the EPSG code, the name and the
// projection parameters. It is bounded in size, depth and node count, and
// never panics on malformed text (fuzzed in wkt_test.go).

// wktNode is KEYWORD[arg, arg, ...]; an arg is a quoted string (string), a
// number (float64), a bare word (wktWord) or a nested node.
type wktNode struct {
	Key  string
	Args []any
}

type wktWord string

const (
	maxWKTDepth = 16
	maxWKTNodes = 4096
)

type wktParser struct {
	s     string
	i     int
	nodes int
}

// parseWKT parses one WKT node, or returns ok=false.
func parseWKT(s string) (*wktNode, bool) {
	if len(s) > MaxSidecarBytes {
		return nil, false
	}
	p := &wktParser{s: s}
	p.space()
	n, ok := p.node(0)
	if !ok {
		return nil, false
	}
	p.space()
	return n, p.i == len(p.s)
}

func (p *wktParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
	if strings.HasPrefix(p.s[p.i:], "\ufeff") { // a UTF-8 BOM
		p.i += 3
		p.space()
	}
}

func (p *wktParser) word() string {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '_' || c == '.' || c == '-' || c == '+' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			p.i++
			continue
		}
		break
	}
	return p.s[start:p.i]
}

func (p *wktParser) node(depth int) (*wktNode, bool) {
	p.nodes++
	if depth > maxWKTDepth || p.nodes > maxWKTNodes {
		return nil, false
	}
	key := p.word()
	if key == "" {
		return nil, false
	}
	n := &wktNode{Key: strings.ToUpper(key)}
	p.space()
	if p.i >= len(p.s) || (p.s[p.i] != '[' && p.s[p.i] != '(') {
		return n, true // a bare keyword such as NORTH in AXIS["X",NORTH]
	}
	closer := byte(']')
	if p.s[p.i] == '(' {
		closer = ')'
	}
	p.i++
	for {
		p.space()
		arg, ok := p.arg(depth)
		if !ok {
			return nil, false
		}
		n.Args = append(n.Args, arg)
		p.space()
		if p.i >= len(p.s) {
			return nil, false
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case closer:
			p.i++
			return n, true
		default:
			return nil, false
		}
	}
}

func (p *wktParser) arg(depth int) (any, bool) {
	if p.i >= len(p.s) {
		return nil, false
	}
	c := p.s[p.i]
	switch {
	case c == '"':
		return p.quoted()
	case c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9':
		w := p.word()
		f, err := strconv.ParseFloat(w, 64)
		return f, err == nil
	}
	start := p.i
	n, ok := p.node(depth + 1)
	if ok && len(n.Args) == 0 {
		return wktWord(p.s[start:p.i]), true
	}
	return n, ok
}

// quoted reads a "string" in which "" stands for one quote.
func (p *wktParser) quoted() (string, bool) {
	var b strings.Builder
	p.i++
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		if c != '"' {
			b.WriteByte(c)
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == '"' {
			b.WriteByte('"')
			p.i++
			continue
		}
		return b.String(), true
	}
	return "", false
}

// child returns the first direct child node with the key.
func (n *wktNode) child(key string) *wktNode {
	for _, a := range n.Args {
		if c, ok := a.(*wktNode); ok && c.Key == key {
			return c
		}
	}
	return nil
}

// name is the node's first argument when it is a string.
func (n *wktNode) name() string {
	if n != nil && len(n.Args) > 0 {
		if s, ok := n.Args[0].(string); ok {
			return s
		}
	}
	return ""
}

// number returns argument i as a number.
func (n *wktNode) number(i int) (float64, bool) {
	if n == nil || i >= len(n.Args) {
		return 0, false
	}
	f, ok := n.Args[i].(float64)
	return f, ok
}

// epsg returns the code of an AUTHORITY["EPSG","4547"] (WKT1) or
// ID["EPSG",4547] (WKT2) directly under n.
func (n *wktNode) epsg() int {
	for _, key := range []string{"AUTHORITY", "ID"} {
		a := n.child(key)
		if a == nil || len(a.Args) < 2 || !strings.EqualFold(a.name(), "EPSG") {
			continue
		}
		switch v := a.Args[1].(type) {
		case string:
			if code, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				return code
			}
		case float64:
			if v == float64(int(v)) {
				return int(v)
			}
		}
	}
	return 0
}

// params returns the PARAMETER["name", value] children, keyed by the
// lower-case name with spaces as underscores.
func (n *wktNode) params() map[string]float64 {
	out := map[string]float64{}
	for _, a := range n.Args {
		c, ok := a.(*wktNode)
		if !ok || c.Key != "PARAMETER" {
			continue
		}
		if v, ok := c.number(1); ok {
			out[strings.ReplaceAll(strings.ToLower(c.name()), " ", "_")] = v
		}
	}
	return out
}
