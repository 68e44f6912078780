-- What of a boundary lies outside the area a scoped token may change: the
-- rule single edits keep (geo.WithEditScope) and, since this migration,
-- imports too (a street editor's file could otherwise redraw its own grid,
-- or draw an enclave it manages, over the whole city and take every report
-- there). One function, so the two cannot drift apart.
--
-- gridmap_outside returns the pieces of g outside the current unit code
-- (and, when with_descendants, outside that unit's current descendants as
-- well) with their geodesic areas, leaving out the pieces thinner than
-- tol metres on average: the hairline differences two drawings of one
-- shared edge always leave. The descendants are unioned only where the
-- rest lies, so a district scope does not union a whole district.
CREATE FUNCTION gridmap_outside(g geometry, code text, with_descendants boolean, tol double precision)
RETURNS TABLE (geom geometry, area_m2 double precision) LANGUAGE sql STABLE AS $$
  WITH first AS (
    SELECT ST_Difference(g, coalesce((SELECT u.geom FROM unit u WHERE u.code = gridmap_outside.code AND u.valid_to IS NULL),
                                     'SRID=4326;MULTIPOLYGON EMPTY'::geometry)) AS g
  ), rest AS (
    SELECT CASE WHEN NOT with_descendants OR ST_IsEmpty(f.g) THEN f.g
           ELSE ST_Difference(f.g, coalesce((SELECT ST_Union(u.geom) FROM unit u
                  WHERE u.valid_to IS NULL AND starts_with(u.code, gridmap_outside.code) AND u.code <> gridmap_outside.code
                    AND u.geom && f.g),
                'SRID=4326;MULTIPOLYGON EMPTY'::geometry)) END AS g
    FROM first f
  ), pieces AS (
    SELECT d.geom AS g, ST_Area(d.geom::geography) AS a, ST_Perimeter(d.geom::geography) AS per
    FROM rest r, ST_Dump(r.g) d WHERE ST_Dimension(d.geom) = 2
  )
  SELECT p.g, p.a FROM pieces p WHERE NOT gridmap_is_sliver(p.a, p.per, 0, tol)
$$;
