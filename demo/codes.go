package demo

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

//go:embed data/tianjin-codes.json
var codesJSON []byte

//go:embed data/tianjin-districts.geojson
var districtsJSON []byte

// codeBook holds the official street and community codes of Tianjin.
type codeBook struct {
	Streets     []entry `json:"streets"`
	Communities []entry `json:"communities"`
}

type entry struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	AreaCode   string `json:"areaCode"`
	StreetCode string `json:"streetCode"`
}

func loadCodes() (*codeBook, error) {
	var cb codeBook
	if err := json.Unmarshal(codesJSON, &cb); err != nil {
		return nil, fmt.Errorf("read embedded codes: %w", err)
	}
	sort.Slice(cb.Streets, func(i, j int) bool { return cb.Streets[i].Code < cb.Streets[j].Code })
	sort.Slice(cb.Communities, func(i, j int) bool { return cb.Communities[i].Code < cb.Communities[j].Code })
	return &cb, nil
}

// children is one level's worth of units to synthesise, as parallel arrays
// for the subdivide statement.
type children struct {
	codes, names, parents []string
}

func (c *children) add(code, name, parent string) {
	c.codes = append(c.codes, code)
	c.names = append(c.names, name)
	c.parents = append(c.parents, parent)
}

// streetsOf returns the streets whose district is in keep.
func (cb *codeBook) streetsOf(keep func(district string) bool) children {
	var c children
	for _, s := range cb.Streets {
		if keep(s.AreaCode) {
			c.add(s.Code, s.Name, s.AreaCode)
		}
	}
	return c
}

// communitiesOf returns the communities whose street is in keep.
func (cb *codeBook) communitiesOf(keep func(street string) bool) children {
	var c children
	for _, v := range cb.Communities {
		if keep(v.StreetCode) {
			c.add(v.Code, v.Name, v.StreetCode)
		}
	}
	return c
}

// shortName drops the committee suffix: 花园路社区居委会 → 花园路社区.
func shortName(community string) string {
	for _, suffix := range []string{"居民委员会", "居委会", "村民委员会", "村委会"} {
		if s, ok := strings.CutSuffix(community, suffix); ok {
			if strings.HasSuffix(s, "社区") || strings.HasSuffix(s, "村") {
				return s
			}
			if suffix == "村委会" || suffix == "村民委员会" {
				return s + "村"
			}
			return s + "社区"
		}
	}
	return community
}

// gridName names the seq-th grid of a community: 花园路社区第3网格.
func gridName(community string, seq int) string {
	return fmt.Sprintf("%s第%d网格", shortName(community), seq)
}
