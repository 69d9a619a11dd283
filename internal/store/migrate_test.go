package store_test

import (
	"context"
	"testing"

	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/stretchr/testify/require"
)

func TestMigrate(t *testing.T) {
	for _, dialect := range []string{store.DialectSQLite, store.DialectPostgres} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := mustOpen(t, dialect)

			// A database never migrated: everything pending, nothing created.
			states, err := db.MigrationStatus(ctx)
			require.NoError(t, err)
			require.NotEmpty(t, states)
			for _, s := range states {
				require.False(t, s.Applied, s.Name)
			}
			pending, err := db.PendingMigrations(ctx)
			require.NoError(t, err)
			require.Equal(t, len(states), pending)

			require.NoError(t, db.Migrate(ctx))
			require.NoError(t, db.Migrate(ctx), "migrating twice is harmless")
			pending, err = db.PendingMigrations(ctx)
			require.NoError(t, err)
			require.Zero(t, pending)
			states, err = db.MigrationStatus(ctx)
			require.NoError(t, err)
			require.True(t, states[0].Applied)
			require.Equal(t, int64(1), states[0].GroupID)
			require.False(t, states[0].MigratedAt.IsZero())
			MustCreateUser(t, db, "mig")

			require.NoError(t, db.MigrateDown(ctx))
			pending, err = db.PendingMigrations(ctx)
			require.NoError(t, err)
			require.Equal(t, len(states), pending)

			// Up again: the tables are back, empty.
			require.NoError(t, db.Migrate(ctx))
			MustCreateUser(t, db, "mig")
		})
	}
}
