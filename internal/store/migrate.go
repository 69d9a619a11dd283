package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// The DDL differs between the databases (identity columns, time types), so
// each dialect has its own folder; both hold the same migration names.
//
//go:embed migrations/sqlite/*.sql migrations/pg/*.sql
var migrationFiles embed.FS

// migrationTable is bun's table of applied migrations.
const migrationTable = "bun_migrations"

// pgMigrationLock is the key of the advisory lock that keeps two instances
// from migrating a PostgreSQL database at once.
const pgMigrationLock = 0x636f6e64756974 // "conduit"

// MigrationState is one migration and whether it is applied.
type MigrationState struct {
	Name       string
	Comment    string
	Applied    bool
	GroupID    int64
	MigratedAt time.Time
}

func (db *DB) migrations() (*migrate.Migrations, error) {
	sub, err := fs.Sub(migrationFiles, "migrations/"+db.dialect)
	if err != nil {
		return nil, err
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(sub); err != nil {
		return nil, err
	}
	return ms, nil
}

func (db *DB) migrator(conn *bun.DB) (*migrate.Migrator, error) {
	ms, err := db.migrations()
	if err != nil {
		return nil, err
	}
	// Mark a migration applied only once it succeeded, so that a failed one
	// is tried again on the next start.
	return migrate.NewMigrator(conn, ms, migrate.WithMarkAppliedOnSuccess(true)), nil
}

// Migrate applies every pending migration, as one group.
func (db *DB) Migrate(ctx context.Context) error {
	return db.withMigrator(ctx, func(m *migrate.Migrator) error {
		_, err := m.Migrate(ctx)
		return err
	})
}

// MigrateDown rolls back the last group of migrations.
func (db *DB) MigrateDown(ctx context.Context) error {
	return db.withMigrator(ctx, func(m *migrate.Migrator) error {
		_, err := m.Rollback(ctx)
		return err
	})
}

// withMigrator runs fn with a migrator on the writer, after creating bun's
// tables, holding an advisory lock on PostgreSQL. (SQLite needs no lock:
// its migrations are transactions, and transactions take the write lock.)
func (db *DB) withMigrator(ctx context.Context, fn func(*migrate.Migrator) error) error {
	m, err := db.migrator(db.writer)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if db.dialect == DialectPostgres {
		unlock, err := db.lockPostgres(ctx)
		if err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		defer unlock()
	}
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("migrate: init: %w", err)
	}
	if err := fn(m); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// lockPostgres takes a session advisory lock on a connection of its own and
// returns the function that releases it.
func (db *DB) lockPostgres(ctx context.Context) (func(), error) {
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", int64(pgMigrationLock)); err != nil {
		conn.Close()
		return nil, err
	}
	return func() {
		// Closing the connection would release the lock too, but it goes
		// back to the pool, so unlock explicitly.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", int64(pgMigrationLock))
		conn.Close()
	}, nil
}

// MigrationStatus lists every migration, oldest first, with whether it is
// applied. It reads only, so it works on a database never migrated.
func (db *DB) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	ms, err := db.migrations()
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	exists, err := db.hasMigrationTable(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	list := ms.Sorted()
	if exists {
		list, err = migrate.NewMigrator(db.reader, ms).MigrationsWithStatus(ctx)
		if err != nil {
			return nil, fmt.Errorf("migration status: %w", err)
		}
	}
	states := make([]MigrationState, len(list))
	for i, mg := range list {
		states[i] = MigrationState{Name: mg.Name, Comment: mg.Comment, Applied: mg.IsApplied(),
			GroupID: mg.GroupID, MigratedAt: mg.MigratedAt}
	}
	return states, nil
}

// PendingMigrations counts the migrations not applied yet.
func (db *DB) PendingMigrations(ctx context.Context) (int, error) {
	states, err := db.MigrationStatus(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range states {
		if !s.Applied {
			n++
		}
	}
	return n, nil
}

// hasMigrationTable reports whether bun's migration table exists.
func (db *DB) hasMigrationTable(ctx context.Context) (bool, error) {
	var q string
	if db.dialect == DialectSQLite {
		q = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	} else {
		q = "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?"
	}
	var n int
	if err := db.reader.NewRaw(q, migrationTable).Scan(ctx, &n); err != nil {
		return false, err
	}
	return n > 0, nil
}
