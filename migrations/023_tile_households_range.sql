-- A unit's households (户数) is drawn into its tiles as an SQL int
-- (migration 003). A count beyond the int's range — 3000000000, 1e400, both
-- legal JSON numbers in a unit's properties — made gridmap_tile_sync_units
-- fail with "integer out of range", and with it the edit or the whole
-- import that wrote the unit: bad data refused as a server error. Such a
-- count is now left out of the tiles (NULL, as a count that is not a
-- number is), and the unit is saved with its properties as written. The
-- function is migration 003's with that one guard; the column stays int,
-- so no table is rewritten.
CREATE OR REPLACE FUNCTION gridmap_tile_sync_units(ids bigint[]) RETURNS void LANGUAGE sql AS $$
  DELETE FROM tile_unit WHERE unit_id = ANY(ids);
  INSERT INTO tile_unit (unit_id, gen_zoom, layer, fid, code, name, level, parent_code, households, valid_from, geom, label)
  SELECT u.id, b.gen_zoom, u.layer, gridmap_tile_fid(u.code), u.code, u.name, u.level, u.parent_code,
         CASE WHEN jsonb_typeof(u.properties -> 'households') = 'number'
               AND round((u.properties ->> 'households')::numeric) BETWEEN -2147483648 AND 2147483647
              THEN round((u.properties ->> 'households')::numeric)::int END,
         u.valid_from, gridmap_tile_generalise(u.merc, b.gen_zoom), ST_PointOnSurface(u.merc)
  FROM (SELECT unit.*, gridmap_tile_layer(level) AS layer, ST_Transform(geom, 3857) AS merc
          FROM unit WHERE id = ANY(ids) AND valid_to IS NULL) u
  JOIN tile_band b ON b.layer = u.layer;
$$;
