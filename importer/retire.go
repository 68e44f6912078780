package importer

import (
	"github.com/gridmap-dev/gridmap/geo"
)

// Retiring with --retire-missing closes every current unit of the file's
// levels (enclaves: every current enclave) that the file does not have.
// Without a scope that reaches the whole database: a street's grids
// imported that way would retire the grids of every other street and
// district. So it needs a scope — a unit code, or ScopeAll to mean the
// whole database on purpose — and a dry run names what it would retire.

// ScopeAll is the scope that lets --retire-missing retire across the
// whole database: the file holds everything there should be.
const ScopeAll = "all"

// prepare fills the defaults of opts and checks them, as Validate does and
// for a scope with --retire-missing. The options it returns keep ScopeAll
// as given (the job records it); runScope gives the run's.
func prepare(o geo.ImportOptions) (geo.ImportOptions, error) {
	o = withDefaults(o)
	v := o
	if o.Scope == ScopeAll {
		switch {
		case !o.RetireMissing:
			return o, geo.Invalid("scope", "a scope only limits retiring (--retire-missing, the upload field retire_missing); set that too")
		case o.Within != "":
			return o, geo.Invalid("scope", "retiring is limited to %s, the scope of this token; it cannot retire everywhere", o.Within)
		}
		v.Scope = ""
	}
	if err := v.Validate(); err != nil {
		return o, err
	}
	if o.RetireMissing && o.Scope == "" {
		return o, geo.Invalid("scope", "retiring (--retire-missing, the upload field retire_missing) without a scope would retire every current unit "+
			"of the file's levels that the file lacks in the whole database, other districts' too: give the code of the area "+
			"the file covers (--scope 120104, the field scope), or all (--scope all) if the file holds everything; a dry run lists what would be retired")
	}
	return o, nil
}

// CheckOptions checks import options as an import does before it reads
// the file, so that a command line can refuse them at once.
func CheckOptions(o geo.ImportOptions) error {
	_, err := prepare(o)
	return err
}

// runScope is the code prefix retiring is limited to: "" for all.
func runScope(o geo.ImportOptions) string {
	if o.Scope == ScopeAll {
		return ""
	}
	return o.Scope
}

// Retired names a unit (or enclave) an import retired, or would retire.
type Retired = geo.RetiredUnit

// retiring records the units the import retires in its report, up to
// geo.MaxReportIssues of them (the count has them all).
func (r *run) retiring(units []Retired) {
	room := max(0, geo.MaxReportIssues-len(r.report.RetiredUnits))
	r.report.RetiredUnits = append(r.report.RetiredUnits, units[:min(len(units), room)]...)
}
