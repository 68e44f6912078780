package importer

import (
	"github.com/gridmap-dev/gridmap/geo"
)

// Field mapping of an enclave list: code, name, managing unit, status,
// reason and the other attributes kept in properties, with the field names
// guessed from what Chinese and English enclave tables call them. The
// managing unit may be a code or a unit's name; names are looked up among
// the current units once the features are staged (enclave_check.go).

// enclaveGuesses are tried in order when no field is named; matching
// ignores case. A table made by "gridmap export --level enclave" uses the
// first name of each list.
var enclaveGuesses = map[string][]string{
	"code": {"code", "enclave_code", "fdbm", "fddm", "飞地编码", "飞地代码", "飞地编号", "编码", "代码", "编号", "bm", "dm", "bh"},
	"name": {"name", "enclave_name", "fdmc", "飞地名称", "名称", "地块名称", "mc"},
	"managing": {"managing_code", "managing", "manager_code", "glbm", "gldwbm", "tgdwbm", "管理单位编码", "管理单位代码",
		"托管单位编码", "托管单位代码", "代管单位编码", "管理单位", "托管单位", "代管单位", "管辖单位", "管理社区", "tgdw"},
	"status": {"status", "zt", "glzt", "状态", "管理状态", "托管状态"},
	"reason": {"reason", "cause", "yy", "cy", "原因", "成因", "形成原因", "飞地成因"},
}

// enclaveKeys finds the attribute of each enclave field: the named one, or
// the first guess the feature has.
func (m *mapper) enclaveKeys(attrs map[string]any) (keys struct{ code, name, managing, status, reason string }) {
	if attrs == nil {
		return keys
	}
	find := func(role, named string) string { return attrKey(attrs, enclaveGuesses[role], named) }
	keys.code, keys.name = find("code", m.fields.Code), find("name", m.fields.Name)
	keys.managing, keys.status = find("managing", m.fields.Managing), find("status", m.fields.Status)
	keys.reason = find("reason", m.fields.Reason)
	return keys
}

// enclaveFeature maps and checks one enclave, as feature does a unit.
func (m *mapper) enclaveFeature(f Feature) (row, bool) {
	r := row{idx: f.Index, level: geo.LevelEnclave}
	keys := m.enclaveKeys(f.Attrs)
	issue := func(kind geo.IssueKind, sev geo.Severity, format string, args ...any) {
		m.report.Add(geo.ImportIssue{Index: f.Index, Code: r.code, Severity: sev, Kind: kind, Message: sprintf(format, args...)})
	}
	if f.Err != nil && f.Attrs == nil {
		issue(f.Err.Kind, geo.SeverityError, "%s", f.Err.Msg)
		return r, false
	}
	if !m.enclaveCode(&r, f.Attrs[keys.code], keys.code, issue) || !m.unique(&r, f.Index, issue) {
		return r, false
	}
	if f.Err == nil || f.Err.Attr != keys.name { // an unreadable name is reported with the geometry
		m.setName(&r, f.Attrs[keys.name], keys.name, issue)
	}
	if !m.setManaging(&r, f.Attrs[keys.managing], keys.managing, issue) || !m.setStatus(&r, f.Attrs[keys.status], keys.status, issue) {
		return r, false
	}
	r.note, _ = scalar(f.Attrs[keys.reason])
	if !storableText(geo.ValidateText("reason", r.note, geo.MaxEnclaveReason), "reason", keys.reason, issue) {
		r.note = "" // staged without it, as a unit with a bad name is
	}
	r.props = m.kept(f, keys.code, keys.name, keys.managing, keys.status, keys.reason)
	if !checkProps(r.props, issue) {
		return r, false
	}
	m.geometry(&r, f)
	return r, true
}

func (m *mapper) enclaveCode(r *row, v any, key string, issue func(geo.IssueKind, geo.Severity, string, ...any)) bool {
	code, ok := scalar(v)
	r.code = code
	switch {
	case key == "":
		issue(geo.IssueMissingField, geo.SeverityError, "no enclave code attribute (tried %s); name it with the code field option", guessList(enclaveGuesses["code"]))
		return false
	case !ok || code == "":
		issue(geo.IssueMissingField, geo.SeverityError, "the enclave code (%s) is empty", key)
		return false
	}
	if err := geo.ValidateEnclaveCode("code", code); err != nil {
		r.code = clipText(code, 30)
		issue(geo.IssueBadCode, geo.SeverityError, "%s", errMessage(err))
		return false
	}
	return true
}

// setManaging takes the managing unit as the file gives it: a unit code,
// or a unit's name to be looked up once staged.
func (m *mapper) setManaging(r *row, v any, key string, issue func(geo.IssueKind, geo.Severity, string, ...any)) bool {
	r.managing, _ = scalar(v)
	// No unit's code or name holds a control character; a NUL would fail the staging.
	nameErr := geo.ValidateName("managing", r.managing, geo.MaxUnitName, false)
	switch {
	case key == "":
		issue(geo.IssueUnknownManaging, geo.SeverityError, "no managing unit attribute (tried %s); name it with the managing field option", guessList(enclaveGuesses["managing"]))
	case r.managing == "":
		issue(geo.IssueUnknownManaging, geo.SeverityError, "the managing unit (%s) is empty", key)
	case len(r.managing) > 200:
		issue(geo.IssueUnknownManaging, geo.SeverityError, "the managing unit %q… is too long to be a unit's code or name", clipText(r.managing, 30))
	case nameErr != nil:
		issue(geo.IssueUnknownManaging, geo.SeverityError, "the managing unit (%s) is no unit's code or name: %s", key, errMessage(nameErr))
	default:
		return true
	}
	return false
}

// setStatus reads the status word; a file without a status attribute
// imports every enclave as custodial (代管), the usual case, and says so once.
func (m *mapper) setStatus(r *row, v any, key string, issue func(geo.IssueKind, geo.Severity, string, ...any)) bool {
	word, _ := scalar(v)
	if key == "" || word == "" {
		r.status = string(geo.EnclaveCustodial)
		if key == "" && !m.statusDefaulted {
			m.statusDefaulted = true
			m.report.Add(geo.ImportIssue{Index: -1, Severity: geo.SeverityWarning, Kind: geo.IssueMissingField,
				Message: "no status attribute (tried " + guessList(enclaveGuesses["status"]) + "): every enclave is imported as custodial (代管); name one with the status field option"})
		}
		return true
	}
	st, ok := geo.EnclaveStatusOfWord(word)
	if !ok {
		issue(geo.IssueBadStatus, geo.SeverityError, "status %q is not an enclave status: custodial (代管), transferred (属地化) or unmanaged (失管)", clipText(word, 20))
		return false
	}
	r.status = string(st)
	return true
}
