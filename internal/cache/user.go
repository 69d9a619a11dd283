package cache

import (
	"context"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// kindUser keys a user by id: user:<id>. The value is the whole
// conduit.User, counts and TokenVersion included; that is safe because
// every write that changes any of them invalidates the entry.
const kindUser = "user"

// userService caches users by id in front of inner. A write drops the
// entries it changed once inner returns, unless inner refused it (see
// mayHaveWritten). Every method is written out, not inherited by embedding,
// so that a method added to conduit.UserService fails to compile here until
// someone decides whether it must invalidate.
type userService struct {
	inner conduit.UserService
	c     *Cache
}

var _ conduit.UserService = (*userService)(nil)

// NewUserService returns inner with UserByID and UsersByIDs cached in c, and
// with UpdateUser, FollowUser and UnfollowUser invalidating the users they
// change. With a nil c it returns inner: no cache.
func NewUserService(inner conduit.UserService, c *Cache) conduit.UserService {
	if c == nil {
		return inner
	}
	return &userService{inner: inner, c: c}
}

func isUser(u *conduit.User) bool { return u != nil }

// UsersByIDs reads through the cache: one get, one inner call for the misses.
func (s *userService) UsersByIDs(ctx context.Context, ids []int64) ([]*conduit.User, error) {
	return readThrough(ctx, s.c, kindUser, ids, s.inner.UsersByIDs, isUser)
}

// UserByID reads through the cache. A miss asks inner.UserByID, so that
// ENOTFOUND is inner's own error.
func (s *userService) UserByID(ctx context.Context, id int64) (*conduit.User, error) {
	users, err := readThrough(ctx, s.c, kindUser, []int64{id}, s.userByID, isUser)
	if err != nil {
		return nil, err
	}
	return users[0], nil
}

func (s *userService) userByID(ctx context.Context, ids []int64) ([]*conduit.User, error) {
	u, err := s.inner.UserByID(ctx, ids[0])
	if err != nil {
		return nil, err
	}
	return []*conduit.User{u}, nil
}

// UpdateUser updates, then drops the user's entry.
func (s *userService) UpdateUser(ctx context.Context, id int64, upd conduit.UserUpdate) (*conduit.User, error) {
	u, err := s.inner.UpdateUser(ctx, id, upd)
	if mayHaveWritten(err) {
		s.c.del(ctx, s.c.key(kindUser, id))
	}
	return u, err
}

// FollowUser follows, then drops both users' entries: their counts changed.
func (s *userService) FollowUser(ctx context.Context, followerID, followeeID int64) error {
	err := s.inner.FollowUser(ctx, followerID, followeeID)
	if mayHaveWritten(err) {
		s.c.del(ctx, s.c.keys(kindUser, []int64{followerID, followeeID})...)
	}
	return err
}

// UnfollowUser unfollows, then drops both users' entries: their counts changed.
func (s *userService) UnfollowUser(ctx context.Context, followerID, followeeID int64) error {
	err := s.inner.UnfollowUser(ctx, followerID, followeeID)
	if mayHaveWritten(err) {
		s.c.del(ctx, s.c.keys(kindUser, []int64{followerID, followeeID})...)
	}
	return err
}

// CreateUser passes through: a new id has no entry to drop (misses are not
// cached).
func (s *userService) CreateUser(ctx context.Context, n conduit.NewUser) (*conduit.User, error) {
	return s.inner.CreateUser(ctx, n)
}

// Authenticate passes through: it must see the current password hash.
func (s *userService) Authenticate(ctx context.Context, email, password string) (*conduit.User, error) {
	return s.inner.Authenticate(ctx, email, password)
}

// UserByUsername passes through: usernames change, and an entry keyed by
// name would need its own invalidation.
func (s *userService) UserByUsername(ctx context.Context, username string) (*conduit.User, error) {
	return s.inner.UserByUsername(ctx, username)
}

// FollowingAmong passes through: it depends on the viewer.
func (s *userService) FollowingAmong(ctx context.Context, followerID int64, ids []int64) ([]bool, error) {
	return s.inner.FollowingAmong(ctx, followerID, ids)
}

// Followers passes through: pages are not cached.
func (s *userService) Followers(ctx context.Context, userID int64, args conduit.PageArgs) (*conduit.Page[*conduit.User], error) {
	return s.inner.Followers(ctx, userID, args)
}

// Following passes through: pages are not cached.
func (s *userService) Following(ctx context.Context, userID int64, args conduit.PageArgs) (*conduit.Page[*conduit.User], error) {
	return s.inner.Following(ctx, userID, args)
}
