package tiles

import "github.com/gridmap-dev/gridmap/geo/postgres"

// The layers of other features: the unmanaged gaps of the coverage audit
// (migration 004) and the reports and patrol tracks (migration 005). Each is
// served only when its table exists.
//
// A layer whose data do not bump a data_version (Versions empty) is drawn
// fresh on every request and never cached: without a version there is no
// way to know a cached tile is still true. Reports and patrols are such
// layers until their tables' triggers call gridmap_bump(ARRAY['report']) and
// gridmap_bump(ARRAY['patrol']); then listing "report"/"patrol" in Versions
// makes them cached like the boundaries.

// reportFields are the properties of report points.
var reportFields = map[string]string{
	"id":          "the report's UUID",
	"kind":        "hazard, event or patrol_log",
	"category":    "category code (GB/T 30428.2 style)",
	"severity":    "1 (简易) to 4 (重大)",
	"state":       "workflow state: reported, accepted, dispatched, handled, verified, closed, rejected, reopened",
	"status":      "how its point resolved: managed, unmanaged or enclave",
	"unit_code":   "the unit that answers for it",
	"level":       "the level now handling it",
	"observed_at": "when it was observed (RFC 3339)",
	"due_at":      "when an open case falls overdue (RFC 3339, UTC); absent once closed or rejected, and for a case with no time limit",
}

var extraLayers = []*Layer{
	{
		Name: "gap", Title: "失管 unmanaged gap", Geometry: Polygon, MinZoom: 11, MaxZoom: 22, Requires: "gap",
		Description: "unmanaged areas (失管/空白点): land of a unit that none of its children covers (coverage audit)",
		Fields: map[string]string{"parent_code": "the unit whose children leave the gap", "level": "level of the missing children",
			"area_m2": "area in square metres", "status": "always unmanaged"},
		Versions: []string{"gap"}, sql: gapSQL,
	},
	{
		Name: "report_hex", Title: "隐患密度 report density", Geometry: Polygon, MinZoom: 0, MaxZoom: 13, Requires: "report",
		Description: "reports (hazards and events) counted per H3 cell, the resolution following the zoom",
		Fields: map[string]string{"count": "reports in the cell", "open": "of which not closed or rejected",
			"max_severity": "the highest severity among them", "cell": "H3 cell index (hex)", "res": "H3 resolution"},
		Filters: filterNames, render: renderReportHex, personal: personalPoints,
	},
	{
		Name: "report", Title: "隐患 report", Geometry: Point, MinZoom: 14, MaxZoom: 22, Requires: "report",
		Description: "reports: hazards, events and patrol logs, where they were observed",
		Fields:      reportFields, Filters: filterNames, sql: reportSQL, personal: personalPoints,
	},
	{
		Name: "patrol", Title: "巡查轨迹 patrol", Geometry: Line, MinZoom: 12, MaxZoom: 22, Requires: "patrol",
		Description: "grid workers' patrol tracks",
		Fields: map[string]string{"id": "the track's UUID", "worker": "grid worker", "grid_code": "the worker's grid",
			"day": "China day of the patrol", "distance_m": "length in metres", "coverage": "share of the grid's cells visited"},
		Filters: []string{FilterSince, FilterUntil}, sql: patrolSQL, personal: personalTracks,
	},
}

func init() {
	registry = append(registry, extraLayers...)
}

// gapSQL draws the unmanaged gaps (few and small: reprojected per request).
const gapSQL = `
SELECT ` + versionsExpr + `, NULL::float8,
  coalesce((SELECT ST_AsMVT(f, 'gap', 4096, 'geom', 'fid') FROM (
    SELECT g.id AS fid, g.parent_code, g.level, round(g.area_m2)::bigint AS area_m2, 'unmanaged' AS status,
           ST_AsMVTGeom(ST_Transform(g.geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
      FROM gap g
     WHERE g.geom && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326)
     ORDER BY g.id) f), '')`

// reportFilterSQL is the filter of the report statements: $5 categories,
// $6 states, $7 severities, $8 since, $9 until, $10 the caller's scope (a
// report belongs to the unit it landed at and to the one handling it, as
// for GET /v1/reports/{id}); NULL skips a filter.
const reportFilterSQL = `
       AND ($5::text[] IS NULL OR r.category = ANY($5::text[]))
       AND ($6::text[] IS NULL OR r.state = ANY($6::text[]))
       AND ($7::int[] IS NULL OR r.severity = ANY($7::int[]))
       AND ($8::timestamptz IS NULL OR r.observed_at >= $8::timestamptz)
       AND ($9::timestamptz IS NULL OR r.observed_at < $9::timestamptz)
       AND ($10::text IS NULL OR starts_with(r.unit_code, $10::text) OR starts_with(r.assigned_code, $10::text))`

// shownPointSQL is report r's point as the caller is shown it: rounded to
// 0.002° for a caller who may not see exact points ($11), except under its
// scope ($12). The report and density layers draw a report there.
const shownPointSQL = `CASE WHEN $11::bool AND NOT ($12::text <> '' AND starts_with(r.unit_code, $12::text))
                          THEN ST_SnapToGrid(r.geom, ` + postgres.CoarseGrid + `) ELSE r.geom END`

// reportSQL draws report points. The feature id is the random tail of the
// UUID (52 bits: exact in JavaScript). A caller who may not see exact
// points ($11) gets them rounded to 0.002°, except under its scope ($12);
// a rounded point is drawn in the tiles its rounded position falls in, not
// those of its exact one, so that which tiles hold it (at zoom 20 a tile
// is ~40 m) says no more than the point drawn.
const reportSQL = `
SELECT ` + versionsExpr + `, NULL::float8,
  coalesce((SELECT ST_AsMVT(f, 'report', 4096, 'geom', 'fid') FROM (
    SELECT ('x' || right(replace(r.id::text, '-', ''), 13))::bit(52)::bigint AS fid,
           r.id::text AS id, r.kind, r.category, r.severity, r.state, r.res_status AS status, r.unit_code, r.level,
           to_char(r.observed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS observed_at,
           CASE WHEN r.state NOT IN ('closed', 'rejected')
                THEN to_char(r.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END AS due_at,
           ST_AsMVTGeom(ST_Transform(r.shown, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
      FROM (SELECT r.*, ` + shownPointSQL + ` AS shown
              FROM report r
             WHERE r.geom && ST_Expand(ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326),
                                       CASE WHEN $11::bool THEN ` + postgres.CoarseReach + ` ELSE 0 END)) r
     WHERE r.shown && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326)` + reportFilterSQL + `
     ORDER BY r.observed_at, r.id) f), '')`

// patrolSQL draws patrol tracks; since ($5) and until ($6) select them by
// start time, and a scope ($7) by the worker's grid. A caller who may not
// see names ($8) gets none, and one who may not see exact points ($10)
// gets each track snapped to the 0.002° grid report points are rounded to
// (a track that never leaves one cell of it is not drawn), except under
// its scope ($9); a snapped track is drawn in the tiles it passes through
// snapped, as a rounded report point is.
const patrolSQL = `
SELECT ` + versionsExpr + `, NULL::float8,
  coalesce((SELECT ST_AsMVT(f, 'patrol', 4096, 'geom', 'fid') FROM (
    SELECT ('x' || right(replace(p.id::text, '-', ''), 13))::bit(52)::bigint AS fid,
           p.id::text AS id,
           CASE WHEN $8::bool AND NOT p.mine THEN NULL ELSE p.worker END AS worker,
           p.grid_code, p.day::text AS day, round(p.distance_m)::bigint AS distance_m,
           CASE WHEN p.grid_cells > 0 THEN round(p.visited_cells::numeric / p.grid_cells, 3)::float8 END AS coverage,
           ST_AsMVTGeom(ST_Transform(p.shown, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
      FROM (SELECT p.*, CASE WHEN $10::bool AND NOT p.mine
                             THEN ST_RemoveRepeatedPoints(ST_SnapToGrid(ST_Force2D(p.track), ` + postgres.CoarseGrid + `))
                             ELSE ST_Force2D(p.track) END AS shown
              FROM (SELECT p.*, $9::text <> '' AND starts_with(coalesce(p.grid_code, ''), $9::text) AS mine
                      FROM patrol p
                     WHERE p.track && ST_Expand(ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326),
                                               CASE WHEN $10::bool THEN ` + postgres.CoarseReach + ` ELSE 0 END)
                       AND ($5::timestamptz IS NULL OR p.started_at >= $5::timestamptz)
                       AND ($6::timestamptz IS NULL OR p.started_at < $6::timestamptz)
                       AND ($7::text IS NULL OR starts_with(p.grid_code, $7::text))) p) p
     WHERE p.shown && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326)
     ORDER BY p.started_at, p.id) f), '')`
