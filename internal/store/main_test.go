package store_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/conduit-graphql/conduit/internal/auth"
	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/testenv"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testHasher is argon2id with tiny parameters: the real code, quickly.
var testHasher = &auth.Argon2{Memory: 64, Time: 1, Threads: 1}

// testEachDB runs f on a migrated SQLite file and a migrated PostgreSQL
// database, as subtests "sqlite" and "pg", in parallel.
func testEachDB(t *testing.T, f func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, name := range []string{store.DialectSQLite, store.DialectPostgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t, MustOpenDB(t, name))
		})
	}
}

// MustOpenDB opens a fresh, migrated database of the dialect, closed when
// tb ends.
func MustOpenDB(tb testing.TB, dialect string) *store.DB {
	tb.Helper()
	db := mustOpen(tb, dialect)
	require.NoError(tb, db.Migrate(context.Background()))
	return db
}

// mustOpen opens a fresh database of the dialect without migrating it.
func mustOpen(tb testing.TB, dialect string) *store.DB {
	tb.Helper()
	dsn := testenv.SQLite(tb)
	if dialect == store.DialectPostgres {
		dsn = testenv.Postgres(tb)
	}
	db, err := store.Open(context.Background(), dsn)
	require.NoError(tb, err)
	tb.Cleanup(func() { require.NoError(tb, db.Close()) })
	return db
}

var userSeq atomic.Int64

// MustCreateUser creates a user with a unique name (starting with prefix)
// and the password "password123".
func MustCreateUser(tb testing.TB, db *store.DB, prefix string) *conduit.User {
	tb.Helper()
	n := userSeq.Add(1)
	u, err := store.NewUserService(db, testHasher).CreateUser(context.Background(), conduit.NewUser{
		Username: fmt.Sprintf("%s%d", prefix, n),
		Email:    fmt.Sprintf("%s%d@example.com", prefix, n),
		Password: "password123",
	})
	require.NoError(tb, err)
	return u
}

// requireCode asserts that err is a *conduit.Error with this code.
func requireCode(tb testing.TB, err error, code string) {
	tb.Helper()
	require.Error(tb, err)
	require.Equal(tb, code, conduit.ErrorCode(err), "error: %v", err)
}
