package geo

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// An import takes a file of boundaries (GeoJSON, Shapefile, GeoPackage),
// checks every feature and commits all of them as new unit versions in one
// transaction, or none. These are its pure types; importer does the work.

// Severity says whether an import issue stops the import.
type Severity string

// The severities. Errors stop the import; warnings do not (unless the import
// is strict); notes only say what the import does.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityNote    Severity = "note"
)

// IssueKind classifies a problem found in an imported file.
type IssueKind string

// The issue kinds. The comment says the default severity.
const (
	IssueUnreadable     IssueKind = "unreadable"       // error: the record cannot be decoded
	IssueMissingField   IssueKind = "missing_field"    // error: no code or no name
	IssueBadCode        IssueKind = "bad_code"         // error: not digits, or does not fit the level
	IssueDuplicateCode  IssueKind = "duplicate_code"   // error: two features share a code
	IssueEmptyGeometry  IssueKind = "empty_geometry"   // error: no geometry
	IssueNotPolygonal   IssueKind = "not_polygonal"    // error: points or lines, not areas
	IssueOutOfRange     IssueKind = "out_of_range"     // error: coordinates impossible in the declared CRS
	IssueInvalid        IssueKind = "invalid_geometry" // error: invalid and nothing polygonal survives repair
	IssueOutsideScope   IssueKind = "outside_scope"    // error: drawn outside the area the uploading token may change
	IssueRepaired       IssueKind = "repaired"         // warning: invalid, repaired with ST_MakeValid
	IssueUnknownParent  IssueKind = "unknown_parent"   // error: the parent is neither in the file nor stored
	IssueParentMismatch IssueKind = "parent_mismatch"  // error or warning: parent and code prefix disagree
	IssueOutsideParent  IssueKind = "outside_parent"   // warning: sticks out of its parent beyond the tolerance
	IssueOverlap        IssueKind = "overlap"          // warning: overlaps a sibling beyond the tolerance
	IssueGap            IssueKind = "gap"              // warning: the children leave part of the parent uncovered
	IssueSliver         IssueKind = "sliver"           // warning: a thin or tiny overlap or gap between neighbours
	IssueOrphaned       IssueKind = "orphaned"         // retiring a unit would leave current children or enclaves it manages behind (an error)
	IssueKeptProperties IssueKind = "kept_properties"  // note: the file has no column for properties stored units have; they keep them
	IssueCoverageChecks IssueKind = "coverage_checks"  // note: with errors, what the coverage checks covered
	IssuePropertyNamed  IssueKind = "property_named"   // note: a column kept under gridmap's name for it (户数 as households)
	IssueSRSOverridden  IssueKind = "srs_overridden"   // warning: the srs option replaced the coordinate system the file declares
	IssueDatumShift     IssueKind = "datum_shift"      // warning: Xian 1980 or Beijing 1954, reprojected without a datum shift
)

// ImportIssue is one problem with one feature (or, with Index -1, with the
// whole file).
type ImportIssue struct {
	Index    int       `json:"index"` // position in the file from 0 (a shapefile's FID); -1 for the file
	Code     string    `json:"code,omitempty"`
	Severity Severity  `json:"severity"`
	Kind     IssueKind `json:"kind"`
	Message  string    `json:"message"`
	// Location is a WGS-84 point at the problem (the self-intersection, the
	// middle of the overlap), so staff can zoom to it.
	Location *orb.Point `json:"location,omitempty"`
	Other    string     `json:"other,omitempty"`   // the other code: the sibling, the duplicate, the parent
	LiesIn   string     `json:"lies_in,omitempty"` // outside its parent: the unit most of the part outside lies in
	AreaM2   float64    `json:"area_m2,omitempty"`
}

// String formats the issue for a terminal: one line, index and code first.
func (i ImportIssue) String() string {
	s := fmt.Sprintf("%-7s %-16s", i.Severity, i.Kind)
	if i.Index >= 0 {
		s += fmt.Sprintf(" #%d", i.Index)
	}
	if i.Code != "" {
		s += " " + i.Code
	}
	s += ": " + i.Message
	if i.Location != nil {
		s += fmt.Sprintf(" (at %.6f,%.6f)", i.Location[0], i.Location[1])
	}
	return s
}

// ImportCounts says what an import did (or, for a dry run, would do).
type ImportCounts struct {
	Features  int `json:"features"`  // read from the file
	Created   int `json:"created"`   // codes that had no current version
	Changed   int `json:"changed"`   // closed and given a new version
	Unchanged int `json:"unchanged"` // left alone
	Retired   int `json:"retired"`   // closed because the file no longer has them
	Repaired  int `json:"repaired"`  // invalid geometry repaired
}

// RetiredUnit names a unit (or enclave) an import retires.
type RetiredUnit struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level Level  `json:"level"`
}

// MaxReportIssues bounds the issues kept in a report; the counts go on.
const MaxReportIssues = 10000

// ImportReport is the outcome of an import: what was read, what was wrong
// with it, and what changed.
type ImportReport struct {
	Source    string        `json:"source"`
	Format    string        `json:"format"`
	Layer     string        `json:"layer,omitempty"`
	CRS       string        `json:"crs"`                // e.g. "EPSG:4547 (from .prj)"
	Encoding  string        `json:"encoding,omitempty"` // e.g. "GB18030 (detected)"
	Levels    []Level       `json:"levels"`
	DryRun    bool          `json:"dry_run"`
	Committed bool          `json:"committed"`
	Counts    ImportCounts  `json:"counts"`
	Errors    int           `json:"errors"`
	Warnings  int           `json:"warnings"`
	Issues    []ImportIssue `json:"issues"`
	Truncated bool          `json:"issues_truncated,omitempty"` // more than MaxReportIssues issues
	Duration  float64       `json:"duration_s"`
	// RetiredUnits are the units (or enclaves) the import retired with
	// retire_missing, or in a dry run would retire: at most
	// MaxReportIssues of them; Counts.Retired counts them all.
	RetiredUnits []RetiredUnit `json:"retired_units,omitempty"`
	// IndexVersion is the data version that includes a committed import:
	// name it as min_version to read the import's result on any node.
	IndexVersion int64 `json:"index_version,omitempty"`
}

// Add records an issue, keeping at most MaxReportIssues of them.
func (r *ImportReport) Add(is ImportIssue) {
	switch is.Severity {
	case SeverityError:
		r.Errors++
	case SeverityWarning:
		r.Warnings++
	}
	if len(r.Issues) >= MaxReportIssues {
		r.Truncated = true
		return
	}
	r.Issues = append(r.Issues, is)
}

// FieldMap names the attributes that hold a unit's fields. Empty names are
// guessed from common spellings (code, 编码, name, 名称, ...).
type FieldMap struct {
	Code   string   `json:"code,omitempty"`
	Name   string   `json:"name,omitempty"`
	Parent string   `json:"parent,omitempty"`
	Level  string   `json:"level,omitempty"`
	Props  []string `json:"props,omitempty"` // kept in properties; ["*"] keeps every other attribute
	// An enclave's managing unit (its code, or a unit's name), status and reason.
	Managing string `json:"managing,omitempty"`
	Status   string `json:"status,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// ImportOptions control one import.
type ImportOptions struct {
	Fields FieldMap `json:"fields"`
	// Level of every feature; "" takes it from the level field or the code
	// length; LevelEnclave imports enclaves.
	Level Level `json:"level,omitempty"`
	// SRS overrides the file's coordinate system: "EPSG:4547", "4490",
	// "wgs84", "cgcs2000", "gcj02" or "bd09".
	SRS string `json:"srs,omitempty"`
	// Encoding overrides the attribute encoding: "utf-8", "gbk", "gb18030".
	Encoding string `json:"encoding,omitempty"`
	// Layer picks the GeoPackage layer when it has several.
	Layer  string `json:"layer,omitempty"`
	DryRun bool   `json:"dry_run,omitempty"`
	// RetireMissing closes the current units of the imported levels (under
	// Scope, if set) that the file does not contain; for enclaves, the
	// current enclaves (managed under Scope) the file does not contain.
	RetireMissing bool   `json:"retire_missing,omitempty"`
	Scope         string `json:"scope,omitempty"`
	// Within, if set, is the only subtree the import may touch: the scope
	// of the token that uploaded the file.
	Within string `json:"within,omitempty"`
	// Strict makes warnings stop the import too.
	Strict    bool      `json:"strict,omitempty"`
	Tolerance Tolerance `json:"tolerance"`
	Actor     string    `json:"actor"`
	// TokenID is the token that uploaded the file (0: the command line):
	// the import commits only while it is valid.
	TokenID int64 `json:"token_id,omitempty"`
}

// Validate checks the options that do not depend on the file.
func (o *ImportOptions) Validate() error {
	if o.Level != "" && !o.Level.Valid() && !o.Enclaves() {
		return Invalid("level", "unknown level %q; want one of district, street, community, grid, microgrid, enclave", o.Level)
	}
	if o.Scope != "" {
		if _, err := LevelOfCode(o.Scope); err != nil {
			return Invalid("scope", "scope %q is not a unit code", o.Scope)
		}
		if !o.RetireMissing {
			return Invalid("scope", "scope only limits --retire-missing; set that too")
		}
	}
	if o.Within != "" && o.RetireMissing && !strings.HasPrefix(o.Scope, o.Within) {
		return Invalid("scope", "retiring is limited to %s, the scope of this token", o.Within)
	}
	if o.Actor == "" {
		return Invalid("actor", "the actor (who imports) is required for the change log")
	}
	return o.Tolerance.Validate()
}

// JobStatus is the state of an import job.
type JobStatus string

// The job statuses. Queued and running are not final.
const (
	JobQueued      JobStatus = "queued"
	JobRunning     JobStatus = "running"
	JobSucceeded   JobStatus = "succeeded"   // committed
	JobDryRun      JobStatus = "dry_run"     // checked, nothing changed by design
	JobRejected    JobStatus = "rejected"    // the file has errors; nothing changed
	JobFailed      JobStatus = "failed"      // the import broke (database, I/O); nothing changed
	JobInterrupted JobStatus = "interrupted" // its process died; nothing changed
)

// ImportJob is an import as clients see it while it runs and after.
type ImportJob struct {
	ID         int64         `json:"id"`
	Status     JobStatus     `json:"status"`
	Actor      string        `json:"actor"`
	Source     string        `json:"source"`
	Options    ImportOptions `json:"options"`
	Phase      string        `json:"phase"`
	Done       int64         `json:"done"`
	Total      int64         `json:"total"` // 0 when unknown
	Report     *ImportReport `json:"report,omitempty"`
	Error      string        `json:"error,omitempty"`
	CreatedAt  time.Time     `json:"created_at"`
	UpdatedAt  time.Time     `json:"updated_at"`
	FinishedAt *time.Time    `json:"finished_at"`
}

// Importer runs imports in the background, a bounded number at a time.
// Receive opens the area an upload from owner (the caller's name) is
// written to, holding its place in the import queue until its job ends
// (EUNAVAILABLE when the queue is full, ERATELIMITED when owner holds as
// many places as one caller may: nothing of the body need be read); Job
// returns a job by id (ENOTFOUND).
type Importer interface {
	Receive(ctx context.Context, owner string) (UploadArea, error)
	Job(ctx context.Context, id int64) (ImportJob, error)
}

// UploadArea receives one upload's files on local disk, within the
// server's bounded upload space, and then starts their import. Every area
// ends in exactly one of Start (which hands it to the job, removed when the
// job ends) or Discard.
type UploadArea interface {
	// Save writes the file named name (a base name) from r: ETOOLARGE when
	// the upload alone passes the space, EUNAVAILABLE when the space is
	// full of other uploads (retry later).
	Save(name string, r io.Reader) error
	// Start queues the import of the saved files and returns the queued
	// job (EINVALID for bad options or files it cannot recognise).
	Start(ctx context.Context, opts ImportOptions) (ImportJob, error)
	// Discard removes the files and frees the queue place; after Start it
	// does nothing.
	Discard()
}
