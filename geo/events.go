package geo

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// The event kinds of the event record (migration 009), what GET /v1/events
// streams.
const (
	EventReportCreated  = "report.created"  // a report arrived
	EventReportUpdated  = "report.updated"  // a workflow step changed its state
	EventReportMoved    = "report.moved"    // a re-resolve gave it another unit
	EventCaseEscalated  = "case.escalated"  // it went one level up its chain
	EventCaseOverdue    = "case.overdue"    // its deadline passed while open
	EventUnitChanged    = "unit.changed"    // units were created, redrawn or retired
	EventEnclaveChanged = "enclave.changed" // enclaves were created, redrawn or retired
	EventImportFinished = "import.finished" // an import ended (any outcome)
	EventAuditChanged   = "audit.changed"   // the coverage audit's gaps changed
)

// EventKinds lists every kind, for filters and documentation.
var EventKinds = []string{EventReportCreated, EventReportUpdated, EventReportMoved, EventCaseEscalated,
	EventCaseOverdue, EventUnitChanged, EventEnclaveChanged, EventImportFinished, EventAuditChanged}

// Event is one entry of the event record.
type Event struct {
	// ID is the entry's row id: stable, the same on every node, so that a
	// client that is sent an event twice (after a resume) can tell.
	ID int64
	// Xid is the id of the transaction that wrote it.
	Xid uint64
	// Floor is a resume point: every event of a transaction below it
	// (xid < Floor) was sent before this one. See EventID.
	Floor uint64
	Kind  string
	At    time.Time // when it was recorded
	// Codes place the event: a report's units, the changed units, an
	// enclave's managing units, an import's scope ("" the whole city).
	Codes []string
	Data  json.RawMessage
}

// AboutReport reports whether the event is about one report (its Data
// then is the report's fields, personal ones included).
func (e *Event) AboutReport() bool {
	return strings.HasPrefix(e.Kind, "report.") || strings.HasPrefix(e.Kind, "case.")
}

// Within reports whether the event concerns the unit code (or one of its
// descendants). A report event belongs to the units of its codes and their
// ancestors; an area event (boundaries, imports, the audit) also reaches
// the units inside an area it changed, as an edit of a street changes the
// map of every grid in it.
func (e *Event) Within(code string) bool {
	if code == "" {
		return true
	}
	for _, c := range e.Codes {
		if strings.HasPrefix(c, code) || (!e.AboutReport() && strings.HasPrefix(code, c)) {
			return true
		}
	}
	return false
}

// EventID is the SSE id of an event: "floor-id". A client resuming with it
// (Last-Event-ID) is sent every event with xid >= floor again, so it misses
// none; those it already had it recognises by their id.
func EventID(floor uint64, id int64) string {
	return strconv.FormatUint(floor, 10) + "-" + strconv.FormatInt(id, 10)
}

// ParseEventID reads an EventID (an id of 0 marks a heartbeat's position).
func ParseEventID(field, s string) (floor uint64, id int64, err error) {
	f, i, ok := strings.Cut(s, "-")
	floor, ferr := strconv.ParseUint(f, 10, 64)
	id, ierr := strconv.ParseInt(i, 10, 64)
	if !ok || ferr != nil || ierr != nil || id < 0 {
		return 0, 0, Invalid(field, "%q is not an event id this service sent (floor-id, e.g. 7412-1093)", Clip(s))
	}
	return floor, id, nil
}

// EventCursor is where a reader of the event record stands: the snapshot
// of its last read. Every transaction with xid < Xmin had finished then;
// those with xid >= Xmax or listed in Running had not, and their events are
// what the next read looks for. A hot standby's snapshot does not list the
// running transactions (PostgreSQL keeps them apart during recovery), so
// there Running is unknown (Exact false) and the reader instead rereads
// from Xmin, skipping the transactions whose events it has read (Read): a
// transaction's events become visible together, at its commit.
type EventCursor struct {
	Xmin, Xmax uint64
	Running    []uint64
	Exact      bool
	Read       []uint64 // transactions at or above Xmin already read (standby)
}

// EventLog is the event record of the database a node is attached to.
// EventStart returns the cursor of the present; EventsSince calls fn for
// each event the cursor's snapshot did not see, in (xid, id) order, and
// returns the cursor of the read; ReplayEvents calls fn for every event
// with xid >= floor, in the same order, and returns false when events of
// that range were pruned (the caller must start afresh). ReplayEvents calls
// fn with no database connection held: fn may write to a client that reads
// slowly, and a replay per stalled client must not pin the pool.
type EventLog interface {
	EventStart(ctx context.Context) (EventCursor, error)
	EventsSince(ctx context.Context, cur EventCursor, fn func(Event) error) (EventCursor, error)
	ReplayEvents(ctx context.Context, floor uint64, fn func(Event) error) (complete bool, err error)
}
