package pgtest

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// NewICUDatabase creates an empty database whose default collation is the
// ICU locale icuLocale ("en-US"), as createdb --locale-provider=icu
// --icu-locale=en-US makes one, and returns its URL; it is dropped when the
// test ends. The test template's collation cannot be changed in a copy, so
// the database is made from template0 and has no extensions yet: migration
// 001 creates postgis (the test role is a superuser, see scripts/db.sh).
// What the collation is for: comparisons of text that byte order and a
// linguistic order answer differently ('B1' < 'a1' in bytes, not in en-US).
func NewICUDatabase(tb testing.TB, icuLocale string) string {
	tb.Helper()
	// CREATE DATABASE takes no parameters; the locale is quoted as a literal.
	return testServer.createDatabase(tb, "_icu", func(*pgx.ConnConfig) string {
		return " TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE '" + strings.ReplaceAll(icuLocale, "'", "''") + "'"
	})
}
