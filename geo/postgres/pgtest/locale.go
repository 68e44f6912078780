package pgtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

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
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tpl, err := pgx.ParseConfig(TemplateURL())
	if err != nil {
		tb.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	admin := tpl.Copy()
	admin.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		unavailable(tb, err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("gridmap_t%d_%d_%d_icu", os.Getpid(), time.Now().UnixNano()%1e6, seq.Add(1))
	// CREATE DATABASE takes no parameters; the locale is quoted as a literal.
	create := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize() +
		" TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE '" + strings.ReplaceAll(icuLocale, "'", "''") + "'"
	if _, err := conn.Exec(ctx, create); err != nil {
		tb.Fatalf("create a database with ICU locale %s: %v", icuLocale, err)
	}
	tb.Cleanup(func() { dropDatabase(tb, admin, name) })
	u := tpl.ConnString()
	return strings.Replace(u, "/"+tpl.Database, "/"+name, 1)
}
