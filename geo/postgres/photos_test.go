package postgres_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/casework/phototest"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

func TestPhotoStore(t *testing.T) {
	phototest.Run(t, pgtest.Open(t), casework.BackendPostgres)
}

// TestPhotoUses files a report with a photo and handles it with another:
// both photos are linked to the report (so that its readers may see them),
// and the step lists its photo in the history.
func TestPhotoUses(t *testing.T) {
	e := newReportEnv(t)
	before, beforeThumb := phototest.Prepare(t, phototest.JPEG(t, 64, 48, 1), "测试员")
	after, afterThumb := phototest.Prepare(t, phototest.JPEG(t, 64, 48, 2), "测试员")
	for _, p := range []struct {
		p     casework.Photo
		thumb []byte
		b     []byte
	}{{before, beforeThumb, phototest.JPEG(t, 64, 48, 1)}, {after, afterThumb, phototest.JPEG(t, 64, 48, 2)}} {
		if _, _, err := e.db.PutPhoto(e.ctx, p.p, p.b, p.thumb); err != nil {
			t.Fatal(err)
		}
	}
	r := e.report(t, e.pointIn(t, "unit", "120104010001002"), func(in *casework.ReportInput) {
		in.Attachments = []casework.Attachment{before.Attachment("前.jpg")}
	})
	if _, err := e.db.CreateReports(e.ctx, []casework.Report{r}); err != nil {
		t.Fatal(err)
	}
	p := casework.DefaultPolicy()
	for _, q := range []casework.TransitionRequest{
		{Action: casework.ActionAccept, Actor: "街道"},
		{Action: casework.ActionDispatch, Actor: "街道", Assignee: "网格员"},
		{Action: casework.ActionHandle, Actor: "网格员", ClientID: uuid.NewString(), Attachments: []casework.Attachment{after.Attachment("")}},
	} {
		if _, _, err := e.db.Transition(e.ctx, r.ID, q, p); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.db.GetReport(e.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Attachments) != 1 || got.Attachments[0].Checksum != before.Checksum || got.Attachments[0].Name != "前.jpg" {
		t.Errorf("report attachments %+v", got.Attachments)
	}
	last := got.History[len(got.History)-1]
	if last.Action != casework.ActionHandle || len(last.Attachments) != 1 || last.Attachments[0].Checksum != after.Checksum {
		t.Errorf("handle step %+v", last)
	}
	for _, sum := range []string{before.Checksum, after.Checksum} {
		uses, err := e.db.PhotoUses(e.ctx, sum)
		if err != nil {
			t.Fatal(err)
		}
		if len(uses) != 1 || uses[0].ReportID != r.ID || uses[0].UnitCode != r.UnitCode || uses[0].Reporter != "测试员" {
			t.Errorf("uses of %s: %+v", sum, uses)
		}
	}
}
