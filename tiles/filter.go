package tiles

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

// Filter narrows the report layers. Every field is whitelisted: categories
// come from the national code list, states and severities from closed
// sets, times parse as RFC 3339 or a date. The zero Filter selects all.
type Filter struct {
	Category []string // category codes (GB/T 30428.2 style, e.g. A0101)
	State    []string // workflow states
	Severity []int    // 1 to 4
	Since    time.Time
	Until    time.Time
	// Scope narrows the layers of cases (report, report_hex, patrol) to one
	// unit and those under it: a scoped caller's, set by the API and never
	// read from the query. "" is everywhere.
	Scope string
	// Privacy is set by the server for the caller, never from the query.
	Privacy Privacy
}

// Privacy says what the report and patrol layers leave out for a caller
// who may not see personal data: report points rounded to 0.002° (as
// access.Coarse does), patrol tracks drawn through the same grid (a track
// is a worker's exact whereabouts all day) and patrol workers' names —
// except for the features of the units under ExceptWithin, a signed-in
// caller's scope.
type Privacy struct {
	CoarsePoints bool
	HideNames    bool
	ExceptWithin string
}

// key is p's part of a filter's key: "" when nothing is left out.
func (p Privacy) key() string { return string(p.appendKey(nil)) }

// appendKey appends p's key to b (the tile cache's key is built without
// allocating).
func (p Privacy) appendKey(b []byte) []byte {
	if !p.CoarsePoints && !p.HideNames {
		return b
	}
	b = append(b, "|private:"...)
	b = strconv.AppendBool(b, p.CoarsePoints)
	b = append(b, ',')
	b = strconv.AppendBool(b, p.HideNames)
	b = append(b, ',')
	return append(b, p.ExceptWithin...)
}

// The filter parameter names, in the order of their SQL arguments.
const (
	FilterCategory = "category"
	FilterState    = "state"
	FilterSeverity = "severity"
	FilterSince    = "since"
	FilterUntil    = "until"
)

// filterNames lists the filters; other query parameters are refused, so a
// misspelt filter is an error rather than a silently unfiltered map.
var filterNames = []string{FilterCategory, FilterState, FilterSeverity, FilterSince, FilterUntil}

// ignoredParams are query parameters that are allowed but do not filter:
// "v" is the usual cache-busting version parameter of tile URLs, and
// "min_version" the oldest data version the tile may show (read by the API).
var ignoredParams = []string{"v", "min_version"}

// maxFilterValues bounds each list filter.
const maxFilterValues = 50

// openState is an alias for every state that still needs work.
const openState = "open"

// IsZero reports whether f selects everything.
func (f Filter) IsZero() bool {
	return len(f.Category) == 0 && len(f.State) == 0 && len(f.Severity) == 0 && f.Since.IsZero() && f.Until.IsZero() &&
		f.Scope == ""
}

// Key is a canonical text form of f: equal filters have equal keys, so the
// cache shares entries between differently ordered query strings.
func (f Filter) Key() string {
	if f.IsZero() {
		return f.Privacy.key()
	}
	return strings.Join([]string{strings.Join(f.Category, ","), strings.Join(f.State, ","),
		strings.Join(itoaAll(f.Severity), ","), timeKey(f.Since), timeKey(f.Until), f.Scope}, "|") + f.Privacy.key()
}

// Query returns f as URL query parameters (for TileJSON tile URLs).
func (f Filter) Query() url.Values {
	q := url.Values{}
	if len(f.Category) > 0 {
		q.Set(FilterCategory, strings.Join(f.Category, ","))
	}
	if len(f.State) > 0 {
		q.Set(FilterState, strings.Join(f.State, ","))
	}
	if len(f.Severity) > 0 {
		q.Set(FilterSeverity, strings.Join(itoaAll(f.Severity), ","))
	}
	if !f.Since.IsZero() {
		q.Set(FilterSince, f.Since.Format(time.RFC3339Nano))
	}
	if !f.Until.IsZero() {
		q.Set(FilterUntil, f.Until.Format(time.RFC3339Nano))
	}
	return q
}

func itoaAll(v []int) []string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return s
}

func timeKey(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixMicro(), 10)
}

// ParseFilter reads the filter parameters of q for the given layers. Unknown
// parameters, malformed values and filters that none of the layers accepts
// are EINVALID errors naming the parameter.
func ParseFilter(q url.Values, layers []*Layer) (Filter, error) {
	var f Filter
	for name := range q {
		if slices.Contains(ignoredParams, name) {
			continue
		}
		if !slices.Contains(filterNames, name) {
			return f, geo.Invalid(name, "unknown parameter %q; tiles take the filters %s", clip(name), strings.Join(filterNames, ", "))
		}
		if !slices.ContainsFunc(layers, func(l *Layer) bool { return l.accepts(name) }) {
			return f, geo.Invalid(name, "filter %q applies to none of the requested layers (%s)", name, strings.Join(names(layers), ","))
		}
		if len(q[name]) > 1 {
			return f, geo.Invalid(name, "give %s once, with values separated by commas", name)
		}
	}
	var err error
	if f.Category, err = parseCategories(q.Get(FilterCategory)); err != nil {
		return f, err
	}
	if f.State, err = parseStates(q.Get(FilterState)); err != nil {
		return f, err
	}
	if f.Severity, err = parseSeverities(q.Get(FilterSeverity)); err != nil {
		return f, err
	}
	return f, parseRange(&f, q.Get(FilterSince), q.Get(FilterUntil))
}

// splitList splits a comma-separated value into sorted, distinct, trimmed items.
func splitList(field, s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	items := strings.Split(s, ",")
	if len(items) > maxFilterValues {
		return nil, geo.Invalid(field, "at most %d values", maxFilterValues)
	}
	for i := range items {
		items[i] = strings.TrimSpace(items[i])
		if items[i] == "" {
			return nil, geo.Invalid(field, "empty value in %q", clip(s))
		}
	}
	slices.Sort(items)
	return slices.Compact(items), nil
}

func parseCategories(s string) ([]string, error) {
	codes, err := splitList(FilterCategory, s)
	if err != nil {
		return nil, err
	}
	for _, c := range codes {
		if _, ok := casework.Categories.Lookup(c); !ok {
			return nil, geo.Invalid(FilterCategory, "unknown category %q; the codes are listed at /v1/categories", clip(c))
		}
	}
	return codes, nil
}

func parseStates(s string) ([]string, error) {
	names, err := splitList(FilterState, s)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		if n == openState {
			for _, st := range casework.States {
				if st.Open() {
					out = append(out, string(st))
				}
			}
			continue
		}
		st, err := casework.ParseState(FilterState, n)
		if err != nil {
			return nil, geo.Invalid(FilterState, "unknown state %q; want open or one of %s", clip(n), joinStates())
		}
		out = append(out, string(st))
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func joinStates() string {
	s := make([]string, len(casework.States))
	for i, st := range casework.States {
		s[i] = string(st)
	}
	return strings.Join(s, ", ")
}

func parseSeverities(s string) ([]int, error) {
	items, err := splitList(FilterSeverity, s)
	if err != nil || len(items) == 0 {
		return nil, err
	}
	out := make([]int, 0, len(items))
	for _, it := range items {
		n, err := strconv.Atoi(it)
		if err != nil || n < 1 || n > 4 {
			return nil, geo.Invalid(FilterSeverity, "severity is a whole number from 1 to 4, got %q", clip(it))
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func parseRange(f *Filter, since, until string) error {
	var err error
	if f.Since, err = geo.ParseTime(FilterSince, since); err != nil {
		return err
	}
	if f.Until, err = geo.ParseTime(FilterUntil, until); err != nil {
		return err
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return geo.Invalid(FilterUntil, "until must be after since")
	}
	return nil
}

// args returns the filters a layer takes as SQL arguments, from $5 on in
// the order of the layer's Filters: nil (SQL NULL) for a filter not given,
// so the statement's "$n IS NULL OR ..." skips it.
// args are the layer's filter arguments in order, then, for a layer that
// takes filters (the layers of cases), the scope, and last, for a layer
// with personal data, what the caller may not see and where it may.
func (f Filter) args(l *Layer) []any {
	out := make([]any, 0, len(l.Filters)+3)
	for _, name := range l.Filters {
		out = append(out, f.arg(name))
	}
	if len(l.Filters) > 0 {
		out = append(out, nilIfEmptyString(f.Scope))
	}
	switch l.personal {
	case personalPoints:
		out = append(out, f.Privacy.CoarsePoints, f.Privacy.ExceptWithin)
	case personalTracks:
		out = append(out, f.Privacy.HideNames, f.Privacy.ExceptWithin, f.Privacy.CoarsePoints)
	}
	return out
}

func nilIfEmptyString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (f Filter) arg(name string) any {
	switch name {
	case FilterCategory:
		return nilIfEmpty(f.Category)
	case FilterState:
		return nilIfEmpty(f.State)
	case FilterSeverity:
		return nilIfEmptyInts(f.Severity)
	case FilterSince:
		return nilIfZero(f.Since)
	case FilterUntil:
		return nilIfZero(f.Until)
	}
	panic("tiles: no filter " + name) // the layers name only known filters
}

func nilIfZero(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func nilIfEmpty(s []string) any {
	if len(s) == 0 {
		return nil
	}
	return s
}

func nilIfEmptyInts(s []int) any {
	if len(s) == 0 {
		return nil
	}
	return s
}
