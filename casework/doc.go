// Package casework holds gridmap's case work: reports a grid worker files
// (hazards, events, patrol logs) and where they land, the case workflow
// (立案 → 派遣 → 处置 → 核查 → 结案), deadlines and escalation up the
// responsible chain, the category code list, and patrol coverage. These are
// the rules of "who does what about a place"; which place belongs to whom is
// geo's, and casework imports geo one way for it (resolutions, levels,
// codes, coordinate systems).
//
// It does no input or output. Reports and patrols are stored by the
// PostgreSQL adapter (geo/postgres: reports*.go, report_*.go, patrols.go),
// which implements ReportStore and PatrolStore beside the boundary stores:
// one adapter per dependency, so a report, its history and its statistics
// delta are written in one transaction with one error classifier.
package casework
