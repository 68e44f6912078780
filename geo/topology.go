package geo

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// Topology-keeping edits change several boundaries at once so that what
// they share stays shared: moving the corner three grids share moves it in
// all three (and in the community, street and district boundaries that
// have it), in one transaction, instead of three edits each leaving a gap or
// an overlap until the last. Splitting a unit along a line and merging
// touching siblings keep the same promise. Each touched unit or enclave
// gets exactly one new version (or is retired), and the caller's scope is
// checked for every one of them.

// TopologyEditor makes the topology-keeping edits. Every method runs in one
// transaction that records actor in the change log and calls Allow for
// every unit code it would touch (an enclave's: its managing unit's, before
// and after) before writing anything.
//
// Errors: EINVALID for a malformed request, a line that does not cut a unit
// in two, units that are not touching siblings, a result that is not a valid
// boundary (naming the unit and the spot); ENOTFOUND when no current
// boundary has the vertex (a retried move is no error), or a code is not
// current; ECONFLICT when a new code is taken; whatever Allow returns
// (EFORBIDDEN).
//
// A request with a ClientID is recorded with its actor in the edit's
// transaction (RecordedEdit). The same request again, by the same actor,
// is answered as recorded, Replayed, and writes nothing; the ClientID with
// another request or by another actor is ECONFLICT naming client_id.
type TopologyEditor interface {
	MoveVertex(ctx context.Context, actor string, m VertexMove) (TopologyResult, error)
	SplitUnit(ctx context.Context, actor string, s UnitSplit) (TopologyResult, error)
	MergeUnits(ctx context.Context, actor string, m UnitMerge) (TopologyResult, error)
}

// Allow is the caller's permission to change the unit with a code (and the
// enclaves it manages); nil allows everything.
type Allow func(code string) error

// Check calls the permission, if there is one.
func (a Allow) Check(code string) error {
	if a == nil {
		return nil
	}
	return a(code)
}

// VertexMove moves one vertex: From must be a vertex of some current unit
// or enclave exactly (full double precision, as stored); every current
// boundary with a vertex or an edge within VertexSnapM of it moves with it,
// and the edges that meet it bend at their first node (CornerMove).
type VertexMove struct {
	From, To orb.Point
	ClientID string // optional UUID naming the edit for its retries (RetryKey)
	Allow    Allow
}

// Validate checks the move's own fields.
func (m *VertexMove) Validate() error {
	if err := ValidatePoint("from", m.From); err != nil {
		return err
	}
	if err := ValidatePoint("to", m.To); err != nil {
		return err
	}
	if m.From == m.To {
		return Invalid("to", "to is the same point as from: nothing would move")
	}
	return CheckClientID(&m.ClientID)
}

// UnitSplit splits a unit in two along a line that crosses it. Codes and
// Names, when given, are those of the part left of the line (as it is
// drawn, first point to last) and of the part right of it; a part may keep
// the unit's own code. Without codes the larger part keeps the code and the
// other gets the next free one (NextFreeCode).
type UnitSplit struct {
	Code     string
	Line     orb.LineString
	Codes    [2]string
	Names    [2]string
	ClientID string // optional UUID naming the edit for its retries (RetryKey)
	Allow    Allow
}

// MaxSplitLinePoints bounds the line of a split.
const MaxSplitLinePoints = 10_000

// Validate checks the split's own fields.
func (s *UnitSplit) Validate() error {
	if _, err := LevelOfCode(s.Code); err != nil {
		return err
	}
	switch n := len(s.Line); {
	case n < 2:
		return Invalid("line", "the line needs at least 2 positions, got %d", n)
	case n > MaxSplitLinePoints:
		return Errorf(ETOOLARGE, "line", "the line has %d positions; at most %d are accepted", n, MaxSplitLinePoints)
	}
	for i, p := range s.Line {
		if err := ValidatePoint(fmt.Sprintf("line.coordinates[%d]", i), p); err != nil {
			return err
		}
	}
	if (s.Codes[0] == "") != (s.Codes[1] == "") {
		return Invalid("codes", "give both codes (left and right of the line) or none")
	}
	if s.Codes[0] != "" && s.Codes[0] == s.Codes[1] {
		return Invalid("codes", "the two parts need different codes")
	}
	for i, name := range s.Names {
		if err := ValidateName(fmt.Sprintf("names[%d]", i), name, MaxUnitName, false); err != nil {
			return err
		}
	}
	return CheckClientID(&s.ClientID)
}

// SplitPartName is the name of a split's part that takes a new code and
// was given no name: the unit's name and the code's last three digits
// (和平里-002). A name near MaxUnitName is cut short so that the whole
// fits; the split would otherwise be refused for a name nobody wrote.
func SplitPartName(name, code string) string {
	suffix := "-" + code[max(0, len(code)-3):]
	if runes := []rune(name); len(runes)+len(suffix) > MaxUnitName {
		name = string(runes[:MaxUnitName-len(suffix)])
	}
	return name + suffix
}

// UnitMerge merges touching siblings into one unit: Code is one of Codes
// (default the smallest), which keeps its identity, or a new code for the
// merged unit; Name defaults to that unit's name.
type UnitMerge struct {
	Codes    []string
	Code     string
	Name     string
	ClientID string // optional UUID naming the edit for its retries (RetryKey)
	Allow    Allow
}

// Target is the code the merged unit takes: Code, or the smallest of Codes.
func (m *UnitMerge) Target() string {
	if m.Code != "" || len(m.Codes) == 0 {
		return m.Code
	}
	return slices.Min(m.Codes)
}

// MaxMergeUnits bounds the units of one merge.
const MaxMergeUnits = 100

// Validate checks the merge's own fields.
func (m *UnitMerge) Validate() error {
	switch n := len(m.Codes); {
	case n < 2:
		return Invalid("codes", "name at least two units to merge, got %d", n)
	case n > MaxMergeUnits:
		return Errorf(ETOOLARGE, "codes", "at most %d units may be merged at once, got %d", MaxMergeUnits, n)
	}
	seen := map[string]bool{}
	for i, c := range m.Codes {
		if _, err := LevelOfCode(c); err != nil {
			return Invalid(fmt.Sprintf("codes[%d]", i), "%q is not a unit code", c)
		}
		if seen[c] {
			return Invalid(fmt.Sprintf("codes[%d]", i), "%s is named twice", c)
		}
		seen[c] = true
	}
	if m.Code != "" {
		if _, err := LevelOfCode(m.Code); err != nil {
			return Invalid("code", "%q is not a unit code", m.Code)
		}
	}
	if err := ValidateName("name", m.Name, MaxUnitName, false); err != nil {
		return err
	}
	return CheckClientID(&m.ClientID)
}

// VersionRef names one version of a unit or an enclave.
type VersionRef struct {
	Kind    string `json:"kind"` // "unit" or "enclave"
	Code    string `json:"code"`
	Version int    `json:"version"`
}

// TopologyResult is what a topology edit wrote: the new current versions,
// the versions it retired (closed without a successor: a split's or a
// merge's old codes), the boundaries a retried move found already moved,
// and what looks wrong now, in the words of single edits.
type TopologyResult struct {
	Units     []Unit
	Enclaves  []Enclave
	Retired   []VersionRef
	Unchanged []VersionRef
	Warnings  []ImportIssue
	// Replayed says the answer is the one recorded for the request's
	// client id: a retry of an edit made already, which wrote nothing now.
	// The versions are as the first answer gave them, each current then.
	// A vertex move without a client id found made already, every
	// boundary it touched by the same caller (token name), is Replayed too.
	Replayed bool
}

// HasVertex reports whether p is exactly a vertex of mp.
func HasVertex(mp orb.MultiPolygon, p orb.Point) bool {
	for _, poly := range mp {
		for _, ring := range poly {
			for _, q := range ring {
				if q == p {
					return true
				}
			}
		}
	}
	return false
}

// SideOfLine tells on which side of a line a point lies, looking along the
// line from its first point: 1 left, -1 right, 0 on it. The side is the one
// of the segment nearest to the point.
func SideOfLine(line orb.LineString, p orb.Point) int {
	best, side := math.Inf(1), 0
	for i := 0; i+1 < len(line); i++ {
		a, b := line[i], line[i+1]
		d := pointSegDist2(p, a, b) // index_flag.go
		if d >= best {
			continue
		}
		best = d
		switch cross := orient(a, b, p); {
		case cross > 0:
			side = 1
		case cross < 0:
			side = -1
		default:
			side = 0
		}
	}
	return side
}
