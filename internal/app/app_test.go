package app_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/app"
	"github.com/conduit-graphql/conduit/internal/pubsub"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestShareReadCache checks where reads go with a Redis URL: through the
// Redis cache on PostgreSQL, straight to SQLite, which answers in process
// faster than a round trip to Redis; events go through Redis on both.
func TestShareReadCache(t *testing.T) {
	redisURL := testenv.Redis(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	for name, newDSN := range map[string]func(testing.TB) string{"sqlite": testenv.SQLite, "pg": testenv.Postgres} {
		t.Run(name, func(t *testing.T) {
			dsn := newDSN(t)
			db, err := store.Open(ctx, dsn)
			require.NoError(t, err)
			defer db.Close()
			d := app.Deps{DB: db}
			closeShared, err := d.Share(ctx, redisURL, log)
			require.NoError(t, err)
			defer closeShared()
			require.NotNil(t, d.Cache, "readiness reports Redis")
			require.IsType(t, &pubsub.Redis{}, d.Events)
			if db.Dialect() == store.DialectSQLite {
				require.Nil(t, d.ReadCache)
			} else {
				require.Same(t, d.Cache, d.ReadCache)
			}
		})
	}
}
