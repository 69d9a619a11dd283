package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/stretchr/testify/require"
)

// requireCounts asserts a user's follower and following counts.
func requireCounts(tb testing.TB, s *store.UserService, id int64, followers, following int) {
	tb.Helper()
	u, err := s.UserByID(context.Background(), id)
	require.NoError(tb, err)
	require.Equal(tb, followers, u.FollowersCount, "followers of %d", id)
	require.Equal(tb, following, u.FollowingCount, "following of %d", id)
}

func TestUserService_FollowUser(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewUserService(db, testHasher)
		a, b := MustCreateUser(t, db, "fol"), MustCreateUser(t, db, "fol")

		t.Run("OKIdempotent", func(t *testing.T) {
			require.NoError(t, s.FollowUser(ctx, a.ID, b.ID))
			require.NoError(t, s.FollowUser(ctx, a.ID, b.ID))
			requireCounts(t, s, a.ID, 0, 1)
			requireCounts(t, s, b.ID, 1, 0)
			among, err := s.FollowingAmong(ctx, a.ID, []int64{b.ID, a.ID, 999999, b.ID})
			require.NoError(t, err)
			require.Equal(t, []bool{true, false, false, true}, among)

			require.NoError(t, s.UnfollowUser(ctx, a.ID, b.ID))
			require.NoError(t, s.UnfollowUser(ctx, a.ID, b.ID))
			requireCounts(t, s, a.ID, 0, 0)
			requireCounts(t, s, b.ID, 0, 0)
			among, err = s.FollowingAmong(ctx, a.ID, []int64{b.ID})
			require.NoError(t, err)
			require.Equal(t, []bool{false}, among)
		})
		t.Run("OKFollowingAmongAnonymous", func(t *testing.T) {
			among, err := s.FollowingAmong(ctx, 0, []int64{a.ID, b.ID})
			require.NoError(t, err)
			require.Equal(t, []bool{false, false}, among)
		})
		t.Run("ErrSelf", func(t *testing.T) {
			err := s.FollowUser(ctx, a.ID, a.ID)
			requireCode(t, err, conduit.EINVALID)
			require.Contains(t, conduit.ErrorFields(err), "userId")
		})
		t.Run("ErrUnknownFollowee", func(t *testing.T) {
			requireCode(t, s.FollowUser(ctx, a.ID, 999999), conduit.ENOTFOUND)
			requireCode(t, s.UnfollowUser(ctx, a.ID, 999999), conduit.ENOTFOUND)
		})
		t.Run("ErrUnknownFollower", func(t *testing.T) {
			requireCode(t, s.FollowUser(ctx, 999999, a.ID), conduit.ENOTFOUND)
			requireCounts(t, s, a.ID, 0, 0)
		})
	})
}

// TestUserService_FollowConcurrently follows and unfollows from many
// goroutines at once; the counts must equal the rows.
func TestUserService_FollowConcurrently(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewUserService(db, testHasher)
		users := make([]*conduit.User, 4)
		for i := range users {
			users[i] = MustCreateUser(t, db, "conc")
		}
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for g := range 50 {
			wg.Go(func() {
				a, b := users[g%4], users[(g/4+g+1)%4]
				if a.ID == b.ID {
					b = users[(g+1)%4]
				}
				for i := range 4 {
					var err error
					if (g+i)%3 == 0 {
						err = s.UnfollowUser(ctx, a.ID, b.ID)
					} else {
						err = s.FollowUser(ctx, a.ID, b.ID)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		ids := []int64{users[0].ID, users[1].ID, users[2].ID, users[3].ID}
		followers, following := map[int64]int{}, map[int64]int{}
		for _, u := range users {
			among, err := s.FollowingAmong(ctx, u.ID, ids)
			require.NoError(t, err)
			for j, f := range among {
				if f {
					following[u.ID]++
					followers[ids[j]]++
				}
			}
		}
		total := 0
		for _, u := range users {
			requireCounts(t, s, u.ID, followers[u.ID], following[u.ID])
			total += following[u.ID]
		}
		require.NotZero(t, total, "some follows remain")
	})
}

func TestUserService_FollowPages(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewUserService(db, testHasher)
		me := MustCreateUser(t, db, "page")
		var others []*conduit.User // in the order followed
		for range 5 {
			o := MustCreateUser(t, db, "page")
			require.NoError(t, s.FollowUser(ctx, me.ID, o.ID))
			require.NoError(t, s.FollowUser(ctx, o.ID, me.ID))
			others = append(others, o)
		}
		newestFirst := []int64{others[4].ID, others[3].ID, others[2].ID, others[1].ID, others[0].ID}

		for name, list := range map[string]func(context.Context, int64, conduit.PageArgs) (*conduit.Page[*conduit.User], error){
			"Following": s.Following, "Followers": s.Followers,
		} {
			t.Run(name, func(t *testing.T) {
				p1, err := list(ctx, me.ID, conduit.PageArgs{First: 2})
				require.NoError(t, err)
				require.Equal(t, newestFirst[:2], ids(p1.Items))
				require.Len(t, p1.Cursors, 2)
				require.True(t, p1.HasNextPage)
				require.False(t, p1.HasPreviousPage)

				p2, err := list(ctx, me.ID, conduit.PageArgs{First: 2, After: &p1.Cursors[1]})
				require.NoError(t, err)
				require.Equal(t, newestFirst[2:4], ids(p2.Items))
				require.True(t, p2.HasNextPage)
				require.True(t, p2.HasPreviousPage)

				p3, err := list(ctx, me.ID, conduit.PageArgs{First: 2, After: &p2.Cursors[1]})
				require.NoError(t, err)
				require.Equal(t, newestFirst[4:], ids(p3.Items))
				require.False(t, p3.HasNextPage)

				// Backward from the end of page 3: page 2 again.
				b, err := list(ctx, me.ID, conduit.PageArgs{Last: 2, Before: &p3.Cursors[0]})
				require.NoError(t, err)
				require.Equal(t, newestFirst[2:4], ids(b.Items))
				require.Equal(t, p2.Cursors, b.Cursors, "cursors are stable")
				require.True(t, b.HasPreviousPage)
				require.True(t, b.HasNextPage)
				b, err = list(ctx, me.ID, conduit.PageArgs{Last: 3, Before: &b.Cursors[0]})
				require.NoError(t, err)
				require.Equal(t, newestFirst[:2], ids(b.Items))
				require.False(t, b.HasPreviousPage)

				// The last 2 of the whole list.
				b, err = list(ctx, me.ID, conduit.PageArgs{Last: 2})
				require.NoError(t, err)
				require.Equal(t, newestFirst[3:], ids(b.Items))
				require.True(t, b.HasPreviousPage)
				require.False(t, b.HasNextPage)
			})
		}
	})
}

// TestUserService_FollowPagesStable inserts between pages: rows added at
// the head neither repeat nor shift the pages after a cursor.
func TestUserService_FollowPagesStable(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewUserService(db, testHasher)
		me := MustCreateUser(t, db, "stab")
		var all []int64
		for range 4 {
			o := MustCreateUser(t, db, "stab")
			require.NoError(t, s.FollowUser(ctx, me.ID, o.ID))
			all = append([]int64{o.ID}, all...)
		}
		var seen []int64
		args := conduit.PageArgs{First: 2}
		for {
			p, err := s.Following(ctx, me.ID, args)
			require.NoError(t, err)
			seen = append(seen, ids(p.Items)...)
			// Someone new is followed between pages: at the head, unseen.
			require.NoError(t, s.FollowUser(ctx, me.ID, MustCreateUser(t, db, "stab").ID))
			if !p.HasNextPage {
				break
			}
			args.After = &p.Cursors[len(p.Cursors)-1]
		}
		require.Equal(t, all, seen)
	})
}

// TestUserService_FollowPagesSameTime pages through follows made at the
// same microsecond, and within one millisecond: the id breaks ties, and
// each cursor round-trips exactly.
func TestUserService_FollowPagesSameTime(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewUserService(db, testHasher)
		me := MustCreateUser(t, db, "same")
		base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
		// Two at the same microsecond, then steps of 1µs, 10µs and 100µs
		// (variable-length fractions as text would sort these wrongly),
		// and nanoseconds that must be truncated away.
		offsets := []time.Duration{0, 0, 1 * time.Microsecond, 10 * time.Microsecond, 100*time.Microsecond + 999, 120 * time.Microsecond}
		var want []int64
		for _, off := range offsets {
			o := MustCreateUser(t, db, "same")
			store.SetClock(db, func() time.Time { return base.Add(off) })
			require.NoError(t, s.FollowUser(ctx, me.ID, o.ID))
			want = append([]int64{o.ID}, want...)
		}
		store.SetClock(db, time.Now)
		var got []int64
		var cursors []conduit.Cursor
		args := conduit.PageArgs{First: 1}
		for {
			p, err := s.Following(ctx, me.ID, args)
			require.NoError(t, err)
			got = append(got, ids(p.Items)...)
			cursors = append(cursors, p.Cursors...)
			if !p.HasNextPage {
				break
			}
			// Through microseconds, as an API cursor carries it.
			c := conduit.Cursor{Time: time.UnixMicro(p.Cursors[0].Time.UnixMicro()).UTC(), ID: p.Cursors[0].ID}
			args.After = &c
		}
		require.Equal(t, want, got)
		require.Equal(t, base.Add(120*time.Microsecond), cursors[0].Time)
		require.Equal(t, base.Add(100*time.Microsecond), cursors[1].Time, "truncated to µs")
		require.Equal(t, cursors[4].Time, cursors[5].Time)
	})
}

func ids(users []*conduit.User) []int64 {
	out := make([]int64, len(users))
	for i, u := range users {
		out[i] = u.ID
	}
	return out
}
