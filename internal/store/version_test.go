package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

func TestChanges(t *testing.T) {
	ctx := context.Background()
	path := testenv.SQLite(t)
	db, err := store.Open(ctx, path)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.Migrate(ctx))
	changes, err := db.Changes(ctx)
	require.NoError(t, err)

	v0, ok := changes.Version()
	require.True(t, ok)
	// Reads commit nothing.
	users := store.NewUserService(db, testHasher)
	_, err = users.UserByID(ctx, 1)
	require.Error(t, err)
	v1, ok := changes.Version()
	require.True(t, ok)
	require.Equal(t, v0, v1, "a read changed the version")

	// A write through this handle changes it.
	MustCreateUser(t, db, "changes")
	v2, ok := changes.Version()
	require.True(t, ok)
	require.NotEqual(t, v1, v2, "a commit left the version as it was")

	// So does a commit from another handle on the same file, as another
	// process would make.
	other, err := store.Open(ctx, path)
	require.NoError(t, err)
	MustCreateUser(t, other, "elsewhere")
	require.NoError(t, other.Close())
	v3, ok := changes.Version()
	require.True(t, ok)
	require.NotEqual(t, v2, v3, "another handle's commit left the version as it was")

	// Closed, the state is unknown rather than stale.
	require.NoError(t, db.Close())
	_, ok = changes.Version()
	require.False(t, ok)
}

func TestChanges_PostgresRefused(t *testing.T) {
	db := MustOpenDB(t, store.DialectPostgres)
	_, err := db.Changes(context.Background())
	require.Error(t, err)
}
