package casework

import (
	"strings"
	"testing"
	"unicode"
)

// TestCategoryEnglishNames: every category of the built-in list has an
// English name, an English class name and an English type name, written in
// English (no Chinese left in them), and no two subclasses share one.
func TestCategoryEnglishNames(t *testing.T) {
	seen := map[string]string{}
	for _, c := range Categories.All() {
		t.Run(c.Code, func(t *testing.T) {
			for field, name := range map[string]string{"name_en": c.NameEn, "class_name_en": c.ClassNameEn, "type_name_en": c.TypeNameEn} {
				if strings.TrimSpace(name) == "" || name != strings.TrimSpace(name) {
					t.Errorf("%s %q of %s", field, name, c.FullName())
				}
				if strings.ContainsFunc(name, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
					t.Errorf("%s %q of %s is not English", field, name, c.FullName())
				}
			}
			if other, dup := seen[strings.ToLower(c.NameEn)]; dup {
				t.Errorf("%s and %s are both %q in English", other, c.Code, c.NameEn)
			}
			seen[strings.ToLower(c.NameEn)] = c.Code
		})
	}
	for _, c := range []struct{ code, name, class, typ string }{
		{"C0111", "Street lamp", "Public utilities", "Component"},
		{"C0101", "Water supply manhole cover", "Public utilities", "Component"},
		{"E0506", "Blocked fire lane", "Street order", "Event"},
		{"P0101", "Routine patrol", "Grid patrol", "Patrol"},
	} {
		t.Run("known "+c.code, func(t *testing.T) {
			got, ok := Categories.Lookup(c.code)
			if !ok || got.NameEn != c.name || got.ClassNameEn != c.class || got.TypeNameEn != c.typ {
				t.Errorf("%s = %q/%q/%q, want %q/%q/%q", c.code, got.TypeNameEn, got.ClassNameEn, got.NameEn, c.typ, c.class, c.name)
			}
		})
	}
}

// TestParseCategoriesNeedsEnglishNames: a list that leaves out an English
// name — of a type, a class or a subclass — is refused whole, as the other
// mistakes of the file are, and the error says which name is missing.
func TestParseCategoriesNeedsEnglishNames(t *testing.T) {
	const (
		typeOK  = `{"prefix":"C","type":"component","name":"部件","name_en":"Component","kinds":["hazard"]}`
		classOK = `{"code":"C01","name":"公用设施","name_en":"Public utilities","subclasses":[["11","路灯","Street lamp"]]}`
	)
	file := func(typ, class string) string { return `{"types":[` + typ + `],"classes":[` + class + `]}` }
	cases := []struct {
		name, data, want string // want: in the error ("" for none)
	}{
		{"complete", file(typeOK, classOK), ""},
		{"type without name_en", file(`{"prefix":"C","type":"component","name":"部件","kinds":["hazard"]}`, classOK),
			`type "component" (prefix "C") has no English name`},
		{"type with a blank name_en", file(`{"prefix":"C","type":"component","name":"部件","name_en":" ","kinds":["hazard"]}`, classOK),
			`type "component" (prefix "C") has no English name`},
		{"class without name_en", file(typeOK, `{"code":"C01","name":"公用设施","subclasses":[["11","路灯","Street lamp"]]}`),
			"class C01 (公用设施) has no English name"},
		{"subclass without its English name", file(typeOK, `{"code":"C01","name":"公用设施","name_en":"Public utilities","subclasses":[["11","路灯"]]}`),
			`subclass ["11" "路灯"] in class C01 is not [code, name, English name]`},
		{"subclass with an empty English name", file(typeOK, `{"code":"C01","name":"公用设施","name_en":"Public utilities","subclasses":[["11","路灯",""]]}`),
			"subclass C0111 (路灯) has no English name"},
		{"subclass with a blank English name", file(typeOK, `{"code":"C01","name":"公用设施","name_en":"Public utilities","subclasses":[["11","路灯","  "]]}`),
			"subclass C0111 (路灯) has no English name"},
		{"subclass with a fourth member", file(typeOK, `{"code":"C01","name":"公用设施","name_en":"Public utilities","subclasses":[["11","路灯","Street lamp","x"]]}`),
			"is not [code, name, English name]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := ParseCategories([]byte(c.data))
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				got, _ := l.Lookup("C0111")
				if got.NameEn != "Street lamp" || got.ClassNameEn != "Public utilities" || got.TypeNameEn != "Component" || got.Name != "路灯" {
					t.Errorf("C0111 = %+v", got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want one saying %q", err, c.want)
			}
		})
	}
}
