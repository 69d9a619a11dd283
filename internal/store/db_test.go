package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/stretchr/testify/require"
)

func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	for name, dsn := range map[string]string{
		"Path":      filepath.Join(dir, "a.db"),
		"FileURI":   "file:" + filepath.Join(dir, "b.db") + "?cache=private",
		"SQLiteURL": "sqlite://" + filepath.Join(dir, "c.db"),
	} {
		t.Run(name, func(t *testing.T) {
			db, err := store.Open(ctx, dsn)
			require.NoError(t, err)
			defer db.Close()
			require.Equal(t, store.DialectSQLite, db.Dialect())
			require.NoError(t, db.Ping(ctx))
			require.NoError(t, db.Migrate(ctx))
		})
	}
	t.Run("ErrMemory", func(t *testing.T) {
		_, err := store.Open(ctx, ":memory:")
		require.Error(t, err)
	})
	t.Run("ErrPostgresUnreachable", func(t *testing.T) {
		_, err := store.Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
		require.Error(t, err)
	})
}

func TestDialect(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		require.Contains(t, []string{store.DialectSQLite, store.DialectPostgres}, db.Dialect())
		require.NoError(t, db.Ping(context.Background()))
	})
}

func TestSQLitePragmas(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t, store.DialectSQLite)
	mode, fk, queryOnly := store.ReaderPragmas(t, db)
	require.Equal(t, "wal", mode)
	require.Equal(t, 1, fk)
	require.Equal(t, 1, queryOnly, "readers cannot write")
	require.Equal(t, map[string]any{"journal_mode": "wal", "foreign_keys": 1, "synchronous": 1, "query_only": 0},
		store.WriterPragmas(t, db))
}
