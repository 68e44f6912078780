package geo

import (
	"context"
	"math"
	"time"

	"github.com/paulmach/orb"
)

// The coverage audit checks, for every unit that has children, that the
// children tile it: no gaps (失管 land nobody covers), no child outside its
// parent, and no child overlapping another unit of its level — a sibling or
// a unit under another parent (a grid of district A drawn over B's grids).
// Land of an enclave (飞地) that one of the two units, an ancestor or a
// descendant of it manages is not an overlap: there the managing unit's
// boundary may be drawn over the land around it by design. The audit also
// lists enclaves whose managing unit does not exist and units whose parent
// does not exist.

// Tolerance separates real defects from slivers: the hairline gaps and
// overlaps that two independently drawn boundaries always leave. A polygon
// is a sliver when its area is below AreaM2 or its mean width (2·area /
// perimeter) is below WidthM. The rule itself is applied in one place, the
// database function gridmap_is_sliver (migration 008), by the audit, the
// importer and single edits alike.
type Tolerance struct {
	AreaM2 float64 `json:"area_m2"`
	WidthM float64 `json:"width_m"`
}

// DefaultTolerance ignores gaps and overlaps under 10 m² or under 1 m wide:
// a snapping error along a 500 m boundary is a sliver, a 3 m wide unassigned
// alley is a gap.
var DefaultTolerance = Tolerance{AreaM2: 10, WidthM: 1}

// Validate checks that the tolerance is usable.
func (t Tolerance) Validate() error {
	for _, v := range []struct {
		name string
		x    float64
	}{{"tolerance.area_m2", t.AreaM2}, {"tolerance.width_m", t.WidthM}} {
		if math.IsNaN(v.x) || math.IsInf(v.x, 0) || v.x < 0 || v.x > 1e9 {
			return Invalid(v.name, "must be a number from 0 to 1e9")
		}
	}
	return nil
}

// FindingKind classifies an audit finding.
type FindingKind string

// The finding kinds.
const (
	FindingGap           FindingKind = "gap"            // part of a parent no child covers
	FindingOverlap       FindingKind = "overlap"        // land two units of one level both claim
	FindingOutside       FindingKind = "outside"        // part of a child outside its parent
	FindingOrphanEnclave FindingKind = "orphan_enclave" // an enclave whose managing unit does not exist
	FindingOrphanUnit    FindingKind = "orphan_unit"    // a unit whose parent does not exist
)

// Finding is one defect. Gaps, overlaps and outside parts carry their
// polygon and geodesic area; orphans carry the codes involved.
//
// Codes: an overlap's two units, in code order; an outside part's child,
// then the unit of the parent's level where most of that part lies, when
// one does; an orphan. An overlap's ParentCode is the parent of its first
// code; one between units of different parents names both parents in
// ParentCodes, and shows in the audit under either.
type Finding struct {
	ID          int64            `json:"id,omitempty"`
	Kind        FindingKind      `json:"kind"`
	ParentCode  string           `json:"parent_code,omitempty"`  // the unit whose children were checked
	ParentCodes []string         `json:"parent_codes,omitempty"` // an overlap across parents: both parents
	Level       Level            `json:"level,omitempty"`        // the level of those children
	Codes       []string         `json:"codes"`
	AreaM2      float64          `json:"area_m2,omitempty"`
	Geom        orb.MultiPolygon `json:"-"`
	Location    *orb.Point       `json:"location,omitempty"` // a point inside the defect
	Detail      string           `json:"detail,omitempty"`
}

// AuditSummary counts the findings of an audit.
type AuditSummary struct {
	Unit           string    `json:"unit,omitempty"` // "" for the whole city
	Parents        int       `json:"parents"`        // units with children that were checked
	Gaps           int       `json:"gaps"`
	GapAreaM2      float64   `json:"gap_area_m2"`
	Overlaps       int       `json:"overlaps"`
	OverlapAreaM2  float64   `json:"overlap_area_m2"`
	Outside        int       `json:"outside"`
	OrphanEnclaves int       `json:"orphan_enclaves"`
	OrphanUnits    int       `json:"orphan_units"`
	Tolerance      Tolerance `json:"tolerance"`
	ComputedAt     time.Time `json:"computed_at"`
}

// Count adds a finding to the summary.
func (s *AuditSummary) Count(f Finding) {
	switch f.Kind {
	case FindingGap:
		s.Gaps++
		s.GapAreaM2 += f.AreaM2
	case FindingOverlap:
		s.Overlaps++
		s.OverlapAreaM2 += f.AreaM2
	case FindingOutside:
		s.Outside++
	case FindingOrphanEnclave:
		s.OrphanEnclaves++
	case FindingOrphanUnit:
		s.OrphanUnits++
	}
}

// AuditResult is a summary and its findings, gaps first.
type AuditResult struct {
	Summary  AuditSummary `json:"summary"`
	Findings []Finding    `json:"findings"`
}

// AuditQuery selects what to audit: the subtree under Unit ("" for all).
// With a Tolerance the audit is computed afresh with it instead of read
// from the stored findings.
type AuditQuery struct {
	Unit      string
	Tolerance *Tolerance
}

// Auditor answers coverage audits from the stored, always fresh findings.
// Audit returns ENOTFOUND when Unit is not a current unit.
type Auditor interface {
	Audit(ctx context.Context, q AuditQuery) (AuditResult, error)
}
