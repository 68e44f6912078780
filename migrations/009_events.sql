-- Placeholder. Number 009 belongs to issue 14 (its 009_events.sql); issue
-- 13's migration is 010 and tern numbers migrations without gaps. When the
-- two branches meet, issue 14's file replaces this one (the same path, so
-- the merge cannot miss it). Nothing here changes the schema.
SELECT 1;
