package importer

import (
	"fmt"
	"strings"

	"github.com/gridmap-dev/gridmap/geo"
)

// propertyNames are the attribute names GIS staff give the properties
// gridmap reads by name, lower-cased: a unit's counts (geo.CountProperties,
// shared out by splits and added up by merges), its grid worker and phone
// (the phone is hidden from anonymous readers by name as well as by its
// digits). A file's 户数 column became a property of its own beside the
// stored households, and the unit panel went on showing the old count (a
// newcomer's walkthrough).
var propertyNames = map[string]string{
	"户数": geo.HouseholdsProperty, "总户数": geo.HouseholdsProperty, "户籍户数": geo.HouseholdsProperty, "hs": geo.HouseholdsProperty,
	"人口": geo.PopulationProperty, "人口数": geo.PopulationProperty, "总人口": geo.PopulationProperty, "常住人口": geo.PopulationProperty,
	"rk":  geo.PopulationProperty,
	"网格员": "grid_worker", "网格员姓名": "grid_worker", "专职网格员": "grid_worker", "wgy": "grid_worker",
	"电话": "phone", "联系电话": "phone", "手机": "phone", "手机号": "phone", "网格员电话": "phone", "lxdh": "phone",
}

// propertyName is the name a file's attribute is kept under: gridmap's own
// for a known spelling, unless the file has gridmap's name as well (then
// both are kept as they are).
func propertyName(attr string, attrs map[string]any) string {
	name, ok := propertyNames[strings.ToLower(attr)]
	if !ok {
		return attr
	}
	if _, both := attrs[name]; both {
		return attr
	}
	return name
}

// noteRenamed tells, once an import, each attribute kept under gridmap's
// name for it.
func (m *mapper) noteRenamed(attr, name string) {
	if m.renamed == nil {
		m.renamed = map[string]bool{}
	}
	if m.renamed[attr] {
		return
	}
	m.renamed[attr] = true
	m.report.Add(geo.ImportIssue{Index: -1, Severity: geo.SeverityNote, Kind: geo.IssuePropertyNamed,
		Message: fmt.Sprintf("the column %s is kept as the property %s, the name the units' panels, counts and privacy rules read", attr, name)})
}
