-- Reports (hazards, events, patrol logs), their case workflow and history,
-- statistics, and patrol tracks. See casework/report.go, casework/workflow.go.

-- report holds one row per report; its id is the client's UUID, so a retry
-- can never make a second row. The whole resolution at the observed time is
-- kept in resolution; unit_code (the finest unit of the responsible chain)
-- is what filters use: chains nest by code prefix, so "reports of 120104"
-- is the code range [120104, 120104:) and one btree answers every level.
--
-- Reports are indexed, not partitioned, by district code (unit_code starts
-- with it): the id must stay unique across the whole table for idempotency,
-- and a re-resolve may move a report to another district.
CREATE TABLE report (
  id             uuid PRIMARY KEY,
  body_sha256    bytea       NOT NULL CHECK (length(body_sha256) = 32),
  kind           text        NOT NULL CHECK (kind IN ('hazard', 'event', 'patrol_log')),
  category       text        NOT NULL CHECK (category ~ '^[A-Z][0-9]{4}$'),
  severity       smallint    NOT NULL CHECK (severity BETWEEN 1 AND 4),
  description    text        NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
  geom           geometry(Point, 4326) NOT NULL,
  point_sent     float8[]    NOT NULL CHECK (cardinality(point_sent) = 2),
  crs            text        NOT NULL,
  accuracy_m     float8,
  observed_at    timestamptz NOT NULL,
  received_at    timestamptz NOT NULL,
  reporter       text        NOT NULL CHECK (reporter <> ''),
  attachments    jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(attachments) = 'array'),
  resolution     jsonb       NOT NULL,
  res_status     text        NOT NULL CHECK (res_status IN ('managed', 'unmanaged', 'enclave')),
  flags          text[]      NOT NULL DEFAULT '{}',
  unit_code      text COLLATE "C" NOT NULL CHECK (unit_code ~ '^[0-9]{6}([0-9]{3}){0,4}$'),
  index_version  bigint      NOT NULL,
  state          text        NOT NULL CHECK (state IN ('reported', 'accepted', 'dispatched', 'handled',
                                                       'verified', 'closed', 'rejected', 'reopened')),
  level          text        NOT NULL CHECK (gridmap_level_rank(level) IS NOT NULL),
  assigned_code  text        NOT NULL,
  assignee       text        NOT NULL DEFAULT '',
  due_at         timestamptz,
  level_due_at   timestamptz,
  escalations    int         NOT NULL DEFAULT 0,
  closed_at      timestamptz,
  closed_on_time boolean,
  updated_at     timestamptz NOT NULL,
  events         int         NOT NULL CHECK (events > 0),
  CHECK ((state = 'closed') = (closed_at IS NOT NULL))
);
-- Listing: by unit (any level), newest first, and the cursor (observed_at, id).
CREATE INDEX report_unit_idx ON report (unit_code, observed_at DESC, id DESC);
CREATE INDEX report_observed_idx ON report (observed_at DESC, id DESC);
-- A worker's own list.
CREATE INDEX report_reporter_idx ON report (reporter, observed_at DESC, id DESC);
CREATE INDEX report_geom_idx ON report USING gist (geom);
-- Open cases. The escalation job reads those whose level clock ran out
-- (and, after a policy change, those handled below their severity's floor);
-- stats count the ones past their deadline. Partial: closed cases, the vast
-- majority, are not in them.
CREATE INDEX report_escalate_idx ON report (level_due_at)
  WHERE state NOT IN ('closed', 'rejected') AND level_due_at IS NOT NULL;
CREATE INDEX report_floor_idx ON report (severity, level)
  WHERE state NOT IN ('closed', 'rejected') AND kind <> 'patrol_log';
CREATE INDEX report_overdue_idx ON report (due_at) INCLUDE (unit_code, category)
  WHERE state NOT IN ('closed', 'rejected');

-- report_event is the append-only history of a report: its arrival, every
-- workflow step, escalation and re-resolve, with who, when and a note.
CREATE TABLE report_event (
  report_id     uuid        NOT NULL REFERENCES report (id),
  seq           int         NOT NULL CHECK (seq > 0),
  client_id     uuid,
  action        text        NOT NULL,
  from_state    text,
  to_state      text        NOT NULL,
  level         text        NOT NULL,
  assigned_code text        NOT NULL,
  assignee      text        NOT NULL DEFAULT '',
  actor         text        NOT NULL CHECK (actor <> ''),
  at            timestamptz NOT NULL,
  note          text        NOT NULL DEFAULT '',
  detail        jsonb       NOT NULL DEFAULT '{}',
  PRIMARY KEY (report_id, seq)
);
-- A retried transition carries the client's id and is recognised.
CREATE UNIQUE INDEX report_event_client_idx ON report_event (report_id, client_id) WHERE client_id IS NOT NULL;

-- Statistics. Every write appends its change to report_stat_delta (insert
-- only: concurrent writers never wait on a shared counter). A background job
-- folds the deltas into report_stat, one row per level × unit × China day ×
-- category × state, under an advisory lock. Readers add the unfolded deltas
-- to the folded rows in one snapshot, so counts are always exact.
CREATE TABLE report_stat_delta (
  id       bigserial PRIMARY KEY,
  day      date NOT NULL,
  unit     text COLLATE "C" NOT NULL,
  category text NOT NULL,
  state    text NOT NULL,
  n        int  NOT NULL,
  on_time  int  NOT NULL
);
-- A queue: rows live seconds. Readers find a unit's pending rows by index
-- and autovacuum runs often, so they do not wade through the dead ones.
CREATE INDEX report_stat_delta_unit_idx ON report_stat_delta (unit);
ALTER TABLE report_stat_delta SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
  autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000);

CREATE TABLE report_stat (
  level    smallint NOT NULL CHECK (level BETWEEN 0 AND 4),
  unit     text COLLATE "C" NOT NULL,
  day      date NOT NULL,
  category text NOT NULL,
  state    text NOT NULL,
  n        bigint NOT NULL,
  on_time  bigint NOT NULL,
  -- The counts ride in the key's index, so a stats query is an index-only
  -- scan: the folded rows of one unit are scattered over the heap.
  PRIMARY KEY (level, unit, day, category, state) INCLUDE (n, on_time)
);

-- gridmap_unit_at_level is the code a report of unit code p_unit counts
-- under at level rank p_level: its prefix of that level's length, or the
-- code itself when it is coarser (an unmanaged spot has no grid).
CREATE FUNCTION gridmap_unit_at_level(p_unit text, p_level int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN length(p_unit) >= 6 + 3 * p_level THEN left(p_unit, 6 + 3 * p_level) ELSE p_unit END
$$;

-- gridmap_fold_report_stats folds up to p_limit deltas, oldest first, and
-- returns how many. Only one folder runs at a time (the others return 0);
-- rows are upserted in key order so a fold never deadlocks.
CREATE FUNCTION gridmap_fold_report_stats(p_limit int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE folded int;
BEGIN
  IF NOT pg_try_advisory_xact_lock(x'7265706f7274'::bigint) THEN -- "report"
    RETURN 0;
  END IF;
  WITH d AS (
    DELETE FROM report_stat_delta WHERE id IN (SELECT id FROM report_stat_delta ORDER BY id LIMIT p_limit)
    RETURNING day, unit, category, state, n, on_time
  ), counted AS (
    SELECT count(*)::int AS c FROM d
  ), rolled AS (
    SELECT lv AS level, gridmap_unit_at_level(d.unit, lv) AS unit, d.day, d.category, d.state,
           sum(d.n) AS n, sum(d.on_time) AS on_time
      FROM d, generate_series(0, 4) AS lv
     GROUP BY 1, 2, 3, 4, 5
  ), up AS (
    INSERT INTO report_stat AS s (level, unit, day, category, state, n, on_time)
    SELECT * FROM rolled ORDER BY level, unit, day, category, state
    ON CONFLICT (level, unit, day, category, state)
      DO UPDATE SET n = s.n + EXCLUDED.n, on_time = s.on_time + EXCLUDED.on_time
  )
  SELECT c INTO folded FROM counted;
  -- Cells that fell back to zero stay (readers skip them); they are few and
  -- the next report of the same kind reuses them.
  RETURN folded;
END $$;

-- Patrol tracks. The line keeps the time of each vertex as its M value
-- (seconds since the epoch), so the track and its times cannot drift apart.
CREATE TABLE patrol (
  id           uuid PRIMARY KEY,
  body_sha256  bytea       NOT NULL CHECK (length(body_sha256) = 32),
  worker       text        NOT NULL CHECK (worker <> ''),
  grid_code    text COLLATE "C",
  crs          text        NOT NULL,
  track        geometry(LineStringM, 4326) NOT NULL,
  started_at   timestamptz NOT NULL,
  ended_at     timestamptz NOT NULL CHECK (ended_at >= started_at),
  day          date        NOT NULL, -- the China day it started; its visits carry their own days
  distance_m   float8      NOT NULL,
  inside_s     float8      NOT NULL,
  outside_s    float8      NOT NULL,
  untracked_s  float8      NOT NULL,
  grid_cells   int         NOT NULL,
  visited_cells int        NOT NULL,
  received_at  timestamptz NOT NULL
);
CREATE INDEX patrol_grid_day_idx ON patrol (day, grid_code);
CREATE INDEX patrol_worker_idx ON patrol (worker, started_at DESC);

-- patrol_visit: the H3 cells (resolution 11) visited on a China day, by
-- anyone. unit is the finest unit holding the cell's centre when it was
-- first visited; it only narrows the coverage query, which intersects with
-- each grid's own cells.
CREATE TABLE patrol_visit (
  day        date   NOT NULL,
  cell       bigint NOT NULL,
  unit       text COLLATE "C" NOT NULL DEFAULT '',
  first_at   timestamptz NOT NULL,
  patrol_id  uuid   NOT NULL,
  PRIMARY KEY (day, cell)
);
CREATE INDEX patrol_visit_unit_idx ON patrol_visit (day, unit);
