package casework

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
	"github.com/paulmach/orb"
)

// ReportKind says what a report is.
type ReportKind string

// The report kinds. Hazards and events are cases and follow the workflow; a
// patrol log is a record of a patrol and is closed on arrival.
const (
	KindHazard    ReportKind = "hazard"     // 安全隐患
	KindEvent     ReportKind = "event"      // 事件
	KindPatrolLog ReportKind = "patrol_log" // 巡查日志
)

// ReportKinds lists the kinds.
var ReportKinds = []ReportKind{KindHazard, KindEvent, KindPatrolLog}

// ParseReportKind returns the kind named s.
func ParseReportKind(field, s string) (ReportKind, error) {
	for _, k := range ReportKinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", geo.Invalid(field, "unknown kind %q; want hazard, event or patrol_log", geo.ClipTo(s, 20))
}

// Limits on report input. They keep a row small and a phone's bug from
// filling the database; each is named in the error that enforces it.
const (
	MaxDescription = 2000 // characters
	MaxNote        = 2000 // characters
	MaxName        = 64   // characters of reporter, actor, assignee
	MaxAttachments = 20
	MaxReportAge   = 366 * 24 * time.Hour
	MaxClockSkew   = 5 * time.Minute
)

// Report flags: what the street should look at.
const (
	FlagUnmanaged = "unmanaged" // no grid covers the spot, or an enclave nobody took over (失管)
	FlagOverlap   = "overlap"   // two units of the finest level claim the spot
	FlagEnclave   = "enclave"   // the spot is an enclave; its managing unit answers
)

// Attachment is a stored photo as a report or a workflow step lists it:
// named by its checksum, with what the store found the bytes to be. Clients
// send only the checksum (and may add a file name); the server fills in the
// rest from the stored photo, so that a listing cannot lie about the bytes.
type Attachment struct {
	// A caller who may not read the photo gets none of these (api's hidePhotos).
	Checksum string `json:"checksum,omitempty"` // sha256:<hex> of the stored bytes
	Type     string `json:"type,omitempty"`     // image/jpeg, image/png or image/webp
	Size     int64  `json:"size,omitempty"`     // bytes
	Width    int    `json:"width,omitempty"`
	Height   int    `json:"height,omitempty"`
	Name     string `json:"name,omitempty"` // the client's file name, if it gave one
}

// ReportInput is what a client sends. Validate normalises it; Fingerprint
// then identifies its content for idempotent retries.
type ReportInput struct {
	ID          string       `json:"id"`
	Kind        ReportKind   `json:"kind"`
	Category    string       `json:"category"`
	Severity    int          `json:"severity"`
	Description string       `json:"description"`
	Point       orb.Point    `json:"point"` // longitude, latitude in CRS
	CRS         geo.CRS      `json:"crs"`
	AccuracyM   *float64     `json:"accuracy_m,omitempty"`
	ObservedAt  time.Time    `json:"observed_at"` // zero: when it was received
	Reporter    string       `json:"reporter"`
	Attachments []Attachment `json:"attachments,omitempty"`
	// RecordedBy is the name of the token that sent the report (not part
	// of the wire form: the server sets it).
	RecordedBy string `json:"-"`
}

// Validate checks every field against the rules and limits and normalises
// the input (canonical id and CRS, UTC times at database precision). now is
// the receiving time; observed times in the future or older than
// MaxReportAge (a phone whose clock was reset) are refused.
func (in *ReportInput) Validate(now time.Time) error {
	var err error
	if in.ID, err = geo.ParseUUID("id", in.ID); err != nil {
		return err
	}
	if _, err := ParseReportKind("kind", string(in.Kind)); err != nil {
		return err
	}
	if _, err := Categories.Check("category", in.Category, in.Kind); err != nil {
		return err
	}
	if in.Kind == KindPatrolLog && in.Severity == 0 {
		in.Severity = MinSeverity
	}
	if in.Severity < MinSeverity || in.Severity > MaxSeverity {
		return geo.Invalid("severity", "severity %d is out of range; want 1 (简易), 2 (一般), 3 (突出) or 4 (重大)", in.Severity)
	}
	if err := checkText("description", in.Description, MaxDescription); err != nil {
		return err
	}
	if in.CRS, err = geo.ParseCRS(string(in.CRS)); err != nil {
		return err
	}
	if _, err := geo.PointInWGS84("point", in.Point, in.CRS); err != nil {
		return err
	}
	if a := in.AccuracyM; a != nil && (math.IsNaN(*a) || *a < 0 || *a > 100_000) {
		return geo.Invalid("accuracy_m", "accuracy must be a number of metres from 0 to 100000")
	}
	if err := checkObserved(in.ObservedAt, now); err != nil {
		return err
	}
	if !in.ObservedAt.IsZero() {
		in.ObservedAt = in.ObservedAt.UTC().Truncate(time.Microsecond)
	}
	if err := checkName("reporter", in.Reporter, true); err != nil {
		return err
	}
	return checkAttachments(in.Attachments)
}

func checkObserved(t, now time.Time) error {
	switch {
	case t.IsZero():
		return nil
	case t.After(now.Add(MaxClockSkew)):
		return geo.Invalid("observed_at", "observed_at %s is in the future (the server's time is %s); check the device clock",
			t.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case t.Before(now.Add(-MaxReportAge)):
		return geo.Invalid("observed_at", "observed_at %s is more than %d days ago; a device clock was probably reset",
			t.Format(time.RFC3339), int(MaxReportAge.Hours()/24))
	}
	return nil
}

// checkAttachments checks a list of attachments as the store filled it in:
// a bounded number, each named by a checksum, each at most once.
func checkAttachments(as []Attachment) error {
	if len(as) > MaxAttachments {
		return geo.Invalid("attachments", "%d attachments exceed the limit of %d", len(as), MaxAttachments)
	}
	seen := make(map[string]bool, len(as))
	for i, a := range as {
		f := fmt.Sprintf("attachments[%d]", i)
		if _, err := ParseChecksum(f, a.Checksum); err != nil {
			return err
		}
		if seen[a.Checksum] {
			return geo.Invalid(f, "photo %s is listed twice", a.Checksum)
		}
		seen[a.Checksum] = true
		if a.Type == "" || a.Size < 1 {
			return geo.Invalid(f, "photo %s has not been looked up in the store", a.Checksum)
		}
		if err := geo.ValidateName(f+".name", a.Name, 255, false); err != nil {
			return err
		}
	}
	return nil
}

// checkText checks free text: valid UTF-8, no control characters other
// than tab and newlines (a NUL cannot even be stored), at most max runes.
func checkText(field, s string, max int) error { return geo.ValidateText(field, s, max) }

// checkName checks a person's or department's identifier.
func checkName(field, s string, required bool) error {
	return geo.ValidateName(field, s, MaxName, required)
}

// Fingerprint identifies the content of a validated input: a retry of the
// same report has the same fingerprint whatever the JSON's key order,
// spacing or time zone.
func (in *ReportInput) Fingerprint() [32]byte {
	b, err := json.Marshal(in)
	if err != nil {
		panic(err) // only plain fields: cannot fail
	}
	return sha256.Sum256(b)
}

// Report is a stored report: the input, where it landed, and its case.
type Report struct {
	ReportInput
	WGS84        orb.Point      `json:"point_wgs84"`
	ReceivedAt   time.Time      `json:"received_at"`
	Resolution   geo.Resolution `json:"resolution"` // at the observed time, or the last re-resolve
	UnitCode     string         `json:"unit_code"`  // the finest unit of the responsible chain
	Flags        []string       `json:"flags"`
	State        State          `json:"state"`
	Level        geo.Level      `json:"level"`         // the level handling it now
	AssignedCode string         `json:"assigned_code"` // the unit handling it now
	Assignee     string         `json:"assignee,omitempty"`
	DueAt        *time.Time     `json:"due_at"`       // the case's deadline (SLA)
	LevelDueAt   *time.Time     `json:"level_due_at"` // when the current level's time runs out
	Escalations  int            `json:"escalations"`
	ClosedAt     *time.Time     `json:"closed_at"`
	ClosedOnTime *bool          `json:"closed_on_time"`
	UpdatedAt    time.Time      `json:"updated_at"`
	Events       int            `json:"events"` // number of history entries
	History      []Transition   `json:"history,omitempty"`
	Hash         [32]byte       `json:"-"`
}

// NewReport builds the stored report from a validated input and its
// resolution at the observed time: flags, the handling unit, deadlines and
// the first history entry. A point outside every district is refused. An
// observed time ahead of now is taken as now (resolve at now, then).
func NewReport(in ReportInput, res geo.Resolution, p Policy, now time.Time) (Report, error) {
	if res.Status == geo.StatusOutside {
		when := "now"
		if !in.ObservedAt.IsZero() {
			when = "at observed_at " + in.ObservedAt.Format(time.RFC3339)
		}
		return Report{}, geo.Invalid("point", "the point [%g, %g] (%s) lies outside every district gridmap knows %s; check the coordinates and crs",
			in.Point[0], in.Point[1], in.CRS, when)
	}
	now = now.UTC().Truncate(time.Microsecond)
	normalise(&res)
	r := Report{ReportInput: in, WGS84: geo.ToWGS84(in.Point, in.CRS), ReceivedAt: now, Resolution: res,
		UnitCode: ResponsibleCode(&res), Flags: ReportFlags(&res), UpdatedAt: now, Hash: in.Fingerprint()}
	if r.ObservedAt.IsZero() || r.ObservedAt.After(now) {
		// Not given, or ahead of the clock (within the skew Validate allows):
		// observed when received. The fingerprint keeps what was sent, so a
		// retry of the same body is still the same report.
		r.ObservedAt = now
	}
	a, note := p.initialAssignment(&res, r.Severity)
	r.Level, r.AssignedCode = a.level, a.code
	detail := map[string]any{"status": res.Status, "flags": r.Flags}
	if note != "" && r.Kind != KindPatrolLog {
		// The note is English, for people reading the API; clients say it
		// in their own words from the level the severity starts at.
		detail["floor"] = a.level
	}
	if r.Kind == KindPatrolLog {
		r.State, r.ClosedAt = StateClosed, &now
		note = "a patrol log is a record, not a case: closed on arrival"
	} else {
		r.State = StateReported
		r.DueAt = timePtr(now.Add(p.Deadline(r.Severity)))
		r.LevelDueAt = r.DueAt
	}
	r.Events = 1
	r.History = []Transition{{Seq: 1, Action: ActionReport, To: r.State, Level: r.Level, Code: r.AssignedCode,
		Actor: r.Reporter, RecordedBy: in.RecordedBy, At: now, Note: note, Detail: detail}}
	return r, nil
}

// ResponsibleCode is the finest code of a resolution's responsible chain.
// Chains nest by code prefix, so every unit above it is a prefix of it.
func ResponsibleCode(res *geo.Resolution) string {
	if s := chainSlots(res); len(s) > 0 {
		return s[0].code
	}
	return ""
}

// ReportFlags says what in a resolution the street must look at.
func ReportFlags(res *geo.Resolution) []string {
	flags := []string{}
	if res.Status == geo.StatusUnmanaged || (res.Enclave != nil && res.Enclave.Status == geo.EnclaveUnmanaged) {
		flags = append(flags, FlagUnmanaged)
	}
	if len(res.Conflicts) > 0 {
		flags = append(flags, FlagOverlap)
	}
	if res.Status == geo.StatusEnclave {
		flags = append(flags, FlagEnclave)
	}
	return flags
}

// Reattribute replaces r's resolution with res (resolved again after the
// boundaries changed) and moves the case to the unit of the new chain at
// its current level. The old answer is kept in the returned step, which
// carries q's actor, note and client id (q as checked by ValidateReresolve).
func (r *Report) Reattribute(res geo.Resolution, q *TransitionRequest, now time.Time) (Transition, error) {
	if err := q.ValidateReresolve(); err != nil {
		return Transition{}, err
	}
	if res.Status == geo.StatusOutside {
		return Transition{}, geo.Errorf(geo.ECONFLICT, "point", "under the current boundaries the point lies outside every district; the report keeps its attribution to %s", r.UnitCode)
	}
	normalise(&res)
	old := r.Resolution
	detail := map[string]any{"previous": old, "previous_unit_code": r.UnitCode,
		"changed": old.Status != res.Status || ResponsibleCode(&old) != ResponsibleCode(&res)}
	r.Resolution, r.UnitCode, r.Flags = res, ResponsibleCode(&res), ReportFlags(&res)
	if a, ok := atOrAbove(chainSlots(&res), r.Level); ok {
		r.Level, r.AssignedCode = a.level, a.code
	} else if s := chainSlots(&res); len(s) > 0 {
		r.Level, r.AssignedCode = s[0].level, s[0].code
	}
	r.UpdatedAt = now
	r.Events++
	return Transition{Seq: r.Events, ClientID: q.ClientID, Action: ActionReresolve, From: r.State, To: r.State, Level: r.Level,
		Code: r.AssignedCode, Assignee: r.Assignee, Actor: q.Actor, RecordedBy: q.RecordedBy, At: now, Note: q.Note, Detail: detail}, nil
}

// normalise makes a stored resolution read like the resolve API's: an empty
// list of conflicts is [], not null.
func normalise(res *geo.Resolution) {
	if res.Conflicts == nil {
		res.Conflicts = []geo.LevelRef{}
	}
}
