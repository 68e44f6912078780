package api

import (
	"context"
	"log/slog"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
)

// The token cache, read ahead.
//
// A looked-up token is trusted for CacheTTL from the moment its read
// began; that is how long a revocation may take to reach a replica. A
// token still in use once three quarters of that have passed is read again
// in the background, so a caller that keeps asking never meets a stale
// entry, and the database sees about one read and one touch per token,
// replica and cache time, as before. That matters beyond the round trip it
// saves: the fast path answers only callers it knows without asking
// (api/fast.go), and the fast lane (internal/fastlane) hands a connection
// to net/http for good at the first request the fast path declines —
// without reading ahead, every signed-in connection left the lane within
// CacheTTL of its token's lookup.

// cachedToken is a token as read from the store, when that read began,
// and when a read ahead of it last failed.
type cachedToken struct {
	tok    access.Token
	at     time.Time
	failed time.Time // zero: none failed
}

// retryAfter is how long a failed read ahead is not tried again, as a
// share of the cache time: a database that fails at once (refused, failing
// over) would otherwise be asked again, and a warning logged, at every use.
const retryAfter = 8 // CacheTTL / retryAfter

// refreshTimeout bounds a background read of a token.
const refreshTimeout = 5 * time.Second

// cached returns the cache's entry for hash and whether it may be trusted
// at now. A trusted entry of an active token past three quarters of its
// life is read again in the background (once at a time per token); a
// revoked or expired token cannot come back, so its entry is left to run
// out.
func (a *authenticator) cached(hash [32]byte, now time.Time) (ct cachedToken, fresh bool) {
	a.mu.RLock()
	ct, ok := a.cache[hash]
	busy := a.refreshing[hash]
	a.mu.RUnlock()
	age := now.Sub(ct.at)
	if !ok || age >= a.cfg.CacheTTL {
		return ct, false
	}
	if age >= a.cfg.CacheTTL*3/4 && !busy && a.mayRetry(ct, now) && a.tokens != nil && ct.tok.Status(now) == "active" {
		a.readAgain(hash, now)
	}
	return ct, true
}

// mayRetry reports whether a read ahead of ct may start at now: none has
// failed in the last CacheTTL/retryAfter.
func (a *authenticator) mayRetry(ct cachedToken, now time.Time) bool {
	return now.Sub(ct.failed) >= a.cfg.CacheTTL/retryAfter
}

// readAgain starts a background read of hash's token unless one runs or
// has just failed (a read that ended since the caller looked).
func (a *authenticator) readAgain(hash [32]byte, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.refreshing[hash] && a.mayRetry(a.cache[hash], now) {
		a.refreshing[hash] = true
		a.reads.Go(func() { a.refresh(hash) })
	}
}

// refresh reads the token of hash again and keeps what it finds: the token,
// or nothing when it is gone. A failed read leaves the entry to run out,
// and none is tried again for a while (retryAfter). The read ends when the
// node stops: shutting down neither waits for it nor reports it.
func (a *authenticator) refresh(hash [32]byte) {
	ctx, cancel := context.WithTimeout(a.background, refreshTimeout)
	defer cancel()
	at := a.cfg.Now()
	tok, err := a.tokens.TokenByHash(ctx, hash)
	a.mu.Lock()
	delete(a.refreshing, hash) // with the entry's update: a use that sees the new entry may start the next read
	switch {
	case geo.ErrorCodeOf(err) == geo.ENOTFOUND:
		delete(a.cache, hash)
	case err == nil:
		a.rememberLocked(hash, cachedToken{tok: tok, at: at})
	default:
		if ct, ok := a.cache[hash]; ok && !ct.at.After(at) {
			ct.failed = a.cfg.Now()
			a.cache[hash] = ct
		}
	}
	a.mu.Unlock()
	switch {
	case err == nil:
		a.touch(ctx, tok.ID)
	case geo.ErrorCodeOf(err) != geo.ENOTFOUND && a.background.Err() == nil:
		slog.WarnContext(ctx, "could not read a token again; it is trusted until its cache entry runs out", "err", err)
	}
}

// remember keeps ct for hash unless the cache holds a read that began
// later (a refresh that started before a revocation must not bring back
// the token a later lookup found revoked).
func (a *authenticator) remember(hash [32]byte, ct cachedToken) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.rememberLocked(hash, ct)
}

// rememberLocked is remember with a.mu held.
func (a *authenticator) rememberLocked(hash [32]byte, ct cachedToken) {
	if old, ok := a.cache[hash]; ok && old.at.After(ct.at) {
		return
	}
	if len(a.cache) >= maxCachedTokens {
		clear(a.cache) // rare; the next requests refill it
	}
	a.cache[hash] = ct
}
