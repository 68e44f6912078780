package access

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
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
		"contact_tel": true, "联系电话": true, "联系号码": true, "手机号": true, "contact": true, "微信": true, "worker_contact": true,
		"WeChat": true, "hotel": false, "households": false, "grid_worker": false, "name": false, "门牌号码": false,
		"contacts_count": false, "联系单位": false} {
		if IsPhoneKey(k) != want {
			t.Errorf("IsPhoneKey(%q) = %v", k, !want)
		}
	}
}

// TestPropertiesWithoutPhones: a property goes whole when its name says
// phone, or when its value holds a number at any depth (a review found
// nested ones and numbers under other names served to anonymous callers).
func TestPropertiesWithoutPhones(t *testing.T) {
	for _, tc := range []struct {
		name  string
		props map[string]any
		kept  []string
	}{
		{"named phone", map[string]any{"households": 433, "phone": "13800000000", "联系电话": "022-1"}, []string{"households"}},
		{"nested under a phone name", map[string]any{"worker": map[string]any{"name": "赵六", "phone": "1"}, "area": 2.5},
			[]string{"area"}},
		{"a mobile number in a value", map[string]any{"网格员": "赵六 13955555555", "grid": "120104001001001"}, []string{"grid"}},
		{"a mobile number with 86", map[string]any{"note": "+8613955555555"}, nil},
		{"a landline with its area code", map[string]any{"值班": "022-23456789"}, nil},
		{"a number deep in a list", map[string]any{"workers": []any{map[string]any{"n": []any{"x", "15912345678"}}}, "k": 1},
			[]string{"k"}},
		{"codes and counts are not numbers to hide", map[string]any{"code": "120104001001001", "households": "13955555",
			"built": "2019-03-01", "id": "139555555551"}, []string{"built", "code", "households", "id"}},
		// A second review: numbers stored as numbers, grouped digits, a
		// bracketed area code; and names and fractions that are not phones.
		{"a mobile number stored as a number", map[string]any{"值班": 13955555555.0, "households": 433.0}, []string{"households"}},
		// Stored properties are read with their numbers as literals.
		{"a mobile number read as its literal", map[string]any{"值班": json.Number("13955555555"), "alt": json.Number("1.3955555555e10"),
			"owner_id": json.Number("120104199001011234"), "households": json.Number("433")}, []string{"households", "owner_id"}},
		{"grouped digits", map[string]any{"a": "139-5555-5555", "b": "139 5555 5555", "k": 1}, []string{"k"}},
		{"a bracketed area code", map[string]any{"a": "(022)23456789", "b": "02223456789", "k": 1}, []string{"k"}},
		{"not phones", map[string]any{"contacts_count": 3.0, "联系单位": "南开区城管委", "lat": "39.13955555555",
			"area": 5234.15123456789, "hotel": "x"}, []string{"area", "contacts_count", "hotel", "lat", "联系单位"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			input := maps.Clone(tc.props)
			got := ExposeNone.Properties(tc.props)
			if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, tc.kept) {
				t.Errorf("kept %v, want %v", keys, tc.kept)
			}
			if !reflect.DeepEqual(tc.props, input) {
				t.Errorf("the stored properties changed: %v", tc.props)
			}
			if got := ExposeAll.Properties(tc.props); !reflect.DeepEqual(got, input) {
				t.Errorf("all shown: %v", got)
			}
		})
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
