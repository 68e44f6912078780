package pgtest

import (
	"context"
	"testing"

	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// versionsWithoutChangesSQL lists the data versions, from the oldest change
// row kept to the head, that no change row names, and counts the change
// rows that carry no commit moment (migration 031).
const versionsWithoutChangesSQL = `
SELECT coalesce(array_agg(v ORDER BY v), '{}'),
  (SELECT count(*) FROM data_change WHERE version IS NOT NULL AND committed_at IS NULL)
FROM generate_series((SELECT min(version) FROM data_change), (SELECT version FROM data_head)) AS v
WHERE NOT EXISTS (SELECT 1 FROM data_change c WHERE c.version = v)`

// AssertEveryVersionChanged fails the test on a data version that no
// change row names — a commit that took two versions, as settling with SET
// CONSTRAINTS ALL IMMEDIATE did (the audit's own change rows ran the
// commit's work again inside it) — and on change rows without their
// commit's moment.
func AssertEveryVersionChanged(tb testing.TB, db *postgres.DB) {
	tb.Helper()
	var empty []int64
	var unstamped int
	if err := db.Pool.QueryRow(context.Background(), versionsWithoutChangesSQL).Scan(&empty, &unstamped); err != nil {
		tb.Fatal(err)
	}
	if len(empty) > 0 || unstamped > 0 {
		tb.Errorf("data versions no change row names: %v; change rows without their commit's moment: %d", empty, unstamped)
	}
}
