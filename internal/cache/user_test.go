package cache_test

import (
	"context"
	"testing"

	"github.com/conduit-graphql/conduit/internal/cache"
	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/testenv"
	"github.com/stretchr/testify/require"
)

// newUserService returns the store's user service and the cached one over
// it, on a fresh database and a fresh Redis.
func newUserService(t *testing.T) (inner *store.UserService, cached conduit.UserService) {
	t.Helper()
	inner = store.NewUserService(MustOpenDB(t), testHasher)
	return inner, cache.NewUserService(inner, MustOpenCache(t, testenv.Redis(t), nil))
}

func TestUserService_UsersByIDs(t *testing.T) {
	inner, s := newUserService(t)
	var users []*conduit.User
	var ids []int64
	for range 5 {
		u := MustCreateUser(t, inner, "ids")
		users, ids = append(users, u), append(ids, u.ID)
	}

	t.Run("OKSecondReadNoSQL", func(t *testing.T) {
		ctx, n := counted()
		first, err := s.UsersByIDs(ctx, ids[:2])
		require.NoError(t, err)
		require.Equal(t, users[:2], first)
		require.EqualValues(t, 1, n.Load())

		n.Store(0)
		second, err := s.UsersByIDs(ctx, ids[:2])
		require.NoError(t, err)
		require.Equal(t, first, second, "what Redis gives back equals what the store gave")
		require.Zero(t, n.Load(), "served from Redis")
	})
	t.Run("OKOneLoadForMisses", func(t *testing.T) {
		// ids[:2] are cached by now; three misses and an unknown id cost one
		// statement, and the answer keeps the order of ids.
		ask := []int64{ids[4], 999999, ids[0], ids[3], ids[1], ids[2], ids[0]}
		ctx, n := counted()
		got, err := s.UsersByIDs(ctx, ask)
		require.NoError(t, err)
		require.Equal(t, []*conduit.User{users[4], nil, users[0], users[3], users[1], users[2], users[0]}, got)
		require.EqualValues(t, 1, n.Load())

		n.Store(0)
		got, err = s.UsersByIDs(ctx, ids)
		require.NoError(t, err)
		require.Equal(t, users, got)
		require.Zero(t, n.Load(), "all cached")
	})
	t.Run("OKMissingNotCached", func(t *testing.T) {
		ctx, n := counted()
		got, err := s.UsersByIDs(ctx, []int64{999999})
		require.NoError(t, err)
		require.Equal(t, []*conduit.User{nil}, got)
		require.EqualValues(t, 1, n.Load(), "a missing id goes to the database each time")
	})
	t.Run("OKNoIDs", func(t *testing.T) {
		ctx, n := counted()
		got, err := s.UsersByIDs(ctx, nil)
		require.NoError(t, err)
		require.Empty(t, got)
		require.Zero(t, n.Load())
	})
}

func TestUserService_UserByID(t *testing.T) {
	inner, s := newUserService(t)
	u := MustCreateUser(t, inner, "byid")

	t.Run("OKSecondReadNoSQL", func(t *testing.T) {
		ctx, n := counted()
		got, err := s.UserByID(ctx, u.ID)
		require.NoError(t, err)
		require.Equal(t, u, got)
		n.Store(0)
		got, err = s.UserByID(ctx, u.ID)
		require.NoError(t, err)
		require.Equal(t, u, got)
		require.Zero(t, n.Load())
	})
	t.Run("OKSharesEntriesWithUsersByIDs", func(t *testing.T) {
		ctx, n := counted()
		got, err := s.UsersByIDs(ctx, []int64{u.ID})
		require.NoError(t, err)
		require.Equal(t, []*conduit.User{u}, got)
		require.Zero(t, n.Load())
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := s.UserByID(context.Background(), 999999)
		require.Equal(t, conduit.ENOTFOUND, conduit.ErrorCode(err), "inner's error: %v", err)
	})
}

func TestUserService_Invalidation(t *testing.T) {
	inner, s := newUserService(t)
	ctx := context.Background()
	a, b := MustCreateUser(t, inner, "inv"), MustCreateUser(t, inner, "inv")
	// warm reads both users into the cache and checks that they are there.
	warm := func(t *testing.T) {
		t.Helper()
		_, err := s.UsersByIDs(ctx, []int64{a.ID, b.ID})
		require.NoError(t, err)
		cctx, n := counted()
		_, err = s.UsersByIDs(cctx, []int64{a.ID, b.ID})
		require.NoError(t, err)
		require.Zero(t, n.Load(), "warm")
	}
	user := func(t *testing.T, id int64) *conduit.User {
		t.Helper()
		got, err := s.UsersByIDs(ctx, []int64{id})
		require.NoError(t, err)
		return got[0]
	}

	t.Run("OKUpdateUser", func(t *testing.T) {
		warm(t)
		_, err := s.UpdateUser(ctx, a.ID, conduit.UserUpdate{Username: ptr("renamed"), Bio: ptr("new bio")})
		require.NoError(t, err)
		got := user(t, a.ID)
		require.Equal(t, "renamed", got.Username)
		require.Equal(t, "new bio", *got.Bio)
		one, err := s.UserByID(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, got, one)
	})
	t.Run("OKPasswordRaisesTokenVersion", func(t *testing.T) {
		warm(t)
		before := user(t, a.ID).TokenVersion
		_, err := s.UpdateUser(ctx, a.ID, conduit.UserUpdate{Password: ptr("another-password")})
		require.NoError(t, err)
		got, err := s.UserByID(ctx, a.ID)
		require.NoError(t, err)
		require.Greater(t, got.TokenVersion, before, "old tokens must not pass on a cached user")
	})
	t.Run("OKFollowUnfollow", func(t *testing.T) {
		warm(t)
		require.NoError(t, s.FollowUser(ctx, a.ID, b.ID))
		require.Equal(t, 1, user(t, a.ID).FollowingCount)
		require.Equal(t, 1, user(t, b.ID).FollowersCount)

		warm(t)
		require.NoError(t, s.UnfollowUser(ctx, a.ID, b.ID))
		require.Zero(t, user(t, a.ID).FollowingCount)
		require.Zero(t, user(t, b.ID).FollowersCount)
	})
	t.Run("ErrInvalidKeepsEntry", func(t *testing.T) {
		warm(t)
		_, err := s.UpdateUser(ctx, a.ID, conduit.UserUpdate{Username: ptr(b.Username)})
		require.Equal(t, conduit.EINVALID, conduit.ErrorCode(err))
		cctx, n := counted()
		_, err = s.UsersByIDs(cctx, []int64{a.ID})
		require.NoError(t, err)
		require.Zero(t, n.Load(), "a refused write changes nothing, and drops nothing")
	})
}

func TestUserService_PassThrough(t *testing.T) {
	inner, s := newUserService(t)
	ctx := context.Background()
	u := MustCreateUser(t, s, "pass")

	got, err := s.Authenticate(ctx, u.Email, "password123")
	require.NoError(t, err)
	require.Equal(t, u.ID, got.ID)
	got, err = s.UserByUsername(ctx, u.Username)
	require.NoError(t, err)
	require.Equal(t, u, got)
	v := MustCreateUser(t, inner, "pass")
	require.NoError(t, s.FollowUser(ctx, u.ID, v.ID))
	among, err := s.FollowingAmong(ctx, u.ID, []int64{v.ID, u.ID})
	require.NoError(t, err)
	require.Equal(t, []bool{true, false}, among)
	page, err := s.Followers(ctx, v.ID, conduit.PageArgs{First: 10})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	page, err = s.Following(ctx, u.ID, conduit.PageArgs{First: 10})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
}
