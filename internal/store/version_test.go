package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

// TestChanges: the version moves with every commit, by this handle or
// another (as another process or instance would make), and never with a
// read, on either database.
func TestChanges(t *testing.T) {
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": testenv.SQLite, "pg": testenv.Postgres} {
		t.Run(name, func(t *testing.T) { testChanges(t, dsn(t)) })
	}
}

func testChanges(t *testing.T, dsn string) {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.Migrate(ctx))
	changes, err := db.Changes(ctx)
	require.NoError(t, err)

	v0, ok := changes.Version(ctx)
	require.True(t, ok)
	// Reads commit nothing.
	users := store.NewUserService(db, testHasher)
	_, err = users.UserByID(ctx, 1)
	require.Error(t, err)
	v1, ok := changes.Version(ctx)
	require.True(t, ok)
	require.Equal(t, v0, v1, "a read changed the version")

	// A write through this handle changes it.
	MustCreateUser(t, db, "changes")
	v2, ok := changes.Version(ctx)
	require.True(t, ok)
	require.NotEqual(t, v1, v2, "a commit left the version as it was")

	// So does a commit from another handle on the same database.
	other, err := store.Open(ctx, dsn)
	require.NoError(t, err)
	MustCreateUser(t, other, "elsewhere")
	v3, ok := changes.Version(ctx)
	require.True(t, ok)
	require.NotEqual(t, v2, v3, "another handle's commit left the version as it was")

	// A write that has not committed yet when the version is read moves it
	// when it commits.
	commit := store.WriteUncommitted(t, other)
	v4, ok := changes.Version(ctx)
	require.True(t, ok)
	require.NoError(t, commit())
	v5, ok := changes.Version(ctx)
	require.True(t, ok)
	require.NotEqual(t, v4, v5, "a commit after the version was read left it as it was")
	require.NoError(t, other.Close())

	// Closed, the state is unknown rather than stale.
	require.NoError(t, db.Close())
	_, ok = changes.Version(ctx)
	require.False(t, ok)
}

// TestChanges_PostgresShared: on PostgreSQL, callers that arrive together
// share reads of the snapshot, and none gets one taken before it arrived:
// a commit that returned before a call is always seen by it, however many
// calls are in flight.
func TestChanges_PostgresShared(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, store.DialectPostgres)
	changes, err := db.Changes(ctx)
	require.NoError(t, err)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var calls atomic.Int64
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, ok := changes.Version(ctx)
				assert.True(t, ok)
				calls.Add(1)
			}
		}()
	}
	for range 20 {
		before, ok := changes.Version(ctx)
		require.True(t, ok)
		MustCreateUser(t, db, "shared")
		after, ok := changes.Version(ctx)
		require.True(t, ok)
		require.NotEqual(t, before, after, "a call after a commit got a snapshot from before it")
	}
	close(stop)
	wg.Wait()
	require.Less(t, db.VersionStatements(), calls.Load(), "every call read the snapshot itself")
}
