package conduit

import "context"

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
