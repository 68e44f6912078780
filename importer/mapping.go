package importer

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

// Field mapping turns a feature's attributes into a unit's code, name,
// parent, level and properties, and checks everything that needs no
// database: codes that are not codes or do not fit their level, missing
// names, a parent that contradicts the code, duplicate codes.

// fieldGuesses are the attribute names GIS staff use, tried in order when
// no field is named; matching ignores case. A parent may be given by name
// (上级名称: 新华路社区), looked up among the units of the level above
// (seq.go, check.go).
var fieldGuesses = map[string][]string{
	"code":   {"code", "unit_code", "grid_code", "gridcode", "wgbm", "wgdm", "wgbh", "bm", "dm", "adcode", "xzqdm", "编码", "代码", "网格编码", "网格代码", "区划代码", "行政区划代码"},
	"name":   {"name", "unit_name", "grid_name", "wgmc", "mc", "xzqmc", "名称", "网格名称", "区划名称"},
	"parent": {"parent_code", "parent", "pcode", "sjdm", "sjbm", "上级编码", "上级代码", "所属社区编码", "parent_name", "上级名称"},
	"level":  {"level", "jb", "cj", "级别", "层级"},
}

// parentGuessesOf are the parent columns whose names say the parent's
// level (所属社区 names a community), tried after fieldGuesses' only for
// the level below it: a grid file often has its street's code beside its
// community's name, and a microgrid's 所属社区 is no parent of it.
var parentGuessesOf = map[geo.Level][]string{
	geo.Community: {"所属街道编码", "所属街道", "所属乡镇"},
	geo.Grid:      {"所属社区", "所属村居"},
}

// levelWords maps level values found in files to levels.
var levelWords = map[string]geo.Level{
	"district": geo.District, "区": geo.District, "县": geo.District, "区县": geo.District, "0": geo.District,
	"street": geo.Street, "街道": geo.Street, "乡镇": geo.Street, "镇": geo.Street, "乡": geo.Street, "1": geo.Street,
	"community": geo.Community, "社区": geo.Community, "村": geo.Community, "村居": geo.Community, "2": geo.Community,
	"grid": geo.Grid, "网格": geo.Grid, "3": geo.Grid,
	"microgrid": geo.MicroGrid, "微网格": geo.MicroGrid, "4": geo.MicroGrid,
}

// row is a feature ready for staging.
type row struct {
	idx    int
	code   string
	name   string
	level  geo.Level
	parent string // "" for districts, and for local codes until placed
	seq    string // a local code (3 digits) whose parent is found spatially; "" otherwise
	// parentName is the parent as the file names it, when it gives a name
	// rather than a code: a local code is placed in a unit of that name,
	// and a full code's parent is checked against it.
	parentName string
	props      map[string]any
	wkb        []byte    // nil when the geometry is unusable
	bound      orb.Bound // of the geometry as read, for the range check
	// An enclave's managing unit (a code or a unit's name), status and reason.
	managing, status, note string
}

// mapper applies the field mapping and the database-free checks.
type mapper struct {
	fields geo.FieldMap
	level  geo.Level
	seen   map[string]int // code → index of its first feature
	report *geo.ImportReport
	named  map[string]bool // explicitly named fields, checked once
	offset geo.CRS         // GCJ02 or BD09 to undo in Go, else ""
	within string          // codes must start with this (the uploader's scope)
	// enclaves maps enclaves, not units (enclave_map.go); statusDefaulted
	// says the file-level warning about a missing status has been given.
	enclaves, statusDefaulted bool
	renamed                   map[string]bool // attributes kept under gridmap's name for them, told once
}

func newMapper(opts geo.ImportOptions, rep *geo.ImportReport) *mapper {
	return &mapper{fields: opts.Fields, level: opts.Level, seen: map[string]int{}, report: rep, within: opts.Within,
		enclaves: opts.Enclaves()}
}

// checkNamed makes sure explicitly named fields exist, on the first
// feature that has attributes: a typo must not make every feature fail.
func (m *mapper) checkNamed(attrs map[string]any) error {
	if m.named != nil || attrs == nil {
		return nil
	}
	m.named = map[string]bool{}
	for _, name := range []string{m.fields.Code, m.fields.Name, m.fields.Parent, m.fields.Level, m.fields.Managing, m.fields.Status, m.fields.Reason} {
		if name == "" {
			continue
		}
		if _, ok := lookupAttr(attrs, name); !ok {
			return geo.Invalid("fields", "the file has no attribute %q; it has %s", clipText(name, 40), attrNames(attrs))
		}
		m.named[name] = true
	}
	return nil
}

// lookupAttr finds an attribute by name, ignoring case.
func lookupAttr(attrs map[string]any, name string) (string, bool) {
	if _, ok := attrs[name]; ok {
		return name, true
	}
	for k := range attrs {
		if strings.EqualFold(k, name) {
			return k, true
		}
	}
	return "", false
}

func attrNames(attrs map[string]any) string {
	names := make([]string, 0, len(attrs))
	for k := range attrs {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "no attributes"
	}
	return strings.Join(names, ", ")
}

// field returns the attribute key for a role: the named one or a guess.
func (m *mapper) field(attrs map[string]any, role, named string) string {
	return attrKey(attrs, fieldGuesses[role], named)
}

// attrKey returns the attribute key of the named field, or of the first
// guess the attributes have ("" for none).
func attrKey(attrs map[string]any, guesses []string, named string) string {
	if named != "" {
		k, _ := lookupAttr(attrs, named)
		return k
	}
	for _, g := range guesses {
		if k, ok := lookupAttr(attrs, g); ok {
			return k
		}
	}
	return ""
}

// scalar renders an attribute value as text: codes may be stored as
// numbers (a .dbf N field, a JSON number).
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x), true
	case json.Number:
		s := x.String()
		if i := strings.IndexByte(s, '.'); i >= 0 && strings.Trim(s[i+1:], "0") == "" {
			s = s[:i] // 120104.0, as some tools store integer codes
		}
		return s, true
	case nil:
		return "", true
	}
	return fmt.Sprint(v), false
}
