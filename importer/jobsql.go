package importer

// Job rows are written outside the import's transaction, so clients see
// progress while it runs and the outcome after a rollback — except the
// outcome of an import that commits: that is written inside the import's
// transaction (commitJobSQL), so that a job is never left unfinished by an
// import that committed. Hence the invariant the readers below rely on: a
// job without finished_at changed nothing.

const createJobSQL = `
INSERT INTO import_job (status, actor, source, options) VALUES ($1, $2, $3, $4)
RETURNING id`

const progressJobSQL = `
UPDATE import_job SET status = 'running', phase = $2, done = $3, total = $4, updated_at = now()
WHERE id = $1 AND finished_at IS NULL`

// finishJobSQL records the outcome of an import that did not commit. It
// never overwrites an outcome already recorded: a commit's own (the COMMIT
// may have reached the server although its answer was lost) or a restarted
// node's "interrupted".
const finishJobSQL = `
UPDATE import_job SET status = $2, report = $3, error = nullif($4, ''), phase = '', updated_at = now(), finished_at = now()
WHERE id = $1 AND finished_at IS NULL`

// immediateSQL runs the deferred commit work now (migration 031: the audit
// of the touched parents, the data version, the versions' stamps), so that
// the version the import commits as is known inside its transaction and
// recorded with its outcome (and in the import.finished event). The version
// row stays locked until COMMIT, as it would be from the deferred trigger.
// (It was SET CONSTRAINTS ALL IMMEDIATE, which ran the work again for the
// change rows the audit adds: every import job took two data versions.)
const immediateSQL = `SELECT gridmap_commit_pending()`

// commitVersionSQL is the data version this transaction commits as (or,
// when it changed nothing, the latest one).
const commitVersionSQL = `SELECT version FROM data_head`

// commitJobSQL records a job's success inside the import's transaction; no
// row (the job was already declared interrupted) rolls the import back.
// clock_timestamp, not now(): now() is when the transaction began.
const commitJobSQL = `
UPDATE import_job SET status = 'succeeded', report = $2, error = NULL, phase = '',
       updated_at = clock_timestamp(), finished_at = clock_timestamp()
WHERE id = $1 AND finished_at IS NULL`

// interruptedMessage is the error of a job whose process died. Since a
// commit records its own outcome, such a job committed nothing.
const interruptedMessage = "interrupted: the server stopped before the import finished; nothing was changed"

// getJobSQL reports a job whose process stopped beating for a minute as
// interrupted ($2 the message): the import's transaction died with it, so
// nothing changed.
const getJobSQL = `
SELECT id, CASE WHEN stale THEN 'interrupted' ELSE status END,
       actor, source, options, phase, done, total, report,
       CASE WHEN stale THEN $2 ELSE coalesce(error, '') END, created_at, updated_at, finished_at
FROM (SELECT *, finished_at IS NULL AND updated_at < now() - interval '1 minute' AS stale
      FROM import_job WHERE id = $1) j`

// touchJobSQL is the heartbeat of a job waiting in the queue.
const touchJobSQL = `UPDATE import_job SET updated_at = now() WHERE id = $1 AND finished_at IS NULL`

// interruptJobsSQL records the outcome ($1 the message) of jobs whose
// process stopped beating. The status is "failed" (the table's statuses are
// fixed by migration 004); until this runs, getJobSQL reports such a job as
// interrupted.
const interruptJobsSQL = `
UPDATE import_job SET status = 'failed', phase = '', finished_at = now(), updated_at = now(), error = $1
WHERE finished_at IS NULL AND updated_at < now() - interval '1 minute'`
