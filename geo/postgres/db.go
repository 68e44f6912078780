// Package postgres is gridmap's PostgreSQL + PostGIS adapter: the schema's
// queries, transactions and change notifications. It is the one adapter of
// that dependency for every domain package — geo's boundaries, access's
// tokens, casework's reports and patrols — so that one DB shares one pool,
// one way of running transactions and one error classifier (pgerr), and a
// report is written with its history and statistics in one transaction.
// go-geom (through pgx-geom) lives only here and in the importer;
// convert.go turns it into orb.
package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
	pgxgeom "github.com/twpayne/pgx-geom"

	"github.com/gridmap-dev/gridmap/geo/postgres/pgerr"
	"github.com/gridmap-dev/gridmap/migrations"
)

// DB is a connection pool to gridmap's database.
type DB struct {
	Pool *pgxpool.Pool
	url  string
}

// Open migrates the database at url (under an advisory lock, so replicas
// starting together do not race) and then opens the pool. Migrations run on
// their own connection first because pgx-geom's registration needs the
// postgis extension to exist.
func Open(ctx context.Context, url string, maxConns int32) (*DB, error) {
	if err := Migrate(ctx, url); err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	cfg.AfterConnect = pgxgeom.Register
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping database: %w", err)
	}
	return &DB{Pool: pool, url: url}, nil
}

// Close closes the pool.
func (db *DB) Close() { db.Pool.Close() }

// URL returns the connection string the pool was opened with.
func (db *DB) URL() string { return db.url }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return db.Pool.Ping(ctx)
}

// Migrate applies every pending migration to the database at url.
func Migrate(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect for migrations: %w", unavailable(err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	m, err := migrate.NewMigrator(ctx, conn, "schema_version")
	if err != nil {
		return fmt.Errorf("new migrator: %w", err)
	}
	if err := m.LoadMigrations(migrations.FS); err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// inTx runs fn in one transaction with the actor recorded for the change log
// triggers. The transaction commits only if fn returns nil.
func (db *DB) inTx(ctx context.Context, actor string, fn func(pgx.Tx) error) error {
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('gridmap.actor', $1, true)`, actor); err != nil {
			return err
		}
		return fn(tx)
	})
	return translate(err)
}

// translate classifies a driver error (see pgerr): the one place this
// adapter decides what a database failure means to a client.
func translate(err error) error { return pgerr.Classify(err) }

// unavailable classifies a failure to connect. It is translate under the
// name the connection code has always used: there is one classifier.
func unavailable(err error) error { return translate(err) }
