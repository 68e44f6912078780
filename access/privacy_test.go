package access

import (
	"maps"
	"testing"
)

func TestParseExposure(t *testing.T) {
	for _, c := range []struct {
		in    string
		shows []Field
		ok    bool
	}{
		{"", nil, true}, {"none", nil, true}, {"all", Fields, true},
		{"phone", []Field{FieldPhone}, true}, {" phone, point ", []Field{FieldPhone, FieldPoint}, true},
		{"phone,email", nil, false}, {"reporters", nil, false},
	} {
		e, err := ParseExposure(c.in)
		if (err == nil) != c.ok {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		for _, f := range Fields {
			want := false
			for _, s := range c.shows {
				want = want || s == f
			}
			if c.ok && e.Shows(f) != want {
				t.Errorf("%q shows %s: %v, want %v", c.in, f, e.Shows(f), want)
			}
		}
	}
}

func TestPhoneKeys(t *testing.T) {
	for k, want := range map[string]bool{"phone": true, "grid_worker_phone": true, "Mobile": true, "tel": true,
		"contact_tel": true, "联系电话": true, "手机号": true, "hotel": false, "households": false, "grid_worker": false, "name": false} {
		if IsPhoneKey(k) != want {
			t.Errorf("IsPhoneKey(%q) = %v", k, !want)
		}
	}
	props := map[string]any{"households": 433, "phone": "13800000000", "联系电话": "022-1"}
	got := ExposeNone.Properties(props)
	if !maps.Equal(got, map[string]any{"households": 433}) || len(props) != 3 {
		t.Errorf("without phones: %v (input %v)", got, props)
	}
	if got := ExposeAll.Properties(props); len(got) != 3 {
		t.Errorf("all shown: %v", got)
	}
}

func TestExposureFor(t *testing.T) {
	street := Principal{Role: RoleViewer, Scope: "120104007"}
	city := Principal{Role: RoleViewer}
	for _, c := range []struct {
		name     string
		p        Principal
		signedIn bool
		codes    []string
		all      bool
	}{
		{"anonymous", Principal{}, false, []string{"120104007001003"}, false},
		{"scope covers", street, true, []string{"120104007001003"}, true},
		{"scope elsewhere", street, true, []string{"120104008001001"}, false},
		{"unscoped token", city, true, nil, true},
	} {
		if got := ExposeNone.For(c.p, c.signedIn, c.codes...).ShowsAll(); got != c.all {
			t.Errorf("%s: shows all %v, want %v", c.name, got, c.all)
		}
	}
	if c := Coarse(117.1530); c != 117.154 && c != 117.152 {
		t.Errorf("Coarse(117.1530) = %v", c)
	}
}
