-- A node's tile cache keeps a tile across an edit that does not reach it:
-- the node knows where each change it applies lies, from the old and the
-- new geometry of every unit and enclave the change record names. A layer
-- can also change with no code changed: its tile rows redrawn whole
-- (gridmap_tile_rebuild, after a change to tile_band), which only bumped
-- the layers' versions. The change record now says so ('redraw', with the
-- layers), so that a node drops every cached tile of those layers rather
-- than keep tiles an unnamed change reached. Whatever rewrites tile rows
-- other than through the unit and enclave triggers must call
-- gridmap_redraw.
ALTER TABLE data_change DROP CONSTRAINT data_change_entity_check;
ALTER TABLE data_change ADD CONSTRAINT data_change_entity_check
  CHECK (entity IN ('unit', 'enclave', 'layer', 'reset', 'redraw'));

-- gridmap_redraw records that the tile rows of the layers were redrawn
-- whole, and bumps their versions.
CREATE FUNCTION gridmap_redraw(layers text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO data_change (entity, codes) VALUES ('redraw', layers);
  PERFORM gridmap_bump(layers);
END $$;

CREATE OR REPLACE FUNCTION gridmap_tile_rebuild() RETURNS void LANGUAGE sql AS $$
  DELETE FROM tile_unit;
  DELETE FROM tile_enclave;
  SELECT gridmap_tile_sync_units(ARRAY(SELECT id FROM unit WHERE valid_to IS NULL));
  SELECT gridmap_tile_sync_enclaves(ARRAY(SELECT id FROM enclave WHERE valid_to IS NULL));
  SELECT gridmap_redraw(ARRAY['district', 'street', 'community', 'grid', 'microgrid', 'enclave']);
$$;
