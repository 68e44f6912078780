package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
)

var _ access.TokenStore = (*DB)(nil)

const tokenColumns = `id, name, role, coalesce(scope_code, ''), created_by, created_at, expires_at, revoked_at, last_used_at`

const createTokenSQL = `INSERT INTO api_token (hash, name, role, scope_code, created_by, expires_at)
VALUES ($1, $2, $3, nullif($4, ''), $5, $6) RETURNING ` + tokenColumns

// CreateToken stores a token under the hash of its secret.
func (db *DB) CreateToken(ctx context.Context, t access.Token, hash [32]byte) (access.Token, error) {
	rows, err := db.Pool.Query(ctx, createTokenSQL, hash[:], t.Name, t.Role, t.Scope, t.CreatedBy, t.ExpiresAt)
	if err != nil {
		return access.Token{}, fmt.Errorf("create token: %w", translate(err))
	}
	out, err := pgx.CollectExactlyOneRow(rows, scanToken)
	if err != nil {
		return access.Token{}, fmt.Errorf("create token: %w", translate(err))
	}
	return out, nil
}

// nameHasRecordsSQL tells whether anything personal is recorded under a
// name: reports filed, patrols walked, photos uploaded.
const nameHasRecordsSQL = `SELECT EXISTS (SELECT 1 FROM report WHERE reporter = $1)
    OR EXISTS (SELECT 1 FROM patrol WHERE worker = $1)
    OR EXISTS (SELECT 1 FROM photo_upload WHERE uploaded_by = $1)
    OR EXISTS (SELECT 1 FROM photo WHERE uploaded_by = $1)`

// NameHasRecords reports whether reports, patrols or photos are recorded
// under name, which a token of that name would open.
func (db *DB) NameHasRecords(ctx context.Context, name string) (bool, error) {
	var has bool
	if err := db.Pool.QueryRow(ctx, nameHasRecordsSQL, name).Scan(&has); err != nil {
		return false, fmt.Errorf("look up records under %q: %w", name, translate(err))
	}
	return has, nil
}

const tokenByHashSQL = `SELECT ` + tokenColumns + ` FROM api_token WHERE hash = $1`

// TokenReplayWait is how long TokenByHash waits on a standby for the
// replay of what it has received before it calls a token unknown.
const TokenReplayWait = 2 * time.Second

// TokenByHash returns the token whose secret hashes to hash, whatever its
// status, or ENOTFOUND. On a standby, a token it does not hold may be one
// the primary made a moment ago, received but not yet replayed (replay
// waits behind conflicting queries for up to max_standby_streaming_delay,
// 30 s by default), and a phone told its new token is unknown signs out:
// so it waits, at most TokenReplayWait, for the replay to reach what had
// been received when asked, and looks again. A replay still short of it
// then is EUNAVAILABLE, not "unknown".
func (db *DB) TokenByHash(ctx context.Context, hash [32]byte) (access.Token, error) {
	t, err := db.tokenByHash(ctx, hash)
	if geo.ErrorCodeOf(err) != geo.ENOTFOUND || !db.Standby() {
		return t, err
	}
	if err := db.awaitReplayOfReceived(ctx, TokenReplayWait); err != nil {
		return access.Token{}, err
	}
	return db.tokenByHash(ctx, hash)
}

func (db *DB) tokenByHash(ctx context.Context, hash [32]byte) (access.Token, error) {
	rows, err := db.Pool.Query(ctx, tokenByHashSQL, hash[:])
	if err != nil {
		return access.Token{}, fmt.Errorf("look up token: %w", translate(err))
	}
	t, err := pgx.CollectExactlyOneRow(rows, scanToken)
	if err == pgx.ErrNoRows {
		return access.Token{}, geo.Errorf(geo.ENOTFOUND, "", "unknown token")
	}
	if err != nil {
		return access.Token{}, fmt.Errorf("look up token: %w", translate(err))
	}
	return t, nil
}

// receivedSQL is how far a standby has received the primary's log, in
// bytes (-1 when it is not streaming: then nothing is on its way).
const receivedSQL = `SELECT coalesce((pg_last_wal_receive_lsn() - '0/0'::pg_lsn)::bigint, -1)`

// awaitReplayOfReceived waits until the standby has replayed what it had
// received when called, polling, at most within; past that EUNAVAILABLE.
func (db *DB) awaitReplayOfReceived(ctx context.Context, within time.Duration) error {
	var received int64
	if err := db.Pool.QueryRow(ctx, receivedSQL).Scan(&received); err != nil {
		return fmt.Errorf("ask what the standby received: %w", translate(err))
	}
	if received < 0 {
		return nil
	}
	if _, reached, err := db.replayTo(ctx, received, within); err != nil || reached {
		return err
	}
	return geo.Errorf(geo.EUNAVAILABLE, "",
		"this node's standby database has not yet replayed what it received from the primary (a token made a moment ago may be in it): try again shortly")
}

// touchTokenSQL writes at most once a minute per token: authentication must
// not turn every read into a write.
const touchTokenSQL = `UPDATE api_token SET last_used_at = now()
WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`

// TouchToken records that the token was just used.
func (db *DB) TouchToken(ctx context.Context, id int64) error {
	if _, err := db.Pool.Exec(ctx, touchTokenSQL, id); err != nil {
		return fmt.Errorf("touch token %d: %w", id, translate(err))
	}
	return nil
}

// ListTokens returns every token, newest first.
func (db *DB) ListTokens(ctx context.Context) ([]access.Token, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+tokenColumns+` FROM api_token ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", translate(err))
	}
	ts, err := pgx.CollectRows(rows, scanToken)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", translate(err))
	}
	return ts, nil
}

// revokeTokenSQL keeps the first revocation time when revoked twice.
const revokeTokenSQL = `UPDATE api_token SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ` + tokenColumns

// RevokeToken revokes the token with id, or returns ENOTFOUND.
func (db *DB) RevokeToken(ctx context.Context, id int64) (access.Token, error) {
	rows, err := db.Pool.Query(ctx, revokeTokenSQL, id)
	if err != nil {
		return access.Token{}, fmt.Errorf("revoke token %d: %w", id, translate(err))
	}
	t, err := pgx.CollectExactlyOneRow(rows, scanToken)
	if err == pgx.ErrNoRows {
		return access.Token{}, geo.Errorf(geo.ENOTFOUND, "id", "no token has id %d", id)
	}
	if err != nil {
		return access.Token{}, fmt.Errorf("revoke token %d: %w", id, translate(err))
	}
	return t, nil
}

func scanToken(row pgx.CollectableRow) (access.Token, error) {
	var t access.Token
	err := row.Scan(&t.ID, &t.Name, &t.Role, &t.Scope, &t.CreatedBy, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt, &t.LastUsedAt)
	return t, err
}
