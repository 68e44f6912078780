package casework

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
)

func TestCategoryList(t *testing.T) {
	all := Categories.All()
	if len(all) < 80 {
		t.Fatalf("only %d categories", len(all))
	}
	for _, c := range all {
		if !categoryCode.MatchString(c.Code) || c.Name == "" || c.ClassName == "" || len(c.Kinds) == 0 {
			t.Errorf("malformed category %+v", c)
		}
	}
	if c, ok := Categories.Lookup("C0111"); !ok || c.FullName() != "部件/公用设施/路灯" {
		t.Errorf("C0111 = %+v", c)
	}
	cases := []struct {
		code string
		kind ReportKind
		ok   bool
	}{
		{"E0506", KindHazard, true},
		{"C0101", KindEvent, true},
		{"P0101", KindPatrolLog, true},
		{"P0101", KindHazard, false},
		{"E0506", KindPatrolLog, false},
		{"E9999", KindHazard, false},
		{"", KindHazard, false},
	}
	for _, c := range cases {
		t.Run(c.code+"/"+string(c.kind), func(t *testing.T) {
			_, err := Categories.Check("category", c.code, c.kind)
			if (err == nil) != c.ok {
				t.Errorf("err %v", err)
			}
		})
	}
	for name, data := range map[string]string{
		"duplicate code": `{"types":[{"prefix":"C","type":"component","name":"部件","name_en":"Component","kinds":["hazard"]}],
			"classes":[{"code":"C01","name":"x","name_en":"X","subclasses":[["01","a","A"],["01","b","B"]]}]}`,
		"undeclared type": `{"types":[],"classes":[{"code":"C01","name":"x","name_en":"X","subclasses":[["01","a","A"]]}]}`,
		"malformed code": `{"types":[{"prefix":"C","type":"component","name":"部件","name_en":"Component","kinds":["hazard"]}],
			"classes":[{"code":"C01","name":"x","name_en":"X","subclasses":[["1","a","A"]]}]}`,
		"empty": `{"types":[],"classes":[]}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseCategories([]byte(data)); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func validInput(now time.Time) ReportInput {
	return ReportInput{ID: "5B2E9B7E-8A55-4D2C-9A5E-1C3F5E0E0A01", Kind: KindHazard, Category: "E0601", Severity: 3,
		Description: "3号楼楼道电动车飞线充电", Point: [2]float64{117.15, 39.11}, CRS: "GCJ02",
		ObservedAt: now.Add(-2 * time.Hour), Reporter: "王伟",
		Attachments: []Attachment{{Name: "IMG_0001.jpg", Type: "image/jpeg", Size: 123456,
			Checksum: "sha256:" + strings.Repeat("ab", 32)}}}
}

func TestReportInputValidate(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	nan := math.NaN()
	cases := []struct {
		name   string
		change func(*ReportInput)
		field  string
	}{
		{"valid", func(*ReportInput) {}, ""},
		{"1 MB description", func(in *ReportInput) { in.Description = strings.Repeat("隐", 1<<20/3) }, "description"},
		{"invalid UTF-8", func(in *ReportInput) { in.Description = "bad \xc3\x28 bytes" }, "description"},
		{"NUL in text", func(in *ReportInput) { in.Description = "a\x00b" }, "description"},
		{"unknown category", func(in *ReportInput) { in.Category = "X9999" }, "category"},
		{"category of another kind", func(in *ReportInput) { in.Category = "P0101" }, "category"},
		{"severity 9", func(in *ReportInput) { in.Severity = 9 }, "severity"},
		{"severity 0", func(in *ReportInput) { in.Severity = 0 }, "severity"},
		{"observed in 2099", func(in *ReportInput) { in.ObservedAt = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC) }, "observed_at"},
		{"observed by a reset clock", func(in *ReportInput) { in.ObservedAt = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC) }, "observed_at"},
		{"not a UUID", func(in *ReportInput) { in.ID = "report-1" }, "id"},
		{"unknown kind", func(in *ReportInput) { in.Kind = "complaint" }, "kind"},
		{"latitude and longitude swapped", func(in *ReportInput) { in.Point = [2]float64{39.11, 117.15} }, "point"},
		{"NaN coordinate", func(in *ReportInput) { in.Point[0] = nan }, "point"},
		{"BD-09 off the earth once converted", func(in *ReportInput) { in.Point, in.CRS = [2]float64{-180, -90}, geo.BD09 }, "point"},
		{"unknown crs", func(in *ReportInput) { in.CRS = "mars" }, "crs"},
		{"NaN accuracy", func(in *ReportInput) { in.AccuracyM = &nan }, "accuracy_m"},
		{"no reporter", func(in *ReportInput) { in.Reporter = " " }, "reporter"},
		{"reporter too long", func(in *ReportInput) { in.Reporter = strings.Repeat("x", 65) }, "reporter"},
		{"attachment without checksum", func(in *ReportInput) { in.Attachments[0].Checksum = "" }, "attachments[0]"},
		{"attachment by md5", func(in *ReportInput) { in.Attachments[0].Checksum = "md5:" + strings.Repeat("0", 32) }, "attachments[0]"},
		{"attachment not looked up", func(in *ReportInput) { in.Attachments[0].Size = 0 }, "attachments[0]"},
		{"attachment twice", func(in *ReportInput) { in.Attachments = append(in.Attachments, in.Attachments[0]) }, "attachments[1]"},
		{"attachment name with NUL", func(in *ReportInput) { in.Attachments[0].Name = "a\x00.jpg" }, "attachments[0].name"},
		{"too many attachments", func(in *ReportInput) { in.Attachments = make([]Attachment, 21) }, "attachments"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := validInput(now)
			c.change(&in)
			err := in.Validate(now)
			var ge *geo.Error
			switch {
			case c.field == "" && err != nil:
				t.Fatal(err)
			case c.field != "" && (!errors.As(err, &ge) || ge.Field != c.field || ge.Code != geo.EINVALID):
				t.Fatalf("err %v; want EINVALID naming %q", err, c.field)
			case c.field != "" && len(ge.Message) > 300:
				t.Errorf("the message echoes too much input: %d bytes", len(ge.Message))
			}
		})
	}
	t.Run("normalised", func(t *testing.T) {
		in := validInput(now)
		if err := in.Validate(now); err != nil {
			t.Fatal(err)
		}
		if in.ID != strings.ToLower(in.ID) || in.CRS != geo.GCJ02 || in.ObservedAt.Location() != time.UTC {
			t.Errorf("%+v", in)
		}
	})
}

func TestFingerprint(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	a, b := validInput(now), validInput(now)
	b.ObservedAt = a.ObservedAt.In(geo.ChinaTime) // the same instant written in +08:00
	b.ID = strings.ToLower(b.ID)
	_ = a.Validate(now)
	_ = b.Validate(now)
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("the same report in two spellings has two fingerprints")
	}
	b.Description += "!"
	if a.Fingerprint() == b.Fingerprint() {
		t.Error("different content, same fingerprint")
	}
}

func TestNewReportFlagsAndLanding(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	comm := &geo.Ref{Code: "120110003021", Name: "百合春天社区"}
	cases := []struct {
		name      string
		res       geo.Resolution
		flags     []string
		level     geo.Level
		code, err string
	}{
		{"enclave", geo.Resolution{Status: geo.StatusEnclave, Responsible: &geo.LevelRef{Level: geo.Community, Code: comm.Code, Name: comm.Name},
			Chain:   geo.Chain{Community: comm, Street: &geo.Ref{Code: "120110003"}, District: &geo.Ref{Code: "120110"}},
			Enclave: &geo.EnclaveRef{Code: "E120110001", Status: geo.EnclaveCustodial}}, []string{FlagEnclave}, geo.Community, comm.Code, ""},
		{"unmanaged gap", geo.Resolution{Status: geo.StatusUnmanaged, Chain: geo.Chain{Community: comm, Street: &geo.Ref{Code: "120110003"},
			District: &geo.Ref{Code: "120110"}}}, []string{FlagUnmanaged}, geo.Community, comm.Code, ""},
		{"overlap", geo.Resolution{Status: geo.StatusManaged, Chain: geo.Chain{Grid: &geo.Ref{Code: "120110003021001"}, Community: comm},
			Conflicts: []geo.LevelRef{{Level: geo.Grid, Code: "120110003021002"}}}, []string{FlagOverlap}, geo.Grid, "120110003021001", ""},
		{"enclave nobody took over", geo.Resolution{Status: geo.StatusEnclave, Chain: geo.Chain{Community: comm},
			Enclave: &geo.EnclaveRef{Status: geo.EnclaveUnmanaged}}, []string{FlagUnmanaged, FlagEnclave}, geo.Community, comm.Code, ""},
		{"in the sea", geo.Resolution{Status: geo.StatusOutside}, nil, "", "", "point"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := validInput(now)
			in.Severity = 1
			if err := in.Validate(now); err != nil {
				t.Fatal(err)
			}
			r, err := NewReport(in, c.res, DefaultPolicy(), now)
			if c.err != "" {
				var ge *geo.Error
				if !errors.As(err, &ge) || ge.Field != c.err {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err != nil || strings.Join(r.Flags, ",") != strings.Join(c.flags, ",") || r.Level != c.level || r.AssignedCode != c.code {
				t.Fatalf("flags %v, at %s %s (%v)", r.Flags, r.Level, r.AssignedCode, err)
			}
			if r.State != StateReported || len(r.History) != 1 || r.DueAt == nil || r.Resolution.Conflicts == nil {
				t.Errorf("report %+v", r)
			}
			if b, _ := json.Marshal(r.Resolution); !strings.Contains(string(b), `"conflicts":[`) {
				t.Errorf("stored resolution has no conflicts list: %s", b)
			}
		})
	}
}

func TestStatDeltas(t *testing.T) {
	now := time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC) // 04:00 the next day in China
	r := caseFixture(now)
	d := StatDeltas(nil, r)
	if len(d) != 1 || d[0].N != 1 || d[0].State != StateReported || !d[0].Day.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("new report: %+v", d)
	}
	before := *r
	_, _ = r.Apply(TransitionRequest{Action: ActionAccept, Actor: "a"}, DefaultPolicy(), now)
	d = StatDeltas(&before, r)
	if len(d) != 2 || d[0].N != -1 || d[0].State != StateReported || d[1].N != 1 || d[1].State != StateAccepted {
		t.Fatalf("accepted: %+v", d)
	}
	before = *r
	_, _ = DefaultPolicy().Escalate(r, "x", now.Add(100*time.Hour))
	if d := StatDeltas(&before, r); len(d) != 0 {
		t.Errorf("an escalation changed the statistics: %+v", d)
	}
}
