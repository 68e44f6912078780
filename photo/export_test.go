package photo

import (
	"context"

	"golang.org/x/sync/semaphore"
)

// SetDecodeLimits sets the limit on one decode and the budget of all at
// once until the returned function restores them. Tests that use it must
// not run in parallel.
func SetDecodeLimits(limit, budget int64) (restore func()) {
	l, b, s := decodeLimit, decodeBudget, decoding
	decodeLimit, decodeBudget, decoding = limit, budget, semaphore.NewWeighted(budget)
	return func() { decodeLimit, decodeBudget, decoding = l, b, s }
}

// HoldDecodeBudget takes n bytes of the budget, as a decode in progress
// would, until the returned function gives them back.
func HoldDecodeBudget(ctx context.Context, n int64) (release func(), err error) {
	sem := decoding
	if err := sem.Acquire(ctx, n); err != nil {
		return nil, err
	}
	return func() { sem.Release(n) }, nil
}

// DecodeCost is what Process counts decoding b will allocate, and what it
// calls b.
func DecodeCost(b []byte) (int64, string, error) {
	typ := Sniff(b)
	cfg, err := decodeConfig(typ, b)
	if err != nil {
		return 0, "", err
	}
	c := costOf(typ, cfg, b)
	return c.bytes, c.what, nil
}
