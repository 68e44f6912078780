package geo

import "strings"

// Enclaves come from files too: a city's enclave list (Tianjin's 南开区 alone
// counted more than 500) is a table GIS staff keep in their desktop tools,
// one polygon per enclave with the unit that manages it. "gridmap import
// --level enclave" reads it with the same readers, encodings and coordinate
// systems as units and commits it the same way; these are its pure parts.

// LevelEnclave is the import level that reads enclaves instead of units. It
// is not a unit level (Level.Valid is false): only ImportOptions take it.
const LevelEnclave Level = "enclave"

// The issue kinds only an enclave import reports.
const (
	// IssueUnknownManaging (error): the managing unit is not a current unit,
	// or a name that matches none or several.
	IssueUnknownManaging IssueKind = "unknown_managing_unit"
	// IssueOutsideDistricts (error when wholly outside, warning when it sticks
	// out): an enclave lies outside every district.
	IssueOutsideDistricts IssueKind = "outside_districts"
	// IssueNotEnclave (error): the managing unit is one of the units the
	// enclave lies in, so it answers for the land anyway: no enclave at all.
	IssueNotEnclave IssueKind = "not_an_enclave"
	// IssueBadStatus (error): the status is not a word for one of the statuses.
	IssueBadStatus IssueKind = "bad_status"
)

// Enclaves reports whether the options import enclaves.
func (o *ImportOptions) Enclaves() bool { return o.Level == LevelEnclave }

// enclaveStatusWords maps what files write for a status — the English
// names and the words of Chinese enclave lists — to the status.
var enclaveStatusWords = map[string]EnclaveStatus{
	"custodial": EnclaveCustodial, "代管": EnclaveCustodial, "托管": EnclaveCustodial, "委托管理": EnclaveCustodial,
	"transferred": EnclaveTransferred, "属地化": EnclaveTransferred, "已属地化": EnclaveTransferred,
	"属地管理": EnclaveTransferred, "移交": EnclaveTransferred, "已移交": EnclaveTransferred,
	"unmanaged": EnclaveUnmanaged, "失管": EnclaveUnmanaged, "无人管理": EnclaveUnmanaged,
	"未接管": EnclaveUnmanaged, "空白": EnclaveUnmanaged,
}

// EnclaveStatusOfWord reads a status as enclave lists write it: custodial,
// 代管 or 托管; transferred, 属地化 or 移交; unmanaged, 失管 or 未接管
// (surrounding spaces and the case of English words do not matter).
func EnclaveStatusOfWord(s string) (EnclaveStatus, bool) {
	st, ok := enclaveStatusWords[strings.ToLower(strings.TrimSpace(s))]
	return st, ok
}
