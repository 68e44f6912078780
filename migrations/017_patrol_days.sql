-- patrol_day: a patrol's time on each China day it spans. A night patrol
-- from 23:30 to 00:30 counts on both days, each with its own half of the
-- time inside and outside its grid; before this it counted only on the day
-- it started, so the new day showed visited cells with no patrol and no
-- worker. Coverage reads its per-grid totals from here; patrol.day stays
-- the day it started.
CREATE TABLE patrol_day (
  patrol_id  uuid   NOT NULL REFERENCES patrol (id),
  day        date   NOT NULL,
  grid_code  text COLLATE "C",
  worker     text   NOT NULL,
  inside_s   float8 NOT NULL,
  outside_s  float8 NOT NULL,
  PRIMARY KEY (patrol_id, day)
);
CREATE INDEX patrol_day_grid_idx ON patrol_day (day, grid_code);

-- Patrols stored before this keep counting on the day they started.
INSERT INTO patrol_day (patrol_id, day, grid_code, worker, inside_s, outside_s)
SELECT id, day, grid_code, worker, inside_s, outside_s FROM patrol;
