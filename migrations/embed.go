// Package migrations holds gridmap's ordered SQL migrations, embedded in the
// binary. Files are numbered without gaps (tern's rule) and are never edited
// once released: a change is a new file.
package migrations

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS
