package auth

import (
	"context"
	"strings"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// Authenticator turns a request's credential into the viewer in its context.
type Authenticator struct {
	Tokens *Tokens
	Users  conduit.UserService
}

// Context returns ctx with the viewer that an Authorization value names
// ("Bearer <token>", "Token <token>" or a bare token). No credential leaves
// the viewer anonymous; a refused one records ErrBadToken, which fields that
// need a viewer answer.
func (a *Authenticator) Context(ctx context.Context, authorization string) (context.Context, error) {
	u, err := a.viewer(ctx, authorization)
	switch {
	case err == errNoToken:
		return ctx, nil
	case err != nil && conduit.ErrorCode(err) == conduit.EUNAUTHENTICATED:
		return conduit.NewContextWithAuthError(ctx, err), err
	case err != nil:
		return ctx, err
	}
	return conduit.NewContextWithViewer(ctx, u), nil
}

func (a *Authenticator) viewer(ctx context.Context, authorization string) (*conduit.User, error) {
	token := strings.TrimSpace(authorization)
	for _, scheme := range []string{"Bearer ", "Token "} {
		if len(token) >= len(scheme) && strings.EqualFold(token[:len(scheme)], scheme) {
			token = strings.TrimSpace(token[len(scheme):])
			break
		}
	}
	if token == "" {
		return nil, errNoToken
	}
	id, version, err := a.Tokens.Parse(token)
	if err != nil {
		return nil, err
	}
	u, err := a.Users.UserByID(ctx, id)
	if conduit.ErrorCode(err) == conduit.ENOTFOUND || err == nil && u.TokenVersion != version {
		return nil, ErrBadToken
	} else if err != nil {
		return nil, err
	}
	return u, nil
}
