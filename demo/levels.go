package demo

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"sort"

	"github.com/gridmap-dev/gridmap/geo"
)

type districtFeature struct {
	Properties struct {
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"properties"`
	Geometry json.RawMessage `json:"geometry"`
}

func (b *builder) districts() error {
	var fc struct {
		Features []districtFeature `json:"features"`
	}
	if err := json.Unmarshal(districtsJSON, &fc); err != nil {
		return fmt.Errorf("read embedded districts: %w", err)
	}
	for _, f := range fc.Features {
		rows, err := b.tx.Query(b.ctx, insertDistrictSQL, f.Properties.Code, f.Properties.Name, string(f.Geometry), validFrom)
		if err != nil {
			return fmt.Errorf("district %s: %w", f.Properties.Code, err)
		}
		for rows.Next() {
			var reason string
			if err := rows.Scan(&reason); err != nil {
				return err
			}
			b.sum.Repaired = append(b.sum.Repaired, f.Properties.Code+" "+f.Properties.Name+": "+reason)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("district %s: %w", f.Properties.Code, err)
		}
	}
	return nil
}

// subdivided reports whether a district gets streets at this scale.
func (b *builder) subdivided(district string) bool {
	return b.scale != ScaleDemo || district == NankaiCode || district == DongliCode
}

// streetHasCommunities reports whether a street gets communities at this scale.
func (b *builder) streetHasCommunities(street string) bool {
	return b.scale != ScaleDemo || street[:6] == NankaiCode || street == WanxinCode
}

func (b *builder) subdivide(level geo.Level, c children) error {
	return b.exec(subdivideSQL, c.codes, c.names, c.parents, string(level), validFrom)
}

func (b *builder) streets() error {
	// Streets of 蓟州区 have no district polygon in the source; they are skipped.
	return b.subdivide(geo.Street, b.codes.streetsOf(b.subdivided))
}

func (b *builder) communities() error {
	return b.subdivide(geo.Community, b.codes.communitiesOf(b.streetHasCommunities))
}

// grids gives each community its grids: in 南开区 exactly NankaiGrids in all,
// shared by area (300–500 households a grid in a dense district); elsewhere
// 8 to 14 a community, chosen by a hash of the code. At province scale every
// community gets 56 to 75.
func (b *builder) grids() error {
	comms := b.codes.communitiesOf(b.streetHasCommunities)
	counts, err := b.gridCounts(comms)
	if err != nil {
		return err
	}
	var c children
	for i, code := range comms.codes {
		for seq := 1; seq <= counts[code]; seq++ {
			c.add(geo.GridCode(code, seq), gridName(comms.names[i], seq), code)
		}
	}
	return b.subdivide(geo.Grid, c)
}

func (b *builder) gridCounts(comms children) (map[string]int, error) {
	counts := map[string]int{}
	var nankai []string
	for _, code := range comms.codes {
		switch {
		case b.scale == ScaleProvince:
			counts[code] = 56 + int(hash(code)%20)
		case code[:6] == NankaiCode:
			nankai = append(nankai, code)
		default:
			counts[code] = 8 + int(hash(code)%7)
		}
	}
	areas, err := b.areas(nankai)
	if err != nil {
		return nil, err
	}
	for code, n := range shareByArea(nankai, areas, NankaiGrids, 2) {
		counts[code] = n
	}
	return counts, nil
}

func (b *builder) areas(codes []string) (map[string]float64, error) {
	rows, err := b.tx.Query(b.ctx, areasSQL, codes)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	areas := map[string]float64{}
	for rows.Next() {
		var code string
		var a float64
		if err := rows.Scan(&code, &a); err != nil {
			return nil, err
		}
		areas[code] = a
	}
	return areas, rows.Err()
}

// shareByArea splits total among codes in proportion to area, at least min
// each, by the largest-remainder method, so the counts add up exactly.
func shareByArea(codes []string, areas map[string]float64, total, min int) map[string]int {
	out := map[string]int{}
	if len(codes) == 0 {
		return out
	}
	var sum float64
	for _, c := range codes {
		sum += areas[c]
	}
	spare := total - min*len(codes)
	type rem struct {
		code string
		frac float64
	}
	var rems []rem
	given := 0
	for _, c := range codes {
		exact := float64(spare) * areas[c] / sum
		n := int(math.Floor(exact))
		out[c] = min + n
		given += n
		rems = append(rems, rem{c, exact - float64(n)})
	}
	sort.Slice(rems, func(i, j int) bool {
		if rems[i].frac != rems[j].frac {
			return rems[i].frac > rems[j].frac
		}
		return rems[i].code < rems[j].code
	})
	for i := 0; i < spare-given; i++ {
		out[rems[i].code]++
	}
	return out
}

// plant makes the defects the audit and the map must show: the second grid
// of the first community of 兴南街道 is dropped, the first grid of the first
// community of 王顶堤街道 gets a hole, and the first grid of the first
// community of 向阳路街道 grows into its neighbour.
func (b *builder) plant() error {
	drop, err := b.firstGrid(GapDroppedStreet, 2)
	if err != nil {
		return err
	}
	carve, err := b.firstGrid(GapCarvedStreet, 1)
	if err != nil {
		return err
	}
	grow, err := b.firstGrid(OverlapStreet, 1)
	if err != nil {
		return err
	}
	var neighbour string
	if err := b.tx.QueryRow(b.ctx, neighbourSQL, grow).Scan(&neighbour); err != nil {
		return fmt.Errorf("neighbour of %s: %w", grow, err)
	}
	b.sum.Planted = Planted{DroppedGrid: drop, CarvedGrid: carve, OverlapGrids: [2]string{grow, neighbour}}
	if err := b.exec(dropGridSQL, drop); err != nil {
		return err
	}
	// Province grids are a few times smaller: so are the planted defects.
	hole, blob := 60.0, 40.0
	if b.scale == ScaleProvince {
		hole, blob = 12, 8
	}
	if err := b.exec(carveGapSQL, carve, hole); err != nil {
		return err
	}
	return b.exec(plantOverlapSQL, grow, neighbour, blob)
}

// firstGrid returns the code of grid seq of the first community of a street.
func (b *builder) firstGrid(street string, seq int) (string, error) {
	var community string
	err := b.tx.QueryRow(b.ctx, firstCommunitySQL, street).Scan(&community)
	if err != nil {
		return "", fmt.Errorf("first community of %s: %w", street, err)
	}
	return geo.GridCode(community, seq), nil
}

func (b *builder) enclave() error {
	return b.exec(insertEnclaveSQL, EnclaveCode, EnclaveName, BaihechuntianCode, 110.0,
		DongliCode, 300.0, HedongCode, EnclaveReason, validFrom)
}

func hash(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}
