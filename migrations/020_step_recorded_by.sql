-- report_event.recorded_by names the token that recorded a step. The actor
-- is the person the step is of: a grid worker's token acts as its owner,
-- but an admin may name another person (a clerk of the supervision centre
-- entering a department's handle it was phoned). Without this column
-- nothing said which token took such a step. Steps recorded before this
-- migration, by a service run without tokens, or by gridmap itself (its
-- escalations) have none.
ALTER TABLE report_event ADD COLUMN recorded_by text NOT NULL DEFAULT '';
