package postgres

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/twpayne/go-geom"
)

// CopyReports bulk-loads reports that already have a history (the demo
// city, benchmarks) inside the caller's transaction tx: the rows as they
// stand, every history entry, and one statistics delta per report and key.
// Unlike CreateReports it is not idempotent: ids must be new.
func CopyReports(ctx context.Context, tx pgx.Tx, rs []casework.Report) error {
	if len(rs) == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"report"}, copyReportColumns, pgx.CopyFromSlice(len(rs), func(i int) ([]any, error) {
		return reportRow(&rs[i]), nil
	}))
	if err != nil {
		return fmt.Errorf("copy reports: %w", translate(err))
	}
	var events [][]any
	for i := range rs {
		uid := pgUUID(rs[i].ID)
		for _, t := range rs[i].History {
			events = append(events, eventRow(uid, t))
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"report_event"}, copyEventColumns, pgx.CopyFromRows(events)); err != nil {
		return fmt.Errorf("copy report history: %w", translate(err))
	}
	if err := copyAttachmentLinks(ctx, tx, rs); err != nil {
		return fmt.Errorf("copy report photos: %w", translate(err))
	}
	if err := insertDeltas(ctx, tx, sumDeltas(rs)); err != nil {
		return fmt.Errorf("report statistics: %w", translate(err))
	}
	return nil
}

var copyReportColumns = []string{"id", "body_sha256", "kind", "category", "severity", "description", "geom",
	"point_sent", "crs", "accuracy_m", "observed_at", "received_at", "reporter", "attachments", "resolution",
	"res_status", "flags", "unit_code", "index_version", "state", "level", "assigned_code", "assignee", "due_at",
	"level_due_at", "escalations", "closed_at", "closed_on_time", "updated_at", "events"}

func reportRow(r *casework.Report) []any {
	pt := geom.NewPointFlat(geom.XY, []float64{r.WGS84[0], r.WGS84[1]}).SetSRID(4326)
	return []any{pgUUID(r.ID), r.Hash[:], string(r.Kind), r.Category, int16(r.Severity), r.Description, pt,
		[]float64{r.Point[0], r.Point[1]}, string(r.CRS), r.AccuracyM, r.ObservedAt, r.ReceivedAt, r.Reporter,
		orEmpty(r.Attachments), r.Resolution, string(r.Resolution.Status), orEmptyStrings(r.Flags), r.UnitCode,
		r.Resolution.IndexVersion, string(r.State), string(r.Level), r.AssignedCode, r.Assignee, r.DueAt,
		r.LevelDueAt, int32(r.Escalations), r.ClosedAt, r.ClosedOnTime, r.UpdatedAt, int32(r.Events)}
}

var copyEventColumns = []string{"report_id", "seq", "client_id", "action", "from_state", "to_state", "level",
	"assigned_code", "assignee", "actor", "recorded_by", "at", "note", "detail", "attachments"}

// copyAttachmentLinks records which photos the reports and their steps use.
func copyAttachmentLinks(ctx context.Context, tx pgx.Tx, rs []casework.Report) error {
	var links [][]any
	for i := range rs {
		uid := pgUUID(rs[i].ID)
		for _, a := range rs[i].Attachments {
			links = append(links, []any{a.Checksum, uid, int32(1)})
		}
		for _, t := range rs[i].History {
			for _, a := range t.Attachments {
				links = append(links, []any{a.Checksum, uid, int32(t.Seq)})
			}
		}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"report_attachment"}, []string{"checksum", "report_id", "seq"}, pgx.CopyFromRows(links))
	return err
}

func eventRow(uid pgtype.UUID, t casework.Transition) []any {
	var client pgtype.UUID
	if t.ClientID != "" {
		client = pgUUID(t.ClientID)
	}
	var from *string
	if t.From != "" {
		s := string(t.From)
		from = &s
	}
	detail := t.Detail
	if detail == nil {
		detail = map[string]any{}
	}
	return []any{uid, int32(t.Seq), client, string(t.Action), from, string(t.To), string(t.Level), t.Code,
		t.Assignee, t.Actor, t.RecordedBy, t.At, t.Note, detail, orEmpty(t.Attachments)}
}

func orEmptyStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// sumDeltas adds up the statistics of the reports as they stand, one delta
// per key, sorted so that folding touches rows in a stable order.
func sumDeltas(rs []casework.Report) []casework.StatDelta {
	type key struct {
		day             time.Time
		unit, cat, stat string
	}
	sums := map[key]*casework.StatDelta{}
	for i := range rs {
		for _, d := range casework.StatDeltas(nil, &rs[i]) {
			k := key{d.Day, d.Unit, d.Category, string(d.State)}
			if s, ok := sums[k]; ok {
				s.N += d.N
				s.OnTime += d.OnTime
			} else {
				d := d
				sums[k] = &d
			}
		}
	}
	out := make([]casework.StatDelta, 0, len(sums))
	for _, d := range sums {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Day.Equal(b.Day) {
			return a.Day.Before(b.Day)
		}
		if a.Unit != b.Unit {
			return a.Unit < b.Unit
		}
		if a.Category != b.Category {
			return a.Category < b.Category
		}
		return a.State < b.State
	})
	return out
}
