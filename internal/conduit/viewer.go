package conduit

import (
	"context"
	"sync/atomic"
)

type viewerKey struct{}

type viewerState struct {
	user *User
	err  error
	// tokenVersion is the version the viewer's token was issued under;
	// hasToken says whether there is one.
	tokenVersion int64
	hasToken     bool
}

// NewContextWithViewer returns a context that carries the signed-in user.
func NewContextWithViewer(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, viewerKey{}, viewerState{user: u})
}

// NewContextWithViewerToken returns a context that carries the signed-in
// user and the token version of the credential that named it.
func NewContextWithViewerToken(ctx context.Context, u *User, tokenVersion int64) context.Context {
	return context.WithValue(ctx, viewerKey{}, viewerState{user: u, tokenVersion: tokenVersion, hasToken: true})
}

// ViewerTokenVersion returns the token version of the credential that named
// the viewer: what decides whether a write changed it, rather than the
// version of the user as it was read (which may have been reused).
func ViewerTokenVersion(ctx context.Context) (int64, bool) {
	s, _ := ctx.Value(viewerKey{}).(viewerState)
	return s.tokenVersion, s.user != nil && s.hasToken
}

// NewContextWithAuthError returns a context whose request sent a credential
// that was refused: the viewer is anonymous, and fields that need one answer err.
func NewContextWithAuthError(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, viewerKey{}, viewerState{err: err})
}

// ViewerFromContext returns the signed-in user, or nil when anonymous.
func ViewerFromContext(ctx context.Context) *User {
	s, _ := ctx.Value(viewerKey{}).(viewerState)
	return s.user
}

// ViewerIDFromContext returns the signed-in user's id, or 0 when anonymous.
func ViewerIDFromContext(ctx context.Context) int64 {
	if u := ViewerFromContext(ctx); u != nil {
		return u.ID
	}
	return 0
}

// AuthErrorFromContext returns why the request's credential was refused, or nil.
func AuthErrorFromContext(ctx context.Context) error {
	s, _ := ctx.Value(viewerKey{}).(viewerState)
	return s.err
}

// RequireViewer returns the signed-in user, or an UNAUTHENTICATED error that
// says whether the credential was missing or refused.
func RequireViewer(ctx context.Context) (*User, error) {
	s, _ := ctx.Value(viewerKey{}).(viewerState)
	if s.user != nil {
		return s.user, nil
	} else if s.err != nil {
		return nil, s.err
	}
	return nil, Errorf(EUNAUTHENTICATED, "You must be signed in.")
}

type operationViewerKey struct{}

// operationViewer holds who signed in during one GraphQL operation.
type operationViewer struct{ signedIn atomic.Int64 }

// NewContextWithOperationViewer returns a context that holds who signs in
// during one GraphQL operation (SignIn). The handler installs it once per
// response, next to the operation's loaders: per operation, not per
// request, since a websocket carries many operations on one request.
func NewContextWithOperationViewer(ctx context.Context) context.Context {
	return context.WithValue(ctx, operationViewerKey{}, &operationViewer{})
}

// SignIn records that userID signed in during ctx's operation (signUp,
// signIn), so that the rest of the operation may show what only they may
// see. Without a holder (NewContextWithOperationViewer) it records nothing.
func SignIn(ctx context.Context, userID int64) {
	if v, ok := ctx.Value(operationViewerKey{}).(*operationViewer); ok {
		v.signedIn.Store(userID)
	}
}

// IsViewer reports whether userID is the viewer of ctx's operation: the
// one the request's credential names, or the one who signed in during it.
func IsViewer(ctx context.Context, userID int64) bool {
	if userID == 0 {
		return false
	}
	if ViewerIDFromContext(ctx) == userID {
		return true
	}
	v, ok := ctx.Value(operationViewerKey{}).(*operationViewer)
	return ok && v.signedIn.Load() == userID
}
