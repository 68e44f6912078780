package api

import (
	"strconv"
	"strings"

	"github.com/gridmap-dev/gridmap/geo"
)

// fields= chooses what each resolve result carries: a comma-separated list
// of members of the full answer ("status,responsible"), or of their parts
// ("responsible.code", "grid.name", "enclave.status", and the geographic
// chain's slots and theirs: "geographic.community", "geographic.grid.code",
// as the CSV header names them). The members come out in the full answer's
// order, with the same values, whatever order the list names them in.

// The members of a result, in the full answer's order.
const (
	fStatus = iota
	fPoint
	fResponsible
	fMicroGrid
	fGrid
	fCommunity
	fStreet
	fDistrict
	fEnclave
	fGeographic
	fConflicts
	fIndexVersion
	numResultFields
)

var fieldNames = [numResultFields]string{"status", "point", "responsible", "microgrid", "grid", "community",
	"street", "district", "enclave", "geographic", "conflicts", "index_version"}

// The parts of a reference member.
const (
	partCode  = 1
	partName  = 2
	partLevel = 4 // responsible's level, enclave's status
)

// partsOf lists the parts each member has ("" for none).
var partsOf = [numResultFields]map[string]uint8{
	fResponsible: {"level": partLevel, "code": partCode, "name": partName},
	fMicroGrid:   {"code": partCode, "name": partName},
	fGrid:        {"code": partCode, "name": partName},
	fCommunity:   {"code": partCode, "name": partName},
	fStreet:      {"code": partCode, "name": partName},
	fDistrict:    {"code": partCode, "name": partName},
	fEnclave:     {"code": partCode, "name": partName, "status": partLevel},
}

// The geographic chain's slots are its levels, in the full answer's order:
// slot s is the chain member fMicroGrid+s, and bit 1<<s of
// resultFields.parts[fGeographic] chooses it.
const numGeoSlots = fDistrict - fMicroGrid + 1

// resultFields is a parsed fields= list; the zero value is the full answer.
type resultFields struct {
	picked bool                   // false: everything, as the full answer
	member [numResultFields]bool  // members chosen
	parts  [numResultFields]uint8 // their parts chosen (geographic: its slots); 0: the whole member
	// geoParts are the parts of each chosen geographic slot; 0: the whole slot.
	geoParts [numGeoSlots]uint8
}

// parseFields reads a fields= list.
func parseFields(s string) (resultFields, error) {
	var f resultFields
	if s == "" {
		return f, nil
	}
	f.picked = true
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		member, part, dotted := strings.Cut(name, ".")
		i := fieldIndex(member)
		if i < 0 {
			return f, geo.Invalid("fields", "unknown field %q; want some of %s, or a part such as responsible.code", clip(name), strings.Join(fieldNames[:], ", "))
		}
		if dotted && i == fGeographic {
			if err := f.pickGeographic(part); err != nil {
				return f, err
			}
		} else if dotted {
			bit, ok := partsOf[i][part]
			if !ok {
				return f, geo.Invalid("fields", "%q has no part %q", member, clip(part))
			}
			if !f.member[i] || f.parts[i] != 0 {
				f.parts[i] |= bit
			}
		} else {
			f.parts[i] = 0
		}
		f.member[i] = true
	}
	return f, nil
}

// pickGeographic chooses a part of the geographic chain: a slot
// ("community") or a slot's part ("community.code"). A choice inside what
// is already chosen whole changes nothing, as for the other members.
func (f *resultFields) pickGeographic(part string) error {
	level, sub, dotted := strings.Cut(part, ".")
	i := fieldIndex(level)
	if i < fMicroGrid || i > fDistrict {
		return geo.Invalid("fields", "%q has no part %q; want microgrid, grid, community, street or district, or their code or name (geographic.grid.code)",
			fieldNames[fGeographic], clip(part))
	}
	s := i - fMicroGrid
	slot := uint8(1) << s
	whole := f.member[fGeographic] && f.parts[fGeographic] == 0
	chosen := f.parts[fGeographic]&slot != 0
	if !dotted {
		if !whole {
			f.parts[fGeographic] |= slot
			f.geoParts[s] = 0
		}
		return nil
	}
	bit, ok := partsOf[i][sub]
	if !ok {
		return geo.Invalid("fields", "%q has no part %q", fieldNames[fGeographic]+"."+level, clip(sub))
	}
	if whole || chosen && f.geoParts[s] == 0 {
		return nil
	}
	f.parts[fGeographic] |= slot
	f.geoParts[s] |= bit
	return nil
}

func fieldIndex(name string) int {
	for i, n := range fieldNames {
		if n == name {
			return i
		}
	}
	return -1
}

// appendResult writes one result as JSON with the chosen fields; memo is
// the one beside r's answer, or nil (appendCachedMiddle).
func (f *resultFields) appendResult(b []byte, r *geo.Resolution, memo *geo.Memo) []byte {
	if !f.picked {
		return appendResolution(b, r, memo)
	}
	b = append(b, '{')
	first := true
	for i := 0; i < numResultFields; i++ {
		if !f.member[i] {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, fieldNames[i]...)
		b = append(b, `":`...)
		b = f.appendMember(b, i, r)
	}
	return append(b, '}')
}

// appendMember writes member i of r.
func (f *resultFields) appendMember(b []byte, i int, r *geo.Resolution) []byte {
	switch i {
	case fStatus:
		return appendString(b, string(r.Status))
	case fPoint:
		b = append(b, '[')
		b = appendFloat(b, r.Point[0])
		b = append(b, ',')
		b = appendFloat(b, r.Point[1])
		return append(b, ']')
	case fResponsible:
		if r.Responsible == nil {
			return append(b, "null"...)
		}
		return appendParts(b, f.parts[i], string(r.Responsible.Level), r.Responsible.Code, r.Responsible.Name, "level")
	case fEnclave:
		if r.Enclave == nil {
			return append(b, "null"...)
		}
		return appendParts(b, f.parts[i], string(r.Enclave.Status), r.Enclave.Code, r.Enclave.Name, "status")
	case fGeographic:
		b = append(b, '{')
		if f.parts[i] == 0 {
			b = appendCachedChain(b, &r.Geographic)
		} else {
			b = f.appendGeographicSlots(b, &r.Geographic)
		}
		return append(b, '}')
	case fConflicts:
		b = append(b, '[')
		for j := range r.Conflicts {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendLevelRef(b, &r.Conflicts[j])
		}
		return append(b, ']')
	case fIndexVersion:
		return strconv.AppendInt(b, r.IndexVersion, 10)
	}
	ref := chainSlot(&r.Chain, i)
	if ref == nil {
		return append(b, "null"...)
	}
	return appendParts(b, f.parts[i], "", ref.Code, ref.Name, "")
}

// appendGeographicSlots writes the chosen slots of the geographic chain c,
// without braces: a slot that is empty is null (the full answer leaves out
// an empty micro-grid, but a slot asked for by name is always there).
func (f *resultFields) appendGeographicSlots(b []byte, c *geo.Chain) []byte {
	n := len(b)
	for s := 0; s < numGeoSlots; s++ {
		if f.parts[fGeographic]&(1<<s) == 0 {
			continue
		}
		if len(b) > n {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, fieldNames[fMicroGrid+s]...)
		b = append(b, `":`...)
		if ref := chainSlot(c, fMicroGrid+s); ref == nil {
			b = append(b, "null"...)
		} else {
			b = appendParts(b, f.geoParts[s], "", ref.Code, ref.Name, "")
		}
	}
	return b
}

// chainSlot is the responsible chain's slot of member i.
func chainSlot(c *geo.Chain, i int) *geo.Ref {
	switch i {
	case fMicroGrid:
		return c.MicroGrid
	case fGrid:
		return c.Grid
	case fCommunity:
		return c.Community
	case fStreet:
		return c.Street
	}
	return c.District
}

// appendParts writes a reference with the chosen parts (0: all of them, in
// the full answer's order: level first for a responsible unit, status last
// for an enclave).
func appendParts(b []byte, parts uint8, third, code, name, thirdKey string) []byte {
	if parts == 0 {
		parts = partCode | partName
		if thirdKey != "" {
			parts |= partLevel
		}
	}
	b = append(b, '{')
	n := len(b)
	if parts&partLevel != 0 && thirdKey == "level" {
		b = appendMemberString(b, n, "level", third)
	}
	if parts&partCode != 0 {
		b = appendMemberString(b, n, "code", code)
	}
	if parts&partName != 0 {
		b = appendMemberString(b, n, "name", name)
	}
	if parts&partLevel != 0 && thirdKey == "status" {
		b = appendMemberString(b, n, "status", third)
	}
	return append(b, '}')
}

// appendMemberString writes "key":"v", after a comma unless the object
// that opened at offset start is still empty.
func appendMemberString(b []byte, start int, key, v string) []byte {
	if len(b) > start {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	b = append(b, `":`...)
	return appendString(b, v)
}
