package auth

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// Authenticator turns a request's credential into the viewer in its context.
//
// A token names a user and the token version it was issued under; the
// user's current version decides whether it still counts. Reading that for
// every signed-in request was most of a small request's cost, so a user read
// for a check is reused for Fresh. A password change on this instance
// (through ForgetOnWrite) forgets it at once; on another
// instance it takes effect here within Fresh. Zero reads the database on
// every request.
type Authenticator struct {
	Tokens *Tokens
	Users  conduit.UserService
	Fresh  time.Duration

	mu    sync.Mutex
	users map[int64]checkedUser
	now   func() time.Time
}

// checkedUser is a user read for a token check, and when.
type checkedUser struct {
	user *conduit.User
	read time.Time
}

// maxCheckedUsers bounds the users kept for token checks; when full the
// authenticator starts over.
const maxCheckedUsers = 10_000

// Forget drops what the authenticator keeps of a user, so that the next
// request reads the user's token version from the database.
func (a *Authenticator) Forget(userID int64) {
	a.mu.Lock()
	delete(a.users, userID)
	a.mu.Unlock()
}

// user returns the user with id as the token check needs it.
func (a *Authenticator) user(ctx context.Context, id int64) (*conduit.User, error) {
	if a.Fresh <= 0 {
		return a.Users.UserByID(ctx, id)
	}
	now := time.Now()
	if a.now != nil {
		now = a.now()
	}
	a.mu.Lock()
	c, ok := a.users[id]
	a.mu.Unlock()
	if ok && now.Sub(c.read) < a.Fresh {
		return c.user, nil
	}
	u, err := a.Users.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if len(a.users) >= maxCheckedUsers || a.users == nil {
		a.users = make(map[int64]checkedUser)
	}
	a.users[id] = checkedUser{user: u, read: now}
	a.mu.Unlock()
	return u, nil
}

// ForgetOnWrite returns users whose writes make a forget the users they
// change: a new password refuses older tokens at once, and the viewer of the
// next request shows the new profile and counts.
func ForgetOnWrite(users conduit.UserService, a *Authenticator) conduit.UserService {
	return forgetOnWrite{UserService: users, a: a}
}

type forgetOnWrite struct {
	conduit.UserService
	a *Authenticator
}

// UpdateUser updates the user, then forgets what the authenticator kept.
func (f forgetOnWrite) UpdateUser(ctx context.Context, id int64, upd conduit.UserUpdate) (*conduit.User, error) {
	u, err := f.UserService.UpdateUser(ctx, id, upd)
	f.a.Forget(id)
	return u, err
}

// FollowUser follows, then forgets both users, whose counts changed.
func (f forgetOnWrite) FollowUser(ctx context.Context, followerID, followeeID int64) error {
	err := f.UserService.FollowUser(ctx, followerID, followeeID)
	f.a.Forget(followerID)
	f.a.Forget(followeeID)
	return err
}

// UnfollowUser unfollows, then forgets both users, whose counts changed.
func (f forgetOnWrite) UnfollowUser(ctx context.Context, followerID, followeeID int64) error {
	err := f.UserService.UnfollowUser(ctx, followerID, followeeID)
	f.a.Forget(followerID)
	f.a.Forget(followeeID)
	return err
}

// Context returns ctx with the viewer that an Authorization value names
// ("Bearer <token>", "Token <token>" or a bare token). No credential leaves
// the viewer anonymous; a refused one records ErrBadToken, which fields that
// need a viewer answer.
func (a *Authenticator) Context(ctx context.Context, authorization string) (context.Context, error) {
	u, version, err := a.viewer(ctx, authorization)
	switch {
	case err == errNoToken:
		return ctx, nil
	case err != nil && conduit.ErrorCode(err) == conduit.EUNAUTHENTICATED:
		return conduit.NewContextWithAuthError(ctx, err), err
	case err != nil:
		return ctx, err
	}
	ctx = context.WithValue(ctx, credentialKey{}, authorization)
	return conduit.NewContextWithViewerToken(ctx, u, version), nil
}

// credentialKey keeps the credential that Context accepted, for Recheck.
type credentialKey struct{}

// Recheck checks again the credential that Context accepted for ctx: a
// websocket or event stream runs long after its viewer was read, and its
// token may have expired or been replaced (a new password) since. It
// returns ErrBadToken then, and nil for an anonymous context. A user that
// could not be read counts as still valid: a database hiccup should not
// end every open socket.
func (a *Authenticator) Recheck(ctx context.Context) error {
	credential, ok := ctx.Value(credentialKey{}).(string)
	if !ok {
		return nil
	}
	if _, _, err := a.viewer(ctx, credential); conduit.ErrorCode(err) == conduit.EUNAUTHENTICATED {
		return err
	}
	return nil
}

func (a *Authenticator) viewer(ctx context.Context, authorization string) (*conduit.User, int64, error) {
	token := strings.TrimSpace(authorization)
	for _, scheme := range []string{"Bearer ", "Token "} {
		if len(token) >= len(scheme) && strings.EqualFold(token[:len(scheme)], scheme) {
			token = strings.TrimSpace(token[len(scheme):])
			break
		}
	}
	if token == "" {
		return nil, 0, errNoToken
	}
	id, version, err := a.Tokens.Parse(token)
	if err != nil {
		return nil, 0, err
	}
	u, err := a.user(ctx, id)
	if conduit.ErrorCode(err) == conduit.ENOTFOUND || err == nil && u.TokenVersion != version {
		return nil, 0, ErrBadToken
	} else if err != nil {
		return nil, 0, err
	}
	return u, version, nil
}
