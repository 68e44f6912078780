package importer

// Job rows are written outside the import's transaction, so clients see
// progress while it runs and the outcome after a rollback.

const createJobSQL = `
INSERT INTO import_job (status, actor, source, options) VALUES ($1, $2, $3, $4)
RETURNING id`

const progressJobSQL = `
UPDATE import_job SET status = 'running', phase = $2, done = $3, total = $4, updated_at = now()
WHERE id = $1 AND finished_at IS NULL`

const finishJobSQL = `
UPDATE import_job SET status = $2, report = $3, error = nullif($4, ''), phase = '', updated_at = now(), finished_at = now()
WHERE id = $1`

// getJobSQL reports a job whose process stopped beating for a minute as
// interrupted: the import's transaction died with it, so nothing changed.
const getJobSQL = `
SELECT id, CASE WHEN finished_at IS NULL AND updated_at < now() - interval '1 minute' THEN 'interrupted' ELSE status END,
       actor, source, options, phase, done, total, report, coalesce(error, ''), created_at, updated_at, finished_at
FROM import_job WHERE id = $1`

// touchJobSQL is the heartbeat of a job waiting in the queue.
const touchJobSQL = `UPDATE import_job SET updated_at = now() WHERE id = $1 AND finished_at IS NULL`

// interruptJobsSQL records the outcome of jobs whose process stopped beating.
// The status is "failed" (the table's statuses are fixed by migration 004)
// and the message says why; until this runs, getJobSQL reports such a job
// as interrupted.
const interruptJobsSQL = `
UPDATE import_job SET status = 'failed', phase = '', finished_at = now(), updated_at = now(),
       error = 'interrupted: the server stopped before the import finished; nothing was changed'
WHERE finished_at IS NULL AND updated_at < now() - interval '1 minute'`
