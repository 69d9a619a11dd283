package store_test

import (
	"context"
	"testing"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/stretchr/testify/require"
)

// TestStatementCounter counts exactly the statements of each call,
// BEGIN and COMMIT included, and not the no-op Rollback after Commit.
func TestStatementCounter(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewUserService(db, testHasher)
		a, b := MustCreateUser(t, db, "stmt"), MustCreateUser(t, db, "stmt")

		for _, tc := range []struct {
			name string
			call func(ctx context.Context) error
			want int64
		}{
			{"UserByID", func(ctx context.Context) error { _, err := s.UserByID(ctx, a.ID); return err }, 1},
			// BEGIN, SELECT EXISTS, INSERT, two UPDATEs, COMMIT.
			{"FollowUser", func(ctx context.Context) error { return s.FollowUser(ctx, a.ID, b.ID) }, 6},
			// Already following: nothing to count.
			{"FollowUserAgain", func(ctx context.Context) error { return s.FollowUser(ctx, a.ID, b.ID) }, 4},
			{"FollowingAmong", func(ctx context.Context) error {
				_, err := s.FollowingAmong(ctx, a.ID, []int64{a.ID, b.ID})
				return err
			}, 1},
			{"Following", func(ctx context.Context) error {
				_, err := s.Following(ctx, a.ID, conduit.PageArgs{First: 100})
				return err
			}, 1},
			// SELECT taken, BEGIN, INSERT, COMMIT.
			{"CreateUser", func(ctx context.Context) error {
				_, err := s.CreateUser(ctx, conduit.NewUser{Username: "counted", Email: "counted@example.com", Password: "password123"})
				return err
			}, 4},
			// SELECT taken, then nothing.
			{"CreateUserTaken", func(ctx context.Context) error {
				_, err := s.CreateUser(ctx, conduit.NewUser{Username: "counted", Email: "x@example.com", Password: "password123"})
				requireCode(t, err, conduit.EINVALID)
				return nil
			}, 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := db.Statements()
				outer, total := store.WithStatementCounter(ctx)
				inner, n := store.WithStatementCounter(outer)
				require.NoError(t, tc.call(inner))
				require.Equal(t, tc.want, n.Load())
				require.Equal(t, tc.want, total.Load(), "nested counters both count")
				require.Equal(t, before+tc.want, db.Statements())
			})
		}
	})
}
