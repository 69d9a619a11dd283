package cache_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/conduit-graphql/conduit/internal/auth"
	"github.com/conduit-graphql/conduit/internal/cache"
	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/redisconn"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/testenv"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testHasher is argon2id with tiny parameters: the real code, quickly.
var testHasher = &auth.Argon2{Memory: 64, Time: 1, Threads: 1}

// MustOpenDB opens a fresh, migrated SQLite database, closed when tb ends.
func MustOpenDB(tb testing.TB) *store.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, testenv.SQLite(tb))
	require.NoError(tb, err)
	tb.Cleanup(func() { require.NoError(tb, db.Close()) })
	require.NoError(tb, db.Migrate(ctx))
	return db
}

// MustOpenCache returns a cache on a client of the Redis at url, closed
// when tb ends, logging to log (nil: discard).
func MustOpenCache(tb testing.TB, url string, log *slog.Logger) *cache.Cache {
	tb.Helper()
	client, err := redisconn.New(url)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = client.Close() })
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return cache.New(cache.NewRedis(client), cache.Options{Logger: log})
}

var userSeq atomic.Int64

// MustCreateUser creates a user with a unique name starting with prefix.
func MustCreateUser(tb testing.TB, s conduit.UserService, prefix string) *conduit.User {
	tb.Helper()
	n := userSeq.Add(1)
	u, err := s.CreateUser(context.Background(), conduit.NewUser{
		Username: fmt.Sprintf("%s%d", prefix, n),
		Email:    fmt.Sprintf("%s%d@example.com", prefix, n),
		Password: "password123",
	})
	require.NoError(tb, err)
	return u
}

// counted returns a context that counts SQL statements, and the counter.
func counted() (context.Context, *atomic.Int64) {
	return store.WithStatementCounter(context.Background())
}

// Count returns how many lines contain s.
func ptr[T any](v T) *T { return &v }

func itoa(id int64) string { return fmt.Sprint(id) }
