package geo

import (
	"fmt"

	"github.com/paulmach/orb"
)

// Imports and single edits are checked by the same database functions (see
// migration 008); these are the words both use for what the checks find, so
// a boundary drawn in the dashboard and one imported from a shapefile are
// told the same thing.

// Issue words a finding of the coverage audit as a warning about the
// boundary it concerns. ours tells whether a code is one being written (a
// feature of the imported file, the edited boundary), so that an overlap is
// told from the side of the one written. Orphans are not reported this way:
// ok is false. Index is -1; the caller knows the feature's index.
func (f Finding) Issue(ours func(code string) bool) (is ImportIssue, ok bool) {
	is = ImportIssue{Index: -1, Severity: SeverityWarning, Location: f.Location, AreaM2: f.AreaM2}
	switch {
	case f.Kind == FindingGap:
		is.Code, is.Kind = f.ParentCode, IssueGap
		is.Message = fmt.Sprintf("%s of it is covered by none of its %s units (an unmanaged gap)", FormatArea(f.AreaM2), f.Level)
	case f.Kind == FindingOverlap && len(f.Codes) == 2:
		is.Code, is.Other, is.Kind = f.Codes[0], f.Codes[1], IssueOverlap
		if !ours(is.Code) {
			is.Code, is.Other = is.Other, is.Code
		}
		is.Message = fmt.Sprintf("overlaps its sibling %s by %s", is.Other, FormatArea(f.AreaM2))
		if p := ParentCode(is.Other); p != ParentCode(is.Code) {
			is.Message = fmt.Sprintf("overlaps %s %s of another parent, %s, by %s", unitWord(is.Other), is.Other, p, FormatArea(f.AreaM2))
		}
	case f.Kind == FindingOutside && (len(f.Codes) == 1 || len(f.Codes) == 2):
		is.Code, is.Other, is.Kind = f.Codes[0], f.ParentCode, IssueOutsideParent
		is.Message = fmt.Sprintf("sticks out of its parent %s by %s", f.ParentCode, FormatArea(f.AreaM2))
		if in := f.liesIn(); in != "" {
			is.LiesIn = in
			is.Message += fmt.Sprintf(", mostly into %s %s", unitWord(in), in)
		}
	default:
		return is, false
	}
	return is, true
}

// Explain says in a sentence what a finding of the audit means when its
// kind and codes alone do not: an overlap between units of different
// parents, or the unit an outside part lies in. It is "" otherwise.
func (f Finding) Explain() string {
	switch {
	case f.Kind == FindingOverlap && len(f.Codes) == 2:
		a, b := f.Codes[0], f.Codes[1]
		if pa, pb := ParentCode(a), ParentCode(b); pa != pb {
			return fmt.Sprintf("%s %s (under %s) and %s %s (under %s) overlap by %s across parents",
				unitWord(a), a, pa, unitWord(b), b, pb, FormatArea(f.AreaM2))
		}
	case f.Kind == FindingOutside && f.liesIn() != "":
		return fmt.Sprintf("%s %s sticks out of its parent %s by %s, mostly into %s %s",
			unitWord(f.Codes[0]), f.Codes[0], f.ParentCode, FormatArea(f.AreaM2), unitWord(f.liesIn()), f.liesIn())
	}
	return ""
}

// liesIn is the unit of the parent's level in which most of an outside
// part lies (the audit names it after the child), or "".
func (f Finding) liesIn() string {
	if f.Kind == FindingOutside && len(f.Codes) == 2 {
		return f.Codes[1]
	}
	return ""
}

// unitWord is the level of a code, for messages ("unit" for a malformed one).
func unitWord(code string) string {
	if l, err := LevelOfCode(code); err == nil {
		return string(l)
	}
	return "unit"
}

// Involves reports whether the finding is about code itself: code sticks
// out of its parent, overlaps another unit, or has a child sticking out of
// it. A gap under code, an overlap between two of its children, or a
// child of another parent sticking out into code is not.
func (f Finding) Involves(code string) bool {
	switch f.Kind {
	case FindingOutside:
		return f.ParentCode == code || (len(f.Codes) >= 1 && f.Codes[0] == code)
	case FindingOverlap:
		return len(f.Codes) == 2 && (f.Codes[0] == code || f.Codes[1] == code)
	}
	return false
}

// OverlapIssue words an overlap between two boundaries that no parent's
// audit compares (districts, enclaves; what names their kind): realM2 is the
// area of the pieces that are not slivers, sliverM2 of those that are. Only
// slivers make it a sliver issue.
func OverlapIssue(what, code, other string, realM2, sliverM2 float64, at *orb.Point) ImportIssue {
	is := ImportIssue{Index: -1, Code: code, Severity: SeverityWarning, Kind: IssueOverlap, Location: at, Other: other,
		AreaM2: realM2, Message: fmt.Sprintf("overlaps %s %s by %s", what, other, FormatArea(realM2))}
	if realM2 == 0 {
		is.Kind, is.AreaM2 = IssueSliver, sliverM2
		is.Message = fmt.Sprintf("hairline overlap with %s %s (%s in slivers)", what, other, FormatArea(sliverM2))
	}
	return is
}

// Count writes n nouns for messages: "1 sliver", "3 slivers" (noun is
// the singular; its plural takes an s).
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// FormatArea writes square metres for messages: km² from a square
// kilometre, whole m² from 10 m², hundredths below.
func FormatArea(m2 float64) string {
	switch {
	case m2 >= 1e6:
		return fmt.Sprintf("%.3f km²", m2/1e6)
	case m2 >= 10:
		return fmt.Sprintf("%.0f m²", m2)
	}
	return fmt.Sprintf("%.2f m²", m2)
}
