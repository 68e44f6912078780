package casework

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/gridmap-dev/gridmap/geo"
)

// The report categories live in one data file, data/categories.json, so a
// city can replace the list with its own 立结案标准 without touching code.
// Codes follow the national classification of urban-management components
// (部件) and events (事件) (CJ/T 214-2007 → GB/T 30428.2): 2 digits of class
// (大类) and 2 of subclass (小类). The two national lists reuse the same
// digits, so gridmap prefixes C (部件), E (事件) or P (巡查, patrol logs):
// C0111 is 公用设施/路灯, E0506 is 街面秩序/消防通道堵塞.

//go:embed data/categories.json
var categoriesJSON []byte

// CategoryType is the top of the classification: component, event or patrol.
type CategoryType string

// The category types.
const (
	CategoryComponent CategoryType = "component" // 部件: a thing (a manhole cover, a lamp post)
	CategoryEvent     CategoryType = "event"     // 事件: a happening (illegal building, blocked fire lane)
	CategoryPatrol    CategoryType = "patrol"    // 巡查: a patrol log, not a case
)

// Category is one subclass (小类) with its class (大类). Every name has an
// English one, for the apps' English mode.
type Category struct {
	Code        string       `json:"code"`          // e.g. C0111
	Name        string       `json:"name"`          // e.g. 路灯
	ClassCode   string       `json:"class_code"`    // e.g. C01
	ClassName   string       `json:"class_name"`    // e.g. 公用设施
	Type        CategoryType `json:"type"`          // component, event or patrol
	TypeName    string       `json:"type_name"`     // 部件, 事件 or 巡查
	Kinds       []ReportKind `json:"kinds"`         // the report kinds that may use it
	NameEn      string       `json:"name_en"`       // e.g. Street lamp
	ClassNameEn string       `json:"class_name_en"` // e.g. Public utilities
	TypeNameEn  string       `json:"type_name_en"`  // Component, Event or Patrol
}

// FullName is "部件/公用设施/路灯".
func (c Category) FullName() string { return c.TypeName + "/" + c.ClassName + "/" + c.Name }

// CategoryList is a loaded code list, in file order.
type CategoryList struct {
	all    []Category
	byCode map[string]int
}

var categoryCode = regexp.MustCompile(`^[A-Z][0-9]{4}$`)

type categoryTypeDecl struct {
	Prefix string       `json:"prefix"`
	Type   CategoryType `json:"type"`
	Name   string       `json:"name"`
	NameEn string       `json:"name_en"`
	Kinds  []ReportKind `json:"kinds"`
}

type categoryFile struct {
	Types   []categoryTypeDecl `json:"types"`
	Classes []struct {
		Code   string `json:"code"`
		Name   string `json:"name"`
		NameEn string `json:"name_en"`
		// [code, name, English name]: ["11", "路灯", "Street lamp"]
		Subclasses [][]string `json:"subclasses"`
	} `json:"classes"`
}

// ParseCategories reads a category file. Every code must be unique and well
// formed, every class must belong to a declared type, and every type, class
// and subclass must have a name and an English name: a broken list is
// refused whole rather than half-used.
func ParseCategories(data []byte) (*CategoryList, error) {
	var f categoryFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("category list: %w", err)
	}
	for _, t := range f.Types {
		if blank(t.NameEn) {
			return nil, fmt.Errorf("category list: type %q (prefix %q) has no English name (name_en)", t.Type, t.Prefix)
		}
	}
	l := &CategoryList{byCode: map[string]int{}}
	for _, cl := range f.Classes {
		ti := slices.IndexFunc(f.Types, func(t categoryTypeDecl) bool { return strings.HasPrefix(cl.Code, t.Prefix) })
		if ti < 0 || len(cl.Code) != 3 || cl.Name == "" {
			return nil, fmt.Errorf("category list: class %q has no declared type prefix or no name", cl.Code)
		}
		if blank(cl.NameEn) {
			return nil, fmt.Errorf("category list: class %s (%s) has no English name (name_en)", cl.Code, cl.Name)
		}
		t := f.Types[ti]
		for _, sc := range cl.Subclasses {
			if len(sc) != 3 {
				return nil, fmt.Errorf("category list: subclass %q in class %s is not [code, name, English name]", sc, cl.Code)
			}
			c := Category{Code: cl.Code + sc[0], Name: sc[1], ClassCode: cl.Code, ClassName: cl.Name,
				Type: t.Type, TypeName: t.Name, Kinds: t.Kinds, NameEn: sc[2], ClassNameEn: cl.NameEn, TypeNameEn: t.NameEn}
			if !categoryCode.MatchString(c.Code) || c.Name == "" {
				return nil, fmt.Errorf("category list: malformed subclass %q %q in class %s", sc[0], sc[1], cl.Code)
			}
			if blank(c.NameEn) {
				return nil, fmt.Errorf("category list: subclass %s (%s) has no English name", c.Code, c.Name)
			}
			if _, dup := l.byCode[c.Code]; dup {
				return nil, fmt.Errorf("category list: code %s appears twice", c.Code)
			}
			l.byCode[c.Code] = len(l.all)
			l.all = append(l.all, c)
		}
	}
	if len(l.all) == 0 {
		return nil, fmt.Errorf("category list: no categories")
	}
	return l, nil
}

// blank tells a name that says nothing (empty or only spaces).
func blank(name string) bool { return strings.TrimSpace(name) == "" }

// Categories is the built-in list (data/categories.json).
var Categories = mustCategories()

func mustCategories() *CategoryList {
	l, err := ParseCategories(categoriesJSON)
	if err != nil {
		panic(err) // embedded: a broken file is a build defect, caught by the tests
	}
	return l
}

// All returns every category in file order. The slice must not be modified.
func (l *CategoryList) All() []Category { return l.all }

// Lookup returns the category with code.
func (l *CategoryList) Lookup(code string) (Category, bool) {
	i, ok := l.byCode[code]
	if !ok {
		return Category{}, false
	}
	return l.all[i], true
}

// Check validates a category code for a report kind. The error names the
// field and, for a kind mismatch, says which prefix the kind takes.
func (l *CategoryList) Check(field, code string, kind ReportKind) (Category, error) {
	c, ok := l.Lookup(code)
	if !ok {
		return c, geo.Invalid(field, "unknown category %q; see GET /v1/categories for the code list (e.g. C0111 路灯, E0506 消防通道堵塞)", geo.ClipTo(code, 20))
	}
	if !slices.Contains(c.Kinds, kind) {
		return c, geo.Invalid(field, "category %s (%s) is a %s category and cannot be used for a %s report", c.Code, c.FullName(), c.Type, kind)
	}
	return c, nil
}
